/**
 * Questions about Python code that discovery and checks share; the
 * vocabulary is listed at the top of `source-index.ts`. Names mirror
 * `lang/ts/queries.ts` where the idea is the same, so a Python check reads
 * like its TypeScript sibling.
 */
import { nodeMemo, type PyNode, type PySourceIndex } from './source-index.js';

/** The first child in grammar field `field` (`function`, `arguments`, `name`, `body`, `left`, `right`...). */
export function childByField(node: PyNode, field: string): PyNode | undefined {
  for (const child of node.children) if (child.field === field) return child;
  return undefined;
}

export function namedChildren(node: PyNode): PyNode[] {
  const named: PyNode[] = [];
  for (const child of node.children) if (child.named && child.type !== 'comment') named.push(child);
  return named;
}

/** `namedChildren(node)[at]` without building the list: most questions want the first or second. */
export function namedChild(node: PyNode, at: number): PyNode | undefined {
  let left = at;
  for (const child of node.children) {
    if (!child.named || child.type === 'comment') continue;
    if (left === 0) return child;
    left--;
  }
  return undefined;
}

/** Strips parentheses and `await`: `(await db.get(x))` reads as `db.get(x)`. */
export function unwrapExpression(node: PyNode): PyNode {
  let current = node;
  for (let link = 0; link < 32; link++) {
    if (current.type !== 'parenthesized_expression' && current.type !== 'await') return current;
    const inner = namedChild(current, 0);
    if (inner === undefined) return current;
    current = inner;
  }
  return current;
}

const CALL_MARKER = '()';

/**
 * `a.b().c` as a dotted path; calls are kept as `()` when `withCalls`, and
 * subscripts read through (`request.GET["id"]` gives `request.GET`).
 * Bounded to 32 links. '' when the root is not a name (a literal, a lambda).
 */
export function expressionPath(node: PyNode, withCalls = true): string {
  // Read from the outside in: each link goes in front of what is read so far.
  let path = '';
  let current: PyNode | undefined = node;
  for (let link = 0; link < 32 && current !== undefined; link++) {
    current = unwrapExpression(current);
    if (current.type === 'identifier') return (current.name ?? '') + path;
    if (current.type === 'attribute') {
      path = `.${childByField(current, 'attribute')?.name ?? ''}${path}`;
      current = childByField(current, 'object');
    } else if (current.type === 'call') {
      if (withCalls) path = CALL_MARKER + path;
      current = childByField(current, 'function');
    } else if (current.type === 'subscript') {
      current = childByField(current, 'value');
    } else {
      return '';
    }
  }
  return '';
}

/**
 * A fact of one node of `index` that checks ask for each endpoint it serves (a DRF view class: each of its
 * actions is an endpoint), computed once and kept in the node's memo under `key` (a constant, one per fact).
 */
export function nodeFact<T>(node: PyNode, index: PySourceIndex, key: string, compute: () => T): T {
  const facts = nodeMemo<Record<string, { index: PySourceIndex; value: T }>>(node);
  const known = facts[key];
  if (known !== undefined && known.index === index) return known.value;
  const value = compute();
  facts[key] ??= { index, value };
  return value;
}

/** What this file memoizes per node, in the node's one memo object (nodeMemo). */
interface NodeFacts {
  calleePath: string;
  plainCalleePath: string;
  decorators: readonly PyNode[];
  parameters: readonly PyParameter[];
  positionalArguments: readonly PyNode[];
  baseClassNames: readonly string[];
}

/** `User.objects.filter().first` for `User.objects.filter(id=1).first()`; memoized per node. */
export function calleePath(call: PyNode): string {
  const callee = childByField(call, 'function');
  return (nodeMemo<NodeFacts>(call).calleePath ??= callee === undefined ? '' : expressionPath(callee, true));
}

/** The callee path without call markers: `User.objects.filter.first`; memoized per node. */
export function plainCalleePath(call: PyNode): string {
  const callee = childByField(call, 'function');
  return (nodeMemo<NodeFacts>(call).plainCalleePath ??= callee === undefined ? '' : expressionPath(callee, false));
}

/** The last name of the callee: `first` for `User.objects.filter(id=1).first()`. */
export function calleeName(call: PyNode): string {
  const callee = childByField(call, 'function');
  if (callee === undefined) return '';
  if (callee.type === 'identifier') return callee.name ?? '';
  if (callee.type === 'attribute') return childByField(callee, 'attribute')?.name ?? '';
  return '';
}

/** The object a method is called on: `User.objects` for `User.objects.get(pk=1)`. */
export function calleeObject(call: PyNode): PyNode | undefined {
  const callee = childByField(call, 'function');
  return callee?.type === 'attribute' ? childByField(callee, 'object') : undefined;
}

