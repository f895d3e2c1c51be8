/**
 * Where a Python endpoint reads the caller's data, and which local names
 * carry it: the request object's body, form, query and header readers
 * (`await request.json()`, DRF `request.data`, Flask `request.get_json()` /
 * `request.args`), FastAPI's typed parameters and Flask/DRF route
 * parameters. Two views: `caller` is everything the caller controls (for
 * SQL, HTML, logs, page sizes), `raw` is what no schema has checked yet
 * (for input.schema and mass assignment): a Pydantic model, a serializer or
 * a marshmallow `load()` ends a raw flow. The Python twin of
 * checks/input-validation/request-data.ts.
 */
import { calleeName, calleePath, childByField, classesByName, baseClassNames, decoratorsOf, definitionName, expressionPath, lastSegment, namedChild, namedChildren, parametersOf, plainCalleePath, unwrapExpression } from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';
import type { PyEndpoint } from '../endpoint.js';
import { ScopedFacts } from '../../lang/py/scoped-facts.js';
import { lowerBound } from '../../lang/scopes.js';

/** A value from the request: the node that reads it and how to name it in a message. */
export interface RequestValue {
  node: PyNode;
  label: string;
}

/** Request attributes that hold the body, form or query: what a schema should check. */
const BODY_ATTRIBUTE = /^(?:data|body|form|args|values|json|GET|POST|query_params|query_string|stream)$/;
/** Request methods that return the body or form. */
const BODY_METHOD = /^(?:json|get_json|body|form|get_data|stream)$/;
/** Other caller-controlled parts (not a schema's business, but still untrusted). */
const OTHER_ATTRIBUTE = /^(?:headers|cookies|COOKIES|META|path_params|FILES|files|path|full_path|url)$/;

/** Calls whose result is checked data: Pydantic, serializers, marshmallow, typed coercion. */
const VALIDATING_METHOD = /^(?:model_validate|model_validate_json|parse_obj|parse_raw|validate_python|validate_json|load|loads_validated|validated_data|is_valid|cleaned_data)$/;
const NUMBER_COERCION = /^(?:int|float|bool|UUID|uuid\.UUID|Decimal|date\.fromisoformat|datetime\.fromisoformat)$/;

/** FastAPI annotations that are not request data. */
const FRAMEWORK_TYPE = /^(?:Request|Response|WebSocket|BackgroundTasks|Session|AsyncSession|Connection|HTTPConnection|SecurityScopes|HTTPAuthorizationCredentials|OAuth2PasswordRequestForm|Depends|Security)$/;
const SCALAR_TYPE = /^(?:str|int|float|bool|bytes|UUID|date|datetime|Decimal|EmailStr|HttpUrl|Optional|List|list|Set|set|Union|Literal|Path|Query|Header|Cookie|Form|Body|conint|constr|confloat|Enum)$/;

export interface RequestData {
  /** Names bound to the request object (`request`, `req`, a FastAPI `Request` parameter). */
  requestNames: Set<string>;
  /** Caller-controlled local names, with the request value they came from. */
  caller: Map<string, RequestValue>;
  /** Names that hold request data no schema checked. */
  raw: Map<string, RequestValue>;
  /** FastAPI parameters typed with a Pydantic model (the body FastAPI validates), and scalar parameters. */
  modelParameters: { name: string; model: string; node: PyNode }[];
  scalarParameters: { name: string; node: PyNode; type?: PyNode; default?: PyNode }[];
  /** Request reads of the body, form or query (raw), in document order. */
  bodyReads: RequestValue[];
}

// On the scopes array, not in a module-level WeakMap: see checks/lang/key-slots.ts (scavenges kept finished files
// alive through such maps). One store per framework: the answer depends on it, and on the handler (the `extra`).
const cache = {
  fastapi: new ScopedFacts<RequestData>('py:requestData:fastapi'),
  'django-rest-framework': new ScopedFacts<RequestData>('py:requestData:drf'),
  flask: new ScopedFacts<RequestData>('py:requestData:flask'),
};

