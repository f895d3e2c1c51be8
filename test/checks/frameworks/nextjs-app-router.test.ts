import { describe, expect, it } from 'vitest';
import { nextAppRoute } from '../../../checks/frameworks/nextjs-app-router.js';
import { nextMiddlewareCandidates, judgeNextMiddleware } from '../../../checks/frameworks/nextjs-middleware.js';
import { parseTypeScript } from '../../../checks/lang/ts/parse.js';
import { SourceIndex } from '../../../checks/lang/ts/source-index.js';
import { analyzeSource } from '../../support/analyze-source.js';

const names = async (path: string, code: string) => (await analyzeSource(path, code, { checks: [] })).endpoints.map((e) => `${e.method} ${e.route}:${e.line}`);

describe('nextAppRoute', () => {
  it.each([
    ['app/api/invoices/route.ts', '/api/invoices'],
    ['app/api/invoices/[id]/route.ts', '/api/invoices/[id]'],
    ['src/app/api/users/route.js', '/api/users'],
    ['app/(dashboard)/api/reports/route.ts', '/api/reports'],
    ['app/@modal/api/x/route.ts', '/api/x'],
    ['app/route.ts', '/'],
    ['apps/web/src/app/api/[...slug]/route.ts', '/api/[...slug]'],
  ])('%s is routed as %s', (path, route) => {
    expect(nextAppRoute(path)).toBe(route);
  });

  it.each(['app/api/_lib/route.ts', 'app/api/users/page.tsx', 'pages/api/users.ts', 'app/api/users/route.test.txt', 'lib/route.ts'])('%s is not a route handler', (path) => {
    expect(nextAppRoute(path)).toBeUndefined();
  });
});

describe('Next.js App Router discovery', () => {
  it('finds exported function handlers by method', async () => {
    const code = `export async function GET() { return Response.json([]); }
export async function POST(req: Request) { return Response.json(await req.json()); }
export function helper() {}
`;
    expect(await names('app/api/items/route.ts', code)).toEqual(['GET /api/items:1', 'POST /api/items:2']);
  });

  it('finds `export const` handlers, wrapped or not', async () => {
    const code = `import { withAuth } from '@/lib/auth';
export const GET = withAuth(async (req) => Response.json([]));
export const DELETE = async (req: Request) => new Response(null, { status: 204 });
export const dynamic = 'force-dynamic';
`;
    expect(await names('app/api/items/[id]/route.ts', code)).toEqual(['GET /api/items/[id]:2', 'DELETE /api/items/[id]:3']);
  });

  it('finds handlers exported by name (NextAuth style)', async () => {
    const code = `import NextAuth from 'next-auth';
const handler = NextAuth({ providers: [] });
export { handler as GET, handler as POST };
`;
    expect(await names('app/api/auth/[...nextauth]/route.ts', code)).toEqual(['GET /api/auth/[...nextauth]:3', 'POST /api/auth/[...nextauth]:3']);
  });

  it('ignores exports that are not HTTP methods and files outside app/', async () => {
    expect(await names('app/api/items/route.ts', 'export const revalidate = 60;\nexport function get() {}\n')).toEqual([]);
    expect(await names('lib/items.ts', 'export async function GET() { return Response.json([]); }\n')).toEqual([]);
  });
});

describe('Next.js middleware', () => {
  const judge = (code: string, route: string) => judgeNextMiddleware(new SourceIndex('middleware.ts', parseTypeScript('middleware.ts', code).sourceFile), route);

  it('lives beside the app folder', () => {
    expect(nextMiddlewareCandidates('app/api/x/route.ts')).toEqual(['middleware.ts', 'middleware.js', 'proxy.ts', 'proxy.js']);
    expect(nextMiddlewareCandidates('src/app/api/x/route.ts')[0]).toBe('src/middleware.ts');
    expect(nextMiddlewareCandidates('apps/web/app/api/x/route.ts')[0]).toBe('apps/web/middleware.ts');
  });

  it('next-auth/middleware protects the routes its matcher covers', () => {
    const code = `export { default } from 'next-auth/middleware';\nexport const config = { matcher: ['/api/:path*'] };\n`;
    expect(judge(code, '/api/invoices/[id]').protects).toBe(true);
    expect(judge(code, '/public/feed').protects).toBe(false);
  });

  it('clerkMiddleware without protect() protects nothing', () => {
    const code = `import { clerkMiddleware } from '@clerk/nextjs/server';\nexport default clerkMiddleware();\n`;
    expect(judge(code, '/api/x').protects).toBe(false);
  });

  it('clerkMiddleware calling auth.protect() on every route protects it', () => {
    const code = `import { clerkMiddleware } from '@clerk/nextjs/server';
export default clerkMiddleware(async (auth) => { await auth.protect(); });
export const config = { matcher: ['/((?!_next|.*\\\\..*).*)', '/(api|trpc)(.*)'] };
`;
    expect(judge(code, '/api/x').protects).toBe(true);
  });

  it('a route matcher list is left to a human', () => {
    const code = `import { clerkMiddleware, createRouteMatcher } from '@clerk/nextjs/server';
const isProtected = createRouteMatcher(['/api/admin(.*)']);
export default clerkMiddleware(async (auth, req) => { if (isProtected(req)) await auth.protect(); });
`;
    expect(judge(code, '/api/admin/users').protects).toBe('unknown');
  });
});
