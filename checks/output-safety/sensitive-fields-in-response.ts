/**
 * sensitive-fields-in-response (output.fields): a whole row of a sensitive
 * model, or a secret-named field, sent to the client. What a sent value
 * carries is worked out in sensitive-data.ts; what is sent in error-leaks.ts.
 */
import { createCheck } from '../create-check.js';
import { removeListElement } from '../lang/ts/line-edits.js';
import { carriedBy, fileSerializer, type Carried } from './sensitive-data.js';
import { endpointSentValues } from './error-leaks.js';

export default createCheck({
  id: 'sensitive-fields-in-response',
  items: ['output.fields'],
  description: 'Whole records of sensitive models or secret fields (password hash, tokens, API keys) are sent to the client.',
  severity: 'high',
  confidence: 'medium',
  cwe: ['CWE-200', 'CWE-213'],
  owasp: ['API3:2023'],
  messages: {
    field: '{{endpoint}} sends `{{field}}` to the client.',
    record: '{{endpoint}} sends the whole {{model}} record from {{query}}, with every column it has (password hash, tokens, internal fields).',
  },
  why: 'Whatever the row holds reaches the client: password hashes can be cracked offline, tokens and keys replayed, and personal data leaks (Broken Object Property Level Authorization, excessive data exposure).',
  fix: {
    nestjs: 'Return a DTO, or mark secret columns `@Exclude()` and use `ClassSerializerInterceptor`; or query with `select`.',
    default:
      'Pick the fields you send: Prisma `select: { id: true, email: true }` (or `omit: { passwordHash: true }`), Drizzle `db.select({ id: users.id })`, Mongoose `.select(\'-password\')`, Sequelize `attributes: { exclude: [\'password\'] }`, or map the row to a DTO.',
  },
  run(context) {
    const { endpoint } = context;
    const index = endpoint.index;
    const name = `${endpoint.method} ${endpoint.route}`;
    const carried: Carried[] = [];
    for (const value of endpointSentValues(endpoint)) carriedBy(endpoint, value, 0, carried);
    const serializer = fileSerializer(endpoint);
    let reported = false;
    const seen = new Set<unknown>();
    for (const item of carried) {
      if (seen.has(item.node)) continue;
      seen.add(item.node);
      if (item.kind === 'field') {
        const suggestion = item.object !== undefined ? removeListElement(index, item.object.properties, item.node) : undefined;
        context.report({ messageId: 'field', node: item.node, data: { endpoint: name, field: item.name }, suggestion });
        reported = true;
      } else if (item.kind === 'record' && serializer === undefined) {
        context.report({ messageId: 'record', node: item.node, data: { endpoint: name, model: item.model, query: `\`${index.textOf(item.node).split('\n')[0].replace(/^await\s+/, '')}\`` }, severity: 'medium' });
        reported = true;
      }
    }
    if (reported) return;
    const opaque = carried.find((item) => item.kind === 'opaque');
    if (carried.some((item) => item.kind === 'record') && serializer !== undefined) {
      context.pass('output.fields', { node: serializer.node, note: serializer.note });
      return;
    }
    if (opaque !== undefined && opaque.kind === 'opaque') {
      if (serializer !== undefined) context.pass('output.fields', { node: serializer.node, note: serializer.note });
      else context.unknown('output.fields', opaque.reason);
      return;
    }
    const narrowed = carried.find((item) => item.kind === 'narrowed');
    if (narrowed !== undefined && narrowed.kind === 'narrowed') {
      context.pass('output.fields', { node: narrowed.node, note: narrowed.note });
      return;
    }
    context.notApplicable('output.fields', 'the response carries no record of a sensitive model and no secret-named field');
  },
});
