/**
 * The Python foundation: the wasm parser loads once, the index's one walk
 * copies the tree (which is deleted), and the query vocabulary answers the
 * questions discovery and checks ask.
 */
import { describe, expect, it } from 'vitest';
import { parsePython } from '../../../checks/lang/py/parse.js';
import {
  calleeName,
  calleeObject,
  calleePath,
  classAttribute,
  baseClassNames,
  decoratorPath,
  decoratorsOf,
  dictEntries,
  functionsByName,
  importSources,
  keywordArgument,
  methodsOf,
  moduleAssignments,
  parametersOf,
  plainCalleePath,
  positionalArguments,
  sequenceElements,
  stringValue,
  classesByName,
  booleanValue,
  expressionPath,
} from '../../../checks/lang/py/queries.js';

const APP = `from fastapi import APIRouter, Depends
from jose import jwt as jose_jwt
import jwt

router = APIRouter(prefix="/items", dependencies=[Depends(verify)])

@router.get("/{item_id}", status_code=200)
async def read_item(item_id: int, user: Annotated[User, Depends(get_current_user)], q: str = None):
    item = (await db.get(Item, item_id))
    rows = User.objects.filter(id=item_id).first()
    jwt.decode(token, key, options={"verify_signature": False})
    return item

class Detail(APIView):
    permission_classes = [IsAuthenticated]
    def get(self, request, pk):
        return Response(request.data["x"])
`;

