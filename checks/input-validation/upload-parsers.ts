/**
 * Where an endpoint takes files, and what each upload parser was told about
 * size and type: multer (as route middleware or called in the handler),
 * NestJS file interceptors and ParseFilePipe, busboy, formidable, Fetch
 * `formData()` files (Next.js, Hono), S3 presigned posts and PUT URLs,
 * @fastify/multipart. Options are read from the object literal at the call
 * or from the `const` it names.
 */
import { ts, SyntaxKind, isAsExpression, isAwaitExpression, isBinaryExpression, isCallExpression, isGetAccessorDeclaration, isIdentifier, isMethodDeclaration, isNonNullExpression, isObjectLiteralExpression, isParenthesizedExpression, isPropertyAccessExpression, isPropertyAssignment, isShorthandPropertyAssignment, isVariableDeclaration } from '../lang/ts/parse.js';
import { calleeName, calleeObject, expressionPath, plainCalleePath, stringValue, unwrapExpression, variablesByName } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';
import type { Endpoint } from '../frameworks/endpoint.js';

export interface UploadSite {
  parser: 'multer' | 'nest' | 'busboy' | 'formidable' | 'form-data' | 's3-post' | 's3-put' | 'fastify-multipart';
  /** The call (or decorator) that sets the upload up; findings point here. */
  node: ts.Node;
  /** Undefined: bounded; otherwise what is missing, in words. */
  missingSize?: string;
  missingType?: string;
  /** The options object that a one-line fix would extend, when the fix is one property. */
  options?: ts.ObjectLiteralExpression;
  /** The parser call itself, for a fix that adds the options argument. */
  call?: ts.CallExpression | ts.NewExpression;
  /** Set when the code that bounds the upload is not in this file. */
  opaque?: string;
}

/** The object literal an options argument is, or names through a `const`. */
export function optionsObject(endpoint: Endpoint, argument: ts.Expression | undefined): ts.ObjectLiteralExpression | 'opaque' | undefined {
  if (argument === undefined) return undefined;
  const expression = unwrapExpression(argument);
  if (isObjectLiteralExpression(expression)) return expression;
  if (isIdentifier(expression)) {
    const initializer = variablesByName(endpoint.index).get(expression.text)?.initializer;
    if (initializer !== undefined && isObjectLiteralExpression(unwrapExpression(initializer))) return unwrapExpression(initializer) as ts.ObjectLiteralExpression;
  }
  return 'opaque';
}

/** The value of property `name` of an object literal (a shorthand gives its identifier). */
export function propertyValue(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const property of object.properties) {
    if (isPropertyAssignment(property) && propertyName(property.name) === name) return property.initializer;
    if (isShorthandPropertyAssignment(property) && property.name.text === name) return property.name;
    if ((isMethodDeclaration(property) || isGetAccessorDeclaration(property)) && propertyName(property.name) === name) return property.name as ts.Expression;
  }
  return undefined;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return isIdentifier(name) ? name.text : stringValue(name);
}

/** Whether `limits` of `options` bounds `key` (a limits object it cannot see counts: it was written on purpose). */
function limitsHave(endpoint: Endpoint, options: ts.ObjectLiteralExpression, key: string): boolean {
  const limits = propertyValue(options, 'limits');
  if (limits === undefined) return false;
  const object = optionsObject(endpoint, limits);
  return object === 'opaque' || (object !== undefined && propertyValue(object, key) !== undefined);
}

const MULTER_HANDLER = /^(?:single|array|fields|any)$/;
const NEST_INTERCEPTOR = /^(?:FileInterceptor|FilesInterceptor|FileFieldsInterceptor|AnyFilesInterceptor)$/;

