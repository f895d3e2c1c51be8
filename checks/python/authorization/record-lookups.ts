/**
 * Record lookups by an id from the request, in Python ORMs: Django
 * (`Model.objects.get(pk=pk)`, `.filter(id=...)`, `get_object_or_404`),
 * SQLAlchemy / SQLModel (`session.get(Model, id)`, `select(Model).where(Model.id
 * == id)`, `.filter_by(id=...)`, `Model.query.get(id)`), Tortoise
 * (`Model.get(id=...)`, `get_or_none`), each with whether the query itself
 * carries an owner or tenant condition. Shared by the Python authorization
 * checks; computed once per endpoint.
 */
import {
  calleeName,
  calleeObject,
  expressionPath,
  keywordArguments,
  lastSegment,
  namedChild, namedChildren,
  parametersOf,
  plainCalleePath,
  positionalArguments,
} from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';
import type { PyEndpoint } from '../endpoint.js';
import { ScopedFacts } from '../../lang/py/scoped-facts.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const SELECT_OR_QUERY_CALL = /^(?:select|query)$/;

/** Fields that tie a record to its owner or tenant. */
export const OWNER_FIELD = /^(?:owner|user|author|created_by|creator|account|member|members|users|profile)(?:_id|_pk)?$/;
export const TENANT_FIELD = /^(?:tenant|organization|organisation|org|team|workspace|company|customer|project|group)(?:_id|_pk)?$/;

/** Parameter names that carry an id from the URL or body. */
const ID_NAME = /^(?:pk|id|uuid|slug|\w+_id|\w+_pk|\w+_uuid|\w+_slug)$/;
const ID_FIELD = /^(?:pk|id|uuid|slug|\w+_id|\w+_pk)$/;
/** Request reads that carry client-chosen values. */
const REQUEST_READ = /^(?:self\.)?(?:request\.(?:data|GET|POST|query_params|args|form|json|values|view_args|path_params)|kwargs|self\.kwargs)(?:\.|$)/;

const LOOKUP = /^(?:get|filter|filter_by|get_or_none|get_object_or_404|get_or_404|first_or_404|one_or_none|where|exclude)$/;

export interface RecordLookup {
  /** The lookup call (`Item.objects.get(pk=pk)`, `session.get(Item, id)`, `.where(...)`). */
  call: PyNode;
  /** The whole query chain the call is part of (`select(Item).where(...).where(...)`). */
  chain: PyNode;
  /** The id expression from the request. */
  id: PyNode;
  /** The model, as written, when it can be read. */
  model: string;
  /** Whether the query also filters on an owner or tenant field. */
  scoped: boolean;
}

/** Handler parameters and request reads that hold a client-chosen id. */
function requestIdNames(endpoint: PyEndpoint): Set<string> {
  const names = new Set<string>();
  const handler = endpoint.handler;
  if (handler !== undefined) {
    for (const parameter of parametersOf(handler)) if (ID_NAME.test(parameter.name)) names.add(parameter.name);
  }
  return names;
}

function referencesRequestId(node: PyNode, index: PySourceIndex, ids: Set<string>): boolean {
  if (REQUEST_READ.test(expressionPath(node, false))) return true;
  for (const identifier of index.nodesOfType('identifier', [{ pos: node.pos, end: node.end }])) {
    if (!ids.has(identifier.name ?? '')) continue;
    // `obj.pk` is a field of a record, not the parameter `pk`.
    if (identifier.parent?.type === 'attribute' && identifier.field === 'attribute') continue;
    return true;
  }
  // `request.GET.get("id")`, `request.data["id"]` nested inside the argument.
  for (const attribute of index.nodesOfType('attribute', [{ pos: node.pos, end: node.end }])) if (REQUEST_READ.test(expressionPath(attribute, false))) return true;
  return false;
}

/** The outermost call of a method chain: `select(M).where(a).where(b)` from `select(M)`. */
function chainOf(call: PyNode): PyNode {
  let current = call;
  for (let link = 0; link < 16; link++) {
    const parent = current.parent;
    if (parent?.type === 'attribute' && current.field === 'object' && parent.parent?.type === 'call') current = parent.parent;
    else break;
  }
  return current;
}

