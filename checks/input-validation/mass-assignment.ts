/**
 * mass-assignment (input.schema): the request body, whole or spread, written
 * into a record: Prisma `data: req.body`, Drizzle `.set(body)`, Mongoose
 * `new Model(req.body)`, TypeORM `save({ ...req.body })`, `Object.assign(user,
 * body)`. The caller then sets fields the endpoint never meant to expose
 * (`role`, `isAdmin`, `ownerId`, `balance`). A schema that keeps unknown
 * fields (a checked `safeParse` but then the raw body written; a Nest
 * ValidationPipe without `whitelist`) does not prevent it; one whose output
 * is written, or that rejects unknown fields (joi), does.
 */
import { ts, SyntaxKind, isIdentifier, isObjectLiteralExpression, isSpreadAssignment, isStringLiteral } from '../lang/ts/parse.js';
import { createCheck } from '../create-check.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import { calleeObject, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { ValidatorCall } from './schema-validators.js';
import { inputFlowOf } from './input-flow.js';
import { ormWrites, type OrmWrite } from './orm-writes.js';

/** Fields that grant rights or money when the caller can set them. */
const PRIVILEGED_FIELD: ReadonlySet<string> = new Set(['role', 'roles', 'isAdmin', 'is_admin', 'admin', 'isSuperuser', 'superuser', 'isStaff', 'verified', 'isVerified', 'emailVerified', 'email_verified', 'ownerId', 'owner_id', 'owner', 'userId', 'user_id', 'balance', 'credits', 'permissions', 'scopes', 'plan', 'tier', 'tenantId', 'tenant_id', 'orgId', 'organizationId', 'approved']);
/** Models that carry such fields as a rule: accounts, users, members, wallets. */
const PRIVILEGED_MODEL = /user|account|member|admin|customer|profile|employee|wallet|subscription|staff|tenant|organi[sz]ation|org\b/i;

/** Property names written in the file (model definitions, DTOs, queries): where a privileged field shows. */
function privilegedFieldsOf(index: SourceIndex): string[] {
  return index.memo('massAssignment:privilegedFields', () => {
    const found = new Set<string>();
    for (const kind of [SyntaxKind.PropertyAssignment, SyntaxKind.PropertyDeclaration, SyntaxKind.PropertySignature, SyntaxKind.ShorthandPropertyAssignment]) {
      for (const node of index.nodesOfKind<ts.PropertyAssignment | ts.PropertyDeclaration | ts.PropertySignature | ts.ShorthandPropertyAssignment>(kind)) {
        const name = node.name;
        if ((isIdentifier(name) || isStringLiteral(name)) && PRIVILEGED_FIELD.has(name.text)) found.add(name.text);
      }
    }
    return [...found];
  });
}

/** Fields the payload sets itself after its spread (`{ ...body, ownerId: user.id }`): the caller cannot choose those. */
function overriddenFields(payload: ts.Expression): Set<string> {
  const names = new Set<string>();
  const object = unwrapExpression(payload);
  if (!isObjectLiteralExpression(object)) return names;
  let afterSpread = false;
  for (const property of object.properties) {
    if (isSpreadAssignment(property)) afterSpread = true;
    else if (afterSpread && property.name !== undefined && (isIdentifier(property.name) || isStringLiteral(property.name))) names.add(property.name.text);
  }
  return names;
}

