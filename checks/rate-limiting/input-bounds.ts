/**
 * Work whose size the caller chooses: a page size (`take`, `limit`) taken
 * from the request with no maximum, a loop or allocation sized by the
 * request, a regular expression built from request data, and a
 * catastrophic (nested-quantifier) pattern run on request data.
 */
import { ts, SyntaxKind, isBinaryExpression, isCallExpression, isIdentifier, isLiteralExpression, isNewExpression, isObjectLiteralExpression, isOmittedExpression, isPropertyAccessExpression, isPropertyAssignment, isRegularExpressionLiteral, isStringLiteral } from '../lang/ts/parse.js';
import { calleeName, calleeObject, identifiersIn, plainCalleePath, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { traceRequestOrigins, type RequestOrigins } from '../frameworks/request-origins.js';
import { fileHasKind, fileMentions } from './text-hints.js';
import { KeySlots } from '../lang/key-slots.js';

export interface CostFinding {
  kind: 'page-size' | 'loop' | 'regex-from-input' | 'catastrophic-regex';
  node: ts.Node;
  /** The request data involved, as the code names it (`req.query.limit`). */
  label: string;
  /** For a catastrophic pattern: the pattern. */
  pattern?: string;
}

export interface BoundEvidence {
  node: ts.Node;
  note: string;
}

/** Page size keys of ORMs and query builders: Prisma/TypeORM `take`, Sequelize/Mongo `limit`, `pageSize`. */
const PAGE_SIZE_KEY = new Set(['take', 'limit', 'pageSize', 'perPage', 'per_page', 'page_size', 'top', 'batchSize']);
const PAGE_SIZE_METHOD = /^(?:limit|take|top|paginate|batchSize)$/;
/** Calls that clamp a number: `Math.min(n, 100)`, `clamp(n, 1, 100)`, lodash `_.clamp`. */
const CLAMP = /\bMath\.min\s*\(|\bclamp\s*\(/;
/** Schema methods that give a number a maximum: zod `.max(100)` / `.lte(100)`, Joi `.max(100)`, yup `.max(100)`. */
const SCHEMA_MAX = /\.(?:max|lte|lt|int\(\)\.max)\s*\(/;
/** Escaping before building a pattern: lodash `escapeRegExp`, `escape-string-regexp`, a `replace` of the special characters. */
const ESCAPED = /escape|\.replace\(\s*\/\[[^\]]*\\\]/i;

const originsByEndpoint = new KeySlots<Endpoint, RequestOrigins>('inputBoundsOrigins');

/** Request origins are traced once per endpoint, and only when a candidate asks. */
function originsOf(endpoint: Endpoint): RequestOrigins {
  let origins = originsByEndpoint.get(endpoint);
  if (origins === undefined) {
    origins = traceRequestOrigins(endpoint);
    originsByEndpoint.set(endpoint, origins);
  }
  return origins;
}

/** The request data an expression carries (`Number(req.query.limit) || 20` gives `query.limit`), if any. */
function requestData(endpoint: Endpoint, expression: ts.Expression): string | undefined {
  return originsOf(endpoint).dataLabel(expression);
}

/**
 * Whether a caller-sized number has a ceiling before it is used: clamped
 * where it is written or where its variable is declared, validated by a
 * schema that sets a maximum for it, or compared with a bound in an `if`.
 */
function isBounded(endpoint: Endpoint, value: ts.Expression): BoundEvidence | undefined {
  const { index, scopes } = endpoint;
  const text = index.textOf(value);
  if (CLAMP.test(text)) return { node: value, note: `clamped: ${text}` };
  const names = identifiersIn(value).map((identifier) => identifier.text);
  const declarations = index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, scopes);
  for (const name of names) {
    for (const declaration of declarations) {
      if (declaration.initializer === undefined || !bindsName(declaration.name, name)) continue;
      const initializer = index.textOf(declaration.initializer);
      if (CLAMP.test(initializer)) return { node: declaration, note: `clamped where it is declared: ${index.textOf(declaration).slice(0, 80)}` };
      const schema = schemaMaximum(index, declaration.initializer, name);
      if (schema !== undefined) return schema;
    }
    const comparison = comparedWithBound(index, scopes, name);
    if (comparison !== undefined) return { node: comparison, note: `compared with a bound: ${index.textOf(comparison)}` };
  }
  return undefined;
}

function bindsName(binding: ts.BindingName, name: string): boolean {
  if (isIdentifier(binding)) return binding.text === name;
  return binding.elements.some((element) => !isOmittedExpression(element) && bindsName(element.name, name));
}

/** `const { limit } = querySchema.parse(req.query)` where `querySchema` gives `limit` a `.max(...)`. */
function schemaMaximum(index: SourceIndex, initializer: ts.Expression, name: string): BoundEvidence | undefined {
  let current = unwrapExpression(initializer);
  // `schema.parse(x).limit`, `(await schema.parseAsync(x)).data`.
  while (isPropertyAccessExpression(current)) current = unwrapExpression(current.expression);
  if (!isCallExpression(current) || !/^(?:parse|parseAsync|safeParse|safeParseAsync|validate|validateAsync|validateSync|cast)$/.test(calleeName(current))) return undefined;
  const receiver = calleeObject(current);
  if (receiver === undefined) return undefined;
  const schemaText = isIdentifier(unwrapExpression(receiver))
    ? index.textOf(variablesByName(index).get((unwrapExpression(receiver) as ts.Identifier).text)?.initializer ?? receiver)
    : index.textOf(receiver);
  const field = new RegExp(`\\b${name}\\s*:[^,\\n}]*`).exec(schemaText);
  if (field !== null && SCHEMA_MAX.test(field[0])) return { node: current, note: `validated with a maximum: ${field[0].trim()}` };
  return undefined;
}

const RELATIONAL = new Set([SyntaxKind.GreaterThanToken, SyntaxKind.GreaterThanEqualsToken, SyntaxKind.LessThanToken, SyntaxKind.LessThanEqualsToken]);

/** `if (limit > 100) ...`: a comparison of the name with something in an `if` condition. */
function comparedWithBound(index: SourceIndex, scopes: readonly Scope[], name: string): ts.Node | undefined {
  for (const statement of index.nodesOfKind<ts.IfStatement>(SyntaxKind.IfStatement, scopes)) {
    for (const binary of index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, [{ pos: statement.expression.pos, end: statement.expression.end }])) {
      if (!RELATIONAL.has(binary.operatorToken.kind)) continue;
      if (identifiersIn(binary).some((identifier) => identifier.text === name)) return binary;
    }
  }
  return undefined;
}

/**
 * `Math.min(Number(req.query.limit), 100)`, directly or through the variable
 * that holds it: request data with a ceiling (which the tracer, rightly, no
 * longer calls request data), kept as evidence.
 */
function clampedRequestData(endpoint: Endpoint, value: ts.Expression): BoundEvidence | undefined {
  const { index, scopes } = endpoint;
  let expression = unwrapExpression(value);
  if (isIdentifier(expression)) {
    const name = expression.text;
    const declaration = index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, scopes).find((candidate) => candidate.initializer !== undefined && isIdentifier(candidate.name) && candidate.name.text === name);
    if (declaration?.initializer === undefined) return undefined;
    expression = unwrapExpression(declaration.initializer);
  }
  if (!isCallExpression(expression) || !CLAMP.test(`${plainCalleePath(expression)}(`)) return undefined;
  if (!expression.arguments.some((argument) => requestData(endpoint, argument) !== undefined)) return undefined;
  return { node: expression, note: `clamped: ${index.textOf(expression)}` };
}

/** Page sizes from the request with no maximum: `take: Number(req.query.take)`, `.limit(limit)`. */
function judgePageSize(endpoint: Endpoint, bounds: BoundEvidence[], found: CostFinding[], value: ts.Expression, node: ts.Node): void {
  // A literal page size needs no tracing of where request data goes.
  if (isLiteralExpression(unwrapExpression(value))) return;
  const label = requestData(endpoint, value);
  if (label === undefined) {
    const clamped = clampedRequestData(endpoint, value);
    if (clamped !== undefined) bounds.push(clamped);
    return;
  }
  const bound = isBounded(endpoint, value);
  if (bound !== undefined) bounds.push(bound);
  else found.push({ kind: 'page-size', node, label });
}

/**
 * The file's page-size properties inside a call's arguments (`findMany({ take })`),
 * found once per file: every endpoint asked about all its property assignments.
 */
function pageSizeProperties(index: SourceIndex): { assigned: readonly ts.PropertyAssignment[]; shorthand: readonly ts.ShorthandPropertyAssignment[] } {
  return index.memo('bounds:pageSizeProperties', () => {
    const assigned: ts.PropertyAssignment[] = [];
    for (const property of index.nodesOfKind<ts.PropertyAssignment>(SyntaxKind.PropertyAssignment)) {
      const key = isIdentifier(property.name) ? property.name.text : undefined;
      // Only inside a call's arguments: `findMany({ take })`, not an object the handler returns.
      if (key !== undefined && PAGE_SIZE_KEY.has(key) && insideCallArgument(property)) assigned.push(property);
    }
    const shorthand: ts.ShorthandPropertyAssignment[] = [];
    for (const property of index.nodesOfKind<ts.ShorthandPropertyAssignment>(SyntaxKind.ShorthandPropertyAssignment)) {
      if (PAGE_SIZE_KEY.has(property.name.text) && insideCallArgument(property)) shorthand.push(property);
    }
    return { assigned, shorthand };
  });
}

function pageSizes(endpoint: Endpoint, bounds: BoundEvidence[]): CostFinding[] {
  const { index, scopes } = endpoint;
  const found: CostFinding[] = [];
  const { assigned, shorthand } = pageSizeProperties(index);
  for (const property of index.nodesInScopes(assigned, scopes)) judgePageSize(endpoint, bounds, found, property.initializer, property);
  for (const property of index.nodesInScopes(shorthand, scopes)) judgePageSize(endpoint, bounds, found, property.name, property);
  for (const call of index.callsNamed(PAGE_SIZE_METHOD, scopes)) {
    if (call.arguments.length !== 1 || calleeObject(call) === undefined) continue;
    judgePageSize(endpoint, bounds, found, call.arguments[0], call);
  }
  return found;
}

function insideCallArgument(node: ts.Node): boolean {
  for (let current = node.parent, depth = 0; current !== undefined && depth < 6; current = current.parent, depth++) {
    if (isCallExpression(current) || isNewExpression(current)) return true;
    if (!isObjectLiteralExpression(current) && !isPropertyAssignment(current)) return false;
  }
  return false;
}

function judgeSizedWork(endpoint: Endpoint, bounds: BoundEvidence[], found: CostFinding[], value: ts.Expression, node: ts.Node): void {
  if (isLiteralExpression(unwrapExpression(value))) return;
  const label = requestData(endpoint, value);
  if (label === undefined) return;
  const bound = isBounded(endpoint, value);
  if (bound !== undefined) bounds.push(bound);
  else found.push({ kind: 'loop', node, label });
}

/** Loops and allocations sized by the request: `for (i < n)`, `new Array(n)`, `Array.from({ length: n })`, `'x'.repeat(n)`. */
function requestSizedWork(endpoint: Endpoint, bounds: BoundEvidence[]): CostFinding[] {
  const { index, scopes } = endpoint;
  const found: CostFinding[] = [];
  for (const loop of index.nodesOfKind<ts.ForStatement>(SyntaxKind.ForStatement, scopes)) {
    const condition = loop.condition === undefined ? undefined : unwrapExpression(loop.condition);
    if (condition === undefined || !isBinaryExpression(condition) || !RELATIONAL.has(condition.operatorToken.kind)) continue;
    // `i < req.body.items.length` walks what was sent: the body limit bounds it.
    const bound = unwrapExpression(condition.right);
    if (isPropertyAccessExpression(bound) && bound.name.text === 'length') continue;
    judgeSizedWork(endpoint, bounds, found, condition.right, loop);
  }
  for (const call of index.callsNamed(/^(?:repeat|Array|from)$/, scopes)) {
    const path = plainCalleePath(call);
    if (/\.repeat$/.test(path) && call.arguments[0] !== undefined) judgeSizedWork(endpoint, bounds, found, call.arguments[0], call);
    else if (path === 'Array' && call.arguments.length === 1) judgeSizedWork(endpoint, bounds, found, call.arguments[0], call);
    else if (path === 'Array.from' && call.arguments[0] !== undefined && isObjectLiteralExpression(unwrapExpression(call.arguments[0]))) {
      for (const property of (unwrapExpression(call.arguments[0]) as ts.ObjectLiteralExpression).properties) {
        if (isPropertyAssignment(property) && isIdentifier(property.name) && property.name.text === 'length') judgeSizedWork(endpoint, bounds, found, property.initializer, call);
      }
    }
  }
  for (const created of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, scopes)) {
    if (isIdentifier(created.expression) && created.expression.text === 'Array' && created.arguments?.length === 1) judgeSizedWork(endpoint, bounds, found, created.arguments[0], created);
  }
  return found;
}

