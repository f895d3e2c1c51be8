/**
 * Where the caller's input goes and whether a schema stood in the way: one
 * tracer shared by unvalidated-input, mass-assignment and nosql-injection.
 *
 * request-data.ts says what the caller controls, but it reads
 * `schema.parse(req.body)` as the body again (for ownership that is right).
 * Here a schema's output is clean, a value a checked validator saw is
 * "gated" (validated, yet the raw object may still carry fields the schema
 * does not list), and everything else from the body, query, headers or
 * cookies is raw. Path parameters are single strings the router cut out of
 * the URL; they are traced (nosql-injection and others want them) but
 * unvalidated-input does not ask a schema of them.
 *
 * The walk is over raw compiler nodes of the endpoint's scopes, from the
 * per-file SourceIndex; nothing here visits the tree again per use.
 */
import { ts, SyntaxKind, forEachChild, isArrayBindingPattern, isArrayLiteralExpression, isAwaitExpression, isBinaryExpression, isCallExpression, isConditionalExpression, isElementAccessExpression, isIdentifier, isIfStatement, isNewExpression, isObjectBindingPattern, isObjectLiteralExpression, isOmittedExpression, isParenthesizedExpression, isPrefixUnaryExpression, isPropertyAccessExpression, isPropertyAssignment, isReturnStatement, isShorthandPropertyAssignment, isSpreadAssignment, isSpreadElement, isStatement, isStringLiteral, isTemplateExpression, isTemplateSpan, isVariableDeclaration, isWhileStatement } from '../lang/ts/parse.js';
import { accessRoot, boundNames, calleeName, calleeObject, containsNode, functionsByName, importSources, isFunctionNode, plainCalleePath, stringValue, unwrapExpression, type FunctionNode } from '../lang/ts/queries.js';
import { isRequestRead } from '../frameworks/http-idioms.js';
import { calledHelperNames } from '../frameworks/request-origins.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import type { Config } from '../../src/config/schema.js';
import { traceRequestData, type RequestData } from './request-data.js';
import { calledValidatorNames, validatorCall, type ValidatorCall } from './schema-validators.js';
import { frameworkValidation, type FrameworkValidation, type Gate, type InputPart } from './framework-validation.js';
import { KeySlots } from '../lang/key-slots.js';
import { answerOnce } from '../lang/answer-once.js';
import type { SourceIndex } from '../lang/ts/source-index.js';

export type { Gate, InputPart } from './framework-validation.js';

/** A value of the caller's, as it reaches some expression. */
export interface RawValue {
  /** How the code names it: `req.body.email`, `dto`, `searchParams.get('q')`. */
  label: string;
  part: InputPart;
  /** The whole body / query object (or its rest), not one field of it. */
  whole: boolean;
  /** Converted on the way (`String(x)`, `Number(x)`, a template): it can no longer be an object. */
  stringCast: boolean;
  /** Passed through an escaping helper of the file (`escapeRegExp(q)`): safe as a pattern. */
  escaped?: boolean;
  /** A checked validator saw this value before `at`. */
  gate?: Gate;
  /** Why a value that looks validated is not (a DTO without a ValidationPipe). */
  note?: string;
}

/** A validator whose verdict nobody reads: `schema.safeParse(req.body);` and then the body used as is. */
export interface IgnoredResult {
  validator: ValidatorCall;
  labels: string[];
}

interface LabelGate extends Gate {
  pos: number;
  /** The label the validator saw, e.g. `req.body`; undefined for a gate on whole parts. */
  prefix?: string;
  parts?: readonly InputPart[];
}

/**
 * Conversions: the value is no longer an object (no operator injection) but
 * is still whatever the caller chose (a negative quantity, any text), so a
 * schema is still owed.
 */
const NUMERIC_CONVERSION = /^(?:Number|parseInt|parseFloat|BigInt|Math\.\w+)$/;
/** Bounds written by hand around a number. */
const BOUND = /^(?:Math\.min|Math\.max|clamp|_\.clamp)$/;
const STRING_CONVERSION = /^(?:String|encodeURIComponent|escape|escapeHtml|sanitizeHtml|xss|DOMPurify\.sanitize|he\.(?:encode|escape)|validator\.escape)$/;
/** Escapers and sanitisers imported under another name: `import esc from 'escape-html'`. */
const ESCAPER_MODULE = /^(?:escape-html|sanitize-html|xss|dompurify|isomorphic-dompurify|he|html-escaper|lodash\.escape)$/;
/** Methods that hand back (part of) the same caller data. */
const DERIVING_METHODS = new Set(['trim', 'trimStart', 'trimEnd', 'toLowerCase', 'toUpperCase', 'slice', 'substring', 'split', 'map', 'filter', 'flat', 'concat', 'at', 'replace', 'normalize', 'padStart', 'padEnd']);
const STRING_METHODS = new Set(['toString', 'join', 'trim', 'toLowerCase', 'toUpperCase', 'slice', 'substring', 'replace', 'normalize', 'padStart', 'padEnd', 'trimStart', 'trimEnd']);
/** Casts of ids: `new ObjectId(id)`, `new Types.ObjectId(id)`, `new Date(x)`. */
const CASTING_CONSTRUCTOR = /^(?:ObjectId|ObjectID|Date|Types\.ObjectId|mongoose\.Types\.ObjectId|Decimal|BigNumber)$/;
/** Drizzle's condition builders (`eq(users.email, email)`, `like(posts.title, q)`): the value goes into the query. */
const CONDITION_BUILDER = /^(?:eq|ne|gt|gte|lt|lte|like|ilike|notLike|notIlike|inArray|notInArray|between|notBetween|and|or|not|isNull|isNotNull|arrayContains|arrayContained|arrayOverlaps)$/;
/** Field pickers: lodash / ramda / es-toolkit `pick`. */
const PICK = /^(?:pick|_\.pick|lodash\.pick|R\.pick)$/;
/** Copies of an object that keep every field: `Object.assign({}, body)`, `structuredClone(body)`, `{ ...body }`. */
const WHOLE_COPY = /^(?:Object\.assign|structuredClone|_\.clone|_\.cloneDeep|cloneDeep|clone|Object\.fromEntries)$/;