/** `multer(...)` calls of the file by the name they are stored under. */
function multerInstances(endpoint: Endpoint): Map<string, ts.CallExpression> {
  return endpoint.index.memo('upload:multer', () => {
    const byName = new Map<string, ts.CallExpression>();
    for (const call of endpoint.index.callsNamed(/^multer$/)) {
      const parent = call.parent;
      if (isVariableDeclaration(parent) && isIdentifier(parent.name)) byName.set(parent.name.text, call);
    }
    return byName;
  });
}

/** The multer call behind `upload.single('file')` or `multer(opts).single('file')`. */
function multerBehind(endpoint: Endpoint, call: ts.CallExpression): ts.CallExpression | undefined {
  if (!MULTER_HANDLER.test(calleeName(call))) return undefined;
  const object = calleeObject(call);
  if (object === undefined) return undefined;
  const base = unwrapExpression(object);
  if (isCallExpression(base) && calleeName(base) === 'multer') return base;
  if (isIdentifier(base)) return multerInstances(endpoint).get(base.text);
  return undefined;
}

function multerSite(endpoint: Endpoint, multer: ts.CallExpression): UploadSite {
  const options = optionsObject(endpoint, multer.arguments[0]);
  if (options === 'opaque') return { parser: 'multer', node: multer, opaque: `multer(${endpoint.index.textOf(multer.arguments[0])}) takes options this file does not show` };
  const hasSize = options !== undefined && limitsHave(endpoint, options, 'fileSize');
  const hasFilter = options !== undefined && propertyValue(options, 'fileFilter') !== undefined;
  return {
    parser: 'multer',
    node: multer,
    call: multer,
    options,
    missingSize: hasSize ? undefined : 'no `limits.fileSize` (multer accepts files of any size by default)',
    missingType: hasFilter ? undefined : 'no `fileFilter` (any file type is accepted)',
  };
}

/** Calls whose options bound a NestJS upload: `FileInterceptor('file', { limits })`, `ParseFilePipe` validators. */
function nestSites(endpoint: Endpoint, range: readonly Scope[]): UploadSite[] {
  const index = endpoint.index;
  const interceptors = index.callsNamed(NEST_INTERCEPTOR, range);
  if (interceptors.length === 0) return [];
  const validators = new Set([...index.callsNamed(/^(?:MaxFileSizeValidator|FileTypeValidator|addMaxSizeValidator|addFileTypeValidator)$/, range)].map((call) => calleeName(call)));
  for (const created of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, range)) validators.add(expressionPath(created.expression));
  return interceptors.map((interceptor) => {
    const options = optionsObject(endpoint, interceptor.arguments[calleeName(interceptor) === 'AnyFilesInterceptor' ? 0 : calleeName(interceptor) === 'FileInterceptor' ? 1 : 2]);
    const object = options === 'opaque' ? undefined : options;
    const hasSize = options === 'opaque' || (object !== undefined && limitsHave(endpoint, object, 'fileSize')) || validators.has('MaxFileSizeValidator') || validators.has('addMaxSizeValidator');
    const hasType = options === 'opaque' || (object !== undefined && propertyValue(object, 'fileFilter') !== undefined) || validators.has('FileTypeValidator') || validators.has('addFileTypeValidator');
    return {
      parser: 'nest',
      node: interceptor,
      missingSize: hasSize ? undefined : 'no `limits.fileSize` and no `MaxFileSizeValidator`',
      missingType: hasType ? undefined : 'no `fileFilter` and no `FileTypeValidator`',
    } satisfies UploadSite;
  });
}

const STREAM_PARSER_CLASS = new Set(['Busboy', 'busboy', 'IncomingForm', 'Formidable']);

/** `new Busboy(...)`, `new formidable.IncomingForm(...)`: the last name of the class, read without building its path. */
function isStreamParserClass(expression: ts.Expression): boolean {
  const callee = unwrapExpression(expression);
  if (isIdentifier(callee)) return STREAM_PARSER_CLASS.has(callee.text);
  if (isPropertyAccessExpression(callee)) return STREAM_PARSER_CLASS.has(callee.name.text);
  return /(?:^|\.)(?:Busboy|busboy|IncomingForm|Formidable)$/.test(expressionPath(expression));
}

