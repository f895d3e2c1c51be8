/**
 * unvalidated-input (input.schema): the caller's body, query, form data,
 * headers or cookies reach a sink (a database call, an outside call, the
 * file system, the response) without a schema having checked them. What
 * counts as a schema is in schema-validators.ts and framework-validation.ts;
 * how input travels is in input-flow.ts. Path parameters are strings the
 * router cut out of the URL: they are not asked for a schema here.
 */
import { ts, SyntaxKind, isIdentifier, isNewExpression } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import { enclosingFunction, functionsByName, plainCalleePath } from '../lang/ts/queries.js';
import { isDataAccessCall, isInertCall, isRequestRead, isResponseCall } from '../frameworks/http-idioms.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { ruleSetting } from '../run-checks.js';
import { carriesNothing, inputFlowOf, mentionsRequestInput, type Gate, type InputFlow, type RawValue } from './input-flow.js';
import { ormWrites } from './orm-writes.js';
import { answerOnce } from '../lang/answer-once.js';

/** File-system and file-sending calls: `fs.writeFile(path)`, `res.sendFile(name)`, `res.download(file)`. */
const FILE_CALL = /^(?:fs|fsp|fsPromises|promises)\.\w+$|(?:^|\.)(?:writeFile|writeFileSync|appendFile|readFile|readFileSync|createReadStream|createWriteStream|unlink|unlinkSync|rm|rmSync|mkdir|rename|copyFile|sendFile|download)$/;
/** Parts that carry data the caller wrote; path parameters and a tRPC procedure's input are judged elsewhere. */
const DATA_PARTS = new Set(['body', 'query', 'headers', 'cookies']);

const NO_INPUT = 'the endpoint passes no body, query, form, header or cookie input to a database, outside call, file or response';

type SinkKind = 'database' | 'outside' | 'file' | 'response';

/** Drizzle and knex chains: `db.insert(posts).values(x)`, `db.update(users).set(x)`, `knex('t').where(x)`. */
const QUERY_CHAIN = /(?:^|\.)(?:insert|update|delete|select|from)\.(?:\w+\.)*(?:values|set|where|onConflictDoUpdate)$/;

/** What a call that is no sink is: inert (`JSON.parse`, `z.object`) or opaque (it may take the data somewhere unseen). */
type CallRole = SinkKind | 'inert' | 'opaque';

/**
 * Callee paths repeat across a review (`res.json`, `prisma.user.findMany`): each is classified once, sink and
 * inertness in one lookup. NestJS paths are answered apart (its services are sinks there).
 */
const callRoles = answerOnce((path: string) => classifyCall(path, false), 50_000);
const nestCallRoles = answerOnce((path: string) => classifyCall(path, true), 50_000);

function callRole(path: string, framework: Endpoint['framework']): CallRole {
  return framework === 'nestjs' ? nestCallRoles(path) : callRoles(path);
}

function classifyCall(path: string, nest: boolean): CallRole {
  return classifySink(path, nest) ?? (isInertCall(path) ? 'inert' : 'opaque');
}

function classifySink(path: string, nest: boolean): SinkKind | undefined {
  if (isResponseCall(path)) return 'response';
  if (QUERY_CHAIN.test(path)) return 'database';
  // A Nest controller hands data to its injected services, which reach the database.
  if (nest && /^this\.\w+\.\w+$/.test(path)) return 'database';
  if (FILE_CALL.test(path)) return 'file';
  if (isRequestRead(path)) return undefined;
  if (path === 'fetch' || /^axios(?:\.|$)|^(?:got|ky|superagent|request|needle|undici)(?:\.|$)|\.(?:send\w*|publish|enqueue|charge|transfer|refund|putObject|upload)$|^(?:put|upload|uploadFile|createPresignedPost|getSignedUrl)$/.test(path)) return 'outside';
  return isDataAccessCall(path) ? 'database' : undefined;
}

interface Sink {
  node: ts.CallExpression | ts.NewExpression | ts.ReturnStatement;
  kind: SinkKind;
  name: string;
  values: readonly ts.Expression[];
}