function judgePattern(endpoint: Endpoint, found: CostFinding[], value: ts.Expression, node: ts.Node): void {
  if (isLiteralExpression(unwrapExpression(value))) return;
  const label = requestData(endpoint, value);
  if (label === undefined || ESCAPED.test(endpoint.index.textOf(value)) || escapedWhereDeclared(endpoint, value)) return;
  found.push({ kind: 'regex-from-input', node, label });
}

/** `new RegExp(req.query.q)`, `RegExp(q)`, `{ $regex: q }` with request data that is not escaped first. */
function patternsFromInput(endpoint: Endpoint): CostFinding[] {
  const { index, scopes } = endpoint;
  const found: CostFinding[] = [];
  for (const created of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, scopes)) {
    if (isIdentifier(created.expression) && created.expression.text === 'RegExp' && created.arguments?.[0] !== undefined) judgePattern(endpoint, found, created.arguments[0], created);
  }
  for (const call of index.callsNamed(/^RegExp$/, scopes)) {
    if (isIdentifier(call.expression) && call.arguments[0] !== undefined) judgePattern(endpoint, found, call.arguments[0], call);
  }
  for (const property of index.nodesOfKind<ts.PropertyAssignment>(SyntaxKind.PropertyAssignment, scopes)) {
    const key = isIdentifier(property.name) || isStringLiteral(property.name) ? property.name.text : '';
    if (key === '$regex' && !isRegularExpressionLiteral(unwrapExpression(property.initializer))) judgePattern(endpoint, found, property.initializer, property);
  }
  return found;
}