describe('PySourceIndex', () => {
  it('indexes calls by type and by callee name, in document order, inside scopes', async () => {
    const index = await parsePython('app.py', APP);
    expect(index.syntaxErrors).toEqual([]);
    const fn = functionsByName(index).get('read_item')!;
    const inHandler = index.calls([{ pos: fn.pos, end: fn.end }]).map((call) => calleePath(call));
    expect(inHandler).toEqual(['Depends', 'db.get', 'User.objects.filter().first', 'User.objects.filter', 'jwt.decode']);
    expect(index.callsNamed(/^(?:get|filter)$/).map((call) => plainCalleePath(call))).toEqual(['router.get', 'db.get', 'User.objects.filter']);
    const first = index.callsNamed(/^first$/)[0];
    expect(calleeName(first)).toBe('first');
    expect(index.textOf(calleeObject(first)!)).toBe('User.objects.filter(id=item_id)');
  });

  it('answers a pattern of exact names as one that is tested against each name: document order, outer call first', async () => {
    const index = await parsePython('chain.py', 'x = db.get(1).filter(a=get(2))\nfilter(get(3), db.get(4))\n');
    const exact = index.callsNamed(/^(?:filter|get|filter)$/).map((call) => index.textOf(call));
    expect(exact).toEqual(['db.get(1).filter(a=get(2))', 'db.get(1)', 'get(2)', 'filter(get(3), db.get(4))', 'get(3)', 'db.get(4)']);
    expect(index.callsNamed(/^(?:fil+ter|get)$/).map((call) => index.textOf(call))).toEqual(exact);
    // A new pattern object with a known source shares that pattern's answer.
    expect(index.callsNamed(new RegExp('^(?:filter|get|filter)$'))).toBe(index.callsNamed(/^(?:filter|get|filter)$/));
    expect(index.allLines()).toEqual(['x = db.get(1).filter(a=get(2))', 'filter(get(3), db.get(4))', '']);
  });

  it('reads arguments, keywords, string, boolean and dict literals', async () => {
    const index = await parsePython('app.py', APP);
    const [apiRouter] = index.callsNamed(/^APIRouter$/);
    expect(stringValue(keywordArgument(apiRouter, 'prefix'), index)).toBe('/items');
    const dependencies = sequenceElements(keywordArgument(apiRouter, 'dependencies'))!;
    expect(dependencies.map((node) => calleePath(node))).toEqual(['Depends']);
    const [decode] = index.callsNamed(/^decode$/);
    expect(positionalArguments(decode).map((node) => index.textOf(node))).toEqual(['token', 'key']);
    const options = dictEntries(keywordArgument(decode, 'options'), index)!;
    expect(options.map((entry) => [entry.key, booleanValue(entry.value)])).toEqual([['verify_signature', false]]);
    expect(stringValue(index.nodesOfType('string')[0], index)).toBe('/items');
  });

  it('reads decorators, parameters with annotations and defaults, classes and imports', async () => {
    const index = await parsePython('app.py', APP);
    const fn = functionsByName(index).get('read_item')!;
    expect(decoratorsOf(fn).map((decorator) => decoratorPath(decorator))).toEqual(['router.get']);
    const parameters = parametersOf(fn);
    expect(parameters.map((p) => p.name)).toEqual(['item_id', 'user', 'q']);
    expect(index.textOf(parameters[1].type!)).toBe('Annotated[User, Depends(get_current_user)]');
    expect(index.textOf(parameters[2].default!)).toBe('None');
    const cls = classesByName(index).get('Detail')!;
    expect(baseClassNames(cls)).toEqual(['APIView']);
    expect(index.textOf(classAttribute(cls, 'permission_classes')!.value)).toBe('[IsAuthenticated]');
    expect(methodsOf(cls).map((m) => m.line)).toEqual([16]);
    expect(moduleAssignments(index).get('router')!.node.line).toBe(5);
    expect(importSources(index).get('jose_jwt')).toEqual({ module: 'jose', imported: 'jwt' });
    expect(importSources(index).get('jwt')).toEqual({ module: 'jwt', imported: '*' });
    expect(importSources(index).get('Depends')).toEqual({ module: 'fastapi', imported: 'Depends' });
  });

  it('reads subscripts through to their value in paths', async () => {
    const index = await parsePython('app.py', APP);
    const [response] = index.callsNamed(/^Response$/);
    expect(expressionPath(positionalArguments(response)[0])).toBe('request.data');
  });

  it('gives lines: 1-based, end line of a block excludes the next line', async () => {
    const index = await parsePython('app.py', APP);
    const fn = functionsByName(index).get('read_item')!;
    expect([fn.line, fn.endLine]).toEqual([8, 12]);
    expect(index.lineAt(fn.pos)).toBe(8);
    expect(index.lineText(8)).toContain('async def read_item');
  });

  it('keeps UTF-16 offsets aligned with JavaScript strings after non-ASCII text', async () => {
    const index = await parsePython('a.py', 'x = "héllo😀"\nvalue = call(1)\n');
    const [call] = index.calls();
    expect(index.textOf(call)).toBe('call(1)');
    expect(call.line).toBe(2);
  });

  it('recovers from a syntax error: the error is listed with its line and the rest is still indexed', async () => {
    const index = await parsePython('a.py', 'def broken(:\n    pass\n\ndef fine():\n    return db.get(1)\n');
    expect(index.syntaxErrors.length).toBeGreaterThan(0);
    expect(index.syntaxErrors[0].line).toBe(1);
    expect(functionsByName(index).has('fine')).toBe(true);
    const fine = functionsByName(index).get('fine')!;
    expect(index.errorIn([{ pos: fine.pos, end: fine.end }])).toBeUndefined();
  });

  it('indexes 10,000-deep nesting without overflowing the stack', async () => {
    const text = `x = ${'('.repeat(10_000)}f(1)${')'.repeat(10_000)}\n`;
    const index = await parsePython('deep.py', text);
    expect(index.calls().map((call) => calleePath(call))).toEqual(['f']);
    expect(index.nodesOfType('parenthesized_expression').length).toBe(10_000);
    // Paths are bounded: reading through 10,000 parentheses gives up rather than recursing.
    expect(expressionPath(index.nodesOfType('parenthesized_expression')[0])).toBe('');
  });
});