/** Calls, model constructors and (NestJS, tRPC) the handler's own returns that take data somewhere. */
function sinksOf(endpoint: Endpoint): { sinks: Sink[]; opaque: { call: ts.CallExpression; path: string }[] } {
  const index = endpoint.index;
  const sinks: Sink[] = [];
  // Most calls of a handler are opaque and never named in a message: their name is built only when reported.
  const opaque: { call: ts.CallExpression; path: string }[] = [];
  const helpers = functionsByName(index);
  for (const call of index.calls(endpoint.scopes)) {
    // A call without arguments, or with constants only (`res.status(500)`, `res.json({ error: 'Not found' })`), takes no data anywhere.
    if (constantsOnly(call.arguments)) continue;
    const path = plainCalleePath(call);
    const role = callRole(path, endpoint.framework);
    if (role === 'opaque') {
      if (!(isIdentifier(call.expression) && helpers.has(call.expression.text)) && path !== '') opaque.push({ call, path });
    } else if (role !== 'inert') sinks.push({ node: call, kind: role, name: `${path}()`, values: call.arguments });
  }
  for (const write of ormWrites(endpoint)) if (isNewExpression(write.node)) sinks.push({ node: write.node, kind: 'database', name: `${write.callee}()`, values: [write.payload] });
  // `new Response(html)`, `new NextResponse(body)`: the Fetch API's own response.
  for (const expression of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, endpoint.scopes)) {
    const callee = expression.expression;
    if (isIdentifier(callee) && (callee.text === 'Response' || callee.text === 'NextResponse') && expression.arguments?.[0] !== undefined) {
      sinks.push({ node: expression, kind: 'response', name: `new ${callee.text}()`, values: [expression.arguments[0]] });
    }
  }
  if ((endpoint.framework === 'nestjs' || endpoint.framework === 'trpc') && endpoint.handler !== undefined) {
    for (const statement of index.nodesOfKind<ts.ReturnStatement>(SyntaxKind.ReturnStatement, endpoint.scopes)) {
      if (statement.expression !== undefined && enclosingFunction(statement) === endpoint.handler) sinks.push({ node: statement, kind: 'response', name: 'the handler’s return value', values: [statement.expression] });
    }
  }
  // Calls come in document order and most endpoints have no other sink: the (stable) sort only when out of order.
  return { sinks: sortedByPos(sinks) ? sinks : sinks.sort((a, b) => a.node.pos - b.node.pos), opaque };
}

function sortedByPos(sinks: readonly Sink[]): boolean {
  for (let i = 1; i < sinks.length; i++) if (sinks[i - 1].node.pos > sinks[i].node.pos) return false;
  return true;
}

function constantsOnly(nodes: readonly ts.Expression[]): boolean {
  for (let i = 0; i < nodes.length; i++) if (!carriesNothing(nodes[i])) return false;
  return true;
}

/** Whether `value` is the caller's data this check asks a schema of, for a sink of `kind`. */
function needsSchema(value: RawValue, kind: SinkKind): boolean {
  if (!DATA_PARTS.has(value.part)) return false;
  // A header or cookie forwarded or echoed is routing, not data; stored or queried on, it is data.
  if ((value.part === 'headers' || value.part === 'cookies') && kind !== 'database') return false;
  return true;
}

/** The first argument of `call` that carries the caller's data no schema saw (no list of every argument's value). */
function unvalidatedArgument(flow: InputFlow, call: ts.CallExpression): RawValue | undefined {
  for (const argument of call.arguments) {
    const value = flow.rawIn(argument, call.pos);
    if (value !== undefined && needsSchema(value, 'database') && value.gate === undefined) return value;
  }
  return undefined;
}

function evidenceOf(gate: Gate): { node?: ts.Node; line?: number; file?: string; note: string } {
  return gate.line !== undefined ? { line: gate.line, file: gate.file, note: `request input is validated by ${gate.by}` } : { node: gate.node, note: `request input is validated by ${gate.by}` };
}

