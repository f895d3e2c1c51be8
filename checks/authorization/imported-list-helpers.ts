/**
 * Record reads the endpoint hands to a module of the project:
 * `listProjects(userId)` from `@/lib/projects`, `projectService.findAll()`.
 * Unlike imported-record-helpers.ts (a record chosen by a request id), any
 * argument counts here: a list is scoped, or not, inside the helper, which
 * this file does not show.
 */
import { ts, isIdentifier, isPropertyAccessExpression } from '../lang/ts/parse.js';
import { calleeName, importSources, plainCalleePath } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';

export interface ImportedListHelper {
  call: ts.CallExpression;
  /** The callee as written: `listProjects`, `projectService.findAll`. */
  callee: string;
  module: string;
}

/** Names of functions that read or change records: `getProjects`, `listInvoices`, `findAll`, `deleteProject`. */
const RECORD_VERB = /^(?:get|find|fetch|list|load|query|search|count|read|delete|remove|update|archive)(?:[A-Z_]\w*)?$/;
/** What such a verb may fetch that is not tenant data: the caller, the tenant itself, infrastructure. */
const NOT_RECORDS = /^(?:get|find|fetch|load|read)(?:Current|Active|Server)?(?:Session|Auth|Token|User|Me|Tenant|Org|Organi[sz]ation|Workspace|Team|Headers?|Cookies?|Config|Env|Logger|Client|Db|Prisma|Redis|Ratelimit|RateLimit)(?:Id)?$/;
/** Modules of the project itself, not packages: `./lib`, `../db`, `@/lib/projects`, `~/server`, `#db`, `src/...`. */
const PROJECT_MODULE = /^(?:\.|@\/|~\/|#|src\/|lib\/|app\/|server\/)/;
/** Database clients the project exports: their calls are queries (recognised or not), not helpers. */
const DATABASE_CLIENT = /^(?:prisma|db|database|client|knex|sql|pool|tx|drizzle|orm|mongoose|sequelize|supabase)$/i;

/**
 * Calls to record helpers imported from the project's own modules, outside
 * the queries already recognised (`excluded`).
 */
export function findImportedListHelpers(index: SourceIndex, scopes: readonly Scope[], excluded: readonly ts.Node[]): ImportedListHelper[] {
  const local = projectImports(index);
  const helpers: ImportedListHelper[] = [];
  if (local.size === 0) return helpers;
  for (const call of index.calls(scopes)) {
    const root = rootIdentifier(call.expression);
    const module = root === undefined ? undefined : local.get(root);
    if (module === undefined) continue;
    const name = calleeName(call);
    if (!RECORD_VERB.test(name) || NOT_RECORDS.test(name)) continue;
    if (excluded.some((node) => call.pos >= node.pos && call.end <= node.end)) continue;
    helpers.push({ call, callee: plainCalleePath(call), module });
  }
  return helpers;
}

/** Local names imported from the project's own modules, database clients left out; once per file. */
function projectImports(index: SourceIndex): ReadonlyMap<string, string> {
  return index.memo('projectImports', () => {
    const local = new Map<string, string>();
    for (const [name, source] of importSources(index)) {
      if (PROJECT_MODULE.test(source.module) && !DATABASE_CLIENT.test(name)) local.set(name, source.module);
    }
    return local;
  });
}

/** The identifier a callee starts from: `projectService` for `projectService.findAll`. */
function rootIdentifier(callee: ts.Expression): string | undefined {
  let current = callee;
  for (let depth = 0; depth < 8; depth++) {
    if (isIdentifier(current)) return current.text;
    if (!isPropertyAccessExpression(current)) return undefined;
    current = current.expression;
  }
  return undefined;
}
