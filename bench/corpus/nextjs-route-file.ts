/**
 * One Next.js App Router `route.ts` file: exported GET/POST/PATCH/PUT/DELETE
 * handlers with Clerk `auth()`, NextAuth `getServerSession`, a `withAuth`
 * wrapper or no authentication at all; Drizzle or Prisma; zod validation or
 * raw `req.json()`; try/catch with safe or leaky errors. The mix of good and
 * bad code is deliberate: checks take different paths on each.
 */
import { CodeWriter } from './code-writer.js';
import { writeDtoMapper, writeRandomHelper, writeRowType } from './helpers.js';
import { camelCase } from './naming.js';
import type { Random } from './random.js';
import { RESOURCES, SUB_PATHS, writableFields, type Resource } from './vocabulary.js';

type AuthStyle = 'clerk' | 'next-auth' | 'wrapper' | 'none';
type Orm = 'drizzle' | 'prisma';

interface RouteContext {
  random: Random;
  writer: CodeWriter;
  resource: Resource;
  auth: AuthStyle;
  orm: Orm;
  validated: boolean;
  hasId: boolean;
  table: string;
  dto: string | undefined;
  usesRateLimit: boolean;
  usesLogger: boolean;
  usesAudit: boolean;
}

export function nextRoutePath(random: Random, resource: Resource, hasId: boolean): string {
  const root = random.weighted({ 'app/api': 6, 'src/app/api': 3, 'app/(dashboard)/api': 1 });
  const version = random.chance(0.2) ? '/v1' : '';
  const id = hasId ? '/[id]' : '';
  const sub = hasId && random.chance(0.25) ? `/${random.pick(SUB_PATHS)}` : '';
  return `${root}${version}/${resource.plural}${id}${sub}/route.ts`;
}

/** Writes a route file of roughly `targetLines` lines (never fewer than its handlers need). */
export function generateNextRouteFile(random: Random, targetLines: number): { path: string; text: string } {
  const resource = random.pick(RESOURCES);
  const hasId = random.chance(0.55);
  const context: RouteContext = {
    random,
    writer: new CodeWriter(),
    resource,
    auth: random.weighted<AuthStyle>({ clerk: 4, 'next-auth': 3, wrapper: 2, none: 1 }),
    orm: random.weighted<Orm>({ drizzle: 1, prisma: 1 }),
    validated: random.chance(0.7),
    hasId,
    table: camelCase(resource.plural),
    dto: undefined,
    usesRateLimit: random.chance(0.3),
    usesLogger: random.chance(0.5),
    usesAudit: random.chance(0.3),
  };
  writeImports(context);
  writeModuleHeader(context);

  const methods = hasId ? random.sample(['GET', 'PATCH', 'PUT', 'DELETE'], random.int(1, 3)) : random.sample(['GET', 'POST'], random.int(1, 2));
  // Helpers first when the file is big: the handlers then sit near the end, as in real files that grew.
  let helperCount = 0;
  const estimatedHandlerLines = methods.length * 28;
  while (context.writer.lineCount + estimatedHandlerLines < targetLines) {
    writeRandomHelper({ random, writer: context.writer, resource, typed: true, suffix: helperCount === 0 ? '' : String(helperCount + 1) });
    helperCount++;
  }
  for (const method of methods) writeHandler(context, method);
  return { path: nextRoutePath(random, resource, hasId), text: context.writer.toString() };
}

function writeImports({ writer, random, auth, orm, validated, table, usesRateLimit, usesLogger, usesAudit }: RouteContext): void {
  writer.line("import { NextRequest, NextResponse } from 'next/server';");
  if (validated) writer.line("import { z } from 'zod';");
  if (auth === 'clerk') writer.line("import { auth } from '@clerk/nextjs/server';");
  if (auth === 'next-auth') {
    writer.line("import { getServerSession } from 'next-auth';");
    writer.line("import { authOptions } from '@/lib/auth';");
  }
  if (auth === 'wrapper') writer.line("import { withAuth, type AuthedContext } from '@/lib/with-auth';");
  if (orm === 'drizzle') {
    writer.line("import { and, desc, eq } from 'drizzle-orm';");
    writer.line("import { db } from '@/db';");
    writer.line(`import { ${table} } from '@/db/schema';`);
  } else {
    writer.line("import { prisma } from '@/lib/prisma';");
  }
  if (usesRateLimit) writer.line("import { ratelimit } from '@/lib/ratelimit';");
  if (usesLogger) writer.line("import { logger } from '@/lib/logger';");
  if (usesAudit) writer.line("import { recordAudit } from '@/lib/audit';");
  writer.line();
  if (random.chance(0.3)) {
    writer.line("export const dynamic = 'force-dynamic';");
    writer.line();
  }
}

