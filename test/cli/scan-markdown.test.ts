/**
 * `--format markdown` prints the check run's summary: the same function the
 * app calls, over the same analysis, with nothing commented inline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { renderMarkdownSummary } from '../../src/render/markdown-summary.js';
import { analyzeFiles } from '../../src/review/analyze-files.js';
import { planReview } from '../../src/review/plan-review.js';
import { createGitProject, createProject, expressRoutes, git, runCli } from './cli-harness.js';

const FILES = {
  'src/routes.ts': expressRoutes([
    "router.post('/orders', async (req, res) => { res.json(await db.orders.create(req.body)); });",
    "router.get('/me', authenticateToken, async (req, res) => { res.json(await db.users.findUnique(req.user.id)); });",
  ]),
  'app/api/invoices/route.ts': "export async function DELETE() { await db.invoices.deleteMany(); return new Response(null, { status: 204 }); }\n",
};

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

async function expectedSummary(headSha: string): Promise<string> {
  const result = await analyzeFiles(
    Object.entries(FILES)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([path, text]) => ({ path, text })),
    { config: DEFAULT_CONFIG, context: { read: async () => undefined } },
  );
  const plan = planReview({ result, commentable: new Map(), postedFingerprints: new Set(), maxComments: DEFAULT_CONFIG.max_comments, failOn: 'high' });
  const markdown = renderMarkdownSummary({ result, plan, failOn: 'high', headSha, reviewedFiles: 2 });
  return markdown.endsWith('\n') ? markdown : `${markdown}\n`;
}

describe('scan --format markdown', () => {
  it('prints what renderMarkdownSummary renders for the check run, naming the HEAD commit', async () => {
    const project = createGitProject(FILES);
    cleanups.push(project.cleanup);
    const run = await runCli(project.dir, ['scan', '--format', 'markdown']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(await expectedSummary(git(project.dir, 'rev-parse', 'HEAD').trim()));
  });

  it('names the working tree outside git', async () => {
    const project = createProject(FILES);
    cleanups.push(project.cleanup);
    const run = await runCli(project.dir, ['scan', '--format', 'markdown']);
    expect(run.stdout).toBe(await expectedSummary('working tree'));
  });
});
