/**
 * One Express router file: inline handlers, `asyncHandler(...)` wrappers,
 * `router.route(path).get(...).put(...)` chains with named handlers, or (for
 * the big files) controller-style exported functions registered at the end.
 * Data access is raw SQL through `pool.query` (parameterised, unparameterised
 * and interpolated) or Prisma; TypeScript ESM or CommonJS JavaScript.
 */
import { CodeWriter } from './code-writer.js';
import { writeDtoMapper, writeRandomHelper, writeRowType } from './helpers.js';
import { camelCase, columnList } from './naming.js';
import type { Random } from './random.js';
import { RESOURCES, SUB_PATHS, writableFields, type Resource } from './vocabulary.js';

type Db = 'pool' | 'prisma';
type AuthPlacement = 'router' | 'route' | 'none';
type PathKind = 'collection' | 'item' | 'sub' | 'search' | 'bulk' | 'restore';

interface RouteSpec {
  method: string;
  path: string;
  kind: PathKind;
  resource: Resource;
}

interface ExpressContext {
  random: Random;
  writer: CodeWriter;
  typed: boolean;
  db: Db;
  auth: AuthPlacement;
  router: string;
  validated: boolean;
  usesLimiter: boolean;
  usesLogger: boolean;
  dto: string | undefined;
}

const METHODS_BY_KIND: Record<PathKind, readonly string[]> = {
  collection: ['get', 'post'],
  item: ['get', 'put', 'patch', 'delete'],
  sub: ['get', 'post'],
  search: ['get'],
  bulk: ['post', 'delete'],
  restore: ['post'],
};

function routePath(resource: Resource, kind: PathKind, sub: string): string {
  const base = `/${resource.plural}`;
  switch (kind) {
    case 'collection':
      return base;
    case 'item':
      return `${base}/:id`;
    case 'sub':
      return `${base}/:id/${sub}`;
    case 'search':
      return `${base}/search`;
    case 'bulk':
      return `${base}/bulk`;
    case 'restore':
      return `${base}/:id/restore`;
  }
}

/** Every (method, path) a resource offers, in random order. */
function routeSpecs(random: Random, resource: Resource): RouteSpec[] {
  const sub = random.pick(SUB_PATHS);
  const specs: RouteSpec[] = [];
  for (const kind of Object.keys(METHODS_BY_KIND) as PathKind[]) {
    for (const method of METHODS_BY_KIND[kind]) specs.push({ method, path: routePath(resource, kind, sub), kind, resource });
  }
  return random.sample(specs, specs.length);
}

export function expressRouterPath(random: Random, resource: Resource, typed: boolean, controller: boolean): string {
  const extension = typed ? 'ts' : 'js';
  if (controller) return `src/controllers/${resource.singular}.controller.${extension}`;
  const root = random.weighted({ 'src/routes': 5, 'server/routes': 2, 'src/api': 2, routes: 1 });
  return `${root}/${resource.plural}.${extension}`;
}

/** Writes a router file of roughly `targetLines` lines. */
export function generateExpressRouterFile(random: Random, targetLines: number): { path: string; text: string } {
  const typed = random.chance(0.7);
  const primary = random.pick(RESOURCES);
  const controller = targetLines > 250 && random.chance(0.6);
  const context: ExpressContext = {
    random,
    writer: new CodeWriter(),
    typed,
    db: random.weighted<Db>({ pool: 3, prisma: 2 }),
    auth: random.weighted<AuthPlacement>({ router: 4, route: 5, none: 1 }),
    router: random.chance(0.8) ? 'router' : `${camelCase(primary.plural)}Router`,
    validated: typed && random.chance(0.7),
    usesLimiter: random.chance(0.35),
    usesLogger: random.chance(0.5),
    dto: undefined,
  };
  const resources = [primary, ...random.sample(RESOURCES.filter((r) => r !== primary), targetLines > 300 ? random.int(1, 3) : 0)];
  writeImports(context);
  writeSetup(context, resources);

  const specs = resources.flatMap((resource) => routeSpecs(random, resource));
  const chosen: RouteSpec[] = [];
  // A route with its handler is ~15-25 lines; keep adding until the target is in reach.
  const budget = Math.max(1, Math.round((targetLines - context.writer.lineCount - 4) / 18));
  for (const spec of specs) {
    if (chosen.length >= budget) break;
    chosen.push(spec);
  }
  if (controller) writeControllerStyle(context, chosen);
  else writeMixedStyle(context, chosen);

  let helperCount = 0;
  while (context.writer.lineCount < targetLines - 3) {
    writeRandomHelper({ random, writer: context.writer, resource: primary, typed, suffix: String(helperCount + 2) });
    helperCount++;
  }
  context.writer.line(typed ? `export default ${context.router};` : `module.exports = ${context.router};`);
  return { path: expressRouterPath(random, primary, typed, controller), text: context.writer.toString() };
}