function writeModuleHeader(context: RouteContext): void {
  const { writer, resource, validated, random } = context;
  writeRowType(writer, resource);
  if (validated) {
    writer.block(`const create${resource.type}Schema = z.object({`, () => {
      for (const field of writableFields(resource)) writer.line(`${field.name}: ${field.zod},`);
    }, '});');
    writer.line();
    writer.line(`const update${resource.type}Schema = create${resource.type}Schema.partial();`);
    writer.line();
  }
  if (random.chance(0.6)) context.dto = writeDtoMapper({ random, writer, resource, typed: true, suffix: '' });
}

function handlerSignature(context: RouteContext, method: string): { open: string; close: string } {
  const params = context.hasId ? '{ params }: { params: Promise<{ id: string }> }' : '_context: unknown';
  if (context.auth === 'wrapper') {
    return { open: `export const ${method} = withAuth(async (req: NextRequest, { params, user }: AuthedContext<{ id: string }>) => {`, close: '});' };
  }
  return { open: `export async function ${method}(req: NextRequest, ${params}) {`, close: '}' };
}

function writeHandler(context: RouteContext, method: string): void {
  const { writer, random } = context;
  const signature = handlerSignature(context, method);
  // One handler in seven forgets the identity check the rest of the file does.
  const authenticated = context.auth !== 'none' && random.chance(6 / 7);
  writer.block(signature.open, () => {
    const userId = writeIdentity(context, authenticated);
    if (context.hasId) writer.line(context.auth === 'wrapper' ? 'const { id } = params;' : 'const { id } = await params;');
    if (context.usesRateLimit && random.chance(0.7)) {
      writer.line(`const { success } = await ratelimit.limit(\`${method.toLowerCase()}:\${${userId}}\`);`);
      writer.block('if (!success) {', () => writer.line("return NextResponse.json({ error: 'Too many requests' }, { status: 429 });"));
    }
    const guarded = random.chance(0.65);
    if (guarded) {
      writer.block('try {', () => writeDataAccess(context, method, userId), null);
      writer.block('} catch (error) {', () => writeCatch(context, method), '}');
    } else {
      writeDataAccess(context, method, userId);
    }
  }, signature.close);
  writer.line();
}

/** Writes the identity check and returns the expression that names the caller. */
function writeIdentity(context: RouteContext, authenticated: boolean): string {
  const { writer, auth } = context;
  const unauthorized = () => writer.line("return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });");
  if (auth === 'wrapper') {
    writer.line('const userId = user.id;');
    return 'userId';
  }
  if (!authenticated) {
    writer.line("const userId = req.headers.get('x-user-id') ?? 'anonymous';");
    return 'userId';
  }
  if (auth === 'clerk') {
    writer.line('const { userId } = await auth();');
    writer.block('if (!userId) {', unauthorized);
    return 'userId';
  }
  writer.line('const session = await getServerSession(authOptions);');
  writer.block('if (!session?.user?.id) {', unauthorized);
  writer.line('const userId = session.user.id;');
  return 'userId';
}

function writeCatch({ writer, random, usesLogger }: RouteContext, method: string): void {
  if (usesLogger) writer.line(`logger.error({ err: error }, '${method} failed');`);
  else writer.line(`console.error('${method} failed', error);`);
  if (random.chance(0.25)) {
    writer.line('return NextResponse.json({ error: (error as Error).message }, { status: 500 });');
  } else {
    writer.line("return NextResponse.json({ error: 'Internal server error' }, { status: 500 });");
  }
}

function writeBody(context: RouteContext, schema: string): string {
  const { writer, validated } = context;
  if (!validated) {
    writer.line('const data = await req.json();');
    return 'data';
  }
  writer.line(`const parsed = ${schema}.safeParse(await req.json());`);
  writer.block('if (!parsed.success) {', () => {
    writer.line("return NextResponse.json({ error: 'Invalid input', issues: parsed.error.flatten() }, { status: 400 });");
  });
  return 'parsed.data';
}

