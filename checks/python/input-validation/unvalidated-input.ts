/**
 * unvalidated-input for Python (input.schema): the TypeScript check's idea
 * and id. Passes on a Pydantic-typed FastAPI body, a DRF serializer whose
 * `is_valid()` decides (`raise_exception=True`, or its result checked), a
 * generic DRF view's `serializer_class`, marshmallow `load()`, Pydantic
 * built from the body, flask-pydantic / webargs decorators, WTForms
 * `validate_on_submit()`. Fails when the raw body, form or query reaches a
 * database write, an outside call, a file or the response.
 */
import tsCheck from '../../input-validation/unvalidated-input.js';
import { calleeName, childByField, classAttribute, expressionPath, keywordArgument, lastSegment, plainCalleePath, booleanValue } from '../../lang/py/queries.js';
import type { PyNode } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { callLabel, handlerDecorators, pydanticModels, rawValueIn, requestDataOf, type RequestValue } from './request-data.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const IS_VALID_CALL = /^is_valid$/;

const NO_INPUT = 'the endpoint reads no body, form, query or path input';

/** Calls that write, send or answer what they are given. */
const SINK = /^(?:create|update|update_or_create|get_or_create|bulk_create|bulk_update|add|add_all|merge|insert|insert_one|insert_many|update_one|update_many|replace_one|execute|executemany|save|set|put|post|patch|request|send|send_mail|write|writelines|delay|apply_async|enqueue|publish|open|jsonify|JSONResponse|JsonResponse|Response|HttpResponse|make_response|ORJSONResponse)$/;
/** Decorators that validate the request before the view runs. */
const VALIDATING_DECORATOR = /^(?:validate|use_args|use_kwargs|expects_json|input|arguments|validate_request|body|validate_body)$/;

export default createPyCheck({
  id: 'unvalidated-input',
  items: ['input.schema'],
  ...siblingMetadata(tsCheck),
  messages: {
    unvalidated: tsCheck.messages.unvalidated,
    ignored: '{{sink}} receives {{data}} from the request: the result of `{{validator}}` at line {{line}} is never checked, so invalid input goes through.',
  },
  fix: {
    fastapi: 'Declare the body as a Pydantic model parameter (`async def create(item: ItemCreate)`) instead of reading `await request.json()`; FastAPI answers 422 when it does not match, and the handler gets only the declared fields.',
    'django-rest-framework': 'Validate through a serializer and use only its output: `serializer = ItemSerializer(data=request.data); serializer.is_valid(raise_exception=True); serializer.save()` (or `serializer.validated_data`), never `request.data` itself.',
    flask: 'Validate the body before use: `payload = ItemSchema.model_validate(request.get_json())` (Pydantic; answer 400 on `ValidationError`) or `ItemSchema().load(request.get_json())` (marshmallow), or decorate the view with flask-pydantic `@validate()` / webargs `@use_args(...)`, and use only the validated value.',
    default: 'Validate the input with a schema (Pydantic, a DRF serializer, marshmallow) before using it, answer 400 when it fails, and use only the validated value.',
  },
  run(context) {
    const { endpoint } = context;
    const { index } = endpoint;
    const data = requestDataOf(endpoint);

    // An `is_valid()` whose result nobody reads lets invalid data through.
    const ignored = ignoredIsValid(endpoint);
    const sink = rawSink(endpoint);
    if (sink !== undefined) {
      if (ignored !== undefined) {
        context.report({ messageId: 'ignored', node: sink.node, data: { sink: sink.label, data: sink.value.label, validator: `${plainCalleePath(ignored)}()`, line: String(ignored.line) } });
      } else {
        context.report({ messageId: 'unvalidated', node: sink.node, data: { sink: sink.label, data: sink.value.label } });
      }
      return;
    }
    if (ignored !== undefined) {
      context.report({ messageId: 'ignored', node: ignored, data: { sink: 'The endpoint', data: 'data', validator: `${plainCalleePath(ignored)}()`, line: String(ignored.line) } });
      return;
    }

    const gate = validationGate(endpoint);
    if (gate !== undefined) {
      context.pass('input.schema', gate);
      return;
    }
    if (data.bodyReads.length > 0) {
      const read = data.bodyReads[0];
      context.unknown('input.schema', `${read.label} at line ${read.node.line} is read without a schema, and where it goes could not be followed; check that it is validated before use`);
      return;
    }
    if (data.modelParameters.length === 0 && data.scalarParameters.length > 0 && endpoint.framework === 'fastapi') {
      const first = data.scalarParameters[0];
      context.pass('input.schema', { node: first.node, note: `path and query parameters are typed (\`${index.textOf(first.node)}\`): FastAPI validates them and answers 422` });
      return;
    }
    if (data.scalarParameters.length > 0) {
      const first = data.scalarParameters[0];
      context.pass('input.schema', { node: first.node, note: `the only input is the route parameter \`${first.name}\`, matched by the URL converter` });
      return;
    }
    context.notApplicable('input.schema', NO_INPUT);
  },
});

