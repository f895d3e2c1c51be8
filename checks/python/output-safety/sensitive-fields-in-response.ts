/**
 * sensitive-fields-in-response for Python (output.fields): the TypeScript
 * check's idea and id. Whole ORM records of sensitive models sent back (a
 * FastAPI route without `response_model` returning a row, `model_to_dict`,
 * `__dict__` / `vars()`, `serializers.serialize`), DRF serializers that
 * expose `password` and other secrets, and secret-named keys in answers.
 */
import tsCheck from '../../output-safety/sensitive-fields-in-response.js';
import { isSecretField } from '../../output-safety/sensitive-data.js';
import { assignmentsTo, calleeName, childByField, dictEntries, enclosingFunction, keywordArgument, lastSegment, namedChild, namedChildren, plainCalleePath, positionalArguments, unwrapExpression } from '../../lang/py/queries.js';
import type { PyNode } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { pydanticModels } from '../input-validation/request-data.js';
import { exposedFields, importedSerializer, isSensitiveRecord, ormModels, serializersUsed } from './py-models.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const WHOLE_OBJECT_CALL = /^(?:model_to_dict|vars|serialize)$/;

/** Tokens an answer is meant to carry (a login returns its access token). */
const CLIENT_TOKEN = /^(?:access_token|refresh_token|id_token|token|accessToken|refreshToken|idToken|token_type|csrf_token)$/;
const RESPONSE_CALL = /^(?:jsonify|JSONResponse|JsonResponse|Response|ORJSONResponse|make_response)$/;

