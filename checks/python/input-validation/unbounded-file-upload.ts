/**
 * unbounded-file-upload for Python (input.upload): the TypeScript check's
 * idea and id. Files come in as FastAPI `UploadFile` parameters, Django /
 * DRF `request.FILES` (or a serializer `FileField` / `ImageField`), Flask
 * `request.files`. The size is bounded by a check of `.size` / the bytes
 * read, Flask's `MAX_CONTENT_LENGTH`, a validator; the type by a check of
 * `content_type` / `mimetype` / the extension, `FileExtensionValidator`,
 * `ImageField`, libmagic. n/a when the endpoint takes no files.
 */
import tsCheck from '../../input-validation/unbounded-file-upload.js';
import { childByField, expressionPath, parametersOf } from '../../lang/py/queries.js';
import type { PyNode } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { serializersUsed } from '../output-safety/py-models.js';
import { requestDataOf } from './request-data.js';

/** Size checks in code: `file.size > MAX`, `len(contents) > MAX`, `MAX_CONTENT_LENGTH`, a size validator. */
const SIZE_SIGNAL = /\.size\b|len\(\s*(?:await\s+)?\w*(?:content|data|body|bytes|chunk|file|upload|raw)\w*|MAX_CONTENT_LENGTH|max_upload_size|MAX_UPLOAD|MAX_FILE_SIZE|max_size|validate_file_size|FileSizeValidator|\.seek\(0,\s*(?:2|os\.SEEK_END)\)|\.read\(\s*MAX|\.read\(\s*\d|content_length|DATA_UPLOAD_MAX_MEMORY_SIZE/i;
/** Type checks: content type, mimetype, extension allow-lists, libmagic, validators. */
const TYPE_SIGNAL = /content_type|mimetype|mime_type|ALLOWED_EXTENSIONS|allowed_file|FileExtensionValidator|validate_image|imghdr|filetype\.guess|magic\.from|\.endswith\(|splitext|ImageField|allowed_types|ALLOWED_TYPES|ALLOWED_MIME/;

export default createPyCheck({
  id: 'unbounded-file-upload',
  items: ['input.upload'],
  ...siblingMetadata(tsCheck),
  messages: tsCheck.messages,
  fix: {
    fastapi: "Check the upload before using it: `if file.content_type not in {'image/png', 'image/jpeg'}: raise HTTPException(415)` and `if file.size is None or file.size > 5 * 1024 * 1024: raise HTTPException(413)` (or read at most `MAX + 1` bytes and reject more), and cap the body at the proxy (`client_max_body_size`).",
    'django-rest-framework': "Validate the file in the serializer: `file = serializers.FileField(validators=[FileExtensionValidator(['png', 'jpg'])])` with a `validate_file` that rejects `value.size > 5 * 1024 * 1024`, or check `request.FILES['file'].size` and `.content_type` before saving.",
    flask: "Bound the request with `app.config['MAX_CONTENT_LENGTH'] = 5 * 1024 * 1024` (Flask answers 413) and allow-list the type: `if file.mimetype not in ALLOWED_TYPES or not allowed_file(file.filename): abort(415)`.",
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint } = context;
    const upload = uploadSource(endpoint);
    if (upload === undefined) {
      context.notApplicable('input.upload', 'the endpoint takes no files');
      return;
    }
    const size = findSignal(endpoint, SIZE_SIGNAL);
    const type = findSignal(endpoint, TYPE_SIGNAL);
    const name = `${endpoint.method} ${endpoint.route}`;
    if (size === undefined) {
      context.report({ messageId: 'noSize', node: upload.node, data: { parser: upload.label, endpoint: name, missing: type === undefined ? 'no size limit and no type allow-list' : 'no size limit' } });
      return;
    }
    if (type === undefined) {
      context.report({ messageId: 'noType', node: upload.node, data: { parser: upload.label, endpoint: name, missing: 'no type allow-list' } });
      return;
    }
    context.pass('input.upload', { line: size.line, note: `the upload's size is checked (\`${size.text}\`) and its type (\`${type.text}\`, line ${type.line})` });
  },
});

/** Where the endpoint takes files: the parameter, the request read, or the serializer field. */
function uploadSource(endpoint: PyEndpoint): { node: PyNode; label: string } | undefined {
  const { index } = endpoint;
  if (endpoint.handler !== undefined) {
    for (const parameter of parametersOf(endpoint.handler)) {
      const annotation = parameter.type === undefined ? '' : index.textOf(parameter.type);
      const fallback = parameter.default === undefined ? '' : index.textOf(parameter.default);
      if (/\bUploadFile\b/.test(annotation) || /^File\(/.test(fallback)) return { node: parameter.node, label: `The upload parameter \`${parameter.name}\`` };
    }
  }
  const data = requestDataOf(endpoint);
  for (const attribute of index.nodesOfType('attribute', endpoint.scopes)) {
    const object = childByField(attribute, 'object');
    const name = childByField(attribute, 'attribute')?.name;
    if ((name === 'FILES' || name === 'files') && object !== undefined && (data.requestNames.has(expressionPath(object, false)) || expressionPath(object, false) === 'self.request')) return { node: attribute, label: `\`${index.textOf(attribute)}\`` };
  }
  for (const { serializer, node } of serializersUsed(index, endpoint.viewClass, endpoint.scopes)) {
    if (!['POST', 'PUT', 'PATCH'].includes(endpoint.method)) continue;
    for (const [field, info] of serializer.declared) {
      if (/\b(?:FileField|ImageField)\(/.test(index.textOf(info.node))) return { node: info.node ?? node, label: `The serializer field \`${serializer.name}.${field}\`` };
    }
  }
  return undefined;
}

/** The endpoint's code, the serializers it uses, and module-level statements (Flask `MAX_CONTENT_LENGTH`), as file ranges. */
function codeRanges(endpoint: PyEndpoint): { pos: number; end: number }[] {
  const { index } = endpoint;
  const ranges = endpoint.scopes.map((scope) => ({ pos: scope.pos, end: scope.end }));
  for (const { serializer } of serializersUsed(index, endpoint.viewClass, endpoint.scopes)) ranges.push({ pos: serializer.node.pos, end: serializer.node.end });
  for (const statement of index.root.children) if (statement.type === 'expression_statement') ranges.push({ pos: statement.pos, end: statement.end });
  return ranges;
}

/** The first match of `pattern` in the endpoint's code, with its line in the file. */
function findSignal(endpoint: PyEndpoint, pattern: RegExp): { text: string; line: number } | undefined {
  let best: { text: string; pos: number } | undefined;
  for (const range of codeRanges(endpoint)) {
    const match = pattern.exec(endpoint.index.text.slice(range.pos, range.end));
    if (match !== null && (best === undefined || range.pos + match.index < best.pos)) best = { text: match[0], pos: range.pos + match.index };
  }
  return best === undefined ? undefined : { text: best.text, line: endpoint.index.lineAt(best.pos) };
}