function writeImports(context: ExpressContext): void {
  const { writer, typed, db, auth, validated, usesLimiter, usesLogger } = context;
  const from = (names: string, module: string) =>
    writer.line(typed ? `import ${names} from '${module}';` : `const ${names} = require('${module}');`);
  if (typed) writer.line("import express, { type NextFunction, type Request, type Response } from 'express';");
  else writer.line("const express = require('express');");
  if (validated) from('{ z }', 'zod');
  from(db === 'pool' ? '{ pool }' : '{ prisma }', db === 'pool' ? '../db/pool' : '../db/prisma');
  if (auth !== 'none') from('{ authenticateToken, requireRole }', '../middleware/auth');
  if (usesLimiter) from('rateLimit', 'express-rate-limit');
  if (usesLogger) from('{ logger }', '../lib/logger');
  from('{ asyncHandler }', '../lib/async-handler');
  writer.line();
}

function writeSetup(context: ExpressContext, resources: Resource[]): void {
  const { writer, typed, router, auth, usesLimiter, validated, random } = context;
  writer.line(`const ${router} = express.Router();`);
  writer.line();
  if (usesLimiter) {
    writer.line('const limiter = rateLimit({ windowMs: 60_000, max: 120, standardHeaders: true });');
  }
  writer.line(`${router}.use(express.json({ limit: '1mb' }));`);
  if (auth === 'router') writer.line(`${router}.use(authenticateToken);`);
  if (usesLimiter && random.chance(0.5)) writer.line(`${router}.use(limiter);`);
  writer.line();
  if (typed) for (const resource of resources) writeRowType(writer, resource);
  if (validated) {
    for (const resource of resources) {
      writer.block(`const create${resource.type}Schema = z.object({`, () => {
        for (const field of writableFields(resource)) writer.line(`${field.name}: ${field.zod},`);
      }, '});');
      writer.line(`const update${resource.type}Schema = create${resource.type}Schema.partial();`);
      writer.line();
    }
    writer.block('function validateBody(schema: z.ZodTypeAny) {', () => {
      writer.block('return (req: Request, res: Response, next: NextFunction) => {', () => {
        writer.line('const result = schema.safeParse(req.body);');
        writer.block('if (!result.success) {', () => {
          writer.line("return res.status(400).json({ error: 'Invalid body', issues: result.error.issues });");
        });
        writer.line('req.body = result.data;');
        writer.line('next();');
      }, '};');
    });
    writer.line();
  }
  if (typed && random.chance(0.5)) context.dto = writeDtoMapper({ random, writer, resource: resources[0], typed, suffix: '' });
}

function params(context: ExpressContext): string {
  return context.typed ? '(req: Request, res: Response, next: NextFunction)' : '(req, res, next)';
}

