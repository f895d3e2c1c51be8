/**
 * Conditions under which sending an error's message is fine: the error is
 * one the app made for clients (`err instanceof ZodError`, `err.name ===
 * 'ValidationError'`, `err.status < 500`, `err.expose`), or the code runs in
 * development only (`process.env.NODE_ENV !== 'production'`). Read from the
 * syntax, so `err instanceof Error` (any error at all) or a database error
 * class never counts.
 */
import { ts, SyntaxKind, isBinaryExpression, isBlock, isCaseClause, isConditionalExpression, isDefaultClause, isIdentifier, isIfStatement, isNumericLiteral, isPrefixUnaryExpression, isPropertyAccessExpression, isReturnStatement, isSourceFile, isThrowStatement } from '../lang/ts/parse.js';
import { expressionPath, stringValue, unwrapExpression } from '../lang/ts/queries.js';

/** Errors of the runtime, drivers and ORMs: their messages describe the system, not the request. */
const SYSTEM_ERROR = /^(?:Error|TypeError|RangeError|SyntaxError|ReferenceError|EvalError|URIError|AggregateError|DOMException|SystemError)$|Prisma|QueryFailed|Database|Sequelize|Mongo|Sql|Knex|Typeorm|Postgres|^Pg|Mysql|Redis|Connection|Timeout|Axios|Fetch|Driver|Db[A-Z]/i;
/** Flags that http-errors, Boom-like and "operational error" conventions set on client errors. */
const CLIENT_FLAG = /^(?:expose|isOperational|isJoi|isClientError|isValidationError|isUserError|isPublic)$/;
const STATUS_PROPERTY = /^(?:status|statusCode)$/;
const DEV_NAME = /^(?:is)?(?:dev|development|debug|debugMode|devMode|local)$/i;
const PROD_NAME = /^(?:is)?(?:prod|production)$/i;
const DEV_ENVIRONMENT = /^(?:dev|development|test|local)$/;
const PROD_ENVIRONMENT = /^(?:prod|production)$/;
const ENVIRONMENT_READ = /\bNODE_ENV\b|\benv\b|environment/i;

/** When an atom of a condition makes details safe to send: while it is true, while it is false, or never. */
type Polarity = 'when-true' | 'when-false' | undefined;

function flip(polarity: Polarity): Polarity {
  return polarity === 'when-true' ? 'when-false' : polarity === 'when-false' ? 'when-true' : undefined;
}

function isEquality(kind: ts.SyntaxKind): boolean {
  return kind === SyntaxKind.EqualsEqualsEqualsToken || kind === SyntaxKind.EqualsEqualsToken;
}

function isInequality(kind: ts.SyntaxKind): boolean {
  return kind === SyntaxKind.ExclamationEqualsEqualsToken || kind === SyntaxKind.ExclamationEqualsToken;
}

/** `err.name === 'ValidationError'`, `NODE_ENV !== 'production'`, `err.status < 500`. */
function comparisonPolarity(binary: ts.BinaryExpression, errorNames: ReadonlySet<string>): Polarity {
  const operator = binary.operatorToken.kind;
  const leftText = stringValue(unwrapExpression(binary.left));
  const rightText = stringValue(unwrapExpression(binary.right));
  const literal = leftText ?? rightText;
  const other = unwrapExpression(leftText !== undefined ? binary.right : binary.left);
  const equality = isEquality(operator) ? 'when-true' : isInequality(operator) ? 'when-false' : undefined;
  if (literal !== undefined && equality !== undefined) {
    if (isPropertyAccessExpression(other) && other.name.text === 'name' && errorNames.has(expressionPath(other.expression))) {
      return SYSTEM_ERROR.test(literal) ? undefined : equality;
    }
    if (ENVIRONMENT_READ.test(expressionPath(other))) {
      if (DEV_ENVIRONMENT.test(literal)) return equality;
      if (PROD_ENVIRONMENT.test(literal)) return flip(equality);
    }
    return undefined;
  }
  // Status codes: below 500 is a client error, whose message http-errors exposes on purpose.
  const status = isPropertyAccessExpression(unwrapExpression(binary.left)) ? (unwrapExpression(binary.left) as ts.PropertyAccessExpression) : undefined;
  const limit = isNumericLiteral(unwrapExpression(binary.right)) ? Number((unwrapExpression(binary.right) as ts.NumericLiteral).text) : undefined;
  if (status === undefined || limit === undefined || !STATUS_PROPERTY.test(status.name.text) || !errorNames.has(expressionPath(status.expression))) return undefined;
  switch (operator) {
    case SyntaxKind.LessThanToken:
      return limit <= 500 ? 'when-true' : undefined;
    case SyntaxKind.LessThanEqualsToken:
      return limit < 500 ? 'when-true' : undefined;
    case SyntaxKind.GreaterThanEqualsToken:
      return limit >= 500 ? 'when-false' : undefined;
    case SyntaxKind.GreaterThanToken:
      return limit >= 499 ? 'when-false' : undefined;
    default:
      return equality !== undefined && limit >= 400 && limit < 500 ? equality : undefined;
  }
}