/** The model a query expression reads, from the usual ORM spellings. */
const MODEL_IN_QUERY: RegExp[] = [/\b([A-Z]\w*)\.objects\b/, /\bquery\(\s*([A-Z]\w*)\s*\)/, /\b(?:get|get_or_404|get_object_or_404)\(\s*([A-Z]\w*)\s*,/, /\bselect\(\s*([A-Z]\w*)\s*\)/, /\b([A-Z]\w*)\.query\./, /^(?:await\s+)?([A-Z]\w*)\.(?:get|filter|all|first|get_or_none)\(/];

export default createPyCheck({
  id: 'sensitive-fields-in-response',
  items: ['output.fields'],
  ...siblingMetadata(tsCheck),
  messages: {
    field: tsCheck.messages.field,
    record: tsCheck.messages.record,
    serializer: '{{endpoint}} sends `{{field}}` to the client: `{{serializer}}` {{how}}.',
  },
  fix: {
    fastapi: 'Declare what leaves: `@app.get(..., response_model=UserOut)` (or a `-> UserOut` return annotation) with a Pydantic model that lists only public fields; FastAPI drops the rest of the row.',
    'django-rest-framework': "List the public fields in the serializer (`fields = ['id', 'username', 'email']`, not `'__all__'`), and keep secrets write-only: `extra_kwargs = {'password': {'write_only': True}}`; never `model_to_dict(user)` without `fields=`.",
    flask: "Return chosen fields: `jsonify(id=user.id, name=user.name)` or a marshmallow schema with `load_only=True` on `password`; never `user.__dict__` or `vars(user)`.",
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const { index } = endpoint;
    const name = `${endpoint.method} ${endpoint.route}`;

    // Serializers this endpoint answers with.
    let safeSerializer: { node: PyNode; note: string } | undefined;
    for (const { serializer, node } of serializersUsed(index, endpoint.viewClass, endpoint.scopes)) {
      const fields = exposedFields(index, serializer);
      if (fields === undefined) continue;
      const secret = fields.find(isSecretField);
      if (secret !== undefined) {
        const how = serializer.fields === 'all' ? `sets \`fields = "__all__"\` on \`${serializer.model}\`${serializer.exclude.length > 0 ? ` and \`exclude\` leaves it in` : ''}` : `lists it without \`write_only\``;
        context.report({ messageId: 'serializer', node: serializer.fieldsNode ?? serializer.node, data: { endpoint: name, field: secret, serializer: serializer.name, how } });
        return;
      }
      safeSerializer ??= { node: serializer.fieldsNode ?? node, note: `${serializer.name} sends only ${fields.length === 0 ? 'no model fields' : fields.map((f) => `\`${f}\``).join(', ')}` };
    }

    // Secret-named keys in answers.
    for (const answer of answers(endpoint)) {
      for (const dict of [answer, ...index.nodesOfType('dictionary', [{ pos: answer.pos, end: answer.end }])]) {
        if (unwrapExpression(dict).type !== 'dictionary') continue;
        const secret = (dictEntries(dict, index) ?? []).find((entry) => isSecretField(entry.key) && !CLIENT_TOKEN.test(entry.key));
        if (secret !== undefined) {
          context.report({ messageId: 'field', node: secret.node, data: { endpoint: name, field: secret.key } });
          return;
        }
      }
      for (const call of [answer, ...index.calls([{ pos: answer.pos, end: answer.end }])]) {
        if (call.type !== 'call' || !RESPONSE_CALL.test(calleeName(call))) continue;
        const secret = childByField(call, 'arguments') === undefined ? undefined : namedChildren(childByField(call, 'arguments')!).find((arg) => arg.type === 'keyword_argument' && isSecretField(childByField(arg, 'name')?.name ?? '') && !CLIENT_TOKEN.test(childByField(arg, 'name')?.name ?? ''));
        if (secret !== undefined) {
          context.report({ messageId: 'field', node: secret, data: { endpoint: name, field: childByField(secret, 'name')?.name ?? '' } });
          return;
        }
      }
    }

    // Whole records: model_to_dict / __dict__ / vars() / serializers.serialize, and FastAPI rows without a response model.
    for (const call of index.callsNamed(WHOLE_OBJECT_CALL, endpoint.scopes)) {
      if (calleeName(call) === 'model_to_dict' && (keywordArgument(call, 'fields') !== undefined || keywordArgument(call, 'exclude') !== undefined)) continue;
      const argument = positionalArguments(call)[calleeName(call) === 'serialize' ? 1 : 0];
      const record = argument === undefined ? undefined : recordOf(endpoint, argument, call);
      if (record === undefined || !isSensitiveRecord(index, record.model).sensitive) continue;
      context.report({ messageId: 'record', node: call, data: { endpoint: name, model: `\`${record.model}\``, query: `\`${record.query}\` through \`${plainCalleePath(call)}()\`` } });
      return;
    }
    for (const attribute of index.nodesOfType('attribute', endpoint.scopes)) {
      if (childByField(attribute, 'attribute')?.name !== '__dict__' || attribute.parent?.type === 'attribute') continue;
      const record = recordOf(endpoint, childByField(attribute, 'object')!, attribute);
      if (record === undefined || !isSensitiveRecord(index, record.model).sensitive) continue;
      context.report({ messageId: 'record', node: attribute, data: { endpoint: name, model: `\`${record.model}\``, query: `\`${record.query}\` through \`__dict__\`` } });
      return;
    }
    if (endpoint.framework === 'fastapi' && endpoint.handler !== undefined) {
      const filter = responseFilter(endpoint);
      for (const statement of index.nodesOfType('return_statement', [{ pos: endpoint.handler.pos, end: endpoint.handler.end }])) {
        if (enclosingFunction(statement) !== endpoint.handler) continue;
        const value = namedChild(statement, 0);
        const record = value === undefined ? undefined : recordOf(endpoint, value, statement);
        if (record === undefined) continue;
        const sensitive = isSensitiveRecord(index, record.model);
        if (filter !== undefined) {
          const leaked = filter.fields?.find(isSecretField);
          if (leaked !== undefined) {
            context.report({ messageId: 'field', node: filter.node, data: { endpoint: name, field: leaked } });
            return;
          }
          context.pass('output.fields', { node: filter.node, note: filter.note });
          return;
        }
        if (!sensitive.sensitive) continue;
        context.report({ messageId: 'record', node: statement, data: { endpoint: name, model: `\`${record.model}\``, query: `\`${record.query}\`` } });
        return;
      }
      if (filter !== undefined) {
        const leaked = filter.fields?.find(isSecretField);
        if (leaked !== undefined) {
          context.report({ messageId: 'field', node: filter.node, data: { endpoint: name, field: leaked } });
          return;
        }
        context.pass('output.fields', { node: filter.node, note: filter.note });
        return;
      }
    }
    if (safeSerializer !== undefined) {
      context.pass('output.fields', safeSerializer);
      return;
    }
    // A DRF destroy answers 204 with no body.
    const opaque = endpoint.method === 'DELETE' && endpoint.handler === undefined ? undefined : importedSerializer(endpoint);
    if (opaque !== undefined) {
      context.unknown('output.fields', `${name} answers with \`${opaque.serializer}\` over \`${opaque.model}\` records; the serializer is defined in another file, so whether it leaves out the password and other secrets could not be seen`);
      return;
    }
    context.notApplicable('output.fields', 'the response carries no record of a sensitive model and no secret-named field');
  },
});