/** The middleware arguments before the handler, e.g. `authenticateToken, requireRole('admin'), `. */
function middlewareFor(context: ExpressContext, spec: RouteSpec): string {
  const { random } = context;
  const parts: string[] = [];
  if (context.auth === 'route' && random.chance(0.85)) parts.push('authenticateToken');
  if (context.auth !== 'none' && (spec.method === 'delete' || spec.kind === 'bulk') && random.chance(0.6)) parts.push("requireRole('admin')");
  if (context.usesLimiter && random.chance(0.3)) parts.push('limiter');
  if (context.validated && (spec.method === 'post' || spec.method === 'put' || spec.method === 'patch') && random.chance(0.5)) {
    parts.push(`validateBody(${spec.method === 'post' ? 'create' : 'update'}${spec.resource.type}Schema)`);
  }
  return parts.map((part) => `${part}, `).join('');
}

function handlerName(spec: RouteSpec): string {
  const verb = { get: spec.kind === 'collection' || spec.kind === 'search' ? 'list' : 'get', post: 'create', put: 'replace', patch: 'update', delete: 'delete' }[spec.method] ?? spec.method;
  const suffix = spec.kind === 'collection' || spec.kind === 'item' ? '' : spec.kind[0].toUpperCase() + spec.kind.slice(1);
  return `${verb}${spec.resource.type}${verb === 'list' ? 's' : ''}${suffix}`;
}

function writeMixedStyle(context: ExpressContext, specs: RouteSpec[]): void {
  const { writer, random, router } = context;
  const chains = new Map<string, RouteSpec[]>();
  for (const spec of specs) {
    const style = random.weighted({ inline: 5, wrapped: 3, chain: 2 });
    if (style === 'chain') {
      chains.set(spec.path, [...(chains.get(spec.path) ?? []), spec]);
      continue;
    }
    const middleware = middlewareFor(context, spec);
    if (style === 'wrapped') {
      writer.block(`${router}.${spec.method}('${spec.path}', ${middleware}asyncHandler(async ${params(context)} => {`, () => writeBody(context, spec, false), '}));');
    } else {
      writer.block(`${router}.${spec.method}('${spec.path}', ${middleware}async ${params(context)} => {`, () => writeBody(context, spec, true), '});');
    }
    writer.line();
  }
  for (const [path, chain] of chains) {
    for (const spec of chain) {
      writer.block(`async function ${handlerName(spec)}${params(context)} {`, () => writeBody(context, spec, true));
      writer.line();
    }
    writer.line(`${router}`);
    writer.line(`  .route('${path}')`);
    chain.forEach((spec, i) => writer.line(`  .${spec.method}(${middlewareFor(context, spec)}${handlerName(spec)})${i === chain.length - 1 ? ';' : ''}`));
    writer.line();
  }
}

function writeControllerStyle(context: ExpressContext, specs: RouteSpec[]): void {
  const { writer, router } = context;
  for (const spec of specs) {
    if (context.typed) writer.line(`/** ${spec.method.toUpperCase()} ${spec.path} */`);
    writer.block(`${context.typed ? 'export ' : ''}async function ${handlerName(spec)}${params(context)} {`, () => writeBody(context, spec, true));
    writer.line();
  }
  for (const spec of specs) writer.line(`${router}.${spec.method}('${spec.path}', ${middlewareFor(context, spec)}${handlerName(spec)});`);
  writer.line();
}

function writeBody(context: ExpressContext, spec: RouteSpec, guarded: boolean): void {
  const { writer, random } = context;
  if (guarded && random.chance(0.7)) {
    writer.block('try {', () => writeDataAccess(context, spec), null);
    writer.block('} catch (err) {', () => writeCatch(context, spec), '}');
  } else {
    writeDataAccess(context, spec);
  }
}

function writeCatch(context: ExpressContext, spec: RouteSpec): void {
  const { writer, random, typed, usesLogger } = context;
  const style = random.weighted({ next: 4, leak: 2, logged: 3 });
  if (style === 'next') {
    writer.line('next(err);');
  } else if (style === 'leak') {
    writer.line(`res.status(500).json({ error: ${typed ? '(err as Error).message' : 'err.message'} });`);
  } else {
    writer.line(usesLogger ? `logger.error({ err }, '${spec.method.toUpperCase()} ${spec.path} failed');` : `console.error(err);`);
    writer.line("res.status(500).json({ error: 'Internal server error' });");
  }
}

