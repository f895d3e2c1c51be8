import { describe, expect, it } from 'vitest';
import { findExportedFunction, moduleCandidates } from '../../../checks/frameworks/resolve-imports.js';
import { parseTypeScript } from '../../../checks/lang/ts/parse.js';
import { SourceIndex } from '../../../checks/lang/ts/source-index.js';
import { CHECKS } from '../../../checks/index.js';
import { analyzeSources, endpointOf } from '../../support/analyze-source.js';

const indexOf = (path: string, code: string) => new SourceIndex(path, parseTypeScript(path, code).sourceFile);

describe('moduleCandidates', () => {
  it('resolves relative imports against the importing file', () => {
    expect(moduleCandidates('src/routes/users.ts', '../middleware/auth')).toEqual([
      'src/middleware/auth.ts',
      'src/middleware/auth.tsx',
      'src/middleware/auth.js',
      'src/middleware/auth/index.ts',
      'src/middleware/auth/index.js',
    ]);
  });

  it('maps a NodeNext `.js` specifier to its TypeScript source first', () => {
    expect(moduleCandidates('src/routes/users.ts', './auth.js').slice(0, 2)).toEqual(['src/routes/auth.ts', 'src/routes/auth.tsx']);
  });

  it('tries src/ and the root for the @/ alias, inside a monorepo app first', () => {
    const candidates = moduleCandidates('apps/web/app/api/x/route.ts', '@/lib/auth');
    expect(candidates[0]).toBe('apps/web/src/lib/auth.ts');
    expect(candidates).toContain('apps/web/lib/auth.ts');
    expect(candidates).toContain('lib/auth.ts');
  });

  it('never leaves the repository and never reads packages', () => {
    expect(moduleCandidates('a.ts', '../../etc/passwd')).toEqual([]);
    expect(moduleCandidates('src/a.ts', 'express-jwt')).toEqual([]);
  });
});

describe('findExportedFunction', () => {
  it.each([
    ['export function authenticate(req, res, next) { next(); }', 'authenticate'],
    ['export const authenticate = (req, res, next) => next();', 'authenticate'],
    ['function verify(req, res, next) { next(); }\nexport { verify as authenticate };', 'authenticate'],
    ['export default function (req, res, next) { next(); }', 'default'],
    ['const guard = (req, res, next) => next();\nexport default guard;', 'default'],
    ['module.exports = function (req, res, next) { next(); };', 'default'],
    ['function authenticate(req, res, next) { next(); }\nmodule.exports = { authenticate };', 'authenticate'],
    ['exports.authenticate = (req, res, next) => next();', 'authenticate'],
  ])('finds %s as %s', (code, name) => {
    expect(findExportedFunction(indexOf('m.ts', code), name)).toBeDefined();
  });

  it('finds nothing for a name the module does not export as a function', () => {
    expect(findExportedFunction(indexOf('m.ts', 'export const authenticate = passport.authenticate("jwt");'), 'authenticate')).toBeUndefined();
  });
});

describe('checks read imported middleware (one hop)', () => {
  const route = `import express from 'express';
import { authenticateToken } from '../middleware/auth';
const router = express.Router();
router.get('/invoices', authenticateToken, async (req, res) => res.json(await Invoice.find({ owner: req.user.id })));
export default router;
`;

  it('a middleware that verifies the JWT: authentication passes with the evidence in its file', async () => {
    const result = await analyzeSources({ 'src/routes/invoices.ts': route }, {
      checks: CHECKS,
      context: {
        'src/middleware/auth.ts': `import jwt from 'jsonwebtoken';
export function authenticateToken(req, res, next) {
  const token = req.headers.authorization?.split(' ')[1];
  if (!token) return res.sendStatus(401);
  jwt.verify(token, process.env.JWT_SECRET, (err, user) => {
    if (err) return res.sendStatus(401);
    req.user = user;
    next();
  });
}
`,
      },
    });
    const checklist = endpointOf(result, 'GET /invoices').checklist;
    expect(checklist['authn.identity'].status).toBe('pass');
    expect(checklist['authn.identity'].evidence[0].note).toContain('src/middleware/auth.ts:5');
    expect(checklist['authn.invalid-token'].status).toBe('pass');
    expect(checklist['authn.invalid-token'].evidence[0].file).toBe('src/middleware/auth.ts');
    expect(checklist['authn.token-expiry'].status).toBe('pass');
    expect(result.findings.filter((finding) => finding.checklistItem.startsWith('authn.'))).toEqual([]);
  });

  it('a middleware that only decodes the token: the finding points into the middleware file', async () => {
    const result = await analyzeSources({ 'src/routes/invoices.ts': route }, {
      checks: CHECKS,
      context: {
        'src/middleware/auth.ts': `import jwt from 'jsonwebtoken';
export function authenticateToken(req, res, next) {
  req.user = jwt.decode(req.headers.authorization.split(' ')[1]);
  if (!req.user) return res.sendStatus(401);
  next();
}
`,
      },
    });
    const finding = result.findings.find((f) => f.ruleId === 'weak-token-verification');
    expect(finding).toMatchObject({ file: 'src/middleware/auth.ts', line: 3, endpoint: 'GET /invoices' });
    expect(endpointOf(result, 'GET /invoices').checklist['authn.token-expiry'].status).toBe('fail');
  });

  it('a middleware stub that only calls next(): authentication fails despite its name', async () => {
    const result = await analyzeSources({ 'src/routes/invoices.ts': route }, {
      checks: CHECKS,
      context: {
        'src/middleware/auth.ts': 'export function authenticateToken(req, res, next) { next(); }\n',
        'src/app.ts': "import express from 'express';\nimport invoices from './routes/invoices';\nconst app = express();\napp.use('/invoices', invoices);\n",
      },
    });
    expect(endpointOf(result, 'GET /invoices').checklist['authn.identity'].status).toBe('fail');
  });

  it('a middleware that delegates to a verifier further away keeps the benefit of its name', async () => {
    const result = await analyzeSources({ 'src/routes/invoices.ts': route }, {
      checks: CHECKS,
      context: {
        'src/middleware/auth.ts': `import { verifySessionCookie } from '../lib/session';
export async function authenticateToken(req, res, next) { req.user = await loadSession(req.cookies.sid); next(); }
`,
      },
    });
    const item = endpointOf(result, 'GET /invoices').checklist['authn.identity'];
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('not followed further');
  });

  it('when the module cannot be found, the name decides authentication and the rest stays unknown', async () => {
    const result = await analyzeSources({ 'src/routes/invoices.ts': route }, { checks: CHECKS });
    const checklist = endpointOf(result, 'GET /invoices').checklist;
    expect(checklist['authn.identity'].status).toBe('pass');
    expect(checklist['authn.invalid-token'].status).toBe('unknown');
    expect(checklist['authn.token-expiry'].status).toBe('unknown');
  });
});
