import { ts, SyntaxKind, isIdentifier } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { boundNames } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { findImportedRecordHelpers, type ImportedRecordHelper } from './imported-record-helpers.js';
import { findRecordQueries, type RecordQuery } from './orm-queries.js';
import { scopedQueryExample } from './ownership-fix.js';
import { adminOnlyControl, findAuthorizationCalls, findOwnerComparisons, ownershipControl, type AuthorizationCall, type OwnerComparison } from './ownership-guards.js';
import { isKeyColumn, isMembershipRelation, isOwnerField } from './owner-fields.js';
import { recordVariable } from './record-bindings.js';
import { traceRequestOrigins, type RequestOrigins } from '../frameworks/request-origins.js';
import type { Condition } from './where-conditions.js';

/** A query that selects records by a key the caller chose. */
interface KeyedAccess {
  query: RecordQuery;
  key: Condition & { value: ts.Expression };
  /** The request data, as the code names it: `params.id`. */
  label: string;
  /** The variable the record is stored in. */
  record?: string;
}

interface Guard {
  node: ts.Node;
  note: string;
}

/**
 * Content that is usually readable by everyone: reading another user's post
 * or product is often the point, so a read of these is medium, not high.
 * Changing or deleting them stays high.
 */
const PUBLIC_CONTENT = /^(?:post|article|product|category|tag|comment)$/;

function isPublicContent(model: string): boolean {
  const bare = model.replace(/(?:Model|Repository|Repo|Table|Collection|Schema)$/i, '').toLowerCase();
  const singular = bare.endsWith('ies') ? `${bare.slice(0, -3)}y` : bare.endsWith('s') ? bare.slice(0, -1) : bare;
  return PUBLIC_CONTENT.test(singular);
}

/** `invoices` and `Invoice` and `invoice` name the same records. */
function sameModel(a: string, b: string): boolean {
  const normal = (name: string) => name.toLowerCase().replace(/(?:model|repository|repo|table|collection)$/, '').replace(/s$/, '');
  return normal(a) === normal(b);
}

/** The caller's id as the endpoint's code would write it, for the fix. */
function callerExpression(endpoint: Endpoint): string {
  // Which of three names the endpoint declares: looked up in one pass, with no set of every declared name.
  let userId = false;
  let session = false;
  let user = false;
  for (const declaration of endpoint.index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, endpoint.scopes)) {
    for (const name of boundNames(declaration.name)) {
      if (name === 'userId') userId = true;
      else if (name === 'session') session = true;
      else if (name === 'user') user = true;
    }
  }
  if (userId) return 'userId';
  if (session) return 'session.user.id';
  if (user) return 'user.id';
  const first = endpoint.handler?.parameters[0];
  const request = first !== undefined && isIdentifier(first.name) ? first.name.text : 'req';
  switch (endpoint.framework) {
    case 'nextjs-app-router':
      return 'userId';
    case 'koa':
      return `${request}.state.user.id`;
    case 'hono':
      return `${request}.get('user').id`;
    default:
      return `${request}.user.id`;
  }
}

function ownerConditionOf(query: RecordQuery, origins: RequestOrigins): Condition | undefined {
  return query.conditions.find((condition) => {
    if (condition.alternative) return false;
    if (condition.policy === true) return true;
    const ownerish = isOwnerField(condition.column) || condition.path.some((segment) => isOwnerField(segment) || isMembershipRelation(segment));
    // An owner taken from the request is the attacker's choice, not a restriction.
    return ownerish && (condition.value === undefined || origins.dataLabel(condition.value) === undefined);
  });
}

function keyedAccessOf(query: RecordQuery, origins: RequestOrigins): KeyedAccess | undefined {
  for (const condition of query.conditions) {
    if (condition.value === undefined || !isKeyColumn(condition.column)) continue;
    const label = origins.dataLabel(condition.value);
    if (label !== undefined) return { query, key: { ...condition, value: condition.value }, label, record: recordVariable(query.result) };
  }
  return undefined;
}

const VERB = { read: 'reads', update: 'updates', delete: 'deletes' } as const;
const ACTION = { read: 'read', update: 'change', delete: 'delete' } as const;

