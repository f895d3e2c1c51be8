/**
 * The checks API: create and update check runs with GitHub's validation
 * (required fields, enums, a known head sha, output limits, at most 50
 * annotations per request, annotations accumulating across updates).
 */
import type { ApiReply, ApiRequest, Route } from '../http-types.js';
import { paginate } from '../pagination.js';
import { created, errorReply, notFound, ok } from '../responses.js';
import { checkRunJson } from '../representations.js';
import { timestamp, type CheckRunAnnotation, type CheckRunState, type RepositoryState } from '../store.js';
import { objectBody, withRepository } from './lookup.js';

const CREATE_DOCS = 'https://docs.github.com/rest/checks/runs#create-a-check-run';
const UPDATE_DOCS = 'https://docs.github.com/rest/checks/runs#update-a-check-run';
const GET_DOCS = 'https://docs.github.com/rest/checks/runs#get-a-check-run';
const LIST_DOCS = 'https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference';

const STATUSES = ['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending'];
const CONCLUSIONS = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out'];
const ANNOTATION_LEVELS = ['notice', 'warning', 'failure'];
const MAX_OUTPUT_CHARS = 65535;
const MAX_ANNOTATIONS_PER_REQUEST = 50;

export const checkRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/repos/{owner}/{repo}/check-runs',
    auth: 'installation',
    handle: (request) => withRepository(request, CREATE_DOCS, (repo) => createCheckRun(request, repo)),
  },
  {
    method: 'PATCH',
    pattern: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, UPDATE_DOCS, (repo) => {
        const run = findRun(request, repo);
        return run ? updateCheckRun(request, run) : notFound(UPDATE_DOCS);
      }),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, GET_DOCS, (repo) => {
        const run = findRun(request, repo);
        return run ? ok(checkRunJson(request.store, run, request.apiBaseUrl)) : notFound(GET_DOCS);
      }),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, GET_DOCS, (repo) => {
        const run = findRun(request, repo);
        if (!run) return notFound(GET_DOCS);
        const page = paginate(run.annotations, request);
        return ok(page.items, page.headers);
      }),
  },
  {
    method: 'GET',
    pattern: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    auth: 'installation',
    handle: (request) =>
      withRepository(request, LIST_DOCS, (repo) => {
        const sha = resolveSha(repo, request.params.ref ?? '');
        const checkName = request.query.get('check_name');
        const status = request.query.get('status');
        const runs = [...request.store.checkRuns.values()]
          .filter((run) => run.repository === repo.fullName && run.headSha === sha)
          .filter((run) => checkName === null || run.name === checkName)
          .filter((run) => status === null || run.status === status)
          .reverse();
        const page = paginate(runs, request);
        return ok(
          { total_count: runs.length, check_runs: page.items.map((run) => checkRunJson(request.store, run, request.apiBaseUrl)) },
          page.headers,
        );
      }),
  },
];

function findRun(request: ApiRequest, repo: RepositoryState): CheckRunState | undefined {
  const run = request.store.checkRuns.get(Number(request.params.check_run_id));
  return run && run.repository === repo.fullName ? run : undefined;
}

/** A branch name of a pull request resolves to its head sha; anything else is taken as a sha. */
function resolveSha(repo: RepositoryState, ref: string): string {
  const pull = [...repo.pulls.values()].find((candidate) => candidate.head.ref === ref);
  return pull ? pull.head.sha : ref;
}

function invalid(detail: string, documentationUrl: string): ApiReply {
  return errorReply(422, `Invalid request.\n\n${detail}`, documentationUrl);
}

function createCheckRun(request: ApiRequest, repo: RepositoryState): ApiReply {
  const body = objectBody(request.body);
  if (typeof body.name !== 'string' || body.name === '') return invalid('"name" wasn\'t supplied.', CREATE_DOCS);
  if (typeof body.head_sha !== 'string' || body.head_sha === '') return invalid('"head_sha" wasn\'t supplied.', CREATE_DOCS);
  if (!repo.refs.has(body.head_sha)) return errorReply(422, `No commit found for SHA: ${body.head_sha}`, CREATE_DOCS);
  const problem = validateRunFields(body);
  if (problem) return invalid(problem, CREATE_DOCS);

  const now = timestamp();
  const run: CheckRunState = {
    id: request.store.newId(),
    repository: repo.fullName,
    name: body.name,
    headSha: body.head_sha,
    status: 'queued',
    conclusion: null,
    startedAt: typeof body.started_at === 'string' ? body.started_at : now,
    completedAt: null,
    externalId: null,
    detailsUrl: null,
    output: { title: null, summary: null, text: null },
    annotations: [],
    history: [{ method: 'POST', body }],
    headBranches: [...repo.pulls.values()].filter((pull) => pull.state === 'open' && pull.head.sha === body.head_sha).map((pull) => pull.head.ref),
  };
  applyRunFields(run, body);
  request.store.checkRuns.set(run.id, run);
  return created(checkRunJson(request.store, run, request.apiBaseUrl));
}