function atomPolarity(atom: ts.Expression, errorNames: ReadonlySet<string>): Polarity {
  if (isBinaryExpression(atom)) {
    if (atom.operatorToken.kind === SyntaxKind.InstanceOfKeyword) {
      if (!errorNames.has(expressionPath(atom.left))) return undefined;
      const className = expressionPath(atom.right);
      return SYSTEM_ERROR.test(className.slice(className.lastIndexOf('.') + 1)) || SYSTEM_ERROR.test(className) ? undefined : 'when-true';
    }
    return comparisonPolarity(atom, errorNames);
  }
  if (isPropertyAccessExpression(atom)) {
    if (CLIENT_FLAG.test(atom.name.text) && errorNames.has(expressionPath(atom.expression))) return 'when-true';
    if (DEV_NAME.test(atom.name.text)) return 'when-true';
    if (PROD_NAME.test(atom.name.text)) return 'when-false';
    return undefined;
  }
  if (isIdentifier(atom)) {
    if (DEV_NAME.test(atom.text)) return 'when-true';
    if (PROD_NAME.test(atom.text)) return 'when-false';
  }
  return undefined;
}

/**
 * Whether `condition` having the value `holds` means the error is a client
 * error or the code runs in development: `err instanceof ZodError` holding
 * true does; `isProduction` holding false does.
 */
export function meansClientSafe(condition: ts.Expression, holds: boolean, errorNames: ReadonlySet<string>, depth = 0): boolean {
  if (depth > 16) return false;
  const expression = unwrapExpression(condition);
  if (isPrefixUnaryExpression(expression) && expression.operator === SyntaxKind.ExclamationToken) {
    return meansClientSafe(expression.operand, !holds, errorNames, depth + 1);
  }
  if (isBinaryExpression(expression)) {
    const operator = expression.operatorToken.kind;
    // a && b true: both hold, one safe atom is enough; false: either may fail, both must say so.
    if (operator === SyntaxKind.AmpersandAmpersandToken) {
      return holds
        ? meansClientSafe(expression.left, holds, errorNames, depth + 1) || meansClientSafe(expression.right, holds, errorNames, depth + 1)
        : meansClientSafe(expression.left, holds, errorNames, depth + 1) && meansClientSafe(expression.right, holds, errorNames, depth + 1);
    }
    if (operator === SyntaxKind.BarBarToken) {
      return holds
        ? meansClientSafe(expression.left, holds, errorNames, depth + 1) && meansClientSafe(expression.right, holds, errorNames, depth + 1)
        : meansClientSafe(expression.left, holds, errorNames, depth + 1) || meansClientSafe(expression.right, holds, errorNames, depth + 1);
    }
  }
  const polarity = atomPolarity(expression, errorNames);
  return holds ? polarity === 'when-true' : polarity === 'when-false';
}

/** A statement after which the code does not go on: `return ...`, `throw ...`, or a block ending in one. */
function alwaysExits(statement: ts.Statement): boolean {
  if (isReturnStatement(statement) || isThrowStatement(statement)) return true;
  if (isBlock(statement)) {
    const last = statement.statements[statement.statements.length - 1];
    return last !== undefined && alwaysExits(last);
  }
  return false;
}

/**
 * Whether `node` only runs under a client-safe condition, looking up to
 * `stop`: inside `if (cond)` / `cond ? node : ...` / `cond && node`, or after
 * an early exit `if (!(err instanceof AppError)) return ...;`.
 */
export function underClientSafeCondition(node: ts.Node, stop: ts.Node, errorNames: ReadonlySet<string>): boolean {
  let child: ts.Node = node;
  let current: ts.Node | undefined = node.parent;
  while (current !== undefined && child !== stop) {
    if (isIfStatement(current) && child !== current.expression) {
      if (meansClientSafe(current.expression, child === current.thenStatement, errorNames)) return true;
    } else if (isConditionalExpression(current) && child !== current.condition) {
      if (meansClientSafe(current.condition, child === current.whenTrue, errorNames)) return true;
    } else if (isBinaryExpression(current) && current.operatorToken.kind === SyntaxKind.AmpersandAmpersandToken && child === current.right) {
      if (meansClientSafe(current.left, true, errorNames)) return true;
    } else if (isBlock(current) || isSourceFile(current) || isCaseClause(current) || isDefaultClause(current)) {
      const statements: readonly ts.Statement[] = current.statements;
      for (const statement of statements) {
        if (statement === child) break;
        if (isIfStatement(statement) && statement.elseStatement === undefined && alwaysExits(statement.thenStatement) && meansClientSafe(statement.expression, false, errorNames)) {
          return true;
        }
      }
    }
    child = current;
    current = current.parent;
  }
  return false;
}
