import { describe, expect, it } from 'vitest';
import { parseTypeScript, ts } from './parse.js';
import { lfLineStartsOf, SourceIndex, type Scope } from './source-index.js';

const CODE = `
import express from 'express';
const app = express();
app.post('/a', async (req, res) => {
  const row = await prisma.$queryRawUnsafe(req.body.sql);
  res.status(200).json(row);
  send(json(row));
  (res as any).send('x');
  res['json']({ ok: true });
});
function render() { return res.json(renderPage()).send(); }
`;

function indexOf(code: string): SourceIndex {
  return new SourceIndex('a.ts', parseTypeScript('a.ts', code).sourceFile);
}

/** The answer callsNamed must give: every call whose last callee name matches, tested one by one, in document order. */
function expected(index: SourceIndex, test: (name: string) => boolean, scopes?: readonly Scope[]): string[] {
  return index
    .calls(scopes)
    .filter((call) => test(lastName(call)))
    .map((call) => index.textOf(call));
}

function lastName(call: ts.CallExpression): string {
  let callee: ts.Expression = call.expression;
  while (ts.isParenthesizedExpression(callee) || ts.isAsExpression(callee)) callee = callee.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  if (ts.isElementAccessExpression(callee) && ts.isStringLiteral(callee.argumentExpression)) return callee.argumentExpression.text;
  return '';
}

const texts = (index: SourceIndex, calls: readonly ts.CallExpression[]) => calls.map((call) => index.textOf(call));

describe('SourceIndex.callsNamed', () => {
  const index = indexOf(CODE);
  const handler = index.nodesOfKind<ts.ArrowFunction>(ts.SyntaxKind.ArrowFunction)[0];
  const render = index.nodesOfKind<ts.FunctionDeclaration>(ts.SyntaxKind.FunctionDeclaration)[0];
  const scopes: Scope[] = [
    { pos: render.pos, end: render.end },
    { pos: handler.pos, end: handler.end },
  ];

  // Lists of names are answered by lookup, other patterns by testing each name: both must agree with the plain test.
  const patterns = [/^(?:json|send)$/, /^json$/, /^(?:\$queryRawUnsafe|status)$/, /^(?:send|send|json)$/, /^(?:js|json)$/, /^(?:j\w+|send)$/, /json|send/, /^JSON$/i, /^(?:nothing|other)$/];
  for (const pattern of patterns) {
    it(`answers ${pattern} like a test of every call name, file-wide and in scopes`, () => {
      expect(texts(index, index.callsNamed(pattern))).toEqual(expected(index, (name) => pattern.test(name)));
      expect(texts(index, index.callsNamed(pattern, scopes))).toEqual(expected(index, (name) => pattern.test(name), scopes));
    });
  }

  it('tells apart patterns with the same source and other flags', () => {
    const fresh = indexOf(CODE);
    for (const pattern of [/^JSON$/, /^JSON$/i, /^JSON$/, /^JSON$/im, /^JSON$/i]) {
      expect(texts(fresh, fresh.callsNamed(pattern))).toEqual(expected(fresh, (name) => pattern.test(name)));
      expect(texts(fresh, fresh.callsNamed(pattern, scopes))).toEqual(expected(fresh, (name) => pattern.test(name), scopes));
    }
    expect(fresh.callsNamed(/^JSON$/)).toHaveLength(0);
    expect(fresh.callsNamed(/^JSON$/i).length).toBeGreaterThan(0);
  });

  it('callsNamedIn finds the calls of a list of names, in document order, each once', () => {
    const names = ['render', 'renderPage', 'send', 'missing', 'send'];
    expect(texts(index, index.callsNamedIn(names))).toEqual(expected(index, (name) => names.includes(name)));
    expect(texts(index, index.callsNamedIn(new Set(names), scopes))).toEqual(expected(index, (name) => names.includes(name), scopes));
    expect(index.callsNamedIn([])).toEqual([]);
  });
});

describe('SourceIndex.mayHaveIdentifier', () => {
  it('says no only for a name the file never uses as an identifier', () => {
    const code = `
      class User { toJSON() { return {}; } }
      const query = { select: { id: true } };
      el.delete(key);
      <Input onChange={handle} />;
      const text = 'password in a string'; // secret in a comment
    `;
    const index = new SourceIndex('a.tsx', parseTypeScript('a.tsx', code).sourceFile);
    expect(parseTypeScript('a.tsx', code).syntaxProblems).toEqual([]);
    for (const name of ['User', 'toJSON', 'select', 'id', 'delete', 'el', 'onChange', 'handle', 'text']) expect(index.mayHaveIdentifier(name)).toBe(true);
    for (const name of ['password', 'secret', 'string', 'Input2']) expect(index.mayHaveIdentifier(name)).toBe(false);
  });
});