/** Expressions the endpoint answers with: returned values and the arguments of response calls. */
function answers(endpoint: PyEndpoint): PyNode[] {
  const { index } = endpoint;
  const found: PyNode[] = [];
  for (const statement of index.nodesOfType('return_statement', endpoint.scopes)) {
    const value = namedChild(statement, 0);
    if (value !== undefined) found.push(value);
  }
  for (const call of index.callsNamed(RESPONSE_CALL, endpoint.scopes)) found.push(call);
  return found;
}

/** The ORM record an expression holds: the query itself, or a name assigned from one (one hop). */
function recordOf(endpoint: PyEndpoint, node: PyNode, before: PyNode, depth = 0): { model: string; query: string } | undefined {
  const { index } = endpoint;
  const target = unwrapExpression(node);
  if (target.type === 'identifier' && depth < 2) {
    const assigned = assignmentsTo(index, target.name ?? '', endpoint.scopes).filter((assignment) => assignment.pos < before.pos).pop();
    const right = assigned === undefined ? undefined : childByField(assigned, 'right');
    return right === undefined ? undefined : recordOf(endpoint, right, assigned!, depth + 1);
  }
  if (target.type !== 'call') return undefined;
  const text = index.textOf(target);
  // `.values(...)` / `.only(...)` / `.values_list(...)` pick columns.
  if (/\.(?:values|values_list|only|defer|with_entities|load_only)\(/.test(text)) return undefined;
  for (const pattern of MODEL_IN_QUERY) {
    const match = pattern.exec(text);
    if (match !== null && (ormModels(index).has(match[1]) || !pydanticModels(index).has(match[1]))) return { model: match[1], query: `${plainCalleePath(target)}()` };
  }
  return undefined;
}

/** FastAPI's response filter: `response_model=` on the route or the return annotation, with the fields it lets out when the model is in the file. */
function responseFilter(endpoint: PyEndpoint): { node: PyNode; note: string; fields?: string[] } | undefined {
  const { index } = endpoint;
  const model = keywordArgument(endpoint.registration, 'response_model');
  const annotation = endpoint.handler === undefined ? undefined : childByField(endpoint.handler, 'return_type');
  const node = model ?? annotation;
  if (node === undefined) return undefined;
  const text = index.textOf(node);
  if (text === 'None') return undefined;
  const name = lastSegment(text.replace(/^(?:list|List|Optional|Sequence)\[/, '').replace(/\]$/, ''));
  const cls = pydanticModels(index).has(name) || ormModels(index).has(name) ? name : undefined;
  const fields = cls === undefined ? undefined : fieldsOfClass(endpoint, cls);
  return { node, note: `${model !== undefined ? 'response_model' : 'the return annotation'} \`${text}\` filters what leaves${fields === undefined ? '' : ` (${fields.join(', ')})`}`, fields };
}

function fieldsOfClass(endpoint: PyEndpoint, name: string): string[] {
  const { index } = endpoint;
  const model = ormModels(index).get(name);
  if (model !== undefined) return model.fields;
  const cls = index.nodesOfType('class_definition').find((candidate) => childByField(candidate, 'name')?.name === name);
  const fields: string[] = [];
  for (const statement of cls === undefined ? [] : (childByField(cls, 'body')?.children ?? [])) {
    const inner = statement.type === 'expression_statement' ? statement.children[0] : undefined;
    const left = inner?.type === 'assignment' ? childByField(inner, 'left') : undefined;
    if (left?.type === 'identifier') fields.push(left.name ?? '');
  }
  return fields;
}
