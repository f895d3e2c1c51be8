/**
 * The index's walk calls web-tree-sitter's cursor exports directly (five
 * times cheaper than the public TreeCursor): it must copy exactly the nodes
 * the public cursor gives, on clean, non-ASCII, CRLF and broken files.
 */
import { describe, expect, it } from 'vitest';
import { loadPythonParser } from '../../../checks/lang/py/parse.js';
import { memoryWalkState, usesDirectCursor } from '../../../checks/lang/py/cursor-steps.js';
import { PySourceIndex, type PyNode } from '../../../checks/lang/py/source-index.js';

const CLEAN = `from fastapi import APIRouter, Depends

router = APIRouter(prefix="/items")

@router.get("/{item_id}")
async def read_item(item_id: int, user=Depends(get_current_user)):
    item = db.query(Item).filter(Item.id == item_id, Item.owner_id == user.id).first()
    if item is None or not user.active:
        raise HTTPException(status_code=404)
    return {"id": item.id, "tags": [t for t in item.tags], **extra}
`;

const NON_ASCII = `# Grüße, café ☕ 😀
@app.route("/héllo/<name>")
def héllo(name):
    message = f"<h1>Hällo 👋 {name}</h1>"  # 𝔘𝔫𝔦𝔠𝔬𝔡𝔢
    return message, 200
`;

const CRLF = '# ö\r\n@app.get("/x")\r\ndef x():\r\n    return {"a": 1}\r\n';

const BROKEN = `@app.get("/a")
def a(:
    return (
@app.post("/b")
def b(request):
    data = request.json(
    return data
`;

interface Plain {
  type: string;
  named: boolean;
  pos: number;
  end: number;
  line: number;
  endLine: number;
  field: string | undefined;
  name: string | undefined;
  children: Plain[];
}

function plain(node: PyNode): Plain {
  const { type, named, pos, end, line, endLine, field, name } = node;
  return { type, named, pos, end, line, endLine, field, name, children: node.children.map(plain) };
}

/** A file of some thousands of nodes: walked first, so that the memory walk is checked and in use for the files compared. */
const LARGE = Array.from({ length: 200 }, (_, i) => `@app.get("/é${i}")\ndef f${i}(x: int = Depends(g), *args, **kw) -> dict:\n    # ☕ ${i}\n    return {"a": [x, (${i} + 1)], 'b': f"😀{x!r}", **kw} if x else lambda: x[1:2]\n`).join('\n');

let checked: Promise<void> | undefined;

async function indexBoth(text: string): Promise<{ direct: PySourceIndex; shared: PySourceIndex }> {
  checked ??= indexBothNow(LARGE).then(() => undefined);
  await checked;
  return indexBothNow(text);
}

async function indexBothNow(text: string): Promise<{ direct: PySourceIndex; shared: PySourceIndex }> {
  const parser = await loadPythonParser();
  const tree = parser.parse(text)!;
  try {
    return { direct: new PySourceIndex('a.py', text, tree), shared: new PySourceIndex('a.py', text, tree, { directWalk: false }) };
  } finally {
    tree.delete();
  }
}

describe('the direct cursor walk', () => {
  it('is the one in use with the pinned web-tree-sitter', async () => {
    await loadPythonParser();
    expect(usesDirectCursor()).toBe(true);
  });

  it('reads the tree from wasm memory once it agreed with the exports on the first nodes walked', async () => {
    const { direct, shared } = await indexBoth(LARGE);
    expect(memoryWalkState()).toBe('agrees');
    expect(plain(direct.root)).toEqual(plain(shared.root));
  });

  it.each([
    ['a large file', LARGE],
    ['a clean file', CLEAN],
    ['non-ASCII text (offsets in UTF-16 units)', NON_ASCII],
    ['CRLF line breaks', CRLF],
    ['syntax errors and missing tokens', BROKEN],
    ['an empty file', ''],
  ])('copies the same nodes and errors as the public cursor: %s', async (_, text) => {
    const { direct, shared } = await indexBoth(text);
    expect(plain(direct.root)).toEqual(plain(shared.root));
    expect(direct.syntaxErrors).toEqual(shared.syntaxErrors);
    expect(direct.nodesOfType('identifier').map((node) => node.name)).toEqual(shared.nodesOfType('identifier').map((node) => node.name));
    expect(memoryWalkState()).toBe('agrees');
  });

  it('slices identifiers by UTF-16 offsets', async () => {
    const { direct } = await indexBoth(NON_ASCII);
    const names = direct.nodesOfType('identifier').map((node) => node.name);
    expect(names).toContain('héllo');
    for (const node of direct.nodesOfType('identifier')) expect(direct.textOf(node)).toBe(node.name);
  });

  it('finds the token the parser invented (an empty node) as well as the unparsable text', async () => {
    const { direct } = await indexBoth(BROKEN);
    expect(direct.syntaxErrors.map((error) => [error.line, error.message])).toEqual([
      [2, 'missing ")"'],
      [3, 'unexpected "return ("'],
      [6, 'unexpected "data = request.json("'],
    ]);
  });
});
