/**
 * unbounded-request-cost for Python (ratelimit.ddos): the TypeScript check's
 * page-size and loop ideas, with its id. A number from the request sizes a
 * query (`.limit(n)`, `[:n]`, `Paginator(qs, n)`, `paginate(per_page=n)`,
 * `fetchmany(n)`) or a loop (`range(n)`) with no maximum: FastAPI
 * `Query(le=...)` / `conint(le=...)`, `min(n, MAX)`, flask-sqlalchemy
 * `max_per_page`, DRF pagination `max_page_size` / `max_limit` bound it.
 */
import tsCheck from '../../rate-limiting/unbounded-request-cost.js';
import { baseClassNames, calleeName, childByField, classAttribute, classesByName, expressionPath, keywordArgument, lastSegment, positionalArguments } from '../../lang/py/queries.js';
import type { PyNode } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { callerValueIn, requestDataOf, type RequestValue } from '../input-validation/request-data.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const CLAMP_CALL = /^(?:min|clamp)$/;

const SIZED_CALL = /^(?:limit|fetchmany|islice|sample|Paginator|paginate|range|repeat|take|head)$/;
const BOUND = /\ble\s*=|\blt\s*=|max_per_page|min\(/;

export default createPyCheck({
  id: 'unbounded-request-cost',
  items: ['ratelimit.ddos'],
  ...siblingMetadata(tsCheck),
  messages: {
    'page-size': tsCheck.messages['page-size'],
    loop: tsCheck.messages.loop,
    'drf-pagination': '{{pagination}} lets the caller choose the page size ({{param}}) with no maximum: one call can ask for every row.',
  },
  fix: {
    fastapi: 'Give the parameter a maximum: `limit: int = Query(20, ge=1, le=100)` (or `Annotated[int, Query(le=100)]`), or clamp it: `limit = min(limit, 100)`.',
    'django-rest-framework': 'Cap the page size: `max_page_size = 100` on a `PageNumberPagination` with `page_size_query_param`, `max_limit = 100` on a `LimitOffsetPagination`; clamp numbers read from `request.query_params` with `min(..., 100)`.',
    flask: "Clamp numbers from the query: `per_page = min(request.args.get('per_page', 20, type=int), 100)`, or `query.paginate(page=page, per_page=per_page, max_per_page=100)`.",
    default: 'Bound every request-sized cost: a maximum page size, clamped loop counts.',
  },
  run(context) {
    const { endpoint } = context;
    const { index } = endpoint;
    const data = requestDataOf(endpoint);

    const pagination = drfPagination(endpoint);
    if (pagination?.unbounded === true) {
      context.report({ messageId: 'drf-pagination', node: pagination.node, data: { pagination: `\`${pagination.name}\``, param: pagination.param } });
      return;
    }

    const bounds: { node: PyNode; note: string }[] = [];
    if (pagination !== undefined) bounds.push({ node: pagination.node, note: `${pagination.name} caps the page size (${pagination.param})` });
    const sites = sizedSites(endpoint);
    for (const site of sites) {
      const value = callerValueIn(endpoint, data, site.size);
      if (value === undefined) continue;
      const bound = boundOf(endpoint, value, site.node);
      if (bound !== undefined) {
        bounds.push(bound);
        continue;
      }
      context.report({ messageId: site.loop ? 'loop' : 'page-size', node: site.node, data: { label: value.label } });
      return;
    }
    for (const bound of bounds) context.pass('ratelimit.ddos', { node: bound.node, note: `request-sized work is bounded: ${bound.note}` });
    if (bounds.length === 0) context.notApplicable('ratelimit.ddos', 'the endpoint sizes no page or loop by the request');
  },
});

/** Calls and slices whose size is an expression: `.limit(n)`, `range(n)`, `items[:n]`. */
function sizedSites(endpoint: PyEndpoint): { node: PyNode; size: PyNode; loop: boolean }[] {
  const { index } = endpoint;
  const sites: { node: PyNode; size: PyNode; loop: boolean }[] = [];
  for (const call of index.callsNamed(SIZED_CALL, endpoint.scopes)) {
    const name = calleeName(call);
    const size = name === 'paginate' ? keywordArgument(call, 'per_page') : name === 'Paginator' ? (positionalArguments(call)[1] ?? keywordArgument(call, 'per_page')) : name === 'range' ? positionalArguments(call).at(-1) : (positionalArguments(call).at(-1) ?? keywordArgument(call, 'size'));
    if (size === undefined) continue;
    if (name === 'paginate' && keywordArgument(call, 'max_per_page') !== undefined) continue;
    sites.push({ node: call, size, loop: name === 'range' || name === 'repeat' });
  }
  for (const slice of index.nodesOfType('slice', endpoint.scopes)) {
    // The stop of `[start:stop]`: the first named part after the first colon.
    const colon = slice.children.findIndex((child) => child.type === ':');
    const end = colon < 0 ? undefined : slice.children.slice(colon + 1).find((child) => child.named && child.type !== ':');
    if (end !== undefined && slice.parent !== undefined) sites.push({ node: slice.parent, size: end, loop: false });
  }
  return sites.sort((a, b) => a.node.pos - b.node.pos);
}

/** What bounds a request number: `le=` on its FastAPI parameter, or `min()` on its way. */
function boundOf(endpoint: PyEndpoint, value: RequestValue, site: PyNode): { node: PyNode; note: string } | undefined {
  const { index } = endpoint;
  const data = requestDataOf(endpoint);
  const name = value.node.type === 'identifier' ? value.node.name ?? '' : '';
  const parameter = data.scalarParameters.find((candidate) => candidate.name === name);
  if (parameter !== undefined && BOUND.test(index.textOf(parameter.node))) return { node: parameter.node, note: `\`${index.textOf(parameter.node)}\`` };
  // `min(n, 100)` around the size, or in the assignment that produced the name.
  for (let current = value.node.parent; current !== undefined && current.pos >= site.pos; current = current.parent) {
    if (current.type === 'call' && calleeName(current) === 'min') return { node: current, note: `\`${index.textOf(current)}\`` };
  }
  const clamp = index.callsNamed(CLAMP_CALL, endpoint.scopes).find((call) => call.pos < site.pos && name !== '' && index.textOf(call).includes(name));
  if (clamp !== undefined) return { node: clamp, note: `\`${index.textOf(clamp)}\`` };
  const assigned = clampedAssignment(endpoint, name, site);
  return assigned;
}

/** `per_page = min(int(request.args.get("per_page", 20)), 100)`: the name is bounded where it is made. */
function clampedAssignment(endpoint: PyEndpoint, name: string, site: PyNode): { node: PyNode; note: string } | undefined {
  const { index } = endpoint;
  for (const assignment of index.nodesOfType('assignment', endpoint.scopes)) {
    if (assignment.pos > site.pos || childByField(assignment, 'left')?.name !== name) continue;
    const right = childByField(assignment, 'right');
    if (right?.type === 'call' && /^(?:min|clamp)$/.test(calleeName(right))) return { node: assignment, note: `\`${index.textOf(assignment)}\`` };
  }
  return undefined;
}

/** The DRF pagination class of the view, and whether the caller picks its size without a cap. */
function drfPagination(endpoint: PyEndpoint): { name: string; node: PyNode; param: string; unbounded: boolean } | undefined {
  if (endpoint.viewClass === undefined || endpoint.method !== 'GET') return undefined;
  const attribute = classAttribute(endpoint.viewClass, 'pagination_class');
  if (attribute === undefined) return undefined;
  const name = lastSegment(expressionPath(attribute.value, false));
  if (name === 'LimitOffsetPagination') return { name, node: attribute.node, param: '`?limit=`', unbounded: true };
  const cls = classesByName(endpoint.index).get(name);
  if (cls === undefined) return undefined;
  const bases = baseClassNames(cls).map(lastSegment);
  if (bases.includes('LimitOffsetPagination')) {
    const max = classAttribute(cls, 'max_limit');
    return { name, node: max?.node ?? cls, param: '`?limit=`', unbounded: max === undefined || endpoint.index.textOf(max.value) === 'None' };
  }
  const query = classAttribute(cls, 'page_size_query_param');
  if (query === undefined || endpoint.index.textOf(query.value) === 'None') return undefined;
  const max = classAttribute(cls, 'max_page_size');
  return { name, node: max?.node ?? query.node, param: `\`?${endpoint.index.textOf(query.value).replace(/['"]/g, '')}=\``, unbounded: max === undefined || endpoint.index.textOf(max.value) === 'None' };
}