/**
 * The endpoint's request data, computed once for the endpoints that read
 * the same code the same way (a ViewSet's list, create, retrieve...: same
 * framework, handler and scopes, which is all it depends on; discovery hands
 * such endpoints one scopes array).
 */
export function requestDataOf(endpoint: PyEndpoint): RequestData {
  return cache[endpoint.framework].get(
    endpoint.index,
    endpoint.scopes,
    () => computeRequestData(endpoint),
    endpoint.handler,
  );
}

function computeRequestData(endpoint: PyEndpoint): RequestData {
  const { index } = endpoint;
  const requestNames = new Set<string>(['request', 'req']);
  const caller = new Map<string, RequestValue>();
  const raw = new Map<string, RequestValue>();
  const modelParameters: RequestData['modelParameters'] = [];
  const scalarParameters: RequestData['scalarParameters'] = [];
  const models = pydanticModels(index);

  if (endpoint.handler !== undefined) {
    const parameters = parametersOf(endpoint.handler).filter((p) => p.name !== 'self' && p.name !== 'cls');
    // DRF views and Django-style functions take the request first.
    const first = endpoint.framework === 'django-rest-framework' ? parameters.shift() : undefined;
    if (first !== undefined) requestNames.add(first.name);
    for (const parameter of parameters) {
      if (parameter.name === '' || parameter.name === 'kwargs' || parameter.name === 'args') continue;
      const typeName = parameter.type === undefined ? '' : annotationName(parameter.type, index);
      const defaultCallee = parameter.default?.type === 'call' ? lastSegment(plainCalleePath(parameter.default)) : '';
      if (defaultCallee === 'Depends' || defaultCallee === 'Security' || (parameter.type !== undefined && /\b(?:Depends|Security)\(/.test(index.textOf(parameter.type)))) continue;
      if (typeName === 'Request' || typeName === 'HTTPConnection') {
        requestNames.add(parameter.name);
        continue;
      }
      if (FRAMEWORK_TYPE.test(typeName) || typeName === 'UploadFile') continue;
      const value = { node: parameter.node, label: `the ${endpoint.framework === 'fastapi' ? 'parameter' : 'route parameter'} \`${parameter.name}\`` };
      caller.set(parameter.name, value);
      if (endpoint.framework === 'fastapi' && typeName !== '' && !SCALAR_TYPE.test(typeName) && (models.has(typeName) || /^[A-Z]/.test(typeName))) {
        modelParameters.push({ name: parameter.name, model: typeName, node: parameter.node });
      } else {
        scalarParameters.push({ name: parameter.name, node: parameter.node, type: parameter.type, default: parameter.default });
      }
    }
  }

  const bodyReads: RequestValue[] = [];
  const isRequest = (node: PyNode | undefined): boolean => {
    if (node === undefined) return false;
    const target = unwrapExpression(node);
    if (target.type === 'identifier') return requestNames.has(target.name ?? '');
    // The path ends with the attribute's name: only a `.request` can be `self.request`, and most attributes are not.
    return target.type === 'attribute' && childByField(target, 'attribute')?.name === 'request' && expressionPath(target, false) === 'self.request';
  };
  for (const attribute of index.nodesOfType('attribute', endpoint.scopes)) {
    if (!isRequest(childByField(attribute, 'object'))) continue;
    const name = childByField(attribute, 'attribute')?.name ?? '';
    const parent = attribute.parent;
    const called = parent?.type === 'call' && parent.children[0] === attribute;
    const node = called ? parent! : attribute;
    if ((called && BODY_METHOD.test(name)) || (!called && BODY_ATTRIBUTE.test(name))) bodyReads.push({ node: outerAwait(node), label: `\`${index.textOf(node).replace(/\s+/g, ' ')}\`` });
  }
  const data: RequestData = { requestNames, caller, raw, modelParameters, scalarParameters, bodyReads };

  // Names assigned from request data, to a fixed point (a few rounds: chains are short).
  // Each binding's names, read once for all rounds; whether its value is validated only once it would carry raw data.
  const bindings: { right: PyNode; targets: string[]; validating: boolean | undefined; reads: ValueReads | undefined }[] = [];
  for (const list of [index.nodesOfType('assignment', endpoint.scopes), index.nodesOfType('for_statement', endpoint.scopes), index.nodesOfType('named_expression', endpoint.scopes)]) {
    for (const assignment of list) {
      const left = childByField(assignment, assignment.type === 'named_expression' ? 'name' : 'left');
      const right = childByField(assignment, assignment.type === 'named_expression' ? 'value' : 'right');
      if (left === undefined || right === undefined) continue;
      bindings.push({ right, targets: boundNames(left), validating: undefined, reads: undefined });
    }
  }
  for (let round = 0; round < 4; round++) {
    let grew = false;
    for (const binding of bindings) {
      const { right, targets } = binding;
      // Only a name not yet known to carry a kind of data can take it: the other kind's reads are not looked for.
      let needCaller = false;
      let needRaw = false;
      for (const target of targets) {
        if (!caller.has(target)) needCaller = true;
        if (!raw.has(target)) needRaw = true;
      }
      if (!needCaller && !needRaw) continue;
      // What the value reads is found once for all rounds; only which names carry data changes between them.
      const reads = (binding.reads ??= valueReads(endpoint, data, right));
      const fromCaller = needCaller ? firstValue(reads, caller, true) : undefined;
      let fromRaw = needRaw ? firstValue(reads, raw, false) : undefined;
      // Most values read no raw data: the callee's names are read only for those that do.
      if (fromRaw !== undefined && (binding.validating ??= isValidating(right, models))) fromRaw = undefined;
      for (const target of targets) {
        if (fromCaller !== undefined && !caller.has(target)) {
          caller.set(target, fromCaller);
          grew = true;
        }
        if (fromRaw !== undefined && !raw.has(target)) {
          raw.set(target, fromRaw);
          grew = true;
        }
      }
    }
    if (!grew) break;
  }
  return data;
}

function outerAwait(node: PyNode): PyNode {
  return node.parent?.type === 'await' ? node.parent : node;
}

/** Identifiers a target binds: `x`, `a, b`, `(a, b)`. */
function boundNames(target: PyNode): string[] {
  if (target.type === 'identifier') return [target.name ?? ''];
  if (target.type === 'pattern_list' || target.type === 'tuple_pattern' || target.type === 'list_pattern' || target.type === 'tuple') return namedChildren(target).flatMap(boundNames);
  return [];
}

/** `User` for `User`, `Optional[User]`, `Annotated[User, ...]`, `list[User]` (the inner model). */
function annotationName(type: PyNode, index: PySourceIndex): string {
  const target = unwrapExpression(type);
  if (target.type === 'identifier' || target.type === 'attribute') return lastSegment(expressionPath(target, false));
  if (target.type === 'generic_type' || target.type === 'subscript') {
    const text = index.textOf(target);
    const outer = text.slice(0, text.indexOf('['));
    const inner = text.slice(text.indexOf('[') + 1).split(/[,\]]/)[0].trim();
    if (/^(?:Optional|Annotated|typing\.Optional|typing\.Annotated)$/.test(outer)) return lastSegment(inner);
    return lastSegment(outer);
  }
  if (target.type === 'type') return annotationName(namedChild(target, 0) ?? target, index);
  return lastSegment(expressionPath(target, false));
}