function escapedWhereDeclared(endpoint: Endpoint, value: ts.Expression): boolean {
  const names = identifiersIn(value).map((identifier) => identifier.text);
  return endpoint.index
    .nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, endpoint.scopes)
    .some((declaration) => declaration.initializer !== undefined && names.some((name) => bindsName(declaration.name, name)) && ESCAPED.test(endpoint.index.textOf(declaration.initializer)));
}

/**
 * Whether a pattern can backtrack exponentially: a group that holds an
 * unbounded quantifier and is itself repeated without bound, `(a+)+`,
 * `(\w+\s?)*`, `(.*,)+`. A small scan, not a regex engine: it errs towards
 * silence on patterns it cannot read.
 */
export function hasNestedQuantifier(source: string): boolean {
  const groups: boolean[] = [];
  let innerUnbounded = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (char === '[') {
      // Skip a character class: quantifier characters inside it are literals.
      for (i++; i < source.length && source[i] !== ']'; i++) if (source[i] === '\\') i++;
      continue;
    }
    if (char === '(') {
      groups.push(innerUnbounded);
      innerUnbounded = false;
      continue;
    }
    if (char === ')') {
      const groupHadUnbounded: boolean = innerUnbounded;
      innerUnbounded = groups.pop() ?? false;
      const next = source[i + 1];
      const repeated = next === '*' || next === '+' || (next === '{' && /^\{\d*,\}/.test(source.slice(i + 1)));
      if (repeated && groupHadUnbounded) return true;
      innerUnbounded = innerUnbounded || groupHadUnbounded || repeated;
      continue;
    }
    if (char === '*' || char === '+' || (char === '{' && /^\{\d*,\}/.test(source.slice(i)))) innerUnbounded = true;
  }
  return false;
}