function severityOf(index: SourceIndex, write: OrmWrite): { severity: 'high' | 'medium'; fields: string } {
  const overridden = overriddenFields(write.payload);
  const fields = privilegedFieldsOf(index).filter((field) => !overridden.has(field));
  if (fields.length > 0) return { severity: 'high', fields: ` (this file names ${fields.slice(0, 3).map((field) => `\`${field}\``).join(', ')})` };
  if (PRIVILEGED_MODEL.test(write.model)) return { severity: 'high', fields: ' (such as a role or verified flag)' };
  return { severity: 'medium', fields: '' };
}

/** Schemas that keep keys they do not list: zod `.passthrough()` / `looseObject` / `.catchall()`, joi `.unknown()` / `allowUnknown`, a record. */
const KEEPS_UNKNOWN = /\.passthrough\(\s*\)|\blooseObject\(|\.catchall\(|\.unknown\(\s*(?:true)?\s*\)|allowUnknown\s*:\s*true|\bz\.record\(/;

/** The schema behind a validator call, when its definition (inline or a const of the file) keeps unknown keys. */
function looseSchemaOf(index: SourceIndex, validator: ValidatorCall | undefined): { schema: string; how: string } | undefined {
  if (validator === undefined) return undefined;
  const receiver = calleeObject(validator.call);
  const schema = receiver ?? validator.call.arguments[0];
  if (schema === undefined) return undefined;
  const unwrapped = unwrapExpression(schema);
  const definition = isIdentifier(unwrapped) ? variablesByName(index).get(unwrapped.text)?.initializer : undefined;
  const text = `${index.textOf(unwrapped)} ${definition === undefined ? '' : index.textOf(definition)} ${index.textOf(validator.call)}`;
  const match = KEEPS_UNKNOWN.exec(text);
  return match === null ? undefined : { schema: isIdentifier(unwrapped) ? unwrapped.text : 'the schema', how: match[0].replace(/\s+/g, '') };
}

export default createCheck({
  id: 'mass-assignment',
  items: ['input.schema'],
  description: 'The request body, whole or spread, is written into a database record.',
  severity: 'high',
  confidence: 'high',
  cwe: ['CWE-915'],
  owasp: ['API3:2023'],
  messages: {
    raw: '{{call}} writes {{data}} as sent: the caller can set any field of {{model}}{{fields}}.',
    loose: '{{call}} writes {{data}}, which {{by}} checked without dropping unknown fields: the caller can still set any field of {{model}}{{fields}}.',
    passthrough: '{{call}} writes the output of {{schema}}, which keeps fields it does not list ({{how}}): the caller can still set any field of {{model}}{{fields}}.',
  },
  why: 'Written whole, the body lets the caller set fields the endpoint never meant to expose, such as a role, a verified flag, an owner or a balance (Broken Object Property Level Authorization, OWASP API3:2023; CWE-915).',
  fix: {
    nestjs: 'Enable `new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })` so that only DTO properties reach the handler, and keep privileged fields out of the DTO; or name the fields: `data: { title: dto.title }`.',
    'nextjs-app-router': 'Write only the fields of a parsed schema: `const { name, bio } = Schema.parse(await request.json()); await db.update(users).set({ name, bio })`.',
    default: 'Name the fields that may be written (`data: { name: parsed.data.name }`), or write the output of a schema that lists only those fields (zod strips unknown keys from `parsed.data`); never the raw body or a spread of it.',
  },
  run(context) {
    const { endpoint, config } = context;
    const writes = ormWrites(endpoint);
    if (writes.length === 0) {
      context.notApplicable('input.schema', 'no record is created or updated in the endpoint’s code');
      return;
    }
    const flow = inputFlowOf(endpoint, config);
    const index = endpoint.index;
    const reported = new Set<ts.Node>();
    for (const write of writes) {
      if (reported.has(write.node)) continue;
      const value = flow.rawIn(write.payload, write.node.pos);
      if (value === undefined || !value.whole || value.part === 'params' || value.part === 'headers' || value.part === 'cookies') continue;
      if (value.gate !== undefined && value.gate.strict) continue;
      const { severity, fields } = severityOf(index, write);
      const data = { call: `\`${write.callee}()\``, data: `\`${value.label}\``, model: `\`${write.model}\``, fields };
      if (value.gate !== undefined) context.report({ messageId: 'loose', node: write.payload, severity, data: { ...data, by: value.gate.by } });
      else context.report({ messageId: 'raw', node: write.payload, severity, data });
      reported.add(write.node);
    }
    for (const write of writes) {
      if (reported.has(write.node)) continue;
      const loose = looseSchemaOf(index, flow.schemaOutputOf(write.payload));
      if (loose === undefined) continue;
      const { severity, fields } = severityOf(index, write);
      context.report({ messageId: 'passthrough', node: write.payload, severity, data: { call: `\`${write.callee}()\``, schema: `\`${loose.schema}\``, how: `\`${loose.how}\``, model: `\`${write.model}\``, fields } });
      reported.add(write.node);
    }
    if (reported.size > 0) return;
    const validated = writes.find((write) => flow.carriesValidated(write.payload));
    if (validated !== undefined) {
      context.pass('input.schema', { node: validated.node, note: `${validated.callee}() writes the schema's output, not the raw body` });
      return;
    }
    const named = writes.find((write) => flow.rawIn(write.payload, write.node.pos) !== undefined);
    if (named !== undefined) {
      context.pass('input.schema', { node: named.node, note: `${named.callee}() writes named fields, not the raw body` });
      return;
    }
    context.notApplicable('input.schema', 'no record write takes request data');
  },
});
