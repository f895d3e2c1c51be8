/**
 * Calls that validate request input against a schema, by library: what they
 * validate, and whether they reject bad input by themselves (`parse` throws)
 * or hand back a result the code must check (`safeParse`'s `success`, joi's
 * `error`, ajv's boolean, express-validator's `validationResult`).
 */
import { ts, isAwaitExpression, isCallExpression, isExpressionStatement, isIdentifier, isVariableDeclaration } from '../lang/ts/parse.js';
import { accessRoot, calleeName, calleeObject, expressionPath, importSources, plainCalleePath, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';

export interface ValidatorCall {
  call: ts.CallExpression;
  /** e.g. `zod parse`, `joi validate`, `ajv`: for messages and evidence. */
  library: string;
  /** `throws`: bad input never gets past the call; `result`: only when the code checks what it returns. */
  outcome: 'throws' | 'result';
  /** The expressions validated; `request` for express-validator's `validationResult(req)` (the whole request). */
  inputs: ts.Expression[];
  /** express-validator's `validationResult(req)`: every part of the request the chains looked at. */
  wholeRequest?: boolean;
}

/** Receivers whose `parse` is not a schema: JSON, dates, URLs, query strings, cookies, data formats. */
const NOT_A_SCHEMA = /^(?:JSON|Date|Number|BigInt|url|URL|path|qs|querystring|cookie|cookies|csv|yaml|YAML|toml|TOML|Papa|marked|dayjs|moment|chrono|luxon|DateTime|parser|bodyParser|mime|semver|ini|JSON5|xml2js|cheerio|htmlparser2|contentType|bytes|ms)$/;
/** Modules whose exported functions validate: valibot's `parse(schema, x)`, superstruct's `assert(x, S)`. */
const VALIBOT = /^(?:valibot|@valibot\/.*)$/;
const SUPERSTRUCT = 'superstruct';
const CLASS_VALIDATOR = 'class-validator';

function moduleOf(index: SourceIndex, name: string): string | undefined {
  return importSources(index).get(name)?.module;
}

/** The library a schema comes from: its root's import, or one hop through `const userSchema = yup.object(...)`. */
function schemaModule(index: SourceIndex, root: string | undefined): string | undefined {
  if (root === undefined) return undefined;
  const imported = moduleOf(index, root);
  if (imported !== undefined) return imported;
  const initializer = variablesByName(index).get(root)?.initializer;
  const definitionRoot = initializer === undefined ? undefined : accessRoot(initializer, 32);
  return definitionRoot === undefined || definitionRoot === root ? undefined : moduleOf(index, definitionRoot);
}

/** `plainToInstance(Dto, body)` / `plainToClass(Dto, body)`: class-validator validates what was converted. */
function convertedInput(expression: ts.Expression): ts.Expression {
  const unwrapped = unwrapExpression(expression);
  if (isCallExpression(unwrapped) && /^(?:plainToInstance|plainToClass)$/.test(calleeName(unwrapped)) && unwrapped.arguments[1] !== undefined) return unwrapped.arguments[1];
  return expression;
}

/** Whether `name` holds an ajv-compiled validator (`const validate = ajv.compile(schema)`) or a typebox compiled check. */
function isCompiledValidator(index: SourceIndex, name: string): boolean {
  const declaration = variablesByName(index).get(name);
  const initializer = declaration?.initializer === undefined ? undefined : unwrapExpression(declaration.initializer);
  if (initializer === undefined || !isCallExpression(initializer)) return false;
  return /^(?:compile|getSchema|Compile)$/.test(calleeName(initializer));
}

/** Whether `name` is listed under `validation.functions` in the configuration (by its last name or its full path). */
function isConfiguredValidator(path: string, configured: readonly string[]): boolean {
  if (configured.length === 0) return false;
  const last = path.split('.').pop() ?? path;
  return configured.includes(path) || configured.includes(last);
}

/**
 * A validator call's answer, without the inputs that are not there.
 */
function makeValidatorCall(call: ts.CallExpression, library: string, outcome: ValidatorCall['outcome'], inputs: (ts.Expression | undefined)[]): ValidatorCall {
  return {
    call,
    library,
    outcome,
    inputs: inputs.filter((input): input is ts.Expression => input !== undefined),
  };
}

/**
 * What a call validates, or undefined when it is not a schema validator.
 * `configured` are the extra names from `validation.functions`.
 */
export function validatorCall(index: SourceIndex, call: ts.CallExpression, configured: readonly string[]): ValidatorCall | undefined {
  const name = calleeName(call);
  const path = plainCalleePath(call);
  const receiver = calleeObject(call);
  const args = call.arguments;
  const first = args[0];
  if (isConfiguredValidator(path, configured)) return makeValidatorCall(call, `${path} (validation.functions)`, 'throws', [...args]);
  if (first === undefined) return undefined;
  // `prisma.user.create(...)`, `schema.is(...)` on an object: never a validator below, and the most common
  // of these names; answered before the receiver's path and module are looked up.
  if (receiver !== undefined && (name === 'create' || name === 'mask' || name === 'is')) return undefined;
  const receiverPath = receiver === undefined ? undefined : expressionPath(receiver).replace(/\(\)/g, '');
  const root = receiver === undefined ? undefined : accessRoot(receiver, 32);
  const rootModule = schemaModule(index, root);
  switch (name) {
    case 'parse':
    case 'parseAsync':
    case 'safeParse':
    case 'safeParseAsync':
    case 'spa': {
      const outcome = name.startsWith('safe') || name === 'spa' ? 'result' : 'throws';
      // valibot: v.parse(Schema, input) or a named import parse(Schema, input).
      const valibot = receiver === undefined ? moduleOf(index, name) : rootModule;
      if (valibot !== undefined && VALIBOT.test(valibot)) return makeValidatorCall(call, 'valibot', outcome, [args[1]]);
      if (receiver === undefined || receiverPath === undefined || NOT_A_SCHEMA.test(receiverPath) || NOT_A_SCHEMA.test(root ?? '')) return undefined;
      return makeValidatorCall(call, `${rootModule === 'zod' || /^z\b/.test(receiverPath) ? 'zod' : 'schema'} ${name}`, outcome, [first]);
    }
    case 'Parse':
    case 'Decode':
      // typebox: Value.Parse(Type, input) throws on bad input.
      if (receiverPath === 'Value' && args[1] !== undefined) return makeValidatorCall(call, `typebox Value.${name}`, 'throws', [args[1]]);
      return undefined;
    case 'Check':
      if (receiverPath === 'Value' && args[1] !== undefined) return makeValidatorCall(call, 'typebox Value.Check', 'result', [args[1]]);
      if (root !== undefined && isCompiledValidator(index, root)) return makeValidatorCall(call, 'typebox compiled Check', 'result', [first]);
      return undefined;
    case 'validate':
      if (receiver === undefined) {
        if (moduleOf(index, name) === CLASS_VALIDATOR) return makeValidatorCall(call, 'class-validator validate', 'result', [convertedInput(first)]);
        if (moduleOf(index, name) === SUPERSTRUCT) return makeValidatorCall(call, 'superstruct validate', 'result', [first]);
        if (isCompiledValidator(index, name)) return makeValidatorCall(call, 'ajv', 'result', [first]);
        return undefined;
      }
      if (receiverPath !== undefined && /(?:^|\.)ajv$/i.test(receiverPath) && args[1] !== undefined) return makeValidatorCall(call, 'ajv', 'result', [args[1]]);
      if (receiverPath === undefined || NOT_A_SCHEMA.test(receiverPath)) return undefined;
      // yup's validate rejects (a throw once awaited); joi's returns { error, value }. Awaited and
      // discarded reads as yup; kept and checked reads as joi; both count once checked.
      return makeValidatorCall(call, rootModule === 'yup' ? 'yup validate' : rootModule === 'joi' || rootModule === '@hapi/joi' ? 'joi validate' : 'schema validate', rootModule === 'yup' || isAwaitedStatement(call) ? 'throws' : 'result', [first]);
    case 'validateAsync':
      return receiver === undefined ? undefined : makeValidatorCall(call, 'joi validateAsync', 'throws', [first]);
    case 'validateSync':
      if (receiver === undefined) return moduleOf(index, name) === CLASS_VALIDATOR ? makeValidatorCall(call, 'class-validator validateSync', 'result', [convertedInput(first)]) : undefined;
      return makeValidatorCall(call, 'yup validateSync', 'throws', [first]);
    case 'validateOrReject':
      return makeValidatorCall(call, 'class-validator validateOrReject', 'throws', [convertedInput(first)]);
    case 'assert':
    case 'create':
    case 'mask':
      if (receiver === undefined && moduleOf(index, name) === SUPERSTRUCT) return makeValidatorCall(call, `superstruct ${name}`, 'throws', [first]);
      if (name === 'assert' && receiverPath !== undefined && /^(?:Joi|joi)$/.test(receiverPath)) return makeValidatorCall(call, 'joi assert', 'throws', [first]);
      return undefined;
    case 'is':
      return receiver === undefined && moduleOf(index, name) === SUPERSTRUCT ? makeValidatorCall(call, 'superstruct is', 'result', [first]) : undefined;
    case 'attempt':
      return receiverPath !== undefined && /^(?:Joi|joi)$/.test(receiverPath) ? makeValidatorCall(call, 'joi attempt', 'throws', [first]) : undefined;
    case 'validationResult':
      return { ...makeValidatorCall(call, 'express-validator validationResult', 'result', [first]), wholeRequest: true };
    case 'matchedData':
      return { ...makeValidatorCall(call, 'express-validator matchedData', 'throws', [first]), wholeRequest: true };
    default:
      if (receiver === undefined && safeActionNames(index).has(name)) return makeValidatorCall(call, 'next-safe-action', 'throws', [first]);
      // ajv: const validate = ajv.compile(schema); validate(req.body)
      if (receiver === undefined && isIdentifier(call.expression) && isCompiledValidator(index, name)) return makeValidatorCall(call, 'ajv', 'result', [first]);
      return undefined;
  }
}

/** Callee names `validatorCall` can recognise, before it is asked: most calls of a handler are none of these. */
const VALIDATOR_NAMES = ['parse', 'parseAsync', 'safeParse', 'safeParseAsync', 'spa', 'Parse', 'Decode', 'Check', 'validate', 'validateAsync', 'validateSync', 'validateOrReject', 'assert', 'create', 'mask', 'is', 'attempt', 'validationResult', 'matchedData'];

/**
 * The callee names (for `SourceIndex.callsNamedIn`) of the calls that may
 * validate in this file: the library names above, ajv / typebox validators
 * compiled into a variable (`const check = ajv.compile(schema)`), and the
 * configured names; only those some call of the file has, once per file
 * (every endpoint then looks up these few). No Set of all the names is
 * built: most files call two or three of them.
 */
export function calledValidatorNames(index: SourceIndex, configured: readonly string[]): readonly string[] {
  return index.memo(configured.length === 0 ? 'calledValidatorNames:' : `calledValidatorNames:${configured.join(',')}`, () => {
    const called: string[] = [];
    const add = (name: string): void => {
      if (!called.includes(name) && index.callsNamedIn([name]).length > 0) called.push(name);
    };
    for (const name of VALIDATOR_NAMES) add(name);
    forEachFileValidatorName(index, configured, add);
    return called;
  });
}

/** The validator names beyond the libraries' own: configured, next-safe-action actions, compiled validators. */
function forEachFileValidatorName(index: SourceIndex, configured: readonly string[], visit: (name: string) => void): void {
  for (const name of configured) visit(name.split('.').pop() ?? name);
  for (const name of safeActionNames(index)) visit(name);
  for (const call of index.callsNamed(/^(?:compile|getSchema|Compile)$/)) {
    const parent = call.parent;
    if (parent !== undefined && isVariableDeclaration(parent) && isIdentifier(parent.name)) visit(parent.name.text);
  }
}

/**
 * next-safe-action actions of the file: `const createUser =
 * actionClient.schema(UserSchema).action(async ({ parsedInput }) => ...)`
 * (`inputSchema` in v8). Calling one validates its argument before the
 * action's body runs.
 */
function safeActionNames(index: SourceIndex): Set<string> {
  return index.memo('safeActionNames', () => {
    const names = new Set<string>();
    for (const call of index.callsNamed(/^(?:action|stateAction)$/)) {
      const parent = call.parent;
      if (parent === undefined || !isVariableDeclaration(parent) || !isIdentifier(parent.name)) continue;
      if (/(?:^|\.)(?:schema|inputSchema)\(\)/.test(expressionPath(call.expression))) names.add(parent.name.text);
    }
    return names;
  });
}

/** `await schema.validate(body);` as a statement of its own: a result nobody reads, so only a throw can stop bad input. */
function isAwaitedStatement(call: ts.CallExpression): boolean {
  const parent = call.parent;
  return parent !== undefined && isAwaitExpression(parent) && parent.parent !== undefined && isExpressionStatement(parent.parent);
}