/** Classes of the file that are Pydantic models (or SQLModel / marshmallow schemas), by name. */
export function pydanticModels(index: PySourceIndex): Set<string> {
  return index.memo('py:pydanticModels', () => {
    const models = new Set<string>();
    const classes = classesByName(index);
    // Subclasses of subclasses: a few rounds.
    for (let round = 0; round < 3; round++) {
      for (const [name, cls] of classes) {
        if (models.has(name)) continue;
        if (baseClassNames(cls).some((base) => /^(?:BaseModel|pydantic\.BaseModel|SQLModel|Schema|ma\.Schema|marshmallow\.Schema|RootModel)$/.test(base) || models.has(lastSegment(base)))) models.add(name);
      }
    }
    return models;
  });
}

/** Whether `expression` produces checked data: a Pydantic model built from it, a serializer, `schema.load()`, a number coercion. */
function isValidating(expression: PyNode, models: Set<string>): boolean {
  const target = unwrapExpression(expression);
  if (target.type !== 'call') return false;
  const name = calleeName(target);
  const path = plainCalleePath(target);
  return models.has(name) || VALIDATING_METHOD.test(name) || /Serializer$|Form$|Schema$/.test(name) || NUMBER_COERCION.test(path);
}

/** The first read of caller data inside `node`: a request part, a parameter, or a name that carries one. */
export function callerValueIn(endpoint: PyEndpoint, data: RequestData, node: PyNode): RequestValue | undefined {
  return valueIn(endpoint, data, node, data.caller, true);
}