function argumentNodes(call: PyNode): PyNode[] {
  const list = childByField(call, 'arguments');
  // `f(x for x in y)` has a generator expression as its arguments.
  if (list === undefined || list.type !== 'argument_list') return list === undefined ? [] : [list];
  return namedChildren(list);
}

/** Positional arguments, without `*args` / `**kwargs` spreads; memoized per node (asked of the same calls by most checks), not to be changed. */
export function positionalArguments(call: PyNode): readonly PyNode[] {
  return (nodeMemo<NodeFacts>(call).positionalArguments ??= argumentNodes(call).filter((node) => node.type !== 'keyword_argument' && node.type !== 'list_splat' && node.type !== 'dictionary_splat'));
}

/** The value of keyword argument `name`: `prefix` in `APIRouter(prefix="/items")`. */
export function keywordArgument(call: PyNode, name: string): PyNode | undefined {
  for (const argument of argumentNodes(call)) {
    if (argument.type === 'keyword_argument' && childByField(argument, 'name')?.name === name) return childByField(argument, 'value');
  }
  return undefined;
}

/** Every keyword argument as name and value. */
export function keywordArguments(call: PyNode): { name: string; value: PyNode; node: PyNode }[] {
  const result: { name: string; value: PyNode; node: PyNode }[] = [];
  for (const argument of argumentNodes(call)) {
    if (argument.type !== 'keyword_argument') continue;
    const name = childByField(argument, 'name')?.name;
    const value = childByField(argument, 'value');
    if (name !== undefined && value !== undefined) result.push({ name, value, node: argument });
  }
  return result;
}

/** Whether the call spreads a mapping into its keywords (`f(**options)`): a keyword may hide in it. */
export function hasKeywordSpread(call: PyNode): boolean {
  return argumentNodes(call).some((node) => node.type === 'dictionary_splat');
}

/**
 * The value of a plain string literal (implicit concatenation included);
 * undefined for f-strings with interpolations and non-strings.
 */
export function stringValue(node: PyNode | undefined, index: PySourceIndex): string | undefined {
  if (node === undefined) return undefined;
  const target = unwrapExpression(node);
  if (target.type === 'concatenated_string') {
    let value = '';
    for (const part of namedChildren(target)) {
      const piece = stringValue(part, index);
      if (piece === undefined) return undefined;
      value += piece;
    }
    return value;
  }
  if (target.type !== 'string') return undefined;
  let value = '';
  for (const child of target.children) {
    if (child.type === 'interpolation') return undefined;
    if (child.type === 'string_content') value += index.textOf(child);
    else if (child.type === 'escape_sequence') value += unescape(index.textOf(child));
  }
  return value;
}

function unescape(sequence: string): string {
  const simple: Record<string, string> = { '\\n': '\n', '\\t': '\t', '\\r': '\r', '\\\\': '\\', "\\'": "'", '\\"': '"' };
  return simple[sequence] ?? sequence;
}

/** `True` / `False` literals; undefined for anything else. */
export function booleanValue(node: PyNode | undefined): boolean | undefined {
  if (node === undefined) return undefined;
  const target = unwrapExpression(node);
  if (target.type === 'true') return true;
  if (target.type === 'false') return false;
  return undefined;
}

/** Elements of a list, tuple or set literal; undefined when `node` is not one. */
export function sequenceElements(node: PyNode | undefined): PyNode[] | undefined {
  if (node === undefined) return undefined;
  const target = unwrapExpression(node);
  if (target.type !== 'list' && target.type !== 'tuple' && target.type !== 'set') return undefined;
  return namedChildren(target);
}

/** Entries of a dict literal with a string key; undefined when `node` is not a dict literal. */
export function dictEntries(node: PyNode | undefined, index: PySourceIndex): { key: string; value: PyNode; node: PyNode }[] | undefined {
  if (node === undefined) return undefined;
  const target = unwrapExpression(node);
  if (target.type === 'call' && calleePath(target) === 'dict') {
    return keywordArguments(target).map(({ name, value, node: pair }) => ({ key: name, value, node: pair }));
  }
  if (target.type !== 'dictionary') return undefined;
  const entries: { key: string; value: PyNode; node: PyNode }[] = [];
  for (const pair of namedChildren(target)) {
    if (pair.type !== 'pair') continue;
    const key = stringValue(childByField(pair, 'key'), index);
    const value = childByField(pair, 'value');
    if (key !== undefined && value !== undefined) entries.push({ key, value, node: pair });
  }
  return entries;
}

const NO_DECORATORS: readonly PyNode[] = Object.freeze([]);

