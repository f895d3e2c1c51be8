/**
 * Request data in NestJS handlers and tRPC resolvers: which expressions
 * traceRequestOrigins labels as the caller's choice, each with the secure
 * neighbour that must stay unlabelled (the caller's own identity), then what
 * the ownership and SQL checks decide with it.
 */
import { describe, expect, it } from 'vitest';
import missingOwnershipCheck from '../../../checks/authorization/missing-ownership-check.js';
import type { Endpoint } from '../../../checks/frameworks/endpoint.js';
import { scopeOf } from '../../../checks/frameworks/endpoint.js';
import { discoverNestRoutes } from '../../../checks/frameworks/nestjs.js';
import { traceRequestOrigins } from '../../../checks/frameworks/request-origins.js';
import { discoverTrpcProcedures } from '../../../checks/frameworks/trpc.js';
import sqlInjection from '../../../checks/input-validation/sql-injection.js';
import { parseTypeScript, ts } from '../../../checks/lang/ts/parse.js';
import { SourceIndex } from '../../../checks/lang/ts/source-index.js';
import { analyzeSource, endpointOf } from '../../support/analyze-source.js';

const NEST_FILE = 'src/invoices/invoices.controller.ts';
const TRPC_FILE = 'src/server/api/routers/note.ts';

const NEST_HEADER = `import { Body, Controller, Delete, Get, Headers, Param, ParseIntPipe, Patch, Query, Req } from '@nestjs/common';
@Controller('invoices')
export class InvoicesController {
  constructor(private readonly prisma: PrismaService) {}
`;

/** One Nest controller method, wrapped in a controller class. */
const nest = (method: string) => `${NEST_HEADER}${method}\n}\n`;

const TRPC_HEADER = `import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
const t = initTRPC.context<Context>().create();
const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.session?.user) throw new TRPCError({ code: 'UNAUTHORIZED' });
  return next({ ctx: { session: ctx.session } });
});
`;

/** One procedure in a `t.router({ ... })` under the key `note`. */
const trpc = (procedure: string) => `${TRPC_HEADER}export const noteRouter = t.router({\n  note: ${procedure},\n});\n`;

function onlyEndpoint(endpoints: Endpoint[]): Endpoint {
  expect(endpoints).toHaveLength(1);
  return endpoints[0];
}

/**
 * The label traceRequestOrigins gives `text` as written inside the handler
 * (its last occurrence there: the use, not the parameter it comes from).
 */
function labelIn(endpoint: Endpoint, text: string): string | undefined {
  const index = endpoint.index;
  const handler = endpoint.handler;
  if (handler === undefined) throw new Error('the endpoint has no handler in this file');
  const kinds = [ts.SyntaxKind.Identifier, ts.SyntaxKind.PropertyAccessExpression, ts.SyntaxKind.ElementAccessExpression, ts.SyntaxKind.CallExpression];
  const matches = kinds
    .flatMap((kind) => index.nodesOfKind<ts.Expression>(kind, [scopeOf(handler)]))
    .filter((node) => index.textOf(node) === text)
    .sort((a, b) => a.pos - b.pos);
  const expression = matches[matches.length - 1];
  if (expression === undefined) throw new Error(`\`${text}\` is not written in the handler`);
  return traceRequestOrigins(endpoint).dataLabel(expression);
}

function nestLabel(method: string, text: string): string | undefined {
  const index = new SourceIndex(NEST_FILE, parseTypeScript(NEST_FILE, nest(method)).sourceFile);
  return labelIn(onlyEndpoint(discoverNestRoutes(index)), text);
}

function trpcLabel(procedure: string, text: string): string | undefined {
  const index = new SourceIndex(TRPC_FILE, parseTypeScript(TRPC_FILE, trpc(procedure)).sourceFile);
  return labelIn(onlyEndpoint(discoverTrpcProcedures(index)), text);
}

