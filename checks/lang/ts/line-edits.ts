/**
 * One-line source edits offered as GitHub suggestion blocks: replace a node,
 * add a property to an object literal, drop an argument or a property. Each
 * gives up (undefined) when the node spans several lines, because a
 * suggestion replaces whole lines and a multi-line rewrite is no longer one
 * obviously safe change.
 */
import { ts } from './parse.js';
import type { SourceIndex } from './source-index.js';

export interface LineEdit {
  line: number;
  endLine: number;
  replacement: string;
}

/** The line of `node` with the text from `from` to `to` (positions) replaced by `text`. */
function spliceLine(index: SourceIndex, anchor: ts.Node, from: number, to: number, text: string): LineEdit | undefined {
  const line = index.lineOf(anchor);
  if (index.endLineOf(anchor) !== line || index.lineAt(to) !== line) return undefined;
  const lineStart = index.sourceFile.getPositionOfLineAndCharacter(line - 1, 0);
  const current = index.lineText(line);
  const start = from - lineStart;
  const end = to - lineStart;
  if (start < 0 || end > current.length || start > end) return undefined;
  return { line, endLine: line, replacement: `${current.slice(0, start)}${text}${current.slice(end)}` };
}

/** Replaces `node` (on one line) with `text`. */
export function replaceNode(index: SourceIndex, node: ts.Node, text: string): LineEdit | undefined {
  return spliceLine(index, node, node.getStart(index.sourceFile), node.end, text);
}

/** Adds `property` (e.g. `limits: { fileSize: 5 * 1024 * 1024 }`) to a one-line object literal. */
export function addProperty(index: SourceIndex, object: ts.ObjectLiteralExpression, property: string): LineEdit | undefined {
  if (object.properties.length === 0) return replaceNode(index, object, `{ ${property} }`);
  const last = object.properties[object.properties.length - 1];
  return spliceLine(index, object, last.end, last.end, `, ${property}`);
}

/** Adds an options object as the only argument of a one-line call without arguments: `multer()`. */
export function addFirstArgument(index: SourceIndex, call: ts.CallExpression | ts.NewExpression, argument: string): LineEdit | undefined {
  if ((call.arguments?.length ?? 0) > 0) return undefined;
  const close = call.end - 1;
  if (index.text[close] !== ')') return undefined;
  return spliceLine(index, call, close, close, argument);
}

/** Removes one element of a comma-separated list (an argument, a property) on one line, with its comma. */
export function removeListElement(index: SourceIndex, list: ts.NodeArray<ts.Node>, element: ts.Node): LineEdit | undefined {
  const at = list.indexOf(element);
  if (at < 0 || list.length < 2) return undefined;
  const from = at === 0 ? element.getStart(index.sourceFile) : list[at - 1].end;
  const to = at === 0 ? list[1].getStart(index.sourceFile) : element.end;
  return spliceLine(index, element, from, to, '');
}