/** The expressions of the decorators of a function or class definition, top to bottom; memoized per node (discovery and several checks ask). */
export function decoratorsOf(definition: PyNode): readonly PyNode[] {
  const slots = nodeMemo<NodeFacts>(definition);
  const cached = slots.decorators;
  if (cached !== undefined) return cached;
  const parent = definition.parent;
  if (parent?.type !== 'decorated_definition') return (slots.decorators = NO_DECORATORS);
  const decorators: PyNode[] = [];
  for (const child of parent.children) {
    if (child.type !== 'decorator') continue;
    const expression = namedChild(child, 0);
    if (expression !== undefined) decorators.push(expression);
  }
  return (slots.decorators = decorators);
}

/** The statement that holds a definition with its decorators (the decorated_definition, else the definition). */
export function definitionStatement(definition: PyNode): PyNode {
  return definition.parent?.type === 'decorated_definition' ? definition.parent : definition;
}

/** The decorator's callee path: `app.get` for `@app.get("/x")`, `login_required` for `@login_required`. */
export function decoratorPath(expression: PyNode): string {
  return expression.type === 'call' ? plainCalleePath(expression) : expressionPath(expression, false);
}

export function definitionName(definition: PyNode): string {
  return childByField(definition, 'name')?.name ?? '';
}

/** Functions by name, outermost first (a module-level function wins over a nested one of the same name). */
export function functionsByName(index: PySourceIndex): Map<string, PyNode> {
  return index.memo('py:functionsByName', () => {
    const map = new Map<string, PyNode>();
    const functions = [...index.nodesOfType('function_definition')].sort((a, b) => depthOf(a) - depthOf(b));
    for (const fn of functions) {
      const name = definitionName(fn);
      if (!map.has(name)) map.set(name, fn);
    }
    return map;
  });
}

export function classesByName(index: PySourceIndex): Map<string, PyNode> {
  return index.memo('py:classesByName', () => {
    const map = new Map<string, PyNode>();
    for (const cls of index.nodesOfType('class_definition')) {
      const name = definitionName(cls);
      if (!map.has(name)) map.set(name, cls);
    }
    return map;
  });
}

function depthOf(node: PyNode): number {
  let depth = 0;
  for (let current = node.parent; current !== undefined; current = current.parent) depth++;
  return depth;
}

/** `name = value` at module level, the last assignment per name (what the module ends up with). */
export function moduleAssignments(index: PySourceIndex): Map<string, { value: PyNode; node: PyNode }> {
  return index.memo('py:moduleAssignments', () => {
    const map = new Map<string, { value: PyNode; node: PyNode }>();
    for (const statement of index.root.children) {
      const assignment = statement.type === 'expression_statement' ? statement.children[0] : undefined;
      if (assignment?.type !== 'assignment') continue;
      const left = childByField(assignment, 'left');
      const right = childByField(assignment, 'right');
      if (left?.type === 'identifier' && right !== undefined) map.set(left.name ?? '', { value: right, node: assignment });
    }
    return map;
  });
}

/** Assignments (`=`, annotated, augmented) to a plain name inside `scopes`, in document order. */
export function assignmentsTo(index: PySourceIndex, name: string, scopes?: readonly { pos: number; end: number }[]): PyNode[] {
  return [...index.nodesOfType('assignment', scopes), ...index.nodesOfType('augmented_assignment', scopes)]
    .filter((assignment) => {
      const left = childByField(assignment, 'left');
      return left?.type === 'identifier' && left.name === name;
    })
    .sort((a, b) => a.pos - b.pos);
}

export interface PyParameter {
  name: string;
  node: PyNode;
  /** The annotation expression: `Annotated[User, Depends(get_user)]`. */
  type?: PyNode;
  /** The default value: `Depends(get_current_user)`. */
  default?: PyNode;
}

/** Parameters of a function definition (`*args` / `**kwargs` included by name); memoized per node (discovery and several checks ask). */
export function parametersOf(fn: PyNode): readonly PyParameter[] {
  return (nodeMemo<NodeFacts>(fn).parameters ??= readParameters(fn));
}

function readParameters(fn: PyNode): readonly PyParameter[] {
  const list = childByField(fn, 'parameters');
  if (list === undefined) return [];
  const result: PyParameter[] = [];
  for (const parameter of namedChildren(list)) {
    if (parameter.type === 'identifier') {
      result.push({ name: parameter.name ?? '', node: parameter });
      continue;
    }
    const nameNode = childByField(parameter, 'name') ?? parameter.children.find((child) => child.type === 'identifier' || child.type === 'list_splat_pattern' || child.type === 'dictionary_splat_pattern');
    const typeNode = childByField(parameter, 'type');
    const name = nameNode?.type === 'identifier' ? (nameNode.name ?? '') : nameNode !== undefined ? (namedChild(nameNode, 0)?.name ?? '') : '';
    result.push({
      name,
      node: parameter,
      // A `type` node wraps the annotation expression.
      type: typeNode === undefined ? undefined : (namedChild(typeNode, 0) ?? typeNode),
      default: childByField(parameter, 'value'),
    });
  }
  return result;
}