/** What a call does to the value it is given, by its callee's path (the patterns above, tested in this order). */
type CallKind = 'bound' | 'conversion' | 'condition' | 'copy' | 'pick' | 'other';

/** Callee paths repeat across endpoints (`String`, `eq`, `res.json`): each is tested against the patterns once. */
const callKindOf = answerOnce(
  (path: string): CallKind =>
    BOUND.test(path) ? 'bound' : STRING_CONVERSION.test(path) || NUMERIC_CONVERSION.test(path) ? 'conversion' : CONDITION_BUILDER.test(path) ? 'condition' : WHOLE_COPY.test(path) ? 'copy' : PICK.test(path) ? 'pick' : 'other',
  50_000,
);

/** The local names of the file's imports from escaping modules (`import esc from 'escape-html'`), once per file. */
function escaperImports(index: SourceIndex): readonly string[] {
  return index.memo('inputFlow:escaperImports', () => {
    const names: string[] = [];
    for (const [name, source] of importSources(index)) if (ESCAPER_MODULE.test(source.module)) names.push(name);
    return names;
  });
}

const PART_SEGMENTS: Record<string, InputPart> = {
  body: 'body',
  rawBody: 'body',
  json: 'body',
  formData: 'body',
  text: 'body',
  query: 'query',
  searchParams: 'query',
  nextUrl: 'query',
  url: 'query',
  params: 'params',
  param: 'params',
  headers: 'headers',
  header: 'headers',
  cookies: 'cookies',
  signedCookies: 'cookies',
  input: 'input',
  rawInput: 'input',
};
/** Expressions that cannot carry the caller's data: literals, functions, `this`, type-only wrappers' leaves. */
const CARRIES_NOTHING = kindTable([
  SyntaxKind.StringLiteral,
  SyntaxKind.NumericLiteral,
  SyntaxKind.BigIntLiteral,
  SyntaxKind.NoSubstitutionTemplateLiteral,
  SyntaxKind.RegularExpressionLiteral,
  SyntaxKind.TrueKeyword,
  SyntaxKind.FalseKeyword,
  SyntaxKind.NullKeyword,
  SyntaxKind.ThisKeyword,
  SyntaxKind.ArrowFunction,
  SyntaxKind.FunctionExpression,
  SyntaxKind.TypeOfExpression,
  SyntaxKind.VoidExpression,
]);

/**
 * Whether `expression` carries nothing of the caller's whatever the flow knows: the tracer gives undefined for it
 * without looking anything up. Literals, functions, and object and array literals made of those only
 * (`{ error: 'Not found' }`); a name, a spread or a call may carry something.
 */
export function carriesNothing(node: ts.Expression): boolean {
  const expression = unwrapExpression(node);
  if (CARRIES_NOTHING[expression.kind]) return true;
  if (isObjectLiteralExpression(expression)) {
    for (const property of expression.properties) {
      // Methods and accessors are never traced; a named property carries what its value does.
      if (isSpreadAssignment(property) || isShorthandPropertyAssignment(property)) return false;
      if (isPropertyAssignment(property) && !carriesNothing(property.initializer)) return false;
    }
    return true;
  }
  if (isArrayLiteralExpression(expression)) {
    for (const element of expression.elements) if (isSpreadElement(element) || !carriesNothing(element)) return false;
    return true;
  }
  return false;
}

/** A lookup by SyntaxKind as a plain array: asked of every expression traced, where a Set's hashing showed. */
function kindTable(kinds: readonly ts.SyntaxKind[]): readonly boolean[] {
  const table: boolean[] = [];
  for (let kind = 0; kind <= SyntaxKind.Count; kind++) table.push(false);
  for (const kind of kinds) table[kind] = true;
  return table;
}

/** Which parts matter most when an expression mixes several. */
const PART_RANK: Partial<Record<InputPart, number>> = { body: 0, query: 0, headers: 1, cookies: 1, other: 2, input: 3, params: 3 };
const WHOLE_SEGMENTS = new Set(['body', 'rawBody', 'query', 'input', 'rawInput']);
const FUNCTION_KINDS = [SyntaxKind.ArrowFunction, SyntaxKind.FunctionExpression, SyntaxKind.FunctionDeclaration, SyntaxKind.MethodDeclaration];

/**
 * The request part a label reads, and whether it is the whole part: `req.body` -> body (whole), `req.query.sort` -> query.
 * Labels repeat across a handler's values and across endpoints (`req.body`, `req.query.page`): each is cut once.
 */
export const partOfLabel: (label: string) => LabelPart = answerOnce(locatePart, 50_000);

type LabelPart = Readonly<{ part: InputPart; whole: boolean; validated: boolean }>;

