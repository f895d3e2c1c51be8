/**
 * Values spliced into SQL that cannot carry an attacker's text, wherever
 * their input came from: literals, numbers (`Number(x)`, `parseInt(x)`,
 * `+x`, `ids.map(Number)`), a choice between literals (`dir === 'asc' ?
 * 'ASC' : 'DESC'`), constants of the file and entries of constant maps
 * (`SORT_COLUMNS[sort]`).
 */
import { ts, SyntaxKind, getCombinedNodeFlags, isArrayLiteralExpression, isBinaryExpression, isCallExpression, isConditionalExpression, isElementAccessExpression, isIdentifier, isNoSubstitutionTemplateLiteral, isNumericLiteral, isObjectLiteralExpression, isPrefixUnaryExpression, isPropertyAccessExpression, isPropertyAssignment, isStringLiteral, isTemplateExpression } from '../lang/ts/parse.js';
import { expressionPath, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { Endpoint } from '../frameworks/endpoint.js';

const NUMBER_CONVERSION = /^(?:Number|parseInt|parseFloat|Math\.\w+|BigInt)$/;
const NUMERIC_PROPERTY = /^(?:length|size)$/;

function isConstantName(name: string): boolean {
  return /^[A-Z][A-Z0-9_]*$/.test(name);
}

/** The last declaration of `name` before `use` in the endpoint's code, else the file's first (a module constant). */
function declarationOf(endpoint: Endpoint, name: string, use: ts.Node): ts.VariableDeclaration | undefined {
  let local: ts.VariableDeclaration | undefined;
  for (const candidate of endpoint.index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, endpoint.scopes)) {
    if (candidate.pos >= use.pos) break;
    if (isIdentifier(candidate.name) && candidate.name.text === name) local = candidate;
  }
  return local ?? variablesByName(endpoint.index).get(name);
}

/** Whether a `let` is reassigned in the endpoint's code: then its initializer is not the whole story. */
function isReassigned(endpoint: Endpoint, name: string): boolean {
  return endpoint.index
    .nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, endpoint.scopes)
    .some((binary) => isIdentifier(binary.left) && binary.left.text === name && binary.operatorToken.kind >= SyntaxKind.FirstAssignment && binary.operatorToken.kind <= SyntaxKind.LastAssignment);
}

/** Whether the value spliced in at `piece` is fixed text or a number. */
export function isFixedValue(endpoint: Endpoint, piece: ts.Expression, depth = 0): boolean {
  if (depth > 6) return false;
  const expression = unwrapExpression(piece);
  if (isStringLiteral(expression) || isNumericLiteral(expression) || isNoSubstitutionTemplateLiteral(expression)) return true;
  if (expression.kind === SyntaxKind.TrueKeyword || expression.kind === SyntaxKind.FalseKeyword || expression.kind === SyntaxKind.NullKeyword) return true;
  if (isPrefixUnaryExpression(expression)) return expression.operator === SyntaxKind.PlusToken || expression.operator === SyntaxKind.MinusToken;
  if (isConditionalExpression(expression)) return isFixedValue(endpoint, expression.whenTrue, depth + 1) && isFixedValue(endpoint, expression.whenFalse, depth + 1);
  if (isTemplateExpression(expression)) return expression.templateSpans.every((span) => isFixedValue(endpoint, span.expression, depth + 1));
  if (isBinaryExpression(expression)) {
    const operator = expression.operatorToken.kind;
    if (operator === SyntaxKind.PlusToken || operator === SyntaxKind.QuestionQuestionToken || operator === SyntaxKind.BarBarToken) return isFixedValue(endpoint, expression.left, depth + 1) && isFixedValue(endpoint, expression.right, depth + 1);
    // Arithmetic and comparisons give numbers and booleans.
    return operator !== SyntaxKind.AmpersandAmpersandToken && operator !== SyntaxKind.CommaToken && !(operator >= SyntaxKind.FirstAssignment && operator <= SyntaxKind.LastAssignment);
  }
  if (isCallExpression(expression)) {
    const callee = expressionPath(expression.expression);
    if (NUMBER_CONVERSION.test(callee)) return true;
    // ids.map(Number).join(','): numbers joined by a literal.
    const method = isPropertyAccessExpression(unwrapExpression(expression.expression)) ? (unwrapExpression(expression.expression) as ts.PropertyAccessExpression) : undefined;
    if (method?.name.text === 'map' && expression.arguments[0] !== undefined && NUMBER_CONVERSION.test(expressionPath(expression.arguments[0]))) return true;
    if (method?.name.text === 'join' && (expression.arguments.length === 0 || isFixedValue(endpoint, expression.arguments[0], depth + 1))) return isFixedValue(endpoint, method.expression, depth + 1);
    if (method?.name.text === 'toFixed' || method?.name.text === 'toISOString') return true;
    return false;
  }
  if (isPropertyAccessExpression(expression) && NUMERIC_PROPERTY.test(expression.name.text)) return true;
  if (isIdentifier(expression)) {
    const declaration = declarationOf(endpoint, expression.text, expression);
    if (declaration === undefined) return isConstantName(expression.text);
    if (declaration.initializer === undefined || !isIdentifier(declaration.name)) return false;
    const isConst = (getCombinedNodeFlags(declaration) & ts.NodeFlags.Const) !== 0;
    if (!isConst && isReassigned(endpoint, expression.text)) return false;
    return isFixedValue(endpoint, declaration.initializer, depth + 1);
  }
  // An entry of a constant map: `COLUMNS[sort]`, `TABLES.users`, `SORTS[req.query.sort] ?? 'id'`.
  if ((isElementAccessExpression(expression) || isPropertyAccessExpression(expression)) && isIdentifier(expression.expression)) {
    const map = declarationOf(endpoint, expression.expression.text, expression);
    const initializer = map?.initializer === undefined ? undefined : unwrapExpression(map.initializer);
    if (initializer !== undefined && isObjectLiteralExpression(initializer)) {
      return initializer.properties.every((property) => isPropertyAssignment(property) && isFixedValue(endpoint, property.initializer, depth + 1));
    }
    if (initializer !== undefined && isArrayLiteralExpression(initializer)) return initializer.elements.every((element) => isFixedValue(endpoint, element, depth + 1));
    return map === undefined && isConstantName(expression.expression.text);
  }
  return false;
}