function validatedBody(context: ExpressContext, spec: RouteSpec): string {
  const { writer } = context;
  if (!context.validated) return 'req.body';
  const schema = `${spec.method === 'post' ? 'create' : 'update'}${spec.resource.type}Schema`;
  writer.line(`const parsed = ${schema}.safeParse(req.body);`);
  writer.block('if (!parsed.success) {', () => writer.line("return res.status(400).json({ error: 'Invalid body', issues: parsed.error.issues });"));
  return 'parsed.data';
}

function writeDataAccess(context: ExpressContext, spec: RouteSpec): void {
  if (context.db === 'pool') writePoolAccess(context, spec);
  else writePrismaAccess(context, spec);
}

function respond(context: ExpressContext, value: string, many: boolean, status = 200): string {
  const mapped = context.dto === undefined ? value : many ? `${value}.map(${context.dto})` : `${context.dto}(${value})`;
  return status === 200 ? `res.json(${mapped});` : `res.status(${status}).json(${mapped});`;
}

function writePoolAccess(context: ExpressContext, spec: RouteSpec): void {
  const { writer, random } = context;
  const { resource } = spec;
  const columns = columnList(resource, random.chance(0.3));
  const ownerScoped = random.chance(0.6);
  const owner = ownerScoped ? ' AND owner_id = $2' : '';
  const ownerParam = ownerScoped ? ', req.user?.id' : '';
  const writable = writableFields(resource);
  if (spec.method === 'get' && (spec.kind === 'collection' || spec.kind === 'search' || spec.kind === 'sub')) {
    const shape = random.weighted({ parameterised: 5, interpolated: 2, constant: 2 });
    if (shape === 'interpolated') {
      writer.line("const sort = req.query.sort || 'created_at';");
      writer.line(`const { rows } = await pool.query(\`SELECT ${columns} FROM ${resource.table} WHERE ${writable[0].column} = '\${req.query.q}' ORDER BY \${sort} DESC\`);`);
    } else if (shape === 'constant') {
      writer.line(`const { rows } = await pool.query('SELECT ${columns} FROM ${resource.table} ORDER BY created_at DESC LIMIT 50');`);
    } else {
      writer.line('const limit = Math.min(Number(req.query.limit) || 20, 100);');
      writer.line('const offset = Math.max(Number(req.query.offset) || 0, 0);');
      writer.line(`const { rows } = await pool.query(`);
      writer.line(`  'SELECT ${columns} FROM ${resource.table} WHERE owner_id = $1 ORDER BY created_at DESC LIMIT $2 OFFSET $3',`);
      writer.line('  [req.user?.id, limit, offset],');
      writer.line(');');
    }
    writer.line(respond(context, 'rows', true));
    return;
  }
  if (spec.method === 'get') {
    writer.line(`const { rows } = await pool.query('SELECT ${columns} FROM ${resource.table} WHERE id = $1${owner}', [req.params.id${ownerParam}]);`);
    writer.block('if (rows.length === 0) {', () => writer.line("return res.status(404).json({ error: 'Not found' });"));
    writer.line(respond(context, 'rows[0]', false));
    return;
  }
  if (spec.method === 'post' && spec.kind !== 'restore') {
    const body = validatedBody(context, spec);
    const placeholders = writable.map((_, i) => `$${i + 1}`).join(', ');
    writer.line(`const input = ${body};`);
    writer.line('const { rows } = await pool.query(');
    writer.line(`  'INSERT INTO ${resource.table} (${writable.map((f) => f.column).join(', ')}, owner_id) VALUES (${placeholders}, $${writable.length + 1}) RETURNING id',`);
    writer.line(`  [${writable.map((f) => `input.${f.name}`).join(', ')}, req.user?.id],`);
    writer.line(');');
    writer.line(respond(context, 'rows[0]', false, 201));
    return;
  }
  if (spec.method === 'put' || spec.method === 'patch') {
    const body = validatedBody(context, spec);
    const set = writable.map((f, i) => `${f.column} = COALESCE($${i + 1}, ${f.column})`).join(', ');
    writer.line(`const changes = ${body};`);
    writer.line('const { rowCount } = await pool.query(');
    writer.line(`  'UPDATE ${resource.table} SET ${set}, updated_at = now() WHERE id = $${writable.length + 1}',`);
    writer.line(`  [${writable.map((f) => `changes.${f.name}`).join(', ')}, req.params.id],`);
    writer.line(');');
    writer.block('if (rowCount === 0) {', () => writer.line("return res.status(404).json({ error: 'Not found' });"));
    writer.line('res.sendStatus(204);');
    return;
  }
  if (spec.kind === 'bulk') {
    writer.line('const ids = Array.isArray(req.body.ids) ? req.body.ids : [];');
    writer.line(`await pool.query(\`DELETE FROM ${resource.table} WHERE id IN (\${ids.map((id) => \`'\${id}'\`).join(',')})\`);`);
    writer.line('res.sendStatus(204);');
    return;
  }
  if (spec.kind === 'restore') {
    writer.line(`await pool.query('UPDATE ${resource.table} SET deleted_at = NULL WHERE id = $1${owner}', [req.params.id${ownerParam}]);`);
    writer.line('res.sendStatus(204);');
    return;
  }
  writer.line(`await pool.query('DELETE FROM ${resource.table} WHERE id = $1${owner}', [req.params.id${ownerParam}]);`);
  writer.line('res.sendStatus(204);');
}