/** Field names the chain filters on: keyword names (`owner`, `project__owner`) and the left side of comparisons (`Item.owner_id`). */
export function filteredFields(chain: PyNode, index: PySourceIndex): string[] {
  const fields: string[] = [];
  for (const call of index.calls([{ pos: chain.pos, end: chain.end }])) {
    for (const { name } of keywordArguments(call)) fields.push(...name.split('__'));
  }
  for (const comparison of index.nodesOfType('comparison_operator', [{ pos: chain.pos, end: chain.end }])) {
    const left = namedChild(comparison, 0);
    if (left !== undefined) fields.push(lastSegment(expressionPath(left, false)));
  }
  return fields;
}

function modelOf(call: PyNode, chain: PyNode, index: PySourceIndex): string {
  const name = calleeName(call);
  const positional = positionalArguments(call);
  // session.get(Item, id), db.get_or_404(Item, id), get_object_or_404(Item, pk=pk)
  if ((name === 'get' || name === 'get_or_404' || name === 'get_object_or_404') && positional.length >= (name === 'get_object_or_404' ? 1 : 2)) {
    const model = expressionPath(positional[0], false);
    if (model !== '') return lastSegment(model);
  }
  // select(Item).where(...), session.query(Item).filter(...)
  const select = index.callsNamed(SELECT_OR_QUERY_CALL, [{ pos: chain.pos, end: chain.end }])[0];
  if (select !== undefined) {
    const model = positionalArguments(select)[0];
    if (model !== undefined) return lastSegment(expressionPath(model, false));
  }
  // Item.objects.get(...), Item.query.get(...), Item.get(...) (Tortoise)
  const root = plainCalleePath(call).split('.')[0];
  return /^[A-Z]/.test(root) ? root : 'record';
}

// On the scopes array, not in a module-level WeakMap: see checks/lang/key-slots.ts (scavenges kept finished files
// alive through such maps).
const LOOKUPS = new ScopedFacts<readonly RecordLookup[]>('py:recordLookups');

/** The lookups by a request id in the endpoint's code; endpoints with the same handler and scopes (a ViewSet's actions) share one answer. */
export function recordLookups(endpoint: PyEndpoint): readonly RecordLookup[] {
  return LOOKUPS.get(
    endpoint.index,
    endpoint.scopes,
    () => findRecordLookups(endpoint),
    endpoint.handler,
  );
}

/** Depends on the endpoint's index, handler (its id parameters) and scopes only. */
function findRecordLookups(endpoint: PyEndpoint): readonly RecordLookup[] {
  const index = endpoint.index;
  const ids = requestIdNames(endpoint);
  const lookups: RecordLookup[] = [];
  for (const call of index.callsNamed(LOOKUP, endpoint.scopes)) {
    const object = calleeObject(call);
    // `request.GET.get("id")`, `kwargs.get(...)`, `data.get(...)`: reading the request, not a table.
    if (object !== undefined && /^(?:self\.)?(?:request|kwargs|data|payload|body|params|headers|os\.environ|settings|cache)(?:\.|$)/.test(expressionPath(object, false))) continue;
    let id: PyNode | undefined;
    for (const { name, value } of keywordArguments(call)) {
      if (ID_FIELD.test(name.split('__')[0]) && referencesRequestId(value, index, ids)) id = value;
    }
    if (id === undefined) {
      const name = calleeName(call);
      const positional = positionalArguments(call);
      if (name === 'where' || name === 'filter') {
        for (const comparison of index.nodesOfType('comparison_operator', [{ pos: call.pos, end: call.end }])) {
          const [left, right] = namedChildren(comparison);
          if (left === undefined || right === undefined) continue;
          if (ID_FIELD.test(lastSegment(expressionPath(left, false))) && referencesRequestId(right, index, ids)) id = right;
        }
      } else if (name === 'get' || name === 'get_or_404' || name === 'get_or_none') {
        const candidate = positional.length >= 2 ? positional[1] : positional.length === 1 && object !== undefined && /(?:^|\.)query(?:\(\))?$/.test(expressionPath(object, true)) ? positional[0] : undefined;
        if (candidate !== undefined && referencesRequestId(candidate, index, ids)) id = candidate;
      }
    }
    if (id === undefined) continue;
    const chain = chainOf(call);
    const fields = filteredFields(chain, index);
    lookups.push({ call, chain, id, model: modelOf(call, chain, index), scoped: fields.some((field) => OWNER_FIELD.test(field) || TENANT_FIELD.test(field)) });
  }
  return lookups;
}