/** The first sink that receives unchecked request data. */
function rawSink(endpoint: PyEndpoint): { node: PyNode; label: string; value: RequestValue } | undefined {
  const { index } = endpoint;
  const data = requestDataOf(endpoint);
  if (data.raw.size === 0 && data.bodyReads.length === 0) return undefined;
  const models = pydanticModels(index);
  for (const call of index.calls(endpoint.scopes)) {
    const name = calleeName(call);
    if (!SINK.test(name) || models.has(name)) continue;
    // `data.get("x")` reads the request, it does not send it anywhere.
    const args = childByField(call, 'arguments');
    if (args === undefined) continue;
    const value = rawValueIn(endpoint, data, args);
    // `**request.data` into a write is mass assignment, reported by that check.
    if (value !== undefined && insideSplat(value.node, args)) continue;
    if (value !== undefined) return { node: call, label: callLabel(call), value };
  }
  // `note.text = request.json["text"]` writes the raw value into a record.
  for (const assignment of index.nodesOfType('assignment', endpoint.scopes)) {
    const left = childByField(assignment, 'left');
    const right = childByField(assignment, 'right');
    if (left?.type !== 'attribute' || right === undefined || data.requestNames.has(expressionPath(childByField(left, 'object')!, false))) continue;
    const value = rawValueIn(endpoint, data, right);
    if (value !== undefined) return { node: assignment, label: `The assignment to \`${index.textOf(left)}\``, value };
  }
  for (const statement of index.nodesOfType('return_statement', endpoint.scopes)) {
    const value = rawValueIn(endpoint, data, statement);
    if (value !== undefined && statement.children.length > 1) return { node: statement, label: 'The response', value };
  }
  return undefined;
}

function insideSplat(node: PyNode, stop: PyNode): boolean {
  for (let current: PyNode | undefined = node; current !== undefined && current !== stop; current = current.parent) if (current.type === 'dictionary_splat') return true;
  return false;
}

/** A bare `serializer.is_valid()` statement: its verdict is thrown away. */
function ignoredIsValid(endpoint: PyEndpoint): PyNode | undefined {
  return endpoint.index.callsNamed(IS_VALID_CALL, endpoint.scopes).find((call) => call.parent?.type === 'expression_statement' && booleanValue(keywordArgument(call, 'raise_exception')) !== true);
}

/** What validates this endpoint's input, with the line to show. */
function validationGate(endpoint: PyEndpoint): { node: PyNode; note: string } | undefined {
  const { index } = endpoint;
  const data = requestDataOf(endpoint);
  const models = pydanticModels(index);
  for (const call of index.callsNamed(IS_VALID_CALL, endpoint.scopes)) {
    const raises = booleanValue(keywordArgument(call, 'raise_exception')) === true;
    return { node: call, note: raises ? `${plainCalleePath(call)}(raise_exception=True) rejects invalid input with 400` : `the result of ${plainCalleePath(call)}() decides the answer` };
  }
  const model = data.modelParameters[0];
  if (model !== undefined) return { node: model.node, note: `the body is validated by the Pydantic model \`${model.model}\` (FastAPI answers 422 when it does not match)` };
  for (const decorator of handlerDecorators(endpoint)) {
    if (VALIDATING_DECORATOR.test(lastSegment(decorator.name))) return { node: decorator.node, note: `@${decorator.name} validates the request before the view runs` };
  }
  for (const call of index.calls(endpoint.scopes)) {
    const name = calleeName(call);
    if (models.has(name) || /^(?:model_validate|model_validate_json|parse_obj|parse_raw|validate_python)$/.test(name)) return { node: call, note: `request input is validated by the Pydantic model (${plainCalleePath(call)}())` };
    if (name === 'load' && /schema|Schema/.test(plainCalleePath(call))) return { node: call, note: `request input is validated by marshmallow (${plainCalleePath(call)}())` };
    if (/^(?:validate_on_submit|validate)$/.test(name) && /form/i.test(plainCalleePath(call))) return { node: call, note: `the form is validated by WTForms (${plainCalleePath(call)}())` };
  }
  // Generic views and ViewSets: the mixins call `serializer.is_valid(raise_exception=True)` on serializer_class.
  if (endpoint.framework === 'django-rest-framework' && endpoint.handler === undefined && endpoint.viewClass !== undefined && ['POST', 'PUT', 'PATCH'].includes(endpoint.method)) {
    const serializerClass = classAttribute(endpoint.viewClass, 'serializer_class');
    if (serializerClass !== undefined) return { node: serializerClass.node, note: `DRF's ${endpoint.method === 'POST' ? 'CreateModelMixin' : 'UpdateModelMixin'} validates with serializer_class \`${index.textOf(serializerClass.value)}\` (is_valid(raise_exception=True))` };
  }
  return undefined;
}