/** busboy and formidable: size limits only (neither has a type filter worth the name; the type is checked per file). */
function streamParserSites(endpoint: Endpoint): UploadSite[] {
  const index = endpoint.index;
  const sites: UploadSite[] = [];
  const called = index.callsNamed(/^(?:busboy|Busboy|formidable|IncomingForm|Formidable)$/, endpoint.scopes);
  // Most endpoints parse no stream: no list of parsers is made for them, and their member accesses are not searched.
  let parsers: (ts.CallExpression | ts.NewExpression)[] | undefined = called.length === 0 ? undefined : [...called];
  for (const created of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, endpoint.scopes)) {
    if (isStreamParserClass(created.expression)) (parsers ??= []).push(created);
  }
  if (parsers === undefined) return sites;
  const assigned = new Set(index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, endpoint.scopes).filter((access) => access.name.text === 'maxFileSize' && isBinaryExpression(access.parent) && access.parent.left === access).map((access) => access.name.text));
  for (const parser of parsers) {
    const name = isCallExpression(parser) ? calleeName(parser) : expressionPath(parser.expression).split('.').pop()!;
    const busboy = /^busboy$/i.test(name);
    const options = optionsObject(endpoint, parser.arguments?.[0]);
    if (options === 'opaque') {
      sites.push({ parser: busboy ? 'busboy' : 'formidable', node: parser, opaque: `${name}() takes options this file does not show` });
      continue;
    }
    const bounded = busboy ? options !== undefined && limitsHave(endpoint, options, 'fileSize') : (options !== undefined && propertyValue(options, 'maxFileSize') !== undefined) || assigned.has('maxFileSize');
    sites.push({
      parser: busboy ? 'busboy' : 'formidable',
      node: parser,
      call: parser,
      options,
      missingSize: bounded ? undefined : busboy ? 'no `limits.fileSize` (busboy streams files of any size)' : 'no `maxFileSize` (formidable accepts 200 MB by default)',
    });
  }
  return sites;
}

/** How a Fetch `File` is used: names read as files, and the properties read of each. */
const FILE_USE = /^(?:arrayBuffer|stream|bytes|size|type|name|lastModified)$/;

/**
 * Files read from `await request.formData()` (Next.js, Hono, any Fetch
 * handler): `formData.get('file') as File`, or a value of it whose file
 * methods are used. Bounded when its `.size` is compared and its `.type` read.
 */
function formDataSites(endpoint: Endpoint): UploadSite[] {
  const index = endpoint.index;
  const reads = index.callsNamed(/^(?:formData|parseBody)$/, endpoint.scopes);
  if (reads.length === 0) return [];
  const accesses = index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, endpoint.scopes);
  const used = new Map<string, Set<string>>();
  const compared = new Set<string>();
  for (const access of accesses) {
    if (!isIdentifier(access.expression) || !FILE_USE.test(access.name.text)) continue;
    const name = access.expression.text;
    let set = used.get(name);
    if (set === undefined) used.set(name, (set = new Set()));
    set.add(access.name.text);
    // `file.size > MAX`, `ALLOWED.includes(file.type)`, `file.type.startsWith('image/')`
    const parent = access.parent;
    if (isBinaryExpression(parent) || isCallExpression(parent) || (isPropertyAccessExpression(parent) && isCallExpression(parent.parent))) compared.add(`${name}.${access.name.text}`);
  }
  const instanceOf = new Set(
    index
      .nodesOfKind<ts.BinaryExpression>(SyntaxKind.BinaryExpression, endpoint.scopes)
      .filter((binary) => binary.operatorToken.kind === SyntaxKind.InstanceOfKeyword && isIdentifier(binary.left) && /^(?:File|Blob)$/.test(binary.right.getText(index.sourceFile)))
      .map((binary) => (binary.left as ts.Identifier).text),
  );
  const sites: UploadSite[] = [];
  for (const get of index.callsNamed(/^(?:get|getAll)$/, endpoint.scopes)) {
    let holder: ts.Node = get.parent;
    let typedAsFile = false;
    while (isAsExpression(holder) || isParenthesizedExpression(holder) || isAwaitExpression(holder) || isNonNullExpression(holder)) {
      if (isAsExpression(holder) && /\b(?:File|Blob)\b/.test(holder.type.getText(index.sourceFile))) typedAsFile = true;
      holder = holder.parent;
    }
    if (!isVariableDeclaration(holder) || !isIdentifier(holder.name)) continue;
    const name = holder.name.text;
    const uses = used.get(name) ?? new Set<string>();
    const isFile = typedAsFile || instanceOf.has(name) || uses.has('arrayBuffer') || uses.has('stream') || uses.has('bytes') || (holder.type !== undefined && /\b(?:File|Blob)\b/.test(holder.type.getText(index.sourceFile)));
    if (!isFile) continue;
    sites.push({
      parser: 'form-data',
      node: get,
      missingSize: compared.has(`${name}.size`) ? undefined : `no check of \`${name}.size\``,
      missingType: compared.has(`${name}.type`) ? undefined : `no check of \`${name}.type\``,
    });
  }
  return sites;
}