export default createCheck({
  id: 'unvalidated-input',
  items: ['input.schema'],
  description: 'Request input reaches a database, outside call, file or response without passing a schema.',
  severity: 'medium',
  confidence: 'medium',
  cwe: ['CWE-20'],
  owasp: ['API8:2023'],
  messages: {
    unvalidated: '{{sink}} receives {{data}} from the request, which no schema has validated.',
    ignored: '{{sink}} receives {{data}} from the request: the result of {{validator}} at line {{line}} is never checked, so invalid input goes through.',
    chainIgnored: '{{sink}} receives {{data}} from the request: the express-validator chain {{chain}} only collects errors and nothing checks `validationResult(req)`, so invalid input goes through.',
    unpiped: '{{sink}} receives {{data}} from the request unvalidated: {{note}}.',
  },
  why: 'Input that no schema checked can have any shape: objects where strings were expected (operator injection), huge or negative numbers, extra fields, wrong types that crash the handler or corrupt data (OWASP API8:2023, Security Misconfiguration; CWE-20).',
  fix: {
    'nextjs-app-router': 'Parse the input with a schema before using it: `const parsed = Schema.safeParse(await request.json()); if (!parsed.success) return NextResponse.json({ error: parsed.error.flatten() }, { status: 400 });` and use only `parsed.data`.',
    express: 'Validate before use: `const parsed = Schema.safeParse(req.body); if (!parsed.success) return res.status(400).json(parsed.error.flatten());` (or celebrate / express-validator with `validationResult`) and use only `parsed.data`.',
    fastify: 'Declare the input on the route: `fastify.post(path, { schema: { body: BodySchema, querystring: QuerySchema } }, handler)`; Fastify rejects what does not match.',
    nestjs: 'Type the parameter with a DTO class carrying class-validator decorators and enable `app.useGlobalPipes(new ValidationPipe({ whitelist: true }))` (or `@Body(new ValidationPipe())`); for scalars use `ParseIntPipe` / `ParseUUIDPipe`.',
    trpc: 'Give the procedure an input schema: `.input(z.object({ ... }))`, and read only `input`.',
    hono: "Validate with a middleware: `zValidator('json', Schema)` and read `c.req.valid('json')`.",
    default: 'Parse the input with a schema (zod `safeParse`, joi, yup, valibot...) before using it, answer 400 when it fails, and use only the parsed value.',
  },
  run(context) {
    const { endpoint, config } = context;
    if (!mentionsRequestInput(endpoint)) {
      context.notApplicable('input.schema', NO_INPUT);
      return;
    }
    const flow = inputFlowOf(endpoint, config);
    // The raw body written whole into a record is mass-assignment's finding: one comment per line.
    // This set and the labels reported below are made when first needed: most endpoints need neither.
    let massAssigned: Set<ts.Node> | undefined;
    if (!ruleSetting(config, 'mass-assignment').off) {
      for (const write of ormWrites(endpoint)) if (flow.rawIn(write.payload, write.node.pos)?.whole) (massAssigned ??= new Set()).add(write.node);
    }
    const { sinks, opaque } = sinksOf(endpoint);
    const index = endpoint.index;
    const chainsCollectOnly = flow.framework.collectingChains.length > 0 && !flow.validators.some((validator) => validator.library.startsWith('express-validator'));
    let gateUsed: Gate | undefined;
    let reportedLabels: Set<string> | undefined;
    for (const sink of sinks) {
      for (const argument of sink.values) {
        const value = flow.rawIn(argument, sink.node.pos);
        if (value === undefined || !needsSchema(value, sink.kind)) continue;
        if (value.gate !== undefined) {
          gateUsed ??= value.gate;
          continue;
        }
        if (massAssigned !== undefined && massAssigned.has(sink.node)) continue;
        // One comment per value: the same field reaching a second sink adds nothing to fix.
        if (reportedLabels !== undefined && reportedLabels.has(value.label)) continue;
        (reportedLabels ??= new Set()).add(value.label);
        const data = { sink: sink.kind === 'response' && sink.name.startsWith('the') ? sink.name : `\`${sink.name}\``, data: `\`${value.label}\`` };
        const ignored = flow.ignoredFor(value);
        if (value.note !== undefined) context.report({ messageId: 'unpiped', node: argument, data: { ...data, note: value.note } });
        else if (ignored !== undefined) context.report({ messageId: 'ignored', node: argument, data: { ...data, validator: `\`${plainCalleePath(ignored.call)}()\``, line: String(index.lineOf(ignored.call)) } });
        else if (chainsCollectOnly) context.report({ messageId: 'chainIgnored', node: argument, data: { ...data, chain: `\`${flow.framework.collectingChains[0].name.replace(/\(\)/g, '')}\`` } });
        else context.report({ messageId: 'unvalidated', node: argument, data });
        break;
      }
    }
    if (reportedLabels !== undefined) return;
    if (flow.untraced.length > 0) {
      context.unknown('input.schema', flow.untraced[0]);
      return;
    }
    if (gateUsed !== undefined) {
      context.pass('input.schema', evidenceOf(gateUsed));
      return;
    }
    // Input handed to a function this file does not show: it may validate, or not.
    for (const { call, path } of opaque) {
      const value = unvalidatedArgument(flow, call);
      if (value !== undefined) {
        context.unknown('input.schema', `${path}() at line ${index.lineOf(call)} receives ${value.label} unvalidated; whether it validates (or where it sends it) is not visible in this file`);
        return;
      }
    }
    const validator = flow.validators[0];
    if (validator !== undefined) {
      context.pass('input.schema', { node: validator.call, note: `request input is validated by ${validator.library}` });
      return;
    }
    const gate = [...flow.framework.parts.values()][0];
    if (gate !== undefined) {
      context.pass('input.schema', evidenceOf(gate));
      return;
    }
    const bound = flow.bounds[0];
    if (bound !== undefined) {
      context.pass('input.schema', { node: bound, note: `the number from the request is bounded by ${plainCalleePath(bound)}()` });
      return;
    }
    context.notApplicable('input.schema', NO_INPUT);
  },
});