function locatePart(label: string): LabelPart {
  const segments = label.split(/\.(?![^(]*\))/);
  for (let position = 0; position < segments.length; position++) {
    const segment = segments[position];
    const name = segment.replace(/[([].*$/, '');
    if (name === 'valid') return { part: 'body', whole: false, validated: true };
    const part = PART_SEGMENTS[name];
    if (part !== undefined) return { part, whole: position === segments.length - 1 && WHOLE_SEGMENTS.has(name), validated: false };
    if (name === 'get' && segment.includes('(')) return { part: 'headers', whole: false, validated: false };
  }
  return { part: 'other', whole: false, validated: false };
}

const NO_VALIDATOR_CALLS: ReadonlyMap<ts.CallExpression, ValidatorCall> = new Map();

/** What the tracer knows of one local name. */
interface NameFacts {
  /** Its (first) declaration while not traced yet: declarations are traced when a name is first asked about. */
  declaration: ts.VariableDeclaration | undefined;
  /** The caller's value it holds. */
  raw: RawValue | undefined;
  /** It holds a schema's output: by which validator. */
  validated: string | undefined;
  /** It holds a schema call's whole output: the call (for what the schema keeps). */
  output: ValidatorCall | undefined;
  /**
   * Bound to what a call or constructor returned (`const user = new User(req.body)`, `const row = await
   * db.insert(...)`): a record, not the input. request-origins reads some of those as the input passed through.
   */
  result: boolean;
  /** A parameter of a helper or callback, not the handler's: only what this tracer bound it to counts. */
  foreign: boolean;
}

export class InputFlow {
  readonly framework: FrameworkValidation;
  /** Every schema validator in the endpoint's code, in order. */
  readonly validators: ValidatorCall[] = [];
  readonly ignored: IgnoredResult[] = [];
  /** `Math.min(...)` / `Math.max(...)` calls that bound a number from the request: evidence of validation by hand. */
  readonly bounds: ts.CallExpression[] = [];
  private readonly requestData: RequestData;
  /** What is known of each local name: one entry and one lookup per name asked about, not one per question. */
  private readonly names = new Map<string, NameFacts>();
  private readonly gates: LabelGate[] = [];
  /** The validators by their call; most endpoints have none, and share one empty map. */
  private readonly validatorByCall: ReadonlyMap<ts.CallExpression, ValidatorCall>;
  private conditionNameSet: Set<string> | undefined;
  /** Reasons a NestJS parameter could not be judged. */
  readonly untraced: string[] = [];

  constructor(
    private readonly endpoint: Endpoint,
    config: Config,
  ) {
    const index = endpoint.index;
    this.requestData = traceRequestData(endpoint);
    this.framework = frameworkValidation(endpoint, config.validation.functions);
    // Most endpoints have no framework gate: the Map's iterator is not made for nothing. The gate's fields are
    // named rather than spread: a spread followed by more properties is a generic copy, and most middleware-validated
    // endpoints make three of these (body, query, params).
    if (this.framework.parts.size > 0) {
      for (const [part, gate] of this.framework.parts) this.gates.push({ by: gate.by, strict: gate.strict, node: gate.node, file: gate.file, line: gate.line, pos: 0, parts: [part] });
    }
    this.collectParameters();
    // Only NestJS handlers have decorated parameters: the others make no iterator.
    if (this.framework.nestParameters.size > 0) this.bindNestParameters();
    const configured = config.validation.functions;
    for (const call of index.callsNamedIn(calledValidatorNames(index, configured), endpoint.scopes)) {
      const validator = validatorCall(index, call, configured);
      if (validator !== undefined) this.validators.push(validator);
    }
    // Only verdicts that come back as a result need to be seen checked in a condition.
    this.validatorByCall = this.validators.length === 0 ? NO_VALIDATOR_CALLS : new Map(this.validators.map((validator) => [validator.call, validator]));
    // Declarations are traced when a name is first asked about: most locals of a handler never reach a sink.
    for (const declaration of index.nodesOfKind<ts.VariableDeclaration>(SyntaxKind.VariableDeclaration, endpoint.scopes)) {
      if (declaration.initializer === undefined) continue;
      // Most declarations bind one name: no list of names is built for those.
      if (isIdentifier(declaration.name)) {
        this.declare(declaration.name.text, declaration);
        continue;
      }
      for (const name of boundNames(declaration.name)) this.declare(name, declaration);
    }
    // Validators of the handler gate what helpers are then given; those inside helpers see their parameters once bound.
    let pending: ValidatorCall[] | undefined;
    for (const validator of this.validators) if (!this.gateOrIgnore(validator)) (pending ??= []).push(validator);
    this.bindHelperParameters();
    if (pending !== undefined) for (const validator of pending) this.gateOrIgnore(validator);
    this.typeofGates();
  }

  /**
   * The caller's value `expression` carries at `at` (default: where it is), or
   * undefined when it carries none or only a schema's output.
   */
  rawIn(expression: ts.Expression, at: number = expression.pos): RawValue | undefined {
    const value = this.trace(expression, 0);
    if (value === undefined) return undefined;
    if (value.gate !== undefined) return value;
    const gate = this.gateFor(value, at);
    return gate === undefined ? value : withGate(value, gate);
  }

  /** Whether `expression` reads a schema's output (`parsed.data.name`, `dto.title` behind a pipe, tRPC `input`). */
  carriesValidated(expression: ts.Expression): boolean {
    if (this.readsValidated(expression)) return true;
    const value = this.rawIn(expression);
    return value !== undefined && value.gate !== undefined;
  }

  /**
   * Whether an identifier inside `node` holds a schema's output: `identifiersIn(node).some(isValidated)`,
   * in the same order, without listing every identifier of a large payload first.
   */
  private readsValidated(node: ts.Node): boolean {
    return containsNode(node, (current) => isIdentifier(current) && this.isValidated(current.text));
  }

  /**
   * The schema call whose whole output `expression` is: `data` from `const
   * data = Schema.parse(body)`, `parsed.data`, the call itself. Undefined for
   * one field of it or anything else.
   */
  schemaOutputOf(expression: ts.Expression): ValidatorCall | undefined {
    const unwrapped = unwrapExpression(expression);
    if (isCallExpression(unwrapped) && this.validatorByCall.has(unwrapped)) return this.validators.find((validator) => validator.call === unwrapped);
    if (!isWholeOutput(unwrapped)) return undefined;
    const root = accessRoot(unwrapped, 32);
    return root === undefined ? undefined : this.known(root)?.output;
  }

  /** The validator whose ignored verdict covers `value`, if any. */
  ignoredFor(value: RawValue): ValidatorCall | undefined {
    return this.ignored.find((entry) => entry.labels.some((label) => covers(label, value.label)))?.validator;
  }

  /** A NestJS handler's decorated parameters: the value a pipe validated, or a reason it could not be judged. */
  private bindNestParameters(): void {
    for (const parameter of this.framework.nestParameters.values()) {
      if (parameter.untraced !== undefined) {
        this.untraced.push(parameter.untraced);
        this.factsOf(parameter.name).validated = 'an unseen pipe';
        continue;
      }
      this.factsOf(parameter.name).raw = rawValue(parameter.label, parameter.part, parameter.whole, false, undefined, parameter.gate, parameter.note);
    }
  }

  /** The facts of `name`, made empty when first written. */
  private factsOf(name: string): NameFacts {
    let facts = this.names.get(name);
    if (facts === undefined) {
      facts = { declaration: undefined, raw: undefined, validated: undefined, output: undefined, result: false, foreign: false };
      this.names.set(name, facts);
    }
    return facts;
  }

  /** Records the first declaration of `name`, traced when the name is first asked about. */
  private declare(name: string, declaration: ts.VariableDeclaration): void {
    const facts = this.factsOf(name);
    facts.declaration ??= declaration;
  }

  /**
   * What is known of `name`, its declaration traced first if that has not happened yet; every question
   * about a name goes through here. Undefined when nothing is (an entry, once made, is never replaced).
   */
  private known(name: string): NameFacts | undefined {
    const facts = this.names.get(name);
    if (facts !== undefined && facts.declaration !== undefined) this.resolve(facts.declaration);
    return facts;
  }

  /** Traces a declaration not traced yet: every name it binds stops waiting for it first. */
  private resolve(declaration: ts.VariableDeclaration): void {
    if (isIdentifier(declaration.name)) this.names.get(declaration.name.text)!.declaration = undefined;
    else {
      for (const bound of boundNames(declaration.name)) {
        const facts = this.names.get(bound);
        if (facts !== undefined && facts.declaration === declaration) facts.declaration = undefined;
      }
    }
    this.bindDeclaration(declaration.name, declaration.initializer!);
  }

  private isValidated(name: string): boolean {
    return this.known(name)?.validated !== undefined;
  }

  /** Holds what a call or constructor returned, and no caller's value. */
  private isResult(facts: NameFacts): boolean {
    return facts.result && facts.raw === undefined;
  }

  private collectParameters(): void {
    const index = this.endpoint.index;
    const handler = this.endpoint.handler;
    // The handler's own names (a few): a helper's parameter of the same name is still the handler's.
    const own: string[] = [];
    if (handler !== undefined) for (const parameter of handler.parameters) for (const name of boundNames(parameter.name)) own.push(name);
    for (const kind of FUNCTION_KINDS) {
      for (const fn of index.nodesOfKind<FunctionNode>(kind, this.endpoint.scopes)) {
        if (fn === handler) continue;
        for (const parameter of fn.parameters) {
          // Most parameters are plain names: no list of names is built for those.
          if (isIdentifier(parameter.name)) {
            if (!own.includes(parameter.name.text)) this.factsOf(parameter.name.text).foreign = true;
            continue;
          }
          for (const name of boundNames(parameter.name)) if (!own.includes(name)) this.factsOf(name).foreign = true;
        }
      }
    }
  }

  /** Whether `name` is read in a condition; the names are collected when first asked (only a result bound to a name needs them). */
  readsInCondition(name: string): boolean {
    return (this.conditionNameSet ??= this.conditionNames()).has(name);
  }

  /** Identifiers read in conditions: `if (!result.success)`, `errors.isEmpty() ? ... : ...`, `ok || fail()`. */
  private conditionNames(): Set<string> {
    const names = new Set<string>();
    const index = this.endpoint.index;
    // One stack and one pusher for every condition walked.
    const stack: ts.Node[] = [];
    const push = pusherOnto(stack);
    for (const statement of index.nodesOfKind<ts.IfStatement>(SyntaxKind.IfStatement, this.endpoint.scopes)) addIdentifierNames(names, statement.expression, stack, push);
    for (const conditional of index.nodesOfKind<ts.ConditionalExpression>(SyntaxKind.ConditionalExpression, this.endpoint.scopes)) addIdentifierNames(names, conditional.condition, stack, push);
    for (const binary of index.nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, this.endpoint.scopes)) {
      const operator = binary.operatorToken.kind;
      if (operator === SyntaxKind.BarBarToken || operator === SyntaxKind.AmpersandAmpersandToken) addIdentifierNames(names, binary.left, stack, push);
    }
    // `validationResult(req).throw()`, `result.throw()`: a verdict turned into an exception.
    for (const call of index.callsNamed(/^(?:throw|orThrow|unwrap)$/, this.endpoint.scopes)) {
      const receiver = calleeObject(call);
      if (receiver !== undefined) addIdentifierNames(names, receiver, stack, push);
    }
    return names;
  }

  private bindDeclaration(name: ts.BindingName, initializer: ts.Expression): void {
    const source = validatorSource(initializer, this.validatorByCall);
    if (source !== undefined) {
      for (const bound of boundNames(name)) this.factsOf(bound).validated = source.library;
      // `const data = Schema.parse(body)` holds the whole output; `const { name } = ...` one field of it.
      if (isIdentifier(name)) this.factsOf(name.text).output = source;
      // `const { error, value } = schema.validate(body)`: `value` is the whole output.
      if (isObjectBindingPattern(name)) {
        for (const element of name.elements) {
          const key = element.propertyName === undefined ? element.name : element.propertyName;
          if (isIdentifier(key) && /^(?:data|value|output)$/.test(key.text) && isIdentifier(element.name)) this.factsOf(element.name.text).output = source;
        }
      }
      return;
    }
    const unwrapped = unwrapExpression(initializer);
    // `const { data } = parsed`, `const input = result.data`: a schema's output passed on.
    const root = accessRoot(unwrapped, 32);
    const rootFacts = root === undefined ? undefined : this.known(root);
    if (rootFacts !== undefined && rootFacts.validated !== undefined && rootFacts.raw === undefined) {
      for (const bound of boundNames(name)) this.factsOf(bound).validated = rootFacts.validated;
      const output = rootFacts.output;
      if (output !== undefined && isIdentifier(name) && isWholeOutput(unwrapped)) this.factsOf(name.text).output = output;
      return;
    }
    const value = this.trace(unwrapped, 0);
    if (value !== undefined) {
      this.bindRaw(name, value);
      return;
    }
    if ((isCallExpression(unwrapped) && !isRequestRead(plainCalleePath(unwrapped))) || isNewExpression(unwrapped)) {
      for (const bound of boundNames(name)) this.factsOf(bound).result = true;
    }
  }

  private bindRaw(name: ts.BindingName, value: RawValue): void {
    if (isIdentifier(name)) {
      const facts = this.factsOf(name.text);
      facts.raw ??= value;
      return;
    }
    if (isArrayBindingPattern(name)) {
      for (const element of name.elements) if (!isOmittedExpression(element)) this.bindRaw(element.name, rawValue(`${value.label}[]`, value.part, false, value.stringCast, value.escaped, value.gate, value.note));
      return;
    }
    for (const element of name.elements) {
      if (element.dotDotDotToken !== undefined) {
        // `const { id, ...rest } = req.body`: the rest is the body minus a few fields.
        this.bindRaw(element.name, withGate(value, value.gate));
        continue;
      }
      const key = element.propertyName === undefined ? (isIdentifier(element.name) ? element.name.text : undefined) : isIdentifier(element.propertyName) || isStringLiteral(element.propertyName) ? element.propertyName.text : undefined;
      if (key === undefined) continue;
      const field = extend(value, key);
      if (field !== undefined) this.bindRaw(element.name, field);
    }
  }

  /** Parameters of the file's helpers take what the handler passes them. */
  private bindHelperParameters(): void {
    const index = this.endpoint.index;
    const called = calledHelperNames(index);
    if (called.length === 0) return;
    const functions = functionsByName(index);
    for (const call of index.callsNamedIn(called, this.endpoint.scopes)) {
      if (!isIdentifier(call.expression)) continue;
      const target = functions.get(call.expression.text);
      if (target === undefined || target === this.endpoint.handler) continue;
      const count = Math.min(call.arguments.length, target.parameters.length);
      for (let position = 0; position < count; position++) this.bindHelperParameter(target.parameters[position], call.arguments[position], call.pos);
    }
  }

  private bindHelperParameter(parameter: ts.ParameterDeclaration, argument: ts.Expression, at: number): void {
    const value = this.trace(argument, 0);
    if (value !== undefined) {
      const gate = value.gate ?? this.gateFor(value, at);
      this.bindRaw(parameter.name, gate === undefined ? value : withGate(value, gate));
    } else if (this.readsValidated(argument)) {
      for (const name of boundNames(parameter.name)) this.factsOf(name).validated = 'the caller’s schema';
    }
  }

  /**
   * A checked (or throwing) validator gates what it saw; an unchecked one is
   * an ignored verdict. False when none of its inputs could be traced yet.
   */
  private gateOrIgnore(validator: ValidatorCall): boolean {
    const labels: string[] = [];
    const parts: InputPart[] = [];
    if (validator.wholeRequest) parts.push('body', 'query', 'params', 'headers', 'cookies');
    for (const input of validator.inputs) {
      const value = this.trace(input, 0);
      if (value !== undefined) labels.push(value.label);
    }
    if (labels.length === 0 && parts.length === 0) return false;
    const strict = /^joi\b/.test(validator.library);
    if (validator.outcome === 'throws' || isChecked(validator.call, this)) {
      for (const prefix of labels) this.gates.push({ by: validator.library, strict, node: validator.call, pos: validator.call.pos, prefix });
      if (parts.length > 0) this.gates.push({ by: validator.library, strict, node: validator.call, pos: validator.call.pos, parts });
      return true;
    }
    if (!resultIsRead(validator.call)) this.ignored.push({ validator, labels: parts.length > 0 ? [''] : labels });
    return true;
  }

  /** `if (typeof email !== 'string') return ...`: the value is known to be text afterwards. */
  private typeofGates(): void {
    for (const expression of this.endpoint.index.nodesOfKind<ts.TypeOfExpression>(SyntaxKind.TypeOfExpression, this.endpoint.scopes)) {
      const value = this.trace(expression.expression, 0);
      if (value === undefined) continue;
      let statement: ts.Node | undefined = expression.parent;
      while (statement !== undefined && !isStatement(statement)) statement = statement.parent;
      if (statement === undefined || !isIfStatement(statement)) continue;
      this.gates.push({ by: 'a typeof check', strict: false, node: statement, pos: statement.pos, prefix: value.label });
    }
  }

  /**
   * Of the values an expression combines, the one that matters most: the
   * caller's data no schema saw, before validated data and path parameters.
   */
  private pick(values: (RawValue | undefined)[], at: number): RawValue | undefined {
    // Mostly one value is the caller's (`x ?? 'default'`): it is the pick, with no gate to look up to rank it.
    let only: RawValue | undefined;
    let several = false;
    for (const value of values) {
      if (value === undefined) continue;
      if (only !== undefined) {
        several = true;
        break;
      }
      only = value;
    }
    if (!several) return only;
    let chosen: RawValue | undefined;
    let chosenRank = Infinity;
    for (const value of values) {
      if (value === undefined) continue;
      const gated = value.gate !== undefined || this.gateFor(value, at) !== undefined;
      const rank = (PART_RANK[value.part] ?? 2) * 2 + (gated ? 1 : 0) - (value.whole ? 0.5 : 0);
      if (rank < chosenRank) {
        chosen = value;
        chosenRank = rank;
      }
    }
    return chosen;
  }

  /**
   * The pick of what each of `nodes` carries (arguments, array elements, template spans), traced in order:
   * no array of values and no closure per traced step, a list only when two carry something. An array's
   * spread element carries what it spreads; a call's spread argument is traced as itself (it carries nothing).
   */
  private traceAll(nodes: readonly (ts.Expression | ts.TemplateSpan)[], depth: number, at: number, spreads = false): RawValue | undefined {
    let first: RawValue | undefined;
    let values: RawValue[] | undefined;
    for (let position = 0; position < nodes.length; position++) {
      const node = nodes[position];
      const value = this.trace(isTemplateSpan(node) ? node.expression : spreads && isSpreadElement(node) ? node.expression : node, depth + 1, at);
      if (value === undefined) continue;
      if (first === undefined) first = value;
      else (values ??= [first]).push(value);
    }
    return values === undefined ? first : this.pick(values, at);
  }

  /** `pick([left, right])` without the array when at most one carries something. */
  private pickOf(left: RawValue | undefined, right: RawValue | undefined, at: number): RawValue | undefined {
    if (left === undefined) return right;
    if (right === undefined) return left;
    return this.pick([left, right], at);
  }

  private gateFor(value: RawValue, at: number): Gate | undefined {
    for (const gate of this.gates) {
      if (gate.pos > at) continue;
      if (gate.parts !== undefined && gate.parts.includes(value.part)) return gate;
      if (gate.prefix !== undefined && covers(gate.prefix, value.label)) return gate;
    }
    return undefined;
  }

  private isEscaper(path: string): boolean {
    // Asked of every call traced; most files import no escaper, and then nothing is cut or looked up.
    const escapers = escaperImports(this.endpoint.index);
    if (escapers.length === 0) return false;
    const dot = path.indexOf('.');
    return escapers.includes(dot < 0 ? path : path.slice(0, dot));
  }

  private fallback(expression: ts.Expression): RawValue | undefined {
    const label = this.requestData.label(expression);
    if (label === undefined) return undefined;
    // Hono's c.get('jwtPayload') reads what middleware stored, not a header.
    if (this.endpoint.framework === 'hono' && /^\w+\.(?:get|var)\b/.test(label)) return undefined;
    const located = partOfLabel(label);
    if (located.validated) return undefined;
    // Pages Router: the dynamic segments of the file name arrive in req.query.
    if (this.endpoint.framework === 'nextjs-pages' && located.part === 'query') {
      const key = /\.query\.(\w+)/.exec(label)?.[1];
      if (key !== undefined && new RegExp(`\\[(?:\\[)?(?:\\.\\.\\.)?${key}\\]`).test(this.endpoint.route)) return rawValue(label, 'params', false, false, undefined, undefined, undefined);
    }
    return rawValue(label, located.part, located.whole, false, undefined, undefined, undefined);
  }

  private trace(node: ts.Expression, depth: number, at: number = node.pos): RawValue | undefined {
    if (depth > 24) return undefined;
    const expression = unwrapExpression(node);
    if (CARRIES_NOTHING[expression.kind]) return undefined;
    if (isIdentifier(expression)) {
      const facts = this.known(expression.text);
      if (facts !== undefined) {
        if (facts.validated !== undefined || facts.result) return undefined;
        if (facts.raw !== undefined) return facts.raw;
        if (facts.foreign) return undefined;
      }
      return this.fallback(expression);
    }
    if (isPropertyAccessExpression(expression) || isElementAccessExpression(expression)) {
      const root = accessRoot(expression, 32);
      const facts = root === undefined ? undefined : this.known(root);
      if (facts !== undefined && (facts.validated !== undefined || this.isResult(facts))) return undefined;
      if (facts !== undefined && facts.foreign && facts.raw === undefined) return undefined;
      const key = isPropertyAccessExpression(expression) ? expression.name.text : stringValue(expression.argumentExpression);
      if (key === 'length') return undefined;
      const base = facts !== undefined && facts.raw !== undefined ? this.trace(expression.expression, depth + 1, at) : undefined;
      if (base !== undefined) return extend(base, key ?? '[]');
      return this.fallback(expression);
    }
    if (isCallExpression(expression)) return this.traceCall(expression, depth, at);
    if (isObjectLiteralExpression(expression)) {
      // A spread keeps the whole body (`{ ...req.body, ownerId }`); a named property is one field.
      // Most objects (a query's `where`, a response) carry one value of the caller's or none: a list only for two.
      let first: RawValue | undefined;
      let values: RawValue[] | undefined;
      const properties = expression.properties;
      for (let position = 0; position < properties.length; position++) {
        const property = properties[position];
        let value: RawValue | undefined;
        if (isSpreadAssignment(property)) value = this.trace(property.expression, depth + 1, at);
        else {
          value = isPropertyAssignment(property) ? this.trace(property.initializer, depth + 1, at) : isShorthandPropertyAssignment(property) ? this.trace(property.name, depth + 1, at) : undefined;
          if (value !== undefined && value.whole) value = asField(value);
        }
        if (value === undefined) continue;
        if (first === undefined) first = value;
        else (values ??= [first]).push(value);
      }
      return values === undefined ? first : this.pick(values, at);
    }
    if (isArrayLiteralExpression(expression)) {
      const value = this.traceAll(expression.elements, depth, at, true);
      return value === undefined ? undefined : asField(value);
    }
    if (isTemplateExpression(expression)) {
      const value = this.traceAll(expression.templateSpans, depth, at);
      return value === undefined ? undefined : asText(value);
    }
    if (isBinaryExpression(expression)) {
      const operator = expression.operatorToken.kind;
      if (operator === SyntaxKind.QuestionQuestionToken || operator === SyntaxKind.BarBarToken) return this.pickOf(this.trace(expression.left, depth + 1, at), this.trace(expression.right, depth + 1, at), at);
      if (operator === SyntaxKind.AmpersandAmpersandToken) return this.trace(expression.right, depth + 1, at);
      if (operator === SyntaxKind.PlusToken || operator === SyntaxKind.MinusToken || operator === SyntaxKind.AsteriskToken || operator === SyntaxKind.SlashToken || operator === SyntaxKind.PercentToken) {
        const value = this.pickOf(this.trace(expression.left, depth + 1, at), this.trace(expression.right, depth + 1, at), at);
        return value === undefined ? undefined : asText(value);
      }
      return undefined;
    }
    if (isConditionalExpression(expression)) return this.pickOf(this.trace(expression.whenTrue, depth + 1, at), this.trace(expression.whenFalse, depth + 1, at), at);
    if (isPrefixUnaryExpression(expression) && (expression.operator === SyntaxKind.PlusToken || expression.operator === SyntaxKind.MinusToken)) {
      const value = this.trace(expression.operand, depth + 1, at);
      return value === undefined ? undefined : asText(value);
    }
    if (isNewExpression(expression)) {
      const callee = unwrapExpression(expression.expression);
      const name = isIdentifier(callee) ? callee.text : isPropertyAccessExpression(callee) ? `${accessRoot(callee, 32) ?? ''}.${callee.name.text}`.replace(/^\./, '') : '';
      if (CASTING_CONSTRUCTOR.test(name)) return undefined;
      // `new URL(request.url).searchParams`: the URL is the request's.
      if (name === 'URL') return this.fallback(expression);
      return undefined;
    }
    return undefined;
  }

  private traceCall(call: ts.CallExpression, depth: number, at: number): RawValue | undefined {
    const name = calleeName(call);
    const callee = unwrapExpression(call.expression);
    if (this.validatorByCall.has(call)) return undefined;
    if (isIdentifier(callee) || isPropertyAccessExpression(callee)) {
      const path = isIdentifier(callee) ? callee.text : `${isIdentifier(callee.expression) ? `${callee.expression.text}.` : ''}${callee.name.text}`;
      // `Math.min(Number(req.query.limit) || 20, 100)`: a number bounded by hand is what a schema would check.
      const kind = callKindOf(path);
      if (kind === 'bound') {
        const value = this.traceAll(call.arguments, depth, at);
        if (value !== undefined && !this.bounds.includes(call)) this.bounds.push(call);
        return undefined;
      }
      if (kind === 'conversion' || this.isEscaper(path)) {
        const value = call.arguments[0] === undefined ? undefined : this.trace(call.arguments[0], depth + 1, at);
        return value === undefined ? undefined : asText(value);
      }
      if (kind === 'condition') {
        const value = this.traceAll(call.arguments, depth, at);
        return value === undefined ? undefined : asField(value);
      }
      if (kind === 'copy') return this.traceAll(call.arguments, depth, at);
      // `_.pick(req.body, ['name', 'bio'])`: named fields of the input, no longer the whole of it.
      if (kind === 'pick') {
        const value = call.arguments[0] === undefined ? undefined : this.trace(call.arguments[0], depth + 1, at);
        return value === undefined ? undefined : asField(value);
      }
    }
    // A helper of the file (`escapeRegExp(q)`): what it returns is made from what it is given, unless it validates.
    if (isIdentifier(callee)) {
      const helper = functionsByName(this.endpoint.index).get(callee.text);
      if (helper !== undefined && helper !== this.endpoint.handler) {
        if (this.validators.some((validator) => validator.call.pos >= helper.pos && validator.call.end <= helper.end)) return undefined;
        const value = this.traceAll(call.arguments, depth, at);
        if (value === undefined) return undefined;
        return /escape|sanitize|quote/i.test(callee.text) ? rawValue(value.label, value.part, false, true, true, value.gate, value.note) : asField(value);
      }
    }
    const receiver = calleeObject(call);
    if (receiver !== undefined) {
      const root = accessRoot(receiver, 32);
      const facts = root === undefined ? undefined : this.known(root);
      if (facts !== undefined && (facts.validated !== undefined || this.isResult(facts))) return undefined;
      const base = facts !== undefined && facts.raw !== undefined ? this.trace(receiver, depth + 1, at) : undefined;
      if (base !== undefined) {
        if (STRING_METHODS.has(name)) return asText(base);
        if (DERIVING_METHODS.has(name)) return asField(base);
        if (name === 'get' || name === 'getAll') return extend(base, `${name}('${stringValue(call.arguments[0]) ?? '...'}')`);
        return undefined;
      }
    }
    const value = this.fallback(call);
    if (value === undefined) return undefined;
    return STRING_METHODS.has(name) ? asText(value) : value;
  }
}

/**
 * Every RawValue the tracer makes, with all its fields in one order: one object shape where the
 * tracer reads them, and no spread (a spread followed by more properties is a generic, slow copy).
 */
function rawValue(label: string, part: InputPart, whole: boolean, stringCast: boolean, escaped: boolean | undefined, gate: Gate | undefined, note: string | undefined): RawValue {
  return { label, part, whole, stringCast, escaped, gate, note };
}

/** One field of the value, or a copy of it: no longer the whole body or query. */
function asField(value: RawValue): RawValue {
  return rawValue(value.label, value.part, false, value.stringCast, value.escaped, value.gate, value.note);
}

/** The value converted to text (`String(x)`, a template): it can no longer be an object. */
function asText(value: RawValue): RawValue {
  return rawValue(value.label, value.part, false, true, value.escaped, value.gate, value.note);
}

function withGate(value: RawValue, gate: Gate | undefined): RawValue {
  return rawValue(value.label, value.part, value.whole, value.stringCast, value.escaped, gate, value.note);
}

/** A callback pushing a walk's children; it returns nothing, so forEachChild never stops early. */
function pusherOnto(stack: ts.Node[]): (child: ts.Node) => void {
  return (child) => {
    stack.push(child);
  };
}

/**
 * Adds the names of the identifiers in `node` (identifiersIn's, without listing them), walking on `stack`
 * (empty) with its pusher `push`.
 */
function addIdentifierNames(names: Set<string>, node: ts.Node, stack: ts.Node[], push: (child: ts.Node) => void): void {
  stack.push(node);
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (isIdentifier(current)) names.add(current.text);
    forEachChild(current, push);
  }
}

