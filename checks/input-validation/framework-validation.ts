/**
 * Validation a framework runs before the handler: a Fastify route's
 * `schema`, a tRPC procedure's `.input(schema)`, NestJS pipes on DTO-typed
 * parameters, and validating middleware in the route's chain (celebrate,
 * Hono's `zValidator`, a `validate(schema)` of the project, the names under
 * `validation.functions`). express-validator chains only collect errors; they
 * count once `validationResult` is checked (see input-flow.ts).
 */
import { ts, canHaveDecorators, getDecorators, isCallExpression, isComputedPropertyName, isIdentifier, isMethodDeclaration, isNewExpression, isObjectLiteralExpression, isPropertyAssignment, isShorthandPropertyAssignment, isStringLiteral, isTypeReferenceNode } from '../lang/ts/parse.js';
import { calleeName, expressionPath, importedModules, stringValue, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import { scopeOf, type Control, type Endpoint } from '../frameworks/endpoint.js';
import { answerOnce } from '../lang/answer-once.js';

/** Where request input comes from, as far as validation is concerned. */
export type InputPart = 'body' | 'query' | 'params' | 'headers' | 'cookies' | 'input' | 'other';

/** A check that the data of a part passed, and whether it drops or rejects fields the schema does not list. */
export interface Gate {
  by: string;
  /** True when unknown fields are dropped or rejected (joi's default, Nest's `whitelist`, `additionalProperties: false`). */
  strict: boolean;
  node: ts.Node;
  /** The file of `node` when it is not the endpoint's (Nest's main.ts). */
  file?: string;
  line?: number;
}

/** How a NestJS handler parameter arrives: validated by a pipe (`gate`), raw, or undecidable. */
export interface NestParameter {
  name: string;
  label: string;
  part: InputPart;
  whole: boolean;
  gate?: Gate;
  /** Why it counts as raw, e.g. a DTO class without any ValidationPipe. */
  note?: string;
  /** Set when whether a pipe runs cannot be seen. */
  untraced?: string;
}

export interface FrameworkValidation {
  /** Parts validated before the handler runs. */
  parts: Map<InputPart, Gate>;
  /** NestJS: the handler's decorated parameters. */
  nestParameters: ReadonlyMap<string, NestParameter>;
  /** express-validator chains in the route (`body('email').isEmail()`): they validate only if `validationResult` is checked. */
  collectingChains: Control[];
}

/** Middleware that validates by name: `validate(schema)`, `validateBody(...)`, `celebrate({...})`, `zValidator('json', s)`, express-openapi-validator. */
const VALIDATING_MIDDLEWARE = /(?:^|\.)(?:validate\w*|\w*Validat(?:e|or|ion)\w*|celebrate|zValidator|vValidator|tbValidator|typiaValidator|arktypeValidator|validator)$|^OpenApiValidator\.middleware$/;
/** express-validator chain roots: `body('email')`, `query('page')`, `checkSchema({...})`. */
const EXPRESS_VALIDATOR_CHAIN = /^(?:body|query|param|params|header|cookie|check|checkSchema|checkExact|oneOf)(?:\(\))?(?:\.|$)/;
/** Hono validator targets and celebrate segments, by the part they read. */
const TARGET_PART: Record<string, InputPart> = {
  json: 'body',
  form: 'body',
  body: 'body',
  query: 'query',
  querystring: 'query',
  param: 'params',
  params: 'params',
  header: 'headers',
  headers: 'headers',
  cookie: 'cookies',
  cookies: 'cookies',
};
const NEST_PARTS: Record<string, InputPart> = { Body: 'body', Query: 'query', Param: 'params', Headers: 'headers' };
const NEST_LABELS: Record<InputPart, string> = { body: 'body', query: 'query', params: 'params', headers: 'headers', cookies: 'cookies', input: 'input', other: 'request' };
/** Types that are not DTO classes: ValidationPipe skips primitives, and generic helpers carry no decorators. */
const NOT_A_DTO = new Set(['String', 'Number', 'Boolean', 'Object', 'Array', 'Record', 'Partial', 'Pick', 'Omit', 'Readonly', 'Required', 'Promise', 'Date', 'Map', 'Set', 'Express', 'Request', 'Multer']);

function objectOf(index: SourceIndex, expression: ts.Expression | undefined): ts.ObjectLiteralExpression | undefined {
  if (expression === undefined) return undefined;
  const unwrapped = unwrapExpression(expression);
  if (isObjectLiteralExpression(unwrapped)) return unwrapped;
  if (isIdentifier(unwrapped)) {
    const initializer = variablesByName(index).get(unwrapped.text)?.initializer;
    const value = initializer === undefined ? undefined : unwrapExpression(initializer);
    if (value !== undefined && isObjectLiteralExpression(value)) return value;
  }
  return undefined;
}

function propertyOf(object: ts.ObjectLiteralExpression, name: string): ts.ObjectLiteralElementLike | undefined {
  return object.properties.find((property) => property.name !== undefined && (isIdentifier(property.name) || isStringLiteral(property.name)) && property.name.text === name);
}

/** `schema: { body, querystring, params, headers }` on a Fastify route's options. */
function fastifySchema(endpoint: Endpoint, parts: Map<InputPart, Gate>): void {
  const registration = endpoint.registration;
  if (!isCallExpression(registration)) return;
  const options = registration.arguments.map((argument) => objectOf(endpoint.index, argument)).find((object) => object !== undefined && propertyOf(object, 'schema') !== undefined);
  const schema = options === undefined ? undefined : propertyOf(options, 'schema');
  if (schema === undefined) return;
  const value = isPropertyAssignment(schema) ? schema.initializer : isShorthandPropertyAssignment(schema) ? schema.name : undefined;
  const object = objectOf(endpoint.index, value);
  const strict = /additionalProperties\s*:\s*false|\.Strict\(|additionalProperties:\s*false/.test(endpoint.index.textOf(object ?? schema));
  if (object === undefined) {
    // A schema defined elsewhere: Fastify validates whatever parts it lists; assume the usual three.
    for (const part of ['body', 'query', 'params'] as const) parts.set(part, { by: 'the route schema', strict, node: schema });
    return;
  }
  for (const property of object.properties) {
    const key = property.name !== undefined && (isIdentifier(property.name) || isStringLiteral(property.name)) ? property.name.text : undefined;
    const part = key === undefined ? undefined : TARGET_PART[key];
    if (part !== undefined) parts.set(part, { by: `the route schema's \`${key}\``, strict, node: property });
  }
}

/** A tRPC procedure's `.input(schema)`: `input` is the schema's output. */
function trpcInput(endpoint: Endpoint, parts: Map<InputPart, Gate>): void {
  const input = endpoint.index.callsNamed(/^input$/, [scopeOf(endpoint.registration)]).find((call) => call.arguments.length > 0);
  if (input !== undefined) parts.set('input', { by: '.input()', strict: true, node: input });
}

/** The parts a validating middleware covers: Hono's target, celebrate's segments, else body, query and params. */
function middlewareParts(control: Control): InputPart[] {
  const node = unwrapExpression(control.node as ts.Expression);
  if (isCallExpression(node)) {
    const target = stringValue(node.arguments[0]);
    if (target !== undefined && TARGET_PART[target] !== undefined) return [TARGET_PART[target]];
    const segments = node.arguments[0] !== undefined && isObjectLiteralExpression(unwrapExpression(node.arguments[0])) ? (unwrapExpression(node.arguments[0]) as ts.ObjectLiteralExpression) : undefined;
    if (segments !== undefined && calleeName(node) === 'celebrate') {
      const found = segments.properties
        .map((property) => (property.name === undefined ? undefined : isComputedPropertyName(property.name) ? expressionPath(property.name.expression).split('.').pop()?.toLowerCase() : (property.name as ts.Identifier).text?.toLowerCase()))
        .map((key) => (key === undefined ? undefined : TARGET_PART[key]))
        .filter((part): part is InputPart => part !== undefined);
      if (found.length > 0) return found;
    }
  }
  return ['body', 'query', 'params'];
}

/** Whether a middleware is named under `validation.functions`, by its full or last name. */
function isConfigured(name: string, configured: readonly string[]): boolean {
  if (configured.length === 0) return false;
  return configured.includes(name) || configured.includes(name.split('.').pop() ?? name);
}

/** Middleware names repeat across endpoints and files (`authenticate`, `rateLimit`): each is tested once. */
const isValidatingMiddleware = answerOnce((name: string) => VALIDATING_MIDDLEWARE.test(name), 50_000);

function middlewareValidation(endpoint: Endpoint, configured: readonly string[], parts: Map<InputPart, Gate>, chains: Control[]): void {
  const usesExpressValidator = importedModules(endpoint.index).has('express-validator');
  for (const control of endpoint.controls) {
    if (usesExpressValidator && EXPRESS_VALIDATOR_CHAIN.test(control.name)) {
      chains.push(control);
      continue;
    }
    if (!isConfigured(control.name, configured) && !isValidatingMiddleware(control.name)) continue;
    for (const part of middlewareParts(control)) {
      if (!parts.has(part)) parts.set(part, { by: `the ${control.name}() middleware`, strict: false, node: control.node, line: control.index === undefined ? control.line : undefined, file: control.index?.path });
    }
  }
}

/** Names of pipes in decorator or `@UsePipes` arguments: `ValidationPipe`, `new ParseIntPipe()`, `new ZodValidationPipe(schema)`. */
function pipeNames(args: readonly ts.Expression[]): { name: string; node: ts.Expression }[] {
  const pipes: { name: string; node: ts.Expression }[] = [];
  for (const argument of args) {
    const unwrapped = unwrapExpression(argument);
    const target = isNewExpression(unwrapped) || isCallExpression(unwrapped) ? unwrapped.expression : unwrapped;
    const name = expressionPath(target).split('.').pop() ?? '';
    if (/Pipe$/.test(name) && name !== 'DefaultValuePipe') pipes.push({ name, node: argument });
  }
  return pipes;
}

function decoratorsOf(node: ts.Node): ts.Decorator[] {
  return canHaveDecorators(node) ? [...(getDecorators(node) ?? [])] : [];
}

function decoratorCall(decorator: ts.Decorator): { name: string; args: readonly ts.Expression[] } {
  const expression = unwrapExpression(decorator.expression);
  if (isCallExpression(expression)) return { name: calleeName(expression), args: expression.arguments };
  return { name: isIdentifier(expression) ? expression.text : '', args: [] };
}

/** `@UsePipes(...)` on the method or its controller class. */
function usePipes(method: ts.Node): { name: string; node: ts.Expression }[] {
  const owners = [method, method.parent].filter((node): node is ts.Node => node !== undefined);
  return owners.flatMap((owner) => decoratorsOf(owner).map(decoratorCall).filter((call) => call.name === 'UsePipes').flatMap((call) => pipeNames(call.args)));
}

/** The app-wide ValidationPipe: `app.useGlobalPipes(new ValidationPipe(...))` in main.ts or `APP_PIPE` in a module. */
function globalValidationPipe(endpoint: Endpoint): Gate | undefined {
  const app = endpoint.nestApp;
  if (app === undefined) return undefined;
  for (const file of [app.main, ...app.modules]) {
    if (file === undefined) continue;
    const match = /useGlobalPipes\s*\(\s*new\s+ValidationPipe\s*\(([^)]*)\)|provide\s*:\s*APP_PIPE\s*,\s*useValue\s*:\s*new\s+ValidationPipe\s*\(([^)]*)\)|provide\s*:\s*APP_PIPE\s*,\s*useClass\s*:\s*ValidationPipe/.exec(file.text);
    if (match === null) continue;
    const options = match[1] ?? match[2] ?? '';
    return { by: 'the global ValidationPipe', strict: /whitelist\s*:\s*true|forbidNonWhitelisted\s*:\s*true/.test(options), node: file.sourceFile, file: file.path, line: file.lineAt(match.index) };
  }
  return undefined;
}

/** A class type such as `CreateInvoiceDto`: what ValidationPipe validates (it skips primitives, `any` and interfaces it cannot see). */
function dtoClassOf(parameter: ts.ParameterDeclaration): string | undefined {
  const type = parameter.type;
  if (type === undefined || !isTypeReferenceNode(type) || !isIdentifier(type.typeName)) return undefined;
  const name = type.typeName.text;
  return /^[A-Z]/.test(name) && !NOT_A_DTO.has(name) ? name : undefined;
}

function nestParameters(endpoint: Endpoint): Map<string, NestParameter> {
  const result = new Map<string, NestParameter>();
  const handler = endpoint.handler;
  if (handler === undefined || !isMethodDeclaration(handler)) return result;
  const methodPipes = usePipes(handler);
  let global: Gate | undefined | null = null;
  for (const parameter of handler.parameters) {
    if (!isIdentifier(parameter.name)) continue;
    for (const decorator of decoratorsOf(parameter)) {
      const { name, args } = decoratorCall(decorator);
      const part = NEST_PARTS[name];
      if (part === undefined) continue;
      const key = stringValue(args[0]);
      const label = key === undefined ? parameter.name.text : `${NEST_LABELS[part]}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `['${key}']`}`;
      const entry: NestParameter = { name: parameter.name.text, label, part, whole: key === undefined };
      const pipe = pipeNames(args.filter((argument) => stringValue(argument) === undefined))[0] ?? methodPipes[0];
      const dto = dtoClassOf(parameter);
      if (pipe !== undefined) {
        const optionsText = endpoint.index.textOf(pipe.node);
        entry.gate = { by: `${pipe.name}`, strict: key !== undefined || /whitelist\s*:\s*true|forbidNonWhitelisted\s*:\s*true/.test(optionsText) || !/ValidationPipe/.test(pipe.name), node: pipe.node };
      } else if (dto !== undefined) {
        if (global === null) global = globalValidationPipe(endpoint);
        if (global !== undefined) entry.gate = { ...global, by: `${global.by} (${dto})` };
        else if (endpoint.nestApp?.main === undefined) entry.untraced = `whether a ValidationPipe validates ${dto} for ${parameter.name.text} is not visible here (the app's main.ts was not found)`;
        else entry.note = `no ValidationPipe is enabled, so the decorators of ${dto} never run`;
      }
      result.set(parameter.name.text, entry);
      break;
    }
  }
  return result;
}

/** What the framework validates for this endpoint before its handler runs. */
/** Other frameworks' endpoints share one empty map. */
const NO_NEST_PARAMETERS: ReadonlyMap<string, NestParameter> = new Map();

export function frameworkValidation(endpoint: Endpoint, configured: readonly string[]): FrameworkValidation {
  const parts = new Map<InputPart, Gate>();
  const collectingChains: Control[] = [];
  if (endpoint.framework === 'fastify') fastifySchema(endpoint, parts);
  if (endpoint.framework === 'trpc') trpcInput(endpoint, parts);
  middlewareValidation(endpoint, configured, parts, collectingChains);
  const nest = endpoint.framework === 'nestjs' ? nestParameters(endpoint) : NO_NEST_PARAMETERS;
  return { parts, nestParameters: nest, collectingChains };
}
