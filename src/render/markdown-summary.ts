import { renderCheckRunOutput, type CheckRunOutputInput } from './check-run-output.js';

/**
 * The CLI's `--format markdown`: exactly the summary of the check run the app
 * would post, so a local run and a pull request read the same.
 */
export function renderMarkdownSummary(input: CheckRunOutputInput): string {
  return renderCheckRunOutput(input).summary;
}