function writePrismaAccess(context: ExpressContext, spec: RouteSpec): void {
  const { writer, random } = context;
  const model = `prisma.${spec.resource.model}`;
  const ownerScoped = random.chance(0.6);
  const where = ownerScoped ? '{ id: req.params.id, ownerId: req.user?.id }' : '{ id: req.params.id }';
  if (spec.method === 'get' && spec.kind !== 'item') {
    writer.line('const take = Math.min(Number(req.query.limit) || 20, 100);');
    writer.block(`const rows = await ${model}.findMany({`, () => {
      if (ownerScoped) writer.line('where: { ownerId: req.user?.id },');
      writer.line("orderBy: { createdAt: 'desc' },");
      writer.line('take,');
    }, '});');
    writer.line(respond(context, 'rows', true));
    return;
  }
  if (spec.method === 'get') {
    writer.line(`const row = await ${model}.findFirst({ where: ${where} });`);
    writer.block('if (!row) {', () => writer.line("return res.status(404).json({ error: 'Not found' });"));
    writer.line(respond(context, 'row', false));
    return;
  }
  if (spec.method === 'post' && spec.kind !== 'restore' && spec.kind !== 'bulk') {
    const body = validatedBody(context, spec);
    writer.line(`const created = await ${model}.create({ data: { ...${body}, ownerId: req.user?.id } });`);
    writer.line(respond(context, 'created', false, 201));
    return;
  }
  if (spec.method === 'put' || spec.method === 'patch') {
    const body = validatedBody(context, spec);
    writer.line(`const result = await ${model}.updateMany({ where: ${where}, data: ${body} });`);
    writer.block('if (result.count === 0) {', () => writer.line("return res.status(404).json({ error: 'Not found' });"));
    writer.line('res.sendStatus(204);');
    return;
  }
  if (spec.kind === 'bulk') {
    writer.line('const ids = Array.isArray(req.body.ids) ? req.body.ids.map(String) : [];');
    writer.line(`const result = await ${model}.${spec.method === 'delete' ? 'deleteMany' : 'updateMany'}({ where: { id: { in: ids } }${spec.method === 'delete' ? '' : ', data: { archived: true }'} });`);
    writer.line('res.json({ count: result.count });');
    return;
  }
  if (spec.kind === 'restore') {
    writer.line(`await ${model}.updateMany({ where: ${where}, data: { deletedAt: null } });`);
    writer.line('res.sendStatus(204);');
    return;
  }
  writer.line(`await ${model}.deleteMany({ where: ${where} });`);
  writer.line('res.sendStatus(204);');
}