/**
 * A field of a traced value: `req.body` + `email`. A value of no known part
 * yet (`new URL(req.url)`) finds its part from the new label (`searchParams`).
 */
function extend(value: RawValue, key: string): RawValue | undefined {
  const label = value.label === '' ? key : key.startsWith('[') ? `${value.label}${key}` : `${value.label}.${key}`;
  if (value.part !== 'other') return rawValue(label, value.part, false, value.stringCast, value.escaped, value.gate, value.note);
  const located = partOfLabel(label);
  if (located.validated) return undefined;
  return rawValue(label, located.part, located.whole, value.stringCast, value.escaped, value.gate, value.note);
}

/** Whether a gate or verdict on `prefix` covers `label`: itself or a field of it. */
function covers(prefix: string, label: string): boolean {
  if (prefix === '' || label === prefix) return true;
  // Asked for every gate of every traced value: no `${prefix}.` string is built to test.
  if (label.length <= prefix.length || !label.startsWith(prefix)) return false;
  const next = label.charCodeAt(prefix.length);
  return next === DOT || next === OPEN_BRACKET;
}

const DOT = 0x2e;
const OPEN_BRACKET = 0x5b;

/** A schema's output: `schema.parse(x)`, `(await schema.safeParseAsync(x)).data`, `schema.validate(x).value`. */
function validatorSource(initializer: ts.Expression, validatorByCall: ReadonlyMap<ts.CallExpression, ValidatorCall>): ValidatorCall | undefined {
  let current = unwrapExpression(initializer);
  for (let guard = 0; guard < 4; guard++) {
    if (isCallExpression(current)) return validatorByCall.get(current);
    if (isPropertyAccessExpression(current) && /^(?:data|value|output)$/.test(current.name.text)) current = unwrapExpression(current.expression);
    else return undefined;
  }
  return undefined;
}