describe('request origins: NestJS handler parameters', () => {
  it("data: @Param('id') id reads as params.id", () => {
    expect(nestLabel(`@Get(':id') findOne(@Param('id') id: string) { return this.prisma.invoice.findUnique({ where: { id } }); }`, 'id')).toBe('params.id');
  });

  it("data: @Param('id', ParseIntPipe) id still holds the caller's id", () => {
    expect(nestLabel(`@Get(':id') findOne(@Param('id', ParseIntPipe) id: number) { return this.prisma.invoice.findUnique({ where: { id } }); }`, 'id')).toBe('params.id');
  });

  it('data: @Param() params gives params.id', () => {
    expect(nestLabel(`@Get(':id') findOne(@Param() params: { id: string }) { return this.prisma.invoice.findUnique({ where: { id: params.id } }); }`, 'params.id')).toBe('params.id');
  });

  it("data: @Query('customer') customer reads as query.customer", () => {
    expect(nestLabel(`@Get() search(@Query('customer') customer: string) { return this.prisma.invoice.findMany({ where: { customer } }); }`, 'customer')).toBe('query.customer');
  });

  it('data: @Query() query gives query.page', () => {
    expect(nestLabel(`@Get() list(@Query() query: ListQuery) { return this.prisma.invoice.findMany({ skip: query.page }); }`, 'query.page')).toBe('query.page');
  });

  it('data: @Body() dto is named by the parameter: dto.title', () => {
    expect(nestLabel(`@Patch(':id') update(@Body() dto: UpdateDto) { return this.prisma.invoice.updateMany({ where: {}, data: { title: dto.title } }); }`, 'dto.title')).toBe('dto.title');
  });

  it('data: @Body() { invoiceId } destructured reads as body.invoiceId', () => {
    expect(nestLabel(`@Patch() pay(@Body() { invoiceId }: PayDto) { return this.prisma.invoice.update({ where: { id: invoiceId }, data: {} }); }`, 'invoiceId')).toBe('body.invoiceId');
  });

  it("data: @Headers('x-tenant-id') tenant reads as headers['x-tenant-id']", () => {
    expect(nestLabel(`@Get() list(@Headers('x-tenant-id') tenant: string) { return this.prisma.invoice.findMany({ where: { tenantId: tenant } }); }`, 'tenant')).toBe("headers['x-tenant-id']");
  });

  it('data: @Req() req makes req.params.id request data', () => {
    expect(nestLabel(`@Get(':id') findOne(@Req() req: Request) { return this.prisma.invoice.findUnique({ where: { id: req.params.id } }); }`, 'req.params.id')).toBe('req.params.id');
  });

  it('data: @Request() under another name still is the request: request.query.id', () => {
    expect(nestLabel(`@Get() findOne(@Request() incoming: Request) { return this.prisma.invoice.findUnique({ where: { id: incoming.query.id } }); }`, 'incoming.query.id')).toBe('incoming.query.id');
  });

  it("not data: @Req() req's req.user.id is the caller's own id", () => {
    expect(nestLabel(`@Get() list(@Req() req: Request) { return this.prisma.invoice.findMany({ where: { ownerId: req.user.id } }); }`, 'req.user.id')).toBeUndefined();
  });

  it('not data: a @CurrentUser() user parameter is the caller', () => {
    expect(nestLabel(`@Get() list(@CurrentUser() user: User) { return this.prisma.invoice.findMany({ where: { ownerId: user.id } }); }`, 'user.id')).toBeUndefined();
  });

  it("not data: a Nest handler's first parameter is not the request unless decorated so", () => {
    expect(nestLabel(`@Get() list(user: User) { return this.prisma.invoice.findMany({ where: { ownerId: user.params } }); }`, 'user.params')).toBeUndefined();
  });
});