describe('line starts', () => {
  it('lists the lines of LF text as TypeScript does, and leaves other line ends to TypeScript', () => {
    for (const text of ['', 'a', 'a\n', '\n\n', 'const a = 1;\nconst b = 2;\n\n// end', '\nx\ny']) {
      expect(lfLineStartsOf(text)).toEqual(ts.createSourceFile('a.ts', text, ts.ScriptTarget.Latest).getLineStarts());
    }
    for (const text of ['a\r\nb', 'a\rb', 'a\u2028b', 'a\u2029b']) expect(lfLineStartsOf(text)).toBeUndefined();
  });

  it('cuts the file into the same lines with LF or CRLF line ends', () => {
    for (const text of ['a\nb\n', 'a\r\nb\r\n', 'a\r\nb\nc', '', 'x']) {
      expect(new SourceIndex('a.ts', parseTypeScript('a.ts', text).sourceFile).allLines()).toEqual(text.split(/\r?\n/));
    }
  });

  it('gives every position the line TypeScript gives it', () => {
    for (const text of ['', 'a', 'a\n', '\n\nx\n', 'const a = 1;\r\nconst b = 2;\r\n', 'a\rb\u2028c\u2029d\n']) {
      const index = new SourceIndex('a.ts', parseTypeScript('a.ts', text).sourceFile);
      // TypeScript's own answer, from a file whose line starts it computed itself.
      const own = ts.createSourceFile('a.ts', text, ts.ScriptTarget.Latest);
      for (let pos = 0; pos <= text.length; pos++) expect(index.lineAt(pos)).toBe(own.getLineAndCharacterOfPosition(pos).line + 1);
    }
  });

  it('answers lines in files with any line ends', () => {
    for (const newline of ['\n', '\r\n', '\r', '\u2028']) {
      const text = ['const a = 1;', '', 'function f() {', '  return a;', '}', ''].join(newline);
      const index = new SourceIndex('a.ts', parseTypeScript('a.ts', text).sourceFile);
      const ret = index.nodesOfKind(ts.SyntaxKind.ReturnStatement)[0];
      expect([index.lineOf(ret), index.endLineOf(ret), index.lineAt(text.indexOf('function'))]).toEqual([4, 4, 3]);
    }
  });
});

describe('the walk', () => {
  /** Every node below the file in document order with its parent, by a plain recursive forEachChild. */
  function plainWalk(file: ts.SourceFile): { node: ts.Node; parent: ts.Node }[] {
    const found: { node: ts.Node; parent: ts.Node }[] = [];
    const visit = (parent: ts.Node) => (node: ts.Node) => {
      found.push({ node, parent });
      ts.forEachChild(node, visit(node));
    };
    ts.forEachChild(file, visit(file));
    return found;
  }

  function indexedInOrder(index: SourceIndex): ts.Node[] {
    const all: ts.Node[] = [];
    for (let kind = 0; kind <= ts.SyntaxKind.Count; kind++) all.push(...index.nodesOfKind(kind as ts.SyntaxKind));
    return all.sort((a, b) => a.pos - b.pos || b.end - a.end);
  }

  it('indexes every node in document order and sets its parent', () => {
    const file = parseTypeScript('a.ts', CODE).sourceFile;
    const index = new SourceIndex('a.ts', file);
    const plain = plainWalk(file);
    for (const { node, parent } of plain) expect(node.parent).toBe(parent);
    expect(indexedInOrder(index).length).toBe(plain.length);
    for (let kind = 0; kind <= ts.SyntaxKind.Count; kind++) {
      expect(index.nodesOfKind(kind as ts.SyntaxKind)).toEqual(plain.map(({ node }) => node).filter((node) => node.kind === kind));
    }
  });

  it('indexes deep nesting in document order without overflowing the stack', () => {
    // The parser reads a chain of `+` in a loop: the tree is as deep as the chain is long.
    const depth = 20_000;
    const text = `const x = f(0)${' + 1'.repeat(depth)}; g(2);`;
    const file = parseTypeScript('deep.ts', text).sourceFile;
    const index = new SourceIndex('deep.ts', file);
    expect(index.nodesOfKind(ts.SyntaxKind.BinaryExpression)).toHaveLength(depth);
    expect(texts(index, index.calls())).toEqual(['f(0)', 'g(2)']);
    let levels = 0;
    for (let node: ts.Node | undefined = index.calls()[0]; node !== undefined && node !== file; node = node.parent) levels++;
    expect(levels).toBeGreaterThan(depth);
  });
});
