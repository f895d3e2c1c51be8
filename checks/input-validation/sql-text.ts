/**
 * How the SQL text given to a raw-SQL call is built: its literal parts and
 * the values spliced into it, through template literals, `+`, `.concat()`,
 * local variables (with `+=`) and same-file helpers that return the text.
 */
import { ts, SyntaxKind, isBinaryExpression, isBlock, isCallExpression, isFunctionLike, isIdentifier, isNoSubstitutionTemplateLiteral, isPropertyAccessExpression, isStringLiteral, isTemplateExpression } from '../lang/ts/parse.js';
import { functionsByName, importSources, unwrapExpression, type FunctionNode } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';

/** SQL text as built by the code: the literal parts (a spliced value reads ` ? `) and the spliced values. */
export interface BuiltText {
  kind: 'built';
  literal: string;
  pieces: ts.Expression[];
}

/** SQL text the code takes from somewhere this file does not show: a parameter, another module's function. */
export interface OpaqueText {
  kind: 'opaque';
  /** The expression as written, e.g. `buildQuery(filters)`. */
  source: ts.Expression;
}

const MAX_DEPTH = 4;

function isConstantName(name: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(name);
}

/** The declaration of `name` that is in effect at `use`: the last one before it in the endpoint's code. */
function declarationBefore(endpoint: Endpoint, name: string, use: ts.Node): ts.VariableDeclaration | undefined {
  let found: ts.VariableDeclaration | undefined;
  for (const candidate of endpoint.index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, endpoint.scopes)) {
    if (candidate.pos >= use.pos) break;
    if (isIdentifier(candidate.name) && candidate.name.text === name) found = candidate;
  }
  return found;
}

/** Whether `name` is a parameter of a function around `use`. */
function isParameterAt(name: string, use: ts.Node): boolean {
  for (let current = use.parent; current !== undefined; current = current.parent) {
    if (isFunctionLike(current) && current.parameters.some((parameter) => isIdentifier(parameter.name) && parameter.name.text === name)) return true;
  }
  return false;
}

function concatenate(parts: (BuiltText | OpaqueText | undefined)[], sources: ts.Expression[]): BuiltText {
  const built: BuiltText = { kind: 'built', literal: '', pieces: [] };
  parts.forEach((part, position) => {
    if (part?.kind === 'built') {
      built.literal += part.literal;
      built.pieces.push(...part.pieces);
    } else {
      built.literal += ' ? ';
      built.pieces.push(sources[position]);
    }
  });
  return built;
}

/** The text a same-file helper returns: `function buildQuery(sort) { return \`... ${sort}\` }`. */
function returnedText(endpoint: Endpoint, fn: FunctionNode, depth: number): BuiltText | undefined {
  if (fn.body === undefined) return undefined;
  if (!isBlock(fn.body)) return asBuilt(sqlTextOf(endpoint, fn.body, depth + 1));
  const returns = endpoint.index.nodesOfKind<ts.ReturnStatement>(SyntaxKind.ReturnStatement, [{ pos: fn.body.pos, end: fn.body.end }]);
  let result: BuiltText | undefined;
  for (const statement of returns) {
    if (statement.expression === undefined) continue;
    let owner: ts.Node | undefined = statement.parent;
    while (owner !== undefined && !isFunctionLike(owner)) owner = owner.parent;
    if (owner !== fn) continue;
    const text = asBuilt(sqlTextOf(endpoint, statement.expression, depth + 1));
    if (text === undefined) return undefined;
    result = result === undefined ? text : { kind: 'built', literal: `${result.literal} ${text.literal}`, pieces: [...result.pieces, ...text.pieces] };
  }
  return result;
}

function asBuilt(text: BuiltText | OpaqueText | undefined): BuiltText | undefined {
  return text?.kind === 'built' ? text : undefined;
}

/**
 * The SQL text `node` evaluates to, as far as this file shows it; undefined
 * when `node` is not text at all (an object, a number) or cannot be read.
 */
export function sqlTextOf(endpoint: Endpoint, node: ts.Expression, depth = 0): BuiltText | OpaqueText | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const expression = unwrapExpression(node);
  if (isStringLiteral(expression) || isNoSubstitutionTemplateLiteral(expression)) return { kind: 'built', literal: expression.text, pieces: [] };
  if (isTemplateExpression(expression)) {
    let literal = expression.head.text;
    const pieces: ts.Expression[] = [];
    for (const span of expression.templateSpans) {
      pieces.push(span.expression);
      literal += ` ? ${span.literal.text}`;
    }
    return { kind: 'built', literal, pieces };
  }
  if (isBinaryExpression(expression) && expression.operatorToken.kind === SyntaxKind.PlusToken) {
    const sides = [expression.left, expression.right];
    return concatenate(sides.map((side) => sqlTextOf(endpoint, side, depth)), sides);
  }
  if (isCallExpression(expression)) {
    const callee = unwrapExpression(expression.expression);
    if (isPropertyAccessExpression(callee) && callee.name.text === 'concat') {
      const parts = [callee.expression, ...expression.arguments];
      return concatenate(parts.map((part) => sqlTextOf(endpoint, part, depth + 1)), parts);
    }
    if (isIdentifier(callee)) {
      const helper = functionsByName(endpoint.index).get(callee.text);
      if (helper !== undefined) return returnedText(endpoint, helper, depth) ?? { kind: 'opaque', source: expression };
      if (importSources(endpoint.index).has(callee.text)) return { kind: 'opaque', source: expression };
    }
    return undefined;
  }
  if (isIdentifier(expression)) return identifierText(endpoint, expression, depth);
  return undefined;
}

/** `const q = 'SELECT ... ' + id; db.query(q)`, plus any `q += ...` before the use. */
function identifierText(endpoint: Endpoint, identifier: ts.Identifier, depth: number): BuiltText | OpaqueText | undefined {
  const declaration = declarationBefore(endpoint, identifier.text, identifier);
  if (declaration?.initializer === undefined) {
    // Imported or module-level SQL constants are fixed text; a helper's parameter is whatever its callers pass.
    if (isConstantName(identifier.text) || importSources(endpoint.index).has(identifier.text)) return { kind: 'built', literal: '', pieces: [] };
    return isParameterAt(identifier.text, identifier) ? { kind: 'opaque', source: identifier } : undefined;
  }
  const initial = sqlTextOf(endpoint, declaration.initializer, depth + 1);
  if (initial?.kind !== 'built') return initial;
  const built: BuiltText = { kind: 'built', literal: initial.literal, pieces: [...initial.pieces] };
  for (const assignment of endpoint.index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, endpoint.scopes)) {
    if (assignment.pos > identifier.pos) break;
    // `sql = sql + ...` reads the text assigned before it, not itself.
    if (assignment.end >= identifier.end) continue;
    if (assignment.pos < declaration.pos || !isIdentifier(assignment.left) || assignment.left.text !== identifier.text) continue;
    const operator = assignment.operatorToken.kind;
    if (operator !== SyntaxKind.PlusEqualsToken && operator !== SyntaxKind.EqualsToken) continue;
    const added = sqlTextOf(endpoint, assignment.right, depth + 1);
    const part = concatenate([added], [assignment.right]);
    built.literal += part.literal;
    built.pieces.push(...part.pieces);
  }
  return built;
}