/** S3 presigned uploads: a POST policy without `content-length-range`, a PUT URL whose command signs no `ContentLength`. */
function presignedSites(endpoint: Endpoint): UploadSite[] {
  const index = endpoint.index;
  const sites: UploadSite[] = [];
  for (const post of index.callsNamed(/^(?:createPresignedPost|createPresignedPostAsync)$/, endpoint.scopes)) {
    const options = optionsObject(endpoint, post.arguments[post.arguments.length - 1]);
    if (options === 'opaque' || options === undefined) {
      sites.push({ parser: 's3-post', node: post, opaque: `${plainCalleePath(post)}() takes a policy this file does not show` });
      continue;
    }
    const conditions = propertyValue(options, 'Conditions');
    const ranged = conditions !== undefined && index.nodesOfKind<ts.StringLiteral>(SyntaxKind.StringLiteral, [{ pos: conditions.pos, end: conditions.end }]).some((literal) => literal.text === 'content-length-range');
    sites.push({ parser: 's3-post', node: post, missingSize: ranged ? undefined : 'a policy without a `content-length-range` condition (S3 accepts an object of any size)' });
  }
  if (index.callsNamed(/^getSignedUrl$/, endpoint.scopes).length > 0) {
    for (const command of index.nodesOfKind<ts.NewExpression>(SyntaxKind.NewExpression, endpoint.scopes)) {
      if (expressionPath(command.expression) !== 'PutObjectCommand') continue;
      const options = optionsObject(endpoint, command.arguments?.[0]);
      if (options === 'opaque' || options === undefined) continue;
      const sized = propertyValue(options, 'ContentLength') !== undefined;
      sites.push({ parser: 's3-put', node: command, missingSize: sized ? undefined : 'no signed `ContentLength` (the caller can upload an object of any size)' });
    }
  }
  return sites;
}

/** @fastify/multipart: `request.file()` / `files()` / `parts()`; its limits are set where the plugin is registered. */
function fastifySites(endpoint: Endpoint): UploadSite[] {
  if (endpoint.framework !== 'fastify') return [];
  return endpoint.index
    .callsNamed(/^(?:file|files|parts|saveRequestFiles)$/, endpoint.scopes)
    .filter((call) => /^(?:request|req)\.\w+$/.test(plainCalleePath(call)))
    .map((call) => {
      const options = optionsObject(endpoint, call.arguments[0]);
      const object = options === 'opaque' ? undefined : options;
      const sized = options === 'opaque' || (object !== undefined && limitsHave(endpoint, object, 'fileSize'));
      const typed = endpoint.index.nodesOfKind<ts.PropertyAccessExpression>(SyntaxKind.PropertyAccessExpression, endpoint.scopes).some((access) => access.name.text === 'mimetype');
      return sized
        ? { parser: 'fastify-multipart' as const, node: call, missingType: typed ? undefined : 'no check of the file’s `mimetype`' }
        : { parser: 'fastify-multipart' as const, node: call, opaque: `${plainCalleePath(call)}() sets no limits here: the fileSize limit of the @fastify/multipart registration applies (1 MB unless changed); check it and the file type` };
    });
}

