/**
 * `--format markdown`: exactly the summary the app writes in its check run,
 * so a CLI run shows what the pull request will show. The CLI posts no
 * comments, so the plan has nothing commentable and nothing posted before:
 * every finding is listed in the summary.
 */
import type { AnalysisResult, Severity } from '../../checks/model.js';
import { renderMarkdownSummary } from '../render/markdown-summary.js';
import { planReview } from '../review/plan-review.js';
import { runGit } from './git.js';

export interface MarkdownReportInput {
  /** Paths already relative to the working directory. */
  result: AnalysisResult;
  failOn: Severity;
  maxComments: number;
  reviewedFiles: number;
  /** The project root: where HEAD is read from when it is a git work tree. */
  root: string;
  inGit: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

/** What the summary names as the reviewed revision when there is no commit to name. */
export const WORKING_TREE = 'working tree';

export async function formatMarkdown(input: MarkdownReportInput): Promise<string> {
  const plan = planReview({ result: input.result, commentable: new Map(), postedFingerprints: new Set(), maxComments: input.maxComments, failOn: input.failOn });
  const markdown = renderMarkdownSummary({ result: input.result, plan, failOn: input.failOn, headSha: await headSha(input), reviewedFiles: input.reviewedFiles });
  return markdown.endsWith('\n') ? markdown : `${markdown}\n`;
}

async function headSha(input: MarkdownReportInput): Promise<string> {
  if (!input.inGit) return WORKING_TREE;
  // A repository without commits has no HEAD to name.
  const head = await runGit(['rev-parse', '--verify', '--quiet', 'HEAD'], input.root, input.env);
  return head.ok ? head.stdout.trim() : WORKING_TREE;
}