/** `data`, `parsed.data`, `result.value`: a name or the output property of a result, not one field. */
function isWholeOutput(expression: ts.Expression): boolean {
  if (isIdentifier(expression)) return true;
  return isPropertyAccessExpression(expression) && /^(?:data|value|output)$/.test(expression.name.text) && isIdentifier(unwrapExpression(expression.expression));
}

/** Whether a result-returning validator's verdict is read: in a condition itself, or bound to a name a condition reads. */
function isChecked(call: ts.CallExpression, flow: { readsInCondition(name: string): boolean }): boolean {
  let current: ts.Node = call;
  while (current.parent !== undefined && !isStatement(current.parent) && !isFunctionNode(current.parent)) {
    const parent: ts.Node = current.parent;
    if (isConditionalExpression(parent) && parent.condition === current) return true;
    if (isPrefixUnaryExpression(parent) && parent.operator === SyntaxKind.ExclamationToken) return true;
    if (isBinaryExpression(parent) && (parent.operatorToken.kind === SyntaxKind.BarBarToken || parent.operatorToken.kind === SyntaxKind.AmpersandAmpersandToken)) return true;
    if (isVariableDeclaration(parent)) return boundNames(parent.name).some((name) => flow.readsInCondition(name));
    // `validationResult(req).throw()`: the verdict becomes an exception.
    if (isPropertyAccessExpression(parent) && /^(?:throw|orThrow|unwrap|assert)$/.test(parent.name.text) && parent.parent !== undefined && isCallExpression(parent.parent)) return true;
    current = parent;
  }
  const statement = current.parent;
  if (statement !== undefined && (isIfStatement(statement) || isWhileStatement(statement)) && statement.expression === current) return true;
  if (statement !== undefined && isReturnStatement(statement)) return true;
  return false;
}

