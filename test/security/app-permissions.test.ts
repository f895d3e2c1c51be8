/**
 * The app asks GitHub for the least it needs (app.yml, the manifest the
 * setup flow registers), and the README explains each permission. A new
 * permission fails this test until it is justified in both places; a
 * broader level (contents: write, issues: write) fails it outright.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const manifest = parse(readFileSync(new URL('app.yml', ROOT), 'utf8')) as { default_permissions: Record<string, string>; default_events: string[] };
const readme = readFileSync(new URL('README.md', ROOT), 'utf8');

/** What each permission is for; the level is the least that does it. */
const LEAST_PERMISSIONS: Record<string, string> = {
  checks: 'write', // create and complete the check run
  pull_requests: 'write', // post the review and its comments, resolve our threads
  contents: 'read', // read changed files and the config; never write
  metadata: 'read', // mandatory; collaborator permission lookup
  issues: 'read', // delivery of issue_comment events; the app writes nothing to issues
};

describe('app.yml', () => {
  it('asks for exactly the least permissions', () => {
    expect(manifest.default_permissions).toEqual(LEAST_PERMISSIONS);
  });

  it('subscribes only to the events it handles', () => {
    expect([...manifest.default_events].sort()).toEqual(['check_run', 'check_suite', 'issue_comment', 'pull_request']);
  });

  it('each permission is explained in the README with its level', () => {
    const section = readme.slice(readme.indexOf('## Permissions'), readme.indexOf('## Install the GitHub App'));
    for (const [permission, level] of Object.entries(manifest.default_permissions)) {
      const label = permission.replace('_', ' ').replace(/^\w/, (first) => first.toUpperCase());
      expect(section, `${permission}: ${level}`).toMatch(new RegExp(`\\| ${label}: ${level} \\| \\S`, 'i'));
    }
  });
});
