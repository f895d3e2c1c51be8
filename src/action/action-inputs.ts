/**
 * The action's inputs (action.yml), as the runner passes them: environment
 * variables `INPUT_<NAME>` with the name upper-cased and hyphens kept
 * (`INPUT_FAIL-ON`). Empty means "not given": the runner sets every declared
 * input, with '' when the workflow gives none and there is no default.
 */
import { SEVERITIES, type Severity } from '../../checks/model.js';

export interface ActionInputs {
  /** The token the action talks to GitHub with (the workflow's GITHUB_TOKEN by default). */
  token: string;
  /** Repository path of the configuration, read from the default branch like the App's. */
  configPath?: string;
  /** Overrides the configuration's `fail_on`. */
  failOn?: Severity;
  /** Overrides the configuration's `max_comments`. */
  maxComments?: number;
  /** Where to write SARIF 2.1.0 for code scanning, relative to the workspace. */
  sarifFile?: string;
}

export type InputsResult = { ok: true; inputs: ActionInputs } | { ok: false; problems: string[] };

function input(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Reads and validates every input; all problems at once, so one run shows them all. */
export function readActionInputs(env: Readonly<Record<string, string | undefined>>): InputsResult {
  const problems: string[] = [];
  const token = input(env, 'github-token');
  if (token === undefined) problems.push('github-token is empty: pass `github-token: ${{ secrets.GITHUB_TOKEN }}` or leave the input out to use the default');

  const failOn = input(env, 'fail-on');
  if (failOn !== undefined && !(SEVERITIES as readonly string[]).includes(failOn)) problems.push(`fail-on "${failOn}" is not one of ${SEVERITIES.join(', ')}`);

  const maxCommentsText = input(env, 'max-comments');
  const maxComments = maxCommentsText === undefined ? undefined : Number(maxCommentsText);
  if (maxComments !== undefined && (!Number.isInteger(maxComments) || maxComments < 0 || maxComments > 100)) {
    problems.push(`max-comments "${maxCommentsText}" is not a whole number from 0 to 100`);
  }

  const configPath = input(env, 'config');
  if (configPath !== undefined && (configPath.startsWith('/') || configPath.split('/').includes('..'))) {
    problems.push(`config "${configPath}" must be a path inside the repository, such as .github/api-security-review.yml`);
  }
  const sarifFile = input(env, 'sarif-file');

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    inputs: {
      token: token!,
      ...(configPath === undefined ? {} : { configPath }),
      ...(failOn === undefined ? {} : { failOn: failOn as Severity }),
      ...(maxComments === undefined ? {} : { maxComments }),
      ...(sarifFile === undefined ? {} : { sarifFile }),
    },
  };
}
