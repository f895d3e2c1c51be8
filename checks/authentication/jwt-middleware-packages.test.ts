/**
 * koa-jwt and express-jwt judged from their options (jwt-middleware-packages):
 * authn.invalid-token through identity-not-enforced, authn.token-expiry
 * through weak-token-verification, each weakening option next to the sound
 * configuration that stays silent.
 */
import { describe, expect, it } from 'vitest';
import identityNotEnforced from './identity-not-enforced.js';
import weakTokenVerification from './weak-token-verification.js';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';

const koa = (options: string) => `import Koa from 'koa';
import Router from '@koa/router';
import jwt from 'koa-jwt';
const app = new Koa();
const router = new Router();
router.use(jwt(${options}));
router.get('/orders', async (ctx) => { ctx.body = await db.order.findMany({ where: { userId: ctx.state.user.sub } }); });
app.use(router.routes());
`;

const express = (options: string) => `import express from 'express';
import { expressjwt } from 'express-jwt';
const app = express();
app.get('/orders', expressjwt(${options}), async (req, res) => res.json(await db.order.findMany({ where: { userId: req.auth.sub } })));
`;

async function verdict(code: string) {
  const result = await analyzeSource('src/app.ts', code, { checks: [identityNotEnforced, weakTokenVerification] });
  const checklist = endpointOf(result, 'GET /orders').checklist;
  return { invalidToken: checklist['authn.invalid-token'], expiry: checklist['authn.token-expiry'], findings: result.findings };
}

describe('koa-jwt', () => {
  it('valid: a secret from the environment and pinned algorithms', async () => {
    const { invalidToken, expiry, findings } = await verdict(koa("{ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] }"));
    expect(findings).toEqual([]);
    expect(invalidToken.status).toBe('pass');
    expect(invalidToken.evidence[0]).toMatchObject({ line: 6 });
    expect(invalidToken.evidence[0].note).toContain('ctx.throw(401)');
    expect(expiry.status).toBe('pass');
  });

  it('valid: jwt(...).unless({ path }) keeps the same verdict for the routes it covers', async () => {
    const { invalidToken, expiry } = await verdict(koa("{ secret: process.env.JWT_SECRET! }).unless({ path: [/^\\/public/] }"));
    expect(invalidToken.status).toBe('pass');
    expect(expiry.status).toBe('pass');
  });

  it('invalid: passthrough: true lets a bad token through', async () => {
    const { invalidToken, findings } = await verdict(koa('{ secret: process.env.JWT_SECRET!, passthrough: true }'));
    expect(invalidToken.status).toBe('fail');
    expect(findings.find((finding) => finding.ruleId === 'identity-not-enforced')).toMatchObject({ line: 6, severity: 'high' });
  });

  it('valid: passthrough: false is the default behaviour', async () => {
    const { invalidToken } = await verdict(koa('{ secret: process.env.JWT_SECRET!, passthrough: false }'));
    expect(invalidToken.status).toBe('pass');
  });

  it('invalid: ignoreExpiration: true is passed through to jsonwebtoken', async () => {
    const { expiry, findings } = await verdict(koa('{ secret: process.env.JWT_SECRET!, ignoreExpiration: true }'));
    expect(expiry.status).toBe('fail');
    expect(findings.find((finding) => finding.ruleId === 'weak-token-verification')?.message).toContain('ignoreExpiration: true');
  });

  it("invalid: 'none' among the algorithms", async () => {
    const { expiry, findings } = await verdict(koa("{ secret: process.env.JWT_SECRET!, algorithms: ['HS256', 'none'] }"));
    expect(expiry.status).toBe('fail');
    expect(findings.find((finding) => finding.ruleId === 'weak-token-verification')?.severity).toBe('critical');
  });

  it('invalid: a hard-coded secret, shown masked', async () => {
    const { expiry, findings } = await verdict(koa("{ secret: 'super-secret-signing-key' }"));
    expect(expiry.status).toBe('fail');
    const finding = findings.find((candidate) => candidate.ruleId === 'weak-token-verification')!;
    expect(finding.message).toContain('"su******" (24 characters)');
    expect(finding.message).not.toContain('super-secret-signing-key');
  });
});

describe('express-jwt', () => {
  it('valid: expressjwt with a secret from the environment and algorithms', async () => {
    const { invalidToken, expiry, findings } = await verdict(express("{ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] }"));
    expect(findings).toEqual([]);
    expect(invalidToken.status).toBe('pass');
    expect(invalidToken.evidence[0].note).toContain('express-jwt');
    expect(expiry.status).toBe('pass');
  });

  it('invalid: ignoreExpiration: true', async () => {
    const { expiry } = await verdict(express("{ secret: process.env.JWT_SECRET!, algorithms: ['HS256'], ignoreExpiration: true }"));
    expect(expiry.status).toBe('fail');
  });

  it('invalid: a hard-coded secret', async () => {
    const { expiry } = await verdict(express("{ secret: 'changeme-changeme', algorithms: ['HS256'] }"));
    expect(expiry.status).toBe('fail');
  });

  it('a local function named jwt is not the package: its verdict does not come from package knowledge', async () => {
    const { invalidToken } = await verdict(`import express from 'express';
const app = express();
const jwt = (options) => (req, res, next) => next();
app.get('/orders', jwt({ secret: 'x' }), async (req, res) => res.json([]));
`);
    expect(invalidToken.evidence.map((evidence) => evidence.note).join(' ')).not.toMatch(/koa-jwt|express-jwt/);
  });
});
