/**
 * Following a fetched record by name: `const invoice = await prisma...`,
 * `const [invoice] = await db.select()...`, `invoice = await Invoice.findById(id)`.
 */
import { ts, SyntaxKind, isArrayBindingPattern, isAsExpression, isAwaitExpression, isBinaryExpression, isBindingElement, isIdentifier, isNonNullExpression, isObjectBindingPattern, isParenthesizedExpression, isSatisfiesExpression, isVariableDeclaration } from '../lang/ts/parse.js';

/** The variable the value of `expression` is stored in, if it is stored at all. */
export function recordVariable(expression: ts.Node): string | undefined {
  let node: ts.Node = expression;
  for (let depth = 0; depth < 8; depth++) {
    const parent = node.parent;
    if (parent === undefined) return undefined;
    if (isAwaitExpression(parent) || isParenthesizedExpression(parent) || isAsExpression(parent) || isNonNullExpression(parent) || isSatisfiesExpression(parent)) {
      node = parent;
      continue;
    }
    if (isVariableDeclaration(parent) && parent.initializer === node) {
      if (isIdentifier(parent.name)) return parent.name.text;
      // Drizzle and SQL drivers return rows: `const [invoice] = ...`, `const { rows: [invoice] } = ...`.
      if (isArrayBindingPattern(parent.name)) {
        const first = parent.name.elements[0];
        return first !== undefined && isBindingElement(first) && isIdentifier(first.name) ? first.name.text : undefined;
      }
      if (isObjectBindingPattern(parent.name)) {
        const rows = parent.name.elements.find((element) => isArrayBindingPattern(element.name) || isIdentifier(element.name));
        if (rows === undefined) return undefined;
        if (isIdentifier(rows.name)) return rows.name.text;
        const first = (rows.name as ts.ArrayBindingPattern).elements[0];
        return first !== undefined && isBindingElement(first) && isIdentifier(first.name) ? first.name.text : undefined;
      }
      return undefined;
    }
    if (isBinaryExpression(parent) && parent.operatorToken.kind === SyntaxKind.EqualsToken && parent.right === node && isIdentifier(parent.left)) {
      return parent.left.text;
    }
    return undefined;
  }
  return undefined;
}
