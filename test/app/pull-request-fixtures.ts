/**
 * What the app tests (and bench/pipeline-bench.ts) put in front of the app:
 * a route file with one finding, and a real `pull_request` payload pointed
 * at a PR of the fake GitHub. Apart from harness.ts on purpose: that one
 * loads nock, which replaces Node's HTTP client on import, and a bench must
 * time the real one.
 */
import { adaptPullRequestPayload, loadPullRequestExample } from '../e2e/pull-request-payload.js';

/** An Express route that deletes a user with no authentication: one finding, commented inline. */
export const ROUTE_FILE = [
  "import express from 'express';",
  'const app = express();',
  "app.post('/users/:id/delete', async (req, res) => { await db.user.delete({ where: { id: req.params.id } }); res.json({ ok: true }); });",
  'app.listen(3000);',
  '',
].join('\n');

export interface TestPullRequest {
  owner: string;
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  installationId: number;
  /** `feature-<number>` when absent; the base is always `main`. */
  headRef?: string;
}

/** `pull_request.<action>` from @octokit/webhooks-examples for `pr`: head `feature-<number>` (or `headRef`) over `main`. */
export function pullRequestPayload(action: string, pr: TestPullRequest): Record<string, any> {
  return adaptPullRequestPayload(loadPullRequestExample(action), {
    owner: pr.owner,
    repo: pr.repo,
    number: pr.number,
    headRef: pr.headRef ?? `feature-${pr.number}`,
    headSha: pr.headSha,
    baseRef: 'main',
    baseSha: pr.baseSha,
    installationId: pr.installationId,
  });
}