/** The first read of unchecked request data inside `node`. */
export function rawValueIn(endpoint: PyEndpoint, data: RequestData, node: PyNode): RequestValue | undefined {
  return valueIn(endpoint, data, node, data.raw, false);
}

function valueIn(endpoint: PyEndpoint, data: RequestData, node: PyNode, names: Map<string, RequestValue>, anyPart: boolean): RequestValue | undefined {
  return valuesIn(endpoint, data, node, names, anyPart, true)[0];
}

/** Every read of caller data inside `node`, in document order (each request part or name use once). */
export function callerValuesIn(endpoint: PyEndpoint, data: RequestData, node: PyNode): RequestValue[] {
  return valuesIn(endpoint, data, node, data.caller, true, false);
}

/**
 * What `node` reads that can be caller data, found once for computeRequestData's rounds: its first body read,
 * its first other request part, and the identifiers that may name a carrier. firstValue then answers as
 * valueIn does.
 */
interface ValueReads {
  bodyRead: RequestValue | undefined;
  otherPart: RequestValue | undefined;
  identifiers: readonly PyNode[];
}

function valueReads(endpoint: PyEndpoint, data: RequestData, node: PyNode): ValueReads {
  const { index } = endpoint;
  let bodyRead: RequestValue | undefined;
  for (const read of data.bodyReads) {
    if (read.node.pos >= node.pos && read.node.end <= node.end) {
      bodyRead = read;
      break;
    }
  }
  let otherPart: RequestValue | undefined;
  const attributes = index.nodesOfType('attribute');
  for (let at = lowerBound(attributes, node.pos); at < attributes.length && attributes[at].pos < node.end && otherPart === undefined; at++) {
    if (attributes[at].end <= node.end) otherPart = otherPartOf(attributes[at], data, index);
  }
  const identifiers: PyNode[] = [];
  const single = node.type === 'identifier';
  const all = single ? [node] : index.nodesOfType('identifier');
  for (let at = single ? 0 : lowerBound(all, node.pos); at < all.length && (single || all[at].pos < node.end); at++) {
    const identifier = all[at];
    if (identifier.end > node.end || identifier.field === 'attribute' || identifier.field === 'name') continue;
    identifiers.push(identifier);
  }
  return { bodyRead, otherPart, identifiers };
}

/** valueIn over what valueReads found: a body read, else (with `anyPart`) another request part, else the first name in `names`. */
function firstValue(reads: ValueReads, names: Map<string, RequestValue>, anyPart: boolean): RequestValue | undefined {
  if (reads.bodyRead !== undefined) return reads.bodyRead;
  if (anyPart && reads.otherPart !== undefined) return reads.otherPart;
  for (const identifier of reads.identifiers) {
    const value = names.get(identifier.name ?? '');
    if (value !== undefined) return nameRead(identifier, value);
  }
  return undefined;
}

/** A use of a name that carries request data, labelled with where the data came from. */
function nameRead(identifier: PyNode, value: RequestValue): RequestValue {
  return new NameRead(identifier, value);
}

/**
 * A name's read as a RequestValue whose label is made when first read: only messages read it, and the flow
 * (computeRequestData's rounds, valuesIn) makes many reads that never reach one.
 */
class NameRead implements RequestValue {
  private text: string | undefined = undefined;

  constructor(
    readonly node: PyNode,
    private readonly from: RequestValue,
  ) {}

