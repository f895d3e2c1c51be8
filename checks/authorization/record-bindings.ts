/**
 * Following a fetched record by name: `const invoice = await prisma...`,
 * `const [invoice] = await db.select()...`, `invoice = await Invoice.findById(id)`.
 */
import { ts } from '../lang/ts/parse.js';

/** The variable the value of `expression` is stored in, if it is stored at all. */
export function recordVariable(expression: ts.Node): string | undefined {
  let node: ts.Node = expression;
  for (let depth = 0; depth < 8; depth++) {
    const parent = node.parent;
    if (parent === undefined) return undefined;
    if (ts.isAwaitExpression(parent) || ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isNonNullExpression(parent) || ts.isSatisfiesExpression(parent)) {
      node = parent;
      continue;
    }
    if (ts.isVariableDeclaration(parent) && parent.initializer === node) {
      if (ts.isIdentifier(parent.name)) return parent.name.text;
      // Drizzle and SQL drivers return rows: `const [invoice] = ...`, `const { rows: [invoice] } = ...`.
      if (ts.isArrayBindingPattern(parent.name)) {
        const first = parent.name.elements[0];
        return first !== undefined && ts.isBindingElement(first) && ts.isIdentifier(first.name) ? first.name.text : undefined;
      }
      if (ts.isObjectBindingPattern(parent.name)) {
        const rows = parent.name.elements.find((element) => ts.isArrayBindingPattern(element.name) || ts.isIdentifier(element.name));
        if (rows === undefined) return undefined;
        if (ts.isIdentifier(rows.name)) return rows.name.text;
        const first = (rows.name as ts.ArrayBindingPattern).elements[0];
        return first !== undefined && ts.isBindingElement(first) && ts.isIdentifier(first.name) ? first.name.text : undefined;
      }
      return undefined;
    }
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && parent.right === node && ts.isIdentifier(parent.left)) {
      return parent.left.text;
    }
    return undefined;
  }
  return undefined;
}
