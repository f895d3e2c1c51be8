/**
 * mass-assignment for Python (input.schema): the TypeScript check's idea
 * and id. The raw body written whole into a record: `**request.data` into
 * `Model.objects.create` / `serializer.save` / a model constructor /
 * `.update()`, `obj.__dict__.update(data)`, a `setattr` loop over the body;
 * and a DRF `ModelSerializer` with `fields = "__all__"` (or `exclude`)
 * behind a writable endpoint on a model with privileged fields.
 */
import tsCheck from '../../input-validation/mass-assignment.js';
import { calleeName, calleeObject, childByField, expressionPath, importSources, lastSegment, namedChildren, plainCalleePath, positionalArguments, unwrapExpression } from '../../lang/py/queries.js';
import type { PyNode } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { importedSerializer, ormModels, privilegedFieldOf, serializersUsed } from '../output-safety/py-models.js';
import { pydanticModels, rawValueIn, requestDataOf } from './request-data.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const UPDATE_OR_SETATTR_CALL = /^(?:update|setattr)$/;

const WRITE = /^(?:create|update|update_or_create|get_or_create|save|bulk_create|insert|insert_one|update_one|update_many|add)$/;
const WRITING_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export default createPyCheck({
  id: 'mass-assignment',
  items: ['input.schema'],
  ...siblingMetadata(tsCheck),
  messages: {
    raw: tsCheck.messages.raw,
    'all-fields': '`{{serializer}}` lets the caller write every field of `{{model}}` ({{how}}){{fields}}: {{endpoint}} saves whatever the body sets.',
  },
  fix: {
    fastapi: 'Write only the fields of the request model: `db_item = Item(**payload.model_dump(exclude_unset=True))` with a Pydantic model that lists the fields the caller may set (not `role`, `is_admin`, `owner_id`), or name them one by one.',
    'django-rest-framework': 'Save through the serializer: `serializer.is_valid(raise_exception=True); serializer.save(owner=request.user)`, with `Meta.fields` listing the writable fields and privileged ones in `read_only_fields`; never `**request.data` or `fields = "__all__"` on a writable serializer.',
    flask: 'Name the fields that may be written (`user.name = payload["name"]`), or load the body through a schema that lists only those fields (`UserUpdate.model_validate(request.get_json())`, marshmallow `load()`); never `**request.get_json()` or a `setattr` loop over it.',
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const { index } = endpoint;
    const data = requestDataOf(endpoint);
    const endpointName = `${endpoint.method} ${endpoint.route}`;
    let writes = 0;
    let firstWrite: PyNode | undefined;

    for (const call of index.calls(endpoint.scopes)) {
      const name = calleeName(call);
      if (!WRITE.test(name) && !isModelClass(endpoint, name)) continue;
      writes++;
      firstWrite ??= call;
      const args = childByField(call, 'arguments');
      const splat = args === undefined ? undefined : namedChildren(args).find((arg) => arg.type === 'dictionary_splat');
      const spread = splat === undefined ? undefined : rawValueIn(endpoint, data, splat);
      // `.update(request.data)` on a query writes the mapping as columns.
      const positional = name === 'update' && args !== undefined ? positionalArguments(call)[0] : undefined;
      const mapping = positional === undefined || isDictUpdate(call) || unwrapExpression(positional).type === 'dictionary' ? undefined : rawValueIn(endpoint, data, positional);
      const value = spread ?? mapping;
      if (value === undefined) continue;
      const model = modelOf(endpoint, call);
      context.report({ messageId: 'raw', node: call, data: { call: `\`${plainCalleePath(call)}()\``, data: value.label, model: `\`${model}\``, fields: privilegedNote(endpoint, model) }, severity: privilegedFieldOf(index, model).privileged ? 'high' : 'medium' });
      return;
    }

    // `obj.__dict__.update(data)` and `for k, v in data.items(): setattr(obj, k, v)`.
    for (const call of index.callsNamed(UPDATE_OR_SETATTR_CALL, endpoint.scopes)) {
      const name = calleeName(call);
      if (name === 'update' && !isDictUpdate(call)) continue;
      const source = name === 'update' ? positionalArguments(call)[0] : setattrLoopSource(call);
      const value = source === undefined ? undefined : rawValueIn(endpoint, data, source);
      if (value === undefined) continue;
      const target = name === 'update' ? expressionPath(childByField(calleeObject(call)!, 'object') ?? call, false) : expressionPath(positionalArguments(call)[0] ?? call, false);
      context.report({ messageId: 'raw', node: call, data: { call: name === 'update' ? `\`${target}.__dict__.update()\`` : `\`setattr(${target}, ...)\` in a loop over the body`, data: value.label, model: `\`${target}\``, fields: '' } });
      return;
    }

    // A writable endpoint behind a ModelSerializer that writes every field.
    if (WRITING_METHODS.has(endpoint.method)) {
      for (const { serializer } of serializersUsed(index, endpoint.viewClass, endpoint.scopes)) {
        if (serializer.fields !== 'all' || serializer.model === undefined) continue;
        const privileged = privilegedFieldOf(index, serializer.model);
        const openPrivileged = ormModels(index).get(serializer.model)?.fields.filter((field) => privileged.privileged && /^(?:role|roles|is_admin|is_staff|is_superuser|is_active|is_verified|verified|owner|owner_id|user|user_id|balance|credits|permissions|plan|tenant|tenant_id|approved)$/.test(field) && !serializer.readOnly.includes(field) && !serializer.exclude.includes(field));
        if (!privileged.privileged || (openPrivileged !== undefined && openPrivileged.length === 0 && ormModels(index).get(serializer.model)!.fields.length > 0)) continue;
        const how = serializer.exclude.length > 0 ? `\`exclude\` leaves everything else writable` : '`fields = "__all__"`';
        context.report({
          messageId: 'all-fields',
          node: serializer.fieldsNode ?? serializer.node,
          data: { serializer: serializer.name, model: serializer.model, how, fields: openPrivileged !== undefined && openPrivileged.length > 0 ? `, such as \`${openPrivileged[0]}\`` : '', endpoint: endpointName },
        });
        return;
      }
    }

    const opaque = WRITING_METHODS.has(endpoint.method) && endpoint.handler === undefined ? importedSerializer(endpoint) : undefined;
    if (opaque !== undefined && privilegedFieldOf(index, opaque.model).privileged) {
      context.unknown('input.schema', `${endpointName} saves the body through \`${opaque.serializer}\`, defined in another file: check that its Meta.fields leave out privileged fields of \`${opaque.model}\` (or lists them in read_only_fields)`);
      return;
    }
    if (firstWrite !== undefined) {
      context.pass('input.schema', { node: firstWrite, note: `${plainCalleePath(firstWrite)}() writes named fields or validated data, not the raw body` });
      return;
    }
    const serializer = serializersUsed(index, endpoint.viewClass, endpoint.scopes).find((entry) => Array.isArray(entry.serializer.fields));
    if (serializer !== undefined && WRITING_METHODS.has(endpoint.method)) {
      context.pass('input.schema', { node: serializer.serializer.fieldsNode ?? serializer.node, note: `${serializer.serializer.name} writes only the fields its Meta lists` });
      return;
    }
    context.notApplicable('input.schema', writes === 0 ? 'the endpoint writes no record from the request' : 'no write takes the request body');
  },
});