  get label(): string {
    return (this.text ??= this.from.node === this.node ? this.from.label : `\`${this.node.name}\` (${this.from.label.replace(/^the /, '')})`);
  }
}

/** A caller-controlled request part other than the body (`request.headers`, `self.kwargs`), or undefined. */
function otherPartOf(attribute: PyNode, data: RequestData, index: PySourceIndex): RequestValue | undefined {
  const object = childByField(attribute, 'object');
  const name = childByField(attribute, 'attribute')?.name ?? '';
  if (object?.type === 'identifier' && data.requestNames.has(object.name ?? '') && OTHER_ATTRIBUTE.test(name)) return { node: attribute, label: `\`${index.textOf(attribute)}\`` };
  if (object !== undefined && name === 'kwargs' && expressionPath(object, false) === 'self') return { node: attribute, label: '`self.kwargs`' };
  return undefined;
}

function valuesIn(endpoint: PyEndpoint, data: RequestData, node: PyNode, names: Map<string, RequestValue>, anyPart: boolean, firstOnly: boolean): RequestValue[] {
  const { index } = endpoint;
  const found: RequestValue[] = [];
  for (const read of data.bodyReads) {
    if (read.node.pos >= node.pos && read.node.end <= node.end) {
      found.push(read);
      if (firstOnly) return found;
    }
  }
  // The nodes inside `node` are read from the file's lists in place: each node's range is asked about once or twice,
  // so the index's per-range answer (an array and a map entry each) cost more than the scan.
  if (anyPart) {
    const attributes = index.nodesOfType('attribute');
    for (let at = lowerBound(attributes, node.pos); at < attributes.length && attributes[at].pos < node.end; at++) {
      const attribute = attributes[at];
      if (attribute.end > node.end) continue;
      const part = otherPartOf(attribute, data, index);
      if (part === undefined) continue;
      found.push(part);
      if (firstOnly) return found;
    }
  }
  // An identifier is its own only read (even an empty one the parser invented).
  const single = node.type === 'identifier';
  const identifiers = single ? [node] : index.nodesOfType('identifier');
  for (let at = single ? 0 : lowerBound(identifiers, node.pos); at < identifiers.length && (single || identifiers[at].pos < node.end); at++) {
    const identifier = identifiers[at];
    if (identifier.end > node.end) continue;
    // `x.attr` names an attribute, not the variable `attr`; keyword names are not reads either.
    if (identifier.field === 'attribute' || identifier.field === 'name') continue;
    const value = names.get(identifier.name ?? '');
    if (value === undefined) continue;
    found.push(nameRead(identifier, value));
    if (firstOnly) return found;
  }
  return found.sort((a, b) => a.node.pos - b.node.pos);
}

/** Decorators of the handler by callee path (`limiter.limit`, `validate`), for checks that read them on FastAPI routes too. */
export function handlerDecorators(endpoint: PyEndpoint): { name: string; node: PyNode }[] {
  if (endpoint.handler === undefined) return [];
  return decoratorsOf(endpoint.handler).map((node) => ({ name: node.type === 'call' ? plainCalleePath(node) : expressionPath(node, false), node }));
}

/** The code of the handler itself (without same-file helpers), or the endpoint's scopes when it has none. */
export function handlerScopes(endpoint: PyEndpoint): { pos: number; end: number }[] {
  return endpoint.handler === undefined ? [...endpoint.scopes] : [{ pos: endpoint.handler.pos, end: endpoint.handler.end }];
}

/** `name` of the class a handler lives in, when it is a method. */
export function viewClassName(endpoint: PyEndpoint): string | undefined {
  return endpoint.viewClass === undefined ? undefined : definitionName(endpoint.viewClass);
}

/** Short source text for a message: one line, clipped. */
export function codeText(index: PySourceIndex, node: PyNode, max = 60): string {
  const text = index.textOf(node).replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** `calleePath` without call markers, as the message names a call: `cursor.execute()`. */
export function callLabel(call: PyNode): string {
  const path = plainCalleePath(call) || calleePath(call);
  return `\`${path}()\``;
}