interface Evidence {
  comparisons: OwnerComparison[];
  authorizations: AuthorizationCall[];
}

/**
 * What protects a query that has no owner condition: a decisive owner
 * comparison or an authorization call about its record, its id, or a record
 * of the same model fetched and checked before it.
 */
function guardOf(access: KeyedAccess, accesses: readonly KeyedAccess[], helpers: readonly ImportedRecordHelper[], evidence: Evidence): Guard | undefined {
  const { query } = access;
  const at = query.node.pos;
  const isRead = query.operation === 'read';
  // Records of the same thing loaded before this query: checking one of them before the write covers the write.
  const earlier = new Set<string>();
  for (const other of accesses) {
    if (other !== access && other.record !== undefined && other.query.node.pos < at && sameModel(other.query.model, query.model)) earlier.add(other.record);
  }
  for (const helper of helpers) {
    const record = recordVariable(helper.call);
    if (record !== undefined && helper.call.pos < at && helper.label === access.label) earlier.add(record);
  }
  const own = access.record;
  const ids = new Set(isIdentifier(access.key.value) ? [access.key.value.text] : []);

  for (const comparison of evidence.comparisons) {
    if (isRead && own !== undefined && comparison.record === own && comparison.pos > at) return { node: comparison.node, note: `${comparison.note} checks the ${query.model} fetched by ${access.label}` };
    if (earlier.has(comparison.record) && comparison.pos < at) return { node: comparison.node, note: `${comparison.note} checks the ${query.model} before \`${query.callee}\`` };
  }
  for (const call of evidence.authorizations) {
    const aboutOwn = own !== undefined && call.names.has(own);
    const aboutId = [...ids].some((id) => call.names.has(id));
    const aboutEarlier = [...earlier].some((record) => call.names.has(record));
    if ((isRead && (aboutOwn || aboutId)) || ((aboutId || aboutEarlier) && call.pos < at)) {
      return { node: call.node, note: `${call.note} authorizes access to the ${query.model} selected by ${access.label}` };
    }
  }
  return undefined;
}

/** Whether an imported helper's record is checked after it is loaded. */
function helperGuardOf(helper: ImportedRecordHelper, evidence: Evidence): Guard | undefined {
  const record = recordVariable(helper.call);
  if (record === undefined) return undefined;
  const comparison = evidence.comparisons.find((candidate) => candidate.record === record && candidate.pos > helper.call.pos);
  if (comparison !== undefined) return { node: comparison.node, note: `${comparison.note} checks the record ${helper.callee}() loaded by ${helper.label}` };
  const call = evidence.authorizations.find((candidate) => candidate.names.has(record));
  return call === undefined ? undefined : { node: call.node, note: `${call.note} authorizes the record ${helper.callee}() loaded by ${helper.label}` };
}

