/**
 * comparePosture: the endpoints of the changed files before and after, item
 * by item; and the section that says it in the check run.
 */
import { describe, expect, it } from 'vitest';
import { comparePosture, isPostureChanged } from '../../src/review/posture.js';
import { renderPostureSection } from '../../src/render/posture-section.js';
import { analyzeSource } from '../support/analyze-source.js';
import missingAuthentication from '../../checks/authentication/missing-authentication.js';

const PROTECTED = `import express from 'express';
import jwt from 'jsonwebtoken';
const app = express();
app.use(requireAuth);
function requireAuth(req, res, next) {
  try { req.user = jwt.verify(String(req.headers.authorization), process.env.JWT_SECRET!, { algorithms: ['HS256'] }); next(); } catch { return res.status(401).end(); }
}
app.delete('/projects/:id', async (req, res) => res.json(await db.project.deleteMany({ where: { id: req.params.id, ownerId: req.user.sub } })));
`;
const analyse = (path: string, text: string) => analyzeSource(path, text, { checks: [missingAuthentication] });

describe('comparePosture', () => {
  it('a control removed by a deleted line: worse, pointing at that line', async () => {
    const base = await analyse('src/app.ts', PROTECTED);
    const head = await analyse('src/app.ts', PROTECTED.replace('app.use(requireAuth);\n', ''));
    const diff = comparePosture(base, head, new Map(), new Map([['src/app.ts', new Set([4])]]));
    expect(diff.worse).toEqual([expect.objectContaining({ item: 'authn.identity', before: 'pass', after: 'fail', removedControl: expect.objectContaining({ file: 'src/app.ts', line: 4 }) })]);
    expect(diff.worse[0].findings[0].ruleId).toBe('missing-authentication');
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
  });

  it('the same change read the other way round: better', async () => {
    const base = await analyse('src/app.ts', PROTECTED.replace('app.use(requireAuth);\n', ''));
    const head = await analyse('src/app.ts', PROTECTED);
    const diff = comparePosture(base, head, new Map(), new Map());
    expect(diff.better).toEqual([expect.objectContaining({ item: 'authn.identity', before: 'fail', after: 'pass' })]);
    expect(diff.worse).toEqual([]);
  });

  it('endpoints added and removed, and a renamed file matched through its old path', async () => {
    const base = await analyse('src/old.ts', PROTECTED);
    const head = await analyse('src/new.ts', PROTECTED.replace("app.delete('/projects/:id'", "app.get('/projects/:id'"));
    const renamed = comparePosture(base, head, new Map([['src/new.ts', 'src/old.ts']]), new Map());
    expect(renamed.added.map((endpoint) => endpoint.name)).toEqual(['GET /projects/:id']);
    expect(renamed.removed.map((endpoint) => endpoint.name)).toEqual(['DELETE /projects/:id']);
  });

  it('nothing changed: nothing to say', async () => {
    const base = await analyse('src/app.ts', PROTECTED);
    const diff = comparePosture(base, await analyse('src/app.ts', `${PROTECTED}// a comment\n`), new Map(), new Map());
    expect(isPostureChanged(diff)).toBe(false);
    expect(renderPostureSection(diff)).toBe('');
  });

  it('the section names the endpoint, the item and the deleted line', async () => {
    const base = await analyse('src/app.ts', PROTECTED);
    const head = await analyse('src/app.ts', PROTECTED.replace('app.use(requireAuth);\n', ''));
    const section = renderPostureSection(comparePosture(base, head, new Map(), new Map([['src/app.ts', new Set([4])]])));
    expect(section).toContain("### What this PR changes in your API's security posture");
    expect(section).toContain('**Got worse** (1 item):');
    expect(section).toContain('`DELETE /projects/:id` (src/app.ts:7): **User identity verified before processing** pass → fail: this PR deletes the line that provided it, `src/app.ts:4`');
  });
});
