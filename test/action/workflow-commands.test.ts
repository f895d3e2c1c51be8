/**
 * Workflow commands and the event payload: escaping that keeps a message
 * inside its command, and which pull requests get a read-only token.
 */
import { describe, expect, it } from 'vitest';
import { readActionInputs } from '../../src/action/action-inputs.js';
import { withConfigOverrides } from '../../src/action/action-octokit.js';
import { readPullRequestEvent } from '../../src/action/pull-request-event.js';
import { annotationCommand, messageCommand, outputLine } from '../../src/action/workflow-commands.js';
import { mergeConfigFiles } from '../../src/config/load-config.js';
import { loadPullRequestExample } from '../e2e/pull-request-payload.js';

describe('workflow commands', () => {
  it('escapes data and properties as the runner decodes them', () => {
    const command = annotationCommand({
      path: 'app/api/[id]/route,ts',
      start_line: 4,
      end_line: 6,
      annotation_level: 'failure',
      title: 'high: missing-authentication (GET /api/:id)',
      message: '100% open\nline two\r\n::error::injected',
    });
    expect(command).toBe('::error file=app/api/[id]/route%2Cts,line=4,endLine=6,title=high%3A missing-authentication (GET /api/%3Aid)::100%25 open%0Aline two%0D%0A::error::injected\n');
    // One line: the injected text cannot start a command of its own.
    expect(command.trimEnd().split('\n')).toHaveLength(1);
  });

  it('maps annotation levels to error, warning and notice, and leaves out endLine for one line', () => {
    const base = { path: 'a.ts', start_line: 2, end_line: 2, title: 't', message: 'm' };
    expect(annotationCommand({ ...base, annotation_level: 'warning' })).toBe('::warning file=a.ts,line=2,title=t::m\n');
    expect(annotationCommand({ ...base, annotation_level: 'notice' })).toBe('::notice file=a.ts,line=2,title=t::m\n');
    expect(messageCommand('error', 'a\nb')).toBe('::error::a%0Ab\n');
  });

  it('writes outputs with a heredoc when the value has a newline', () => {
    expect(outputLine('mode', 'annotations', 'EOF1')).toBe('mode=annotations\n');
    expect(outputLine('text', 'a\nb', 'EOF1')).toBe('text<<EOF1\na\nb\nEOF1\n');
  });
});

describe('the pull request of the event', () => {
  const example = () => loadPullRequestExample('opened') as any;

  it('a branch of the same repository: a token that can write', () => {
    const payload = example();
    payload.pull_request.head.repo = structuredClone(payload.repository);
    const event = readPullRequestEvent('pull_request', payload);
    expect(event).toMatchObject({ ok: true, pullRequest: { owner: payload.repository.owner.login, repo: payload.repository.name, pullNumber: payload.number, readOnlyToken: false } });
  });

  it('a branch of a repository that is itself a fork is not a fork pull request', () => {
    const payload = example();
    payload.repository.fork = true;
    payload.pull_request.head.repo = structuredClone(payload.repository);
    expect(readPullRequestEvent('pull_request', payload)).toMatchObject({ ok: true, pullRequest: { readOnlyToken: false } });
  });

  it('another repository, or a deleted fork: read-only on pull_request, writing on pull_request_target', () => {
    const payload = example();
    payload.pull_request.head.repo = { ...structuredClone(payload.repository), full_name: 'contributor/repo', fork: true };
    expect(readPullRequestEvent('pull_request', payload)).toMatchObject({ ok: true, pullRequest: { readOnlyToken: true, readOnlyReason: expect.stringContaining('contributor/repo') } });
    expect(readPullRequestEvent('pull_request_target', payload)).toMatchObject({ ok: true, pullRequest: { readOnlyToken: false } });
    payload.pull_request.head.repo = null;
    expect(readPullRequestEvent('pull_request', payload)).toMatchObject({ ok: true, pullRequest: { readOnlyToken: true, readOnlyReason: expect.stringContaining('a deleted fork') } });
  });

  it('another event or a payload without a pull request is a problem to report', () => {
    expect(readPullRequestEvent('push', {})).toMatchObject({ ok: false, problem: expect.stringContaining('not on `push`') });
    expect(readPullRequestEvent('pull_request', { repository: {} })).toMatchObject({ ok: false });
  });
});

describe('inputs', () => {
  it('reads INPUT_* with hyphens kept; empty means not given', () => {
    expect(readActionInputs({ 'INPUT_GITHUB-TOKEN': 't', 'INPUT_FAIL-ON': 'medium', 'INPUT_MAX-COMMENTS': '5', INPUT_CONFIG: '', 'INPUT_SARIF-FILE': 'out.sarif' })).toEqual({
      ok: true,
      inputs: { token: 't', failOn: 'medium', maxComments: 5, sarifFile: 'out.sarif' },
    });
  });

  it('refuses a config path outside the repository and a missing token', () => {
    const read = readActionInputs({ INPUT_CONFIG: '../other/config.yml' });
    expect(read).toMatchObject({ ok: false });
    expect(read.ok ? [] : read.problems).toEqual([expect.stringContaining('github-token is empty'), expect.stringContaining('must be a path inside the repository')]);
  });
});

describe('configuration overrides of the inputs', () => {
  it('come last in the chain, so they win over the repository file, and the path is the input', async () => {
    const seen: string[] = [];
    const get = withConfigOverrides(
      async (params) => {
        seen.push(params.path);
        return { config: { fail_on: 'low', max_comments: 10 }, files: [{ owner: 'o', repo: 'r', path: params.path, url: '', config: { fail_on: 'low', max_comments: 10 } }] };
      },
      { path: '.github/custom.yml', fail_on: 'critical' },
    );
    const read = await get({ owner: 'o', repo: 'r', path: '.github/api-security-review.yml' });
    expect(seen).toEqual(['.github/custom.yml']);
    // What readConfigFiles does: the repository's own file last after reversing.
    expect(mergeConfigFiles(read.files.map((file) => file.config).reverse())).toEqual({ fail_on: 'critical', max_comments: 10 });
  });
});