/** `schema.safeParse(x).data` read straight away: the output is used, even if unchecked. */
function resultIsRead(call: ts.CallExpression): boolean {
  let current: ts.Node = call;
  while (current.parent !== undefined && (isAwaitExpression(current.parent) || isParenthesizedExpression(current.parent))) current = current.parent;
  const parent = current.parent;
  if (parent !== undefined && isPropertyAccessExpression(parent) && /^(?:data|value|output)$/.test(parent.name.text)) return true;
  if (parent !== undefined && isVariableDeclaration(parent)) return false;
  return false;
}

const flows = new KeySlots<Endpoint, { config: Config; flow: InputFlow }>('inputFlow');

/** The endpoint's input flow, traced once and shared by the checks that ask (unvalidated-input, mass-assignment, nosql-injection). */
export function inputFlowOf(endpoint: Endpoint, config: Config): InputFlow {
  const cached = flows.get(endpoint);
  if (cached !== undefined && cached.config === config) return cached.flow;
  const flow = new InputFlow(endpoint, config);
  flows.set(endpoint, { config, flow });
  return flow;
}

/** Words every way of reading body, query, form, header, cookie or procedure input goes through. */
const INPUT_WORD = /\b(?:body|Body|rawBody|query|Query|searchParams|json|formData|headers|Headers|header|cookies|signedCookies|input|rawInput|valid)\b/;

/**
 * Whether the endpoint's code mentions request input at all: a text test that
 * spares tracing the many handlers that read only path parameters or nothing.
 */
export function mentionsRequestInput(endpoint: Endpoint): boolean {
  const text = endpoint.index.text;
  return endpoint.scopes.some((scope) => INPUT_WORD.test(text.slice(scope.pos, scope.end)));
}