/**
 * Adds the multer upload behind `call` once.
 */
function addMulter(endpoint: Endpoint, sites: UploadSite[], seen: Set<ts.Node>, call: ts.CallExpression): void {
  const multer = multerBehind(endpoint, call);
  if (multer === undefined || seen.has(multer)) return;
  seen.add(multer);
  sites.push(multerSite(endpoint, multer));
}

/** Which parsers the file can set up at all: each needs a name of its own in the file (see fileUploadNames). */
interface FileParsers {
  multer: boolean;
  nest: boolean;
  stream: boolean;
  formData: boolean;
  presigned: boolean;
  fastify: boolean;
}

/**
 * Read once per file from the parser's table of its identifier texts (which also holds quoted keys): a multer
 * upload in the endpoint's code needs a `multer(...)` call, a Nest one an interceptor, busboy or formidable their
 * names, a Fetch upload `formData()` or `parseBody()`, a presigned one its S3 helper, @fastify/multipart
 * `request.file()` and the like. Most files name none of them, and their endpoints skip every search below.
 */
function fileParsers(index: SourceIndex): FileParsers {
  return index.memo('upload:fileParsers', () => {
    const names = (list: readonly string[]) => list.some((name) => index.mayHaveIdentifier(name));
    return {
      multer: index.mayHaveIdentifier('multer'),
      nest: names(['FileInterceptor', 'FilesInterceptor', 'FileFieldsInterceptor', 'AnyFilesInterceptor']),
      stream: names(['busboy', 'Busboy', 'formidable', 'IncomingForm', 'Formidable']),
      formData: names(['formData', 'parseBody']),
      presigned: names(['createPresignedPost', 'createPresignedPostAsync', 'getSignedUrl']),
      fastify: names(['file', 'files', 'parts', 'saveRequestFiles']),
    };
  });
}

/** Every upload the endpoint takes, in document order. */
export function uploadSites(endpoint: Endpoint): UploadSite[] {
  const index = endpoint.index;
  const sites: UploadSite[] = [];
  const seen = new Set<ts.Node>();
  // A control may come from another file: always looked at.
  for (const control of endpoint.controls) {
    const node = control.node;
    if (isCallExpression(node)) addMulter(endpoint, sites, seen, node);
  }
  const parsers = fileParsers(index);
  if (parsers.multer) for (const call of index.callsNamed(MULTER_HANDLER, endpoint.scopes)) addMulter(endpoint, sites, seen, call);
  // Nest decorators sit on the method, before the body the scopes start at.
  if (parsers.nest) pushAll(sites, nestSites(endpoint, endpoint.handler === undefined ? endpoint.scopes : [{ pos: endpoint.handler.pos, end: endpoint.handler.end }]));
  // Pushed one by one: spreading five (mostly empty) lists goes through the iterator protocol, per endpoint.
  if (parsers.stream) pushAll(sites, streamParserSites(endpoint));
  if (parsers.formData) pushAll(sites, formDataSites(endpoint));
  if (parsers.presigned) pushAll(sites, presignedSites(endpoint));
  if (parsers.fastify) pushAll(sites, fastifySites(endpoint));
  return sites;
}

function pushAll(sites: UploadSite[], more: readonly UploadSite[]): void {
  for (let position = 0; position < more.length; position++) sites.push(more[position]);
}