/** The body block of a function or class definition. */
export function bodyOf(definition: PyNode): PyNode | undefined {
  return childByField(definition, 'body');
}

/** A class-level `name = value` (or annotated `name: T = value`); the last one wins, like Python. */
export function classAttribute(cls: PyNode, name: string): { value: PyNode; node: PyNode } | undefined {
  let found: { value: PyNode; node: PyNode } | undefined;
  for (const statement of bodyOf(cls)?.children ?? []) {
    const assignment = statement.type === 'expression_statement' ? statement.children[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = childByField(assignment, 'left');
    const right = childByField(assignment, 'right');
    if (left?.type === 'identifier' && left.name === name && right !== undefined) found = { value: right, node: assignment };
  }
  return found;
}

/** The functions defined directly in a class body (decorated ones included). */
export function methodsOf(cls: PyNode): PyNode[] {
  const methods: PyNode[] = [];
  for (const statement of bodyOf(cls)?.children ?? []) {
    if (statement.type === 'function_definition') methods.push(statement);
    else if (statement.type === 'decorated_definition') {
      const definition = childByField(statement, 'definition');
      if (definition?.type === 'function_definition') methods.push(definition);
    }
  }
  return methods;
}

/** Base class names as written (`generics.RetrieveAPIView` gives `generics.RetrieveAPIView`); memoized per node (discovery and the model readers ask), not to be changed. */
export function baseClassNames(cls: PyNode): readonly string[] {
  return (nodeMemo<NodeFacts>(cls).baseClassNames ??= readBaseClassNames(cls));
}

function readBaseClassNames(cls: PyNode): readonly string[] {
  const list = childByField(cls, 'superclasses');
  if (list === undefined) return [];
  return namedChildren(list)
    .filter((node) => node.type !== 'keyword_argument')
    .map((node) => expressionPath(node, false))
    .filter((name) => name !== '');
}

/** The last segment of a dotted name: `IsAuthenticated` for `permissions.IsAuthenticated`. */
export function lastSegment(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? path : path.slice(dot + 1);
}

export function enclosingFunction(node: PyNode): PyNode | undefined {
  for (let current = node.parent; current !== undefined; current = current.parent) {
    if (current.type === 'function_definition' || current.type === 'lambda') return current;
  }
  return undefined;
}

export function enclosingClass(node: PyNode): PyNode | undefined {
  for (let current = node.parent; current !== undefined; current = current.parent) {
    if (current.type === 'class_definition') return current;
  }
  return undefined;
}

/** Local name to module and imported name: `from jose import jwt` gives `jwt` to `{ module: 'jose', imported: 'jwt' }`. */
export function importSources(index: PySourceIndex): Map<string, { module: string; imported: string }> {
  return index.memo('py:importSources', () => {
    const map = new Map<string, { module: string; imported: string }>();
    for (const statement of index.nodesOfType('import_from_statement')) {
      const moduleNode = childByField(statement, 'module_name');
      const module = moduleNode === undefined ? '' : index.textOf(moduleNode);
      for (const child of statement.children) {
        if (child.field !== 'name') continue;
        if (child.type === 'dotted_name') {
          const imported = index.textOf(child);
          map.set(lastSegment(imported), { module, imported });
        } else if (child.type === 'aliased_import') {
          const imported = childByField(child, 'name');
          const alias = childByField(child, 'alias');
          if (imported !== undefined && alias !== undefined) map.set(index.textOf(alias), { module, imported: index.textOf(imported) });
        }
      }
    }
    for (const statement of index.nodesOfType('import_statement')) {
      for (const child of statement.children) {
        if (child.field !== 'name') continue;
        if (child.type === 'dotted_name') {
          const module = index.textOf(child);
          map.set(module.split('.')[0], { module: module.split('.')[0], imported: '*' });
        } else if (child.type === 'aliased_import') {
          const imported = childByField(child, 'name');
          const alias = childByField(child, 'alias');
          if (imported !== undefined && alias !== undefined) map.set(index.textOf(alias), { module: index.textOf(imported), imported: '*' });
        }
      }
    }
    return map;
  });
}

/** Whether `ancestor` contains `node` (or is it). */
export function contains(ancestor: { pos: number; end: number }, node: { pos: number; end: number }): boolean {
  return node.pos >= ancestor.pos && node.end <= ancestor.end;
}

/** Identifiers inside a node, in document order (answered by the index, no walk). */
export function identifiersIn(index: PySourceIndex, node: PyNode): readonly PyNode[] {
  return index.nodesOfType('identifier', [{ pos: node.pos, end: node.end }]);
}

/** An alternation of names as a whole-word pattern. */
export function namePattern(names: Iterable<string>): RegExp {
  const escaped = [...names].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^(?:${escaped.join('|')})$`);
}
