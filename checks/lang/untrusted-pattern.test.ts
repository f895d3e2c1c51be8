import { describe, expect, it } from 'vitest';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';
import { compileUntrustedPattern, hasSafeShape, MAX_UNTRUSTED_SUBJECT_LENGTH } from './untrusted-pattern.js';

describe('compileUntrustedPattern', () => {
  it.each([
    ['^\\/public', '/public/feed', true],
    ['^/api(?:/.*)?$', '/api/users/1', true],
    ['^/((?!_next|static).*)$', '/_next/chunk.js', false],
    ['^/users/[^/]+$', '/users/7', true],
    ['^/v[0-9]{1,3}/health$', '/v12/health', true],
    ['^/(?:health|status)$', '/status', true],
    ['^/((?!_next|.*\\..*).*)$', '/api/users', true],
  ])('compiles the patterns real code writes: %s', (source, subject, expected) => {
    expect(compileUntrustedPattern(source)?.(subject)).toBe(expected);
  });

  it.each([
    ['^(a+)+$', 'a quantified group holding a quantifier'],
    ['^(a|aa)*$', 'a quantified alternation'],
    ['^(?:\\w*)*$', 'nested stars'],
    ['^(a{1,5}){2,}$', 'a bounded quantifier inside an unbounded one'],
    ['^.*.*.*.*x$', 'four unbounded quantifiers'],
    ['.*.*.*x', 'three unbounded quantifiers, unanchored'],
    ['^(a)\\1+$', 'a backreference'],
    ['^(?<x>a)\\k<x>$', 'a named backreference'],
    ['^(a', 'an unclosed group'],
    ['^[a', 'an unclosed class'],
  ])('refuses %s (%s)', (source) => {
    expect(hasSafeShape(source)).toBe(false);
    expect(compileUntrustedPattern(source)).toBeUndefined();
  });

  it('keeps a class with quantifier characters inside as one atom', () => {
    expect(hasSafeShape('^[+*?(|)]+$')).toBe(true);
  });

  it('does not test a subject longer than the bound', () => {
    const matcher = compileUntrustedPattern('^/a.*b.*$');
    expect(matcher?.(`/a${'x'.repeat(MAX_UNTRUSTED_SUBJECT_LENGTH)}b`)).toBeUndefined();
    expect(matcher?.('/axb')).toBe(true);
  });

  it('drops g and y, which would make test() remember the last match', () => {
    const matcher = compileUntrustedPattern('^/public', 'gy');
    expect([matcher?.('/public'), matcher?.('/public')]).toEqual([true, true]);
  });
});

describe('patterns written in a hostile pull request', () => {
  // Before untrusted-pattern.ts, each of these ran for minutes (exponential or high-degree polynomial backtracking).
  it('koa-jwt unless() with /^\\/(a+)+$/ and a route of 40 a: finishes, and the exclusion is not trusted', async () => {
    const source = [
      "import Router from '@koa/router';",
      "import jwt from 'koa-jwt';",
      'const router = new Router();',
      'router.use(jwt({ secret: process.env.JWT_SECRET }).unless({ path: [/^\\/(a+)+$/] }));',
      `router.get('/${'a'.repeat(40)}!', async (ctx) => { ctx.body = await db.user.findMany(); });`,
      'export default router;',
    ].join('\n');
    const result = await analyzeSource('src/routes.ts', source);
    expect(endpointOf(result, `GET /${'a'.repeat(40)}!`)).toBeDefined();
  });

  it('a Hono use() pattern with 13 stars and a 120-character route: finishes; the middleware covers nothing', async () => {
    const source = [
      "import { Hono } from 'hono';",
      "import { jwt } from 'hono/jwt';",
      'const app = new Hono();',
      `app.use('${'*a'.repeat(12)}*b', jwt({ secret: process.env.JWT_SECRET }));`,
      `app.delete('/${'a'.repeat(120)}', async (c) => { await db.user.deleteMany(); return c.json({}); });`,
      'export default app;',
    ].join('\n');
    const result = await analyzeSource('src/app.ts', source);
    const endpoint = endpointOf(result, `DELETE /${'a'.repeat(120)}`);
    expect(endpoint.checklist['authn.identity']?.status).toBe('fail');
  });

  it('a Next.js matcher with a nested quantifier: finishes; coverage is unknown, never pass', async () => {
    const route = `app/api/${'a'.repeat(40)}/route.ts`;
    const source = "export async function DELETE() { await db.user.deleteMany(); return Response.json({}); }\n";
    const middleware = [
      "import { NextResponse } from 'next/server';",
      "export function middleware(request) { if (!request.cookies.get('session')) return new NextResponse(null, { status: 401 }); return NextResponse.next(); }",
      "export const config = { matcher: ['/api/((a+)+)$'] };",
    ].join('\n');
    const result = await analyzeSource(route, source, { context: { 'middleware.ts': middleware } });
    const endpoint = endpointOf(result, `DELETE /api/${'a'.repeat(40)}`);
    expect(endpoint.checklist['authn.identity']?.status).not.toBe('pass');
  });
});