describe('request origins: tRPC resolver options', () => {
  it('data: { input } gives input.id', () => {
    expect(trpcLabel(`protectedProcedure.input(z.object({ id: z.string() })).query(({ ctx, input }) => ctx.db.note.findUnique({ where: { id: input.id } }))`, 'input.id')).toBe('input.id');
  });

  it('data: opts.input.id when the options are not destructured', () => {
    expect(trpcLabel(`protectedProcedure.input(z.object({ id: z.string() })).query((opts) => opts.ctx.db.note.findUnique({ where: { id: opts.input.id } }))`, 'opts.input.id')).toBe('opts.input.id');
  });

  it('data: { input: { id } } destructured in the parameter reads as input.id', () => {
    expect(trpcLabel(`protectedProcedure.input(z.object({ id: z.string() })).mutation(({ ctx, input: { id } }) => ctx.db.note.delete({ where: { id } }))`, 'id')).toBe('input.id');
  });

  it('data: const { id } = input inside the resolver reads as input.id', () => {
    expect(trpcLabel(`protectedProcedure.input(z.object({ id: z.string() })).query(async ({ ctx, input }) => { const { id } = input; return ctx.db.note.findUnique({ where: { id } }); })`, 'id')).toBe('input.id');
  });

  it('data: rawInput (tRPC 10) is the caller data too', () => {
    expect(trpcLabel(`protectedProcedure.query(({ ctx, rawInput }) => ctx.db.note.findMany({ where: { title: rawInput.title } }))`, 'rawInput.title')).toBe('rawInput.title');
  });

  it("not data: ctx.session.user.id is the caller's own id", () => {
    expect(trpcLabel(`protectedProcedure.query(({ ctx }) => ctx.db.note.findMany({ where: { createdById: ctx.session.user.id } }))`, 'ctx.session.user.id')).toBeUndefined();
  });

  it("not data: opts.ctx.session.user.id is the caller's own id", () => {
    expect(trpcLabel(`protectedProcedure.query((opts) => opts.ctx.db.note.findMany({ where: { createdById: opts.ctx.session.user.id } }))`, 'opts.ctx.session.user.id')).toBeUndefined();
  });

  it("not data: the rest of destructured options keeps ctx the server's: rest.ctx.session.user.id", () => {
    expect(trpcLabel(`protectedProcedure.query(({ path, ...rest }) => rest.ctx.db.note.findMany({ where: { createdById: rest.ctx.session.user.id } }))`, 'rest.ctx.session.user.id')).toBeUndefined();
  });

  it('data: the rest of destructured options still carries input: rest.input.id', () => {
    expect(trpcLabel(`protectedProcedure.input(z.object({ id: z.string() })).query(({ path, ...rest }) => rest.ctx.db.note.findUnique({ where: { id: rest.input.id } }))`, 'rest.input.id')).toBe('rest.input.id');
  });

  it('not data: the options object is not an HTTP request (opts.query is nothing the caller sent)', () => {
    expect(trpcLabel(`protectedProcedure.query((opts) => opts.ctx.db.note.findMany({ where: { title: opts.query } }))`, 'opts.query')).toBeUndefined();
  });
});

async function ownership(path: string, code: string, endpoint: string) {
  const result = await analyzeSource(path, code, { checks: [missingOwnershipCheck] });
  expect(result.errors).toEqual([]);
  return { item: endpointOf(result, endpoint).checklist['authz.ownership'], findings: result.findings };
}

async function sql(path: string, code: string, endpoint: string) {
  const result = await analyzeSource(path, code, { checks: [sqlInjection] });
  expect(result.errors).toEqual([]);
  return { item: endpointOf(result, endpoint).checklist['input.sql'], findings: result.findings };
}