/** A model class: declared as one in the file, or imported from a `models` module. */
function isModelClass(endpoint: PyEndpoint, name: string): boolean {
  if (ormModels(endpoint.index).has(name)) return true;
  if (!/^[A-Z]/.test(name) || pydanticModels(endpoint.index).has(name)) return false;
  const source = importSources(endpoint.index).get(name);
  return source !== undefined && /(?:^|\.)models?$/.test(source.module);
}

function isDictUpdate(call: PyNode): boolean {
  const object = calleeObject(call);
  return object?.type === 'attribute' && childByField(object, 'attribute')?.name === '__dict__';
}

/** `data` for `setattr(obj, key, value)` inside `for key, value in data.items():`. */
function setattrLoopSource(call: PyNode): PyNode | undefined {
  for (let current = call.parent; current !== undefined; current = current.parent) {
    if (current.type === 'function_definition') return undefined;
    if (current.type !== 'for_statement') continue;
    const right = childByField(current, 'right');
    const args = positionalArguments(call);
    if (right === undefined || args.length < 2 || args[1].type !== 'identifier') return undefined;
    return right;
  }
  return undefined;
}

/** The model a write targets: `User` for `User.objects.create(...)`, `User(...)`, `serializer.save()` of a UserSerializer. */
function modelOf(endpoint: PyEndpoint, call: PyNode): string {
  const path = plainCalleePath(call);
  const objects = path.indexOf('.objects.');
  if (objects > 0) return lastSegment(path.slice(0, objects));
  if (/^[A-Z]/.test(calleeName(call))) return calleeName(call);
  const serializer = serializersUsed(endpoint.index, endpoint.viewClass, endpoint.scopes)[0]?.serializer;
  if (serializer?.model !== undefined) return serializer.model;
  const query = /query\((\w+)\)/.exec(endpoint.index.textOf(call));
  return query?.[1] ?? lastSegment(path.split('.')[0]);
}

function privilegedNote(endpoint: PyEndpoint, model: string): string {
  const privileged = privilegedFieldOf(endpoint.index, model);
  if (!privileged.privileged) return '';
  return privileged.field !== undefined ? ` (such as \`${privileged.field}\`)` : ' (such as a role or staff flag)';
}
