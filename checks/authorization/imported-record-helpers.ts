/**
 * Record access the endpoint hands to another module: `getInvoice(params.id)`
 * imported from `@/lib/invoices`, `invoiceService.remove(req.params.id)`.
 * The query is out of view, so whether it is scoped to the caller cannot be
 * decided here.
 */
import { ts, isObjectLiteralExpression, isPropertyAssignment, isShorthandPropertyAssignment } from '../lang/ts/parse.js';
import { calleeName, importSources, unwrapExpression, plainCalleePath } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import type { RequestOrigins } from '../frameworks/request-origins.js';

export interface ImportedRecordHelper {
  call: ts.CallExpression;
  /** The callee as written: `getInvoice`, `invoiceService.remove`. */
  callee: string;
  /** The module it is imported from. */
  module: string;
  /** The request data passed: `params.id`. */
  label: string;
}

/** Names of functions that read or change records: `getInvoice`, `findProjectById`, `deleteDocument`, `service.update`. */
const RECORD_VERB = /^(?:get|find|fetch|load|read|lookup|retrieve|delete|remove|destroy|archive|update|edit|patch|modify|set|save|upsert|cancel|approve|publish|toggle|mark|transfer|restore|purge)(?:[A-Z_]\w*)?$/;

/** The request data among a call's arguments, looking one level into object arguments: `getInvoice({ id: params.id })`. */
function requestArgument(call: ts.CallExpression, origins: RequestOrigins): string | undefined {
  for (const argument of call.arguments) {
    const label = origins.dataLabel(argument);
    if (label !== undefined) return label;
    const object = unwrapExpression(argument);
    if (!isObjectLiteralExpression(object)) continue;
    for (const property of object.properties) {
      const value = isPropertyAssignment(property) ? property.initializer : isShorthandPropertyAssignment(property) ? property.name : undefined;
      const inner = value === undefined ? undefined : origins.dataLabel(value);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

/**
 * The file's calls whose callee name (`calleeName`) reads like record access,
 * in document order. The index groups calls by the same last name, except
 * that it does not look through `await`, `satisfies` or `<T>` around a
 * callee (`(await getLoader)(id)`): those are in its '' group and are tested
 * one by one.
 */
function recordVerbCalls(index: SourceIndex): readonly ts.CallExpression[] {
  const named = index.callsNamed(RECORD_VERB);
  const unnamed = index.callsNamedIn(['']).filter((call) => RECORD_VERB.test(calleeName(call)));
  if (unnamed.length === 0) return named;
  return [...named, ...unnamed].sort((a, b) => a.pos - b.pos || b.end - a.end);
}

/** A record-verb call of the file on an imported name, with its callee path and the module. */
interface ImportedCall {
  call: ts.CallExpression;
  path: string;
  module: string;
}

/**
 * The file's record-verb calls on an imported name, found once per file:
 * every endpoint of the file asks, and most such calls (`router.get`,
 * `res.set`) are on local names.
 */
function importedVerbCalls(index: SourceIndex): { calls: readonly ts.CallExpression[]; byCall: ReadonlyMap<ts.CallExpression, ImportedCall> } {
  return index.memo('authz:importedVerbCalls', () => {
    const imports = importSources(index);
    const calls: ts.CallExpression[] = [];
    const byCall = new Map<ts.CallExpression, ImportedCall>();
    for (const call of recordVerbCalls(index)) {
      const path = plainCalleePath(call);
      const dot = path.indexOf('.');
      const source = imports.get(dot < 0 ? path : path.slice(0, dot));
      if (source === undefined) continue;
      calls.push(call);
      byCall.set(call, { call, path, module: source.module });
    }
    return { calls, byCall };
  });
}

/**
 * Calls to imported helpers that look like record access and receive request
 * data, outside the recognised queries. `origins` is asked only for calls that
 * pass the cheaper tests.
 */
export function findImportedRecordHelpers(index: SourceIndex, scopes: readonly Scope[], origins: () => RequestOrigins, excluded: readonly ts.Node[]): ImportedRecordHelper[] {
  const { calls, byCall } = importedVerbCalls(index);
  const helpers: ImportedRecordHelper[] = [];
  for (const call of index.nodesInScopes(calls, scopes)) {
    if (excluded.some((node) => call.pos >= node.pos && call.end <= node.end)) continue;
    const { path, module } = byCall.get(call)!;
    const label = requestArgument(call, origins());
    if (label === undefined) continue;
    helpers.push({ call, callee: path, module, label });
  }
  return helpers;
}