function respondWith(context: RouteContext, value: string, many: boolean): string {
  if (context.dto === undefined) return value;
  return many ? `${value}.map(${context.dto})` : `${context.dto}(${value})`;
}

function writeDataAccess(context: RouteContext, method: string, userId: string): void {
  const { writer, random, resource, orm, table } = context;
  const ownerScoped = random.chance(0.7);
  const model = `prisma.${resource.model}`;
  if (method === 'GET' && !context.hasId) {
    writer.line('const { searchParams } = new URL(req.url);');
    writer.line("const page = Math.max(1, Number(searchParams.get('page') ?? '1'));");
    writer.line("const pageSize = Math.min(100, Number(searchParams.get('pageSize') ?? '20'));");
    if (orm === 'drizzle') {
      writer.line('const rows = await db');
      writer.line('  .select()');
      writer.line(`  .from(${table})`);
      if (ownerScoped) writer.line(`  .where(eq(${table}.ownerId, ${userId}))`);
      writer.line(`  .orderBy(desc(${table}.createdAt))`);
      writer.line('  .limit(pageSize)');
      writer.line('  .offset((page - 1) * pageSize);');
    } else {
      writer.block(`const rows = await ${model}.findMany({`, () => {
        if (ownerScoped) writer.line(`where: { ownerId: ${userId} },`);
        writer.line("orderBy: { createdAt: 'desc' },");
        writer.line('take: pageSize,');
        writer.line('skip: (page - 1) * pageSize,');
      }, '});');
    }
    writer.line(`return NextResponse.json({ data: ${respondWith(context, 'rows', true)}, page, pageSize });`);
    return;
  }
  if (method === 'POST') {
    const data = writeBody(context, `create${resource.type}Schema`);
    if (orm === 'drizzle') writer.line(`const [created] = await db.insert(${table}).values({ ...${data}, ownerId: ${userId} }).returning();`);
    else writer.line(`const created = await ${model}.create({ data: { ...${data}, ownerId: ${userId} } });`);
    if (context.usesAudit) writer.line(`await recordAudit({ actorId: ${userId}, action: '${resource.singular}.create', targetId: created.id });`);
    writer.line(`return NextResponse.json(${respondWith(context, 'created', false)}, { status: 201 });`);
    return;
  }
  const where = ownerScoped
    ? orm === 'drizzle'
      ? `and(eq(${table}.id, id), eq(${table}.ownerId, ${userId}))`
      : `{ id, ownerId: ${userId} }`
    : orm === 'drizzle'
      ? `eq(${table}.id, id)`
      : '{ id }';
  if (method === 'GET') {
    if (orm === 'drizzle') writer.line(`const [row] = await db.select().from(${table}).where(${where});`);
    else writer.line(`const row = await ${model}.${ownerScoped ? 'findFirst' : 'findUnique'}({ where: ${where} });`);
    writer.block('if (!row) {', () => writer.line("return NextResponse.json({ error: 'Not found' }, { status: 404 });"));
    if (!ownerScoped && random.chance(0.5)) {
      writer.block(`if (row.ownerId !== ${userId}) {`, () => writer.line("return NextResponse.json({ error: 'Forbidden' }, { status: 403 });"));
    }
    writer.line(`return NextResponse.json(${respondWith(context, 'row', false)});`);
    return;
  }
  if (method === 'PATCH' || method === 'PUT') {
    const data = writeBody(context, `update${resource.type}Schema`);
    if (orm === 'drizzle') {
      writer.line('const [updated] = await db');
      writer.line(`  .update(${table})`);
      writer.line(`  .set({ ...${data}, updatedAt: new Date() })`);
      writer.line(`  .where(${where})`);
      writer.line('  .returning();');
    } else {
      writer.line(`const updated = await ${model}.${ownerScoped ? 'updateMany' : 'update'}({ where: ${where}, data: ${data} });`);
    }
    writer.block('if (!updated) {', () => writer.line("return NextResponse.json({ error: 'Not found' }, { status: 404 });"));
    writer.line(`return NextResponse.json(${ownerScoped && orm === 'prisma' ? 'updated' : respondWith(context, 'updated', false)});`);
    return;
  }
  if (orm === 'drizzle') writer.line(`await db.delete(${table}).where(${where});`);
  else writer.line(`await ${model}.${ownerScoped ? 'deleteMany' : 'delete'}({ where: ${where} });`);
  writer.line('return new NextResponse(null, { status: 204 });');
}