export default createCheck({
  id: 'missing-ownership-check',
  items: ['authz.ownership'],
  description: 'A record is read, changed or deleted by an id from the request without checking that it belongs to the caller (BOLA / IDOR).',
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-639'],
  owasp: ['API1:2023'],
  messages: {
    unscoped:
      '`{{query}}` {{verb}} the {{model}} selected by `{{id}}` from the request with no owner, tenant or membership condition, and the record\'s owner is never compared with the caller: any signed-in user can {{action}} another user\'s {{model}} by changing `{{id}}`.',
  },
  why: 'Authentication says who the caller is, not that this record is theirs: an id taken from the URL or body lets a caller reach any record by guessing or enumerating ids (Broken Object Level Authorization, the first of the OWASP API Top 10).',
  fix: {
    'nextjs-app-router':
      "Put the owner in the query, with the caller's id from `auth()` or the session: `{{scoped}}` (no row means 404); or load the {{model}} and `return NextResponse.json({ error: 'Not found' }, { status: 404 })` when `{{comparison}}` (404 rather than 403 does not reveal that the id exists).",
    express:
      "Put the owner in the query, with the caller's id from your authentication middleware: `{{scoped}}` (no row means 404); or load the {{model}} and `return res.status(404).json({ error: 'Not found' })` when `{{comparison}}`.",
    default: 'Put the owner in the query: `{{scoped}}`; or load the {{model}} and answer 404 (or 403) when `{{comparison}}`.',
  },
  run(context) {
    const { endpoint } = context;
    const item = 'authz.ownership';
    if (endpoint.handler === undefined) {
      const handler = endpoint.handlerReference === undefined ? 'the handler' : `the handler ${endpoint.handlerReference}`;
      context.unknown(item, `${handler} is defined in another file; its queries were not analysed`);
      return;
    }
    const control = ownershipControl(endpoint.controls);
    const index = endpoint.index;
    // Tracing request data costs a pass over the endpoint's declarations: only when something may need it.
    let traced: RequestOrigins | undefined;
    const originsOf = () => (traced ??= traceRequestOrigins(endpoint));
    const queries = findRecordQueries(index, endpoint.scopes);
    const accesses = queries
      .filter((query) => query.conditions.length > 0)
      .map((query) => keyedAccessOf(query, originsOf()))
      .filter((access): access is KeyedAccess => access !== undefined);
    const helpers = findImportedRecordHelpers(index, endpoint.scopes, originsOf, queries.map((query) => query.node));
    if (accesses.length === 0 && helpers.length === 0) {
      context.notApplicable(
        item,
        queries.length === 0 ? 'the endpoint reads or changes no record through a recognised query' : 'no record is selected by an id from the request (its queries are scoped by the caller or by constants)',
      );
      return;
    }
    if (control !== undefined) {
      context.pass(item, { node: control.node, note: `${control.kind === 'wrapper' ? 'wrapper' : 'middleware'} ${control.name} checks access to the record` });
      return;
    }
    const admin = adminOnlyControl(index, endpoint.controls);
    if (admin !== undefined) {
      context.pass(item, { node: admin.node, note: `only administrators reach this route (${index.textOf(admin.node)}): they may act on any record` });
      return;
    }

    const origins = originsOf();
    const evidence: Evidence = { comparisons: findOwnerComparisons(index, endpoint.scopes, origins), authorizations: findAuthorizationCalls(index, endpoint.scopes) };
    let caller: string | undefined;
    let passed = false;
    let failed = false;
    for (const access of accesses) {
      const { query } = access;
      const owner = ownerConditionOf(query, origins);
      if (owner !== undefined) {
        const what = owner.policy === true ? 'a policy filter (accessibleBy)' : owner.path.join('.');
        context.pass(item, { node: owner.node, note: `\`${query.callee}\` filters on ${what} as well as ${access.label}` });
        passed = true;
        continue;
      }
      const guard = guardOf(access, accesses, helpers, evidence);
      if (guard !== undefined) {
        context.pass(item, guard);
        passed = true;
        continue;
      }
      failed = true;
      caller ??= callerExpression(endpoint);
      const idText = index.textOf(access.key.value);
      const record = access.record ?? query.model.charAt(0).toLowerCase() + query.model.slice(1);
      context.report({
        messageId: 'unscoped',
        node: query.node,
        endLine: index.lineOf(query.node),
        data: {
          query: query.callee,
          verb: VERB[query.operation],
          action: ACTION[query.operation],
          model: query.model,
          id: access.label,
          scoped: scopedQueryExample(query, { column: access.key.column, idText, caller }),
          comparison: query.orm === 'mongoose' ? `!${record}.owner.equals(${caller})` : `${record}.ownerId !== ${caller}`,
        },
        severity: query.operation === 'read' && isPublicContent(query.model) ? 'medium' : 'high',
      });
    }
    if (failed) return;

    const unchecked = helpers.filter((helper) => {
      const guard = helperGuardOf(helper, evidence);
      if (guard === undefined) return true;
      context.pass(item, guard);
      passed = true;
      return false;
    });
    if (unchecked.length > 0) {
      const list = unchecked.map((helper) => `\`${helper.callee}(${helper.label})\` from '${helper.module}' (line ${index.lineOf(helper.call)})`).join(', ');
      context.unknown(item, `the record is loaded or changed by ${list} with an id from the request; the query is in that module, so check that it filters on the caller or that the result's owner is compared with the caller`);
      return;
    }
    if (!passed) context.notApplicable(item, 'no record is selected by an id from the request');
  },
});