function updateCheckRun(request: ApiRequest, run: CheckRunState): ApiReply {
  const body = objectBody(request.body);
  if (body.name !== undefined && (typeof body.name !== 'string' || body.name === '')) return invalid('"name" must be a string.', UPDATE_DOCS);
  const problem = validateRunFields(body);
  if (problem) return invalid(problem, UPDATE_DOCS);
  if (typeof body.name === 'string') run.name = body.name;
  run.history.push({ method: 'PATCH', body });
  applyRunFields(run, body);
  return ok(checkRunJson(request.store, run, request.apiBaseUrl));
}

/** The first problem GitHub would reject the request for, or undefined. */
function validateRunFields(body: Record<string, unknown>): string | undefined {
  if (body.status !== undefined && !STATUSES.includes(String(body.status))) {
    return `${JSON.stringify(body.status)} is not a member of ${JSON.stringify(STATUSES)}.`;
  }
  if (body.conclusion !== undefined && body.conclusion !== null && !CONCLUSIONS.includes(String(body.conclusion))) {
    return `${JSON.stringify(body.conclusion)} is not a member of ${JSON.stringify(CONCLUSIONS)}.`;
  }
  if (body.status === 'completed' && (body.conclusion === undefined || body.conclusion === null)) {
    return '"conclusion" wasn\'t supplied.';
  }
  if (body.output === undefined) return undefined;
  if (typeof body.output !== 'object' || body.output === null) return 'For \'properties/output\', it is not an object.';
  const output = body.output as Record<string, unknown>;
  if (typeof output.title !== 'string') return '"title" wasn\'t supplied.';
  if (typeof output.summary !== 'string') return '"summary" wasn\'t supplied.';
  for (const field of ['summary', 'text'] as const) {
    const value = output[field];
    if (typeof value === 'string' && value.length > MAX_OUTPUT_CHARS) {
      return `Only ${MAX_OUTPUT_CHARS} characters are allowed; ${value.length} were supplied.`;
    }
  }
  if (output.annotations === undefined) return undefined;
  if (!Array.isArray(output.annotations)) return 'For \'properties/annotations\', it is not an array.';
  if (output.annotations.length > MAX_ANNOTATIONS_PER_REQUEST) {
    return `For 'properties/annotations', ${output.annotations.length} items were supplied but only ${MAX_ANNOTATIONS_PER_REQUEST} are allowed.`;
  }
  for (const annotation of output.annotations as unknown[]) {
    const problem = validateAnnotation(annotation);
    if (problem) return problem;
  }
  return undefined;
}

function validateAnnotation(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'For \'items\', it is not an object.';
  const annotation = value as Record<string, unknown>;
  for (const field of ['path', 'message'] as const) {
    if (typeof annotation[field] !== 'string' || annotation[field] === '') return `"${field}" wasn't supplied.`;
  }
  for (const field of ['start_line', 'end_line'] as const) {
    if (!Number.isInteger(annotation[field]) || (annotation[field] as number) < 1) return `"${field}" wasn't supplied.`;
  }
  if (!ANNOTATION_LEVELS.includes(String(annotation.annotation_level))) {
    return `${JSON.stringify(annotation.annotation_level)} is not a member of ${JSON.stringify(ANNOTATION_LEVELS)}.`;
  }
  if ((annotation.start_column !== undefined || annotation.end_column !== undefined) && annotation.start_line !== annotation.end_line) {
    return 'start_column and end_column may only be used when start_line and end_line are the same.';
  }
  return undefined;
}

function applyRunFields(run: CheckRunState, body: Record<string, unknown>): void {
  if (typeof body.status === 'string') run.status = body.status;
  if (typeof body.conclusion === 'string') {
    // Setting a conclusion completes the run, as on GitHub.
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (run.status === 'completed' && run.completedAt === null) {
    run.completedAt = typeof body.completed_at === 'string' ? body.completed_at : timestamp();
  }
  if (typeof body.external_id === 'string') run.externalId = body.external_id;
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
  if (typeof body.output === 'object' && body.output !== null) {
    const output = body.output as Record<string, unknown>;
    run.output = {
      title: typeof output.title === 'string' ? output.title : run.output.title,
      summary: typeof output.summary === 'string' ? output.summary : run.output.summary,
      text: typeof output.text === 'string' ? output.text : run.output.text,
    };
    if (Array.isArray(output.annotations)) run.annotations.push(...(output.annotations as CheckRunAnnotation[]));
  }
}