describe('what the checks decide with it: NestJS', () => {
  it("invalid: findUnique by @Param('id') with no owner check fails ownership", async () => {
    const { item, findings } = await ownership(NEST_FILE, nest(`  @Get(':id')
  findOne(@Param('id') id: string) {
    return this.prisma.invoice.findUnique({ where: { id } });
  }`), 'GET /invoices/:id');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('selected by `params.id` from the request');
    expect(findings[0].line).toBe(7);
  });

  it("valid: the owner from @Req() req's user in the same where passes", async () => {
    const { item, findings } = await ownership(NEST_FILE, nest(`  @Get(':id')
  findOne(@Param('id') id: string, @Req() req: AuthenticatedRequest) {
    return this.prisma.invoice.findFirst({ where: { id, ownerId: req.user.id } });
  }`), 'GET /invoices/:id');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it("invalid: an owner taken from @Body() is the attacker's choice, not a restriction", async () => {
    const { item } = await ownership(NEST_FILE, nest(`  @Delete(':id')
  remove(@Param('id') id: string, @Body() dto: RemoveDto) {
    return this.prisma.invoice.deleteMany({ where: { id, ownerId: dto.ownerId } });
  }`), 'DELETE /invoices/:id');
    expect(item.status).toBe('fail');
  });

  it("invalid: a @Query value spliced into $queryRawUnsafe is SQL injection", async () => {
    const { item, findings } = await sql(NEST_FILE, nest(`  @Get('search')
  search(@Query('customer') customer: string) {
    return this.prisma.$queryRawUnsafe(\`SELECT id FROM "Invoice" WHERE "customer" = '\${customer}'\`);
  }`), 'GET /invoices/search');
    expect(item.status).toBe('fail');
    expect(findings[0].message).toContain('`query.customer`');
  });

  it('valid: the same value through the tagged $queryRaw is a parameter', async () => {
    const { item, findings } = await sql(NEST_FILE, nest(`  @Get('search')
  search(@Query('customer') customer: string) {
    return this.prisma.$queryRaw\`SELECT id FROM "Invoice" WHERE "customer" = \${customer}\`;
  }`), 'GET /invoices/search');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });
});

describe('what the checks decide with it: tRPC', () => {
  it('invalid: findUnique by input.id with no owner check fails ownership', async () => {
    const { item, findings } = await ownership(TRPC_FILE, trpc(`protectedProcedure.input(z.object({ id: z.string() })).query(({ ctx, input }) => ctx.db.note.findUnique({ where: { id: input.id } }))`), 'QUERY note');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('selected by `input.id` from the request');
  });

  it('valid: the caller from ctx.session in the same where passes', async () => {
    const { item, findings } = await ownership(TRPC_FILE, trpc(`protectedProcedure.input(z.object({ id: z.string() })).query(({ ctx, input }) => ctx.db.note.findFirst({ where: { id: input.id, createdById: ctx.session.user.id } }))`), 'QUERY note');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it("valid: a list scoped by ctx.session.user.id selects nothing by a request id (n/a)", async () => {
    const { item } = await ownership(TRPC_FILE, trpc(`protectedProcedure.query(({ ctx }) => ctx.db.note.findMany({ where: { createdById: ctx.session.user.id } }))`), 'QUERY note');
    expect(item.status).toBe('n/a');
  });

  it('invalid: input.q spliced into $queryRawUnsafe is SQL injection', async () => {
    const { item, findings } = await sql(TRPC_FILE, trpc(`protectedProcedure.input(z.object({ q: z.string() })).query(({ ctx, input }) => ctx.db.$queryRawUnsafe(\`SELECT id FROM "Note" WHERE title LIKE '%\${input.q}%'\`))`), 'QUERY note');
    expect(item.status).toBe('fail');
    expect(findings[0].message).toContain('`input.q`');
  });

  it("not injection: ctx.session.user.id spliced in is the caller's own id, so it is not reported (left for a human)", async () => {
    const { item, findings } = await sql(TRPC_FILE, trpc(`protectedProcedure.query(({ ctx }) => ctx.db.$queryRawUnsafe(\`SELECT id FROM "Note" WHERE "createdById" = '\${ctx.session.user.id}'\`))`), 'QUERY note');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
  });
});