/** A regex literal with a nested quantifier, run on request data: `/^(\w+\s?)*$/.test(req.body.name)`. */
function catastrophicPatterns(endpoint: Endpoint): CostFinding[] {
  const { index, scopes } = endpoint;
  const found: CostFinding[] = [];
  for (const call of index.callsNamed(/^(?:test|exec|match|matchAll|replace|replaceAll|split|search)$/, scopes)) {
    const receiver = calleeObject(call);
    if (receiver === undefined) continue;
    const name = calleeName(call);
    const [pattern, subject] = name === 'test' || name === 'exec' ? [receiver, call.arguments[0]] : [call.arguments[0], receiver];
    if (pattern === undefined || subject === undefined) continue;
    const literal = regexLiteral(index, pattern);
    if (literal === undefined) continue;
    const source = literal.text.slice(1, literal.text.lastIndexOf('/'));
    if (!hasNestedQuantifier(source)) continue;
    const label = requestData(endpoint, subject);
    if (label !== undefined) found.push({ kind: 'catastrophic-regex', node: call, label, pattern: literal.text });
  }
  return found;
}

function regexLiteral(index: SourceIndex, node: ts.Expression): ts.RegularExpressionLiteral | undefined {
  const value = unwrapExpression(node);
  if (isRegularExpressionLiteral(value)) return value;
  if (isIdentifier(value)) {
    const initializer = variablesByName(index).get(value.text)?.initializer;
    if (initializer !== undefined && isRegularExpressionLiteral(unwrapExpression(initializer))) return unwrapExpression(initializer) as ts.RegularExpressionLiteral;
  }
  return undefined;
}

/** Every caller-sized piece of work in the endpoint's own code, with the bounds seen on the way. */
export function requestSizedCosts(endpoint: Endpoint): { findings: CostFinding[]; bounds: BoundEvidence[] } {
  const { index } = endpoint;
  const bounds: BoundEvidence[] = [];
  const findings = [
    ...(fileMentions(index, 'pageSize', /^(?:take|limit|pageSize|perPage|per_page|page_size|top|batchSize|paginate)$/) ? pageSizes(endpoint, bounds) : []),
    ...(fileHasKind(index, SyntaxKind.ForStatement) || fileMentions(index, 'sizedWork', /^(?:repeat|Array)$/) ? requestSizedWork(endpoint, bounds) : []),
    ...(fileMentions(index, 'regexFromInput', /^(?:RegExp|\$regex)$/) ? patternsFromInput(endpoint) : []),
    ...(fileHasKind(index, SyntaxKind.RegularExpressionLiteral) ? catastrophicPatterns(endpoint) : []),
  ];
  findings.sort((a, b) => a.node.pos - b.node.pos);
  return { findings, bounds };
}
