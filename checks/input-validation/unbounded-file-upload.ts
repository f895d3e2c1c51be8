/**
 * unbounded-file-upload (input.upload): uploads accepted without a size
 * bound or without a type allow-list. Which parsers the endpoint uses and
 * what each was told is in upload-parsers.ts.
 */
import { createCheck } from '../create-check.js';
import { addFirstArgument, addProperty, type LineEdit } from '../lang/ts/line-edits.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { uploadSites, type UploadSite } from './upload-parsers.js';

/** The seed's bound: 5 MB. */
const FIVE_MB = '5 * 1024 * 1024';

const PARSER_NAME: Record<UploadSite['parser'], string> = {
  multer: 'multer',
  nest: 'The file interceptor',
  busboy: 'busboy',
  formidable: 'formidable',
  'form-data': 'The form-data file',
  's3-post': 'The presigned S3 POST',
  's3-put': 'The presigned S3 PUT',
  'fastify-multipart': '@fastify/multipart',
};

/** A one-property fix, when the missing bound is a size option of a one-line call. */
function sizeFix(endpoint: Endpoint, site: UploadSite): LineEdit | undefined {
  const property = site.parser === 'multer' ? `limits: { fileSize: ${FIVE_MB} }` : site.parser === 'busboy' ? `limits: { fileSize: ${FIVE_MB} }` : site.parser === 'formidable' ? `maxFileSize: ${FIVE_MB}` : undefined;
  if (property === undefined) return undefined;
  // busboy needs its headers option; an options-less call cannot be fixed by adding limits alone.
  if (site.options !== undefined) return addProperty(endpoint.index, site.options, property);
  if (site.call !== undefined && site.parser !== 'busboy') return addFirstArgument(endpoint.index, site.call, `{ ${property} }`);
  return undefined;
}

export default createCheck({
  id: 'unbounded-file-upload',
  items: ['input.upload'],
  description: 'File uploads are accepted without a size limit or a type allow-list.',
  severity: 'medium',
  confidence: 'high',
  cwe: ['CWE-434', 'CWE-400'],
  owasp: ['API4:2023'],
  messages: {
    noSize: '{{parser}} for {{endpoint}} has {{missing}}: one request can fill the disk or memory.',
    noType: '{{parser}} for {{endpoint}} has {{missing}}: the caller chooses what kind of file is stored.',
  },
  why: 'An upload without a size bound lets one caller exhaust disk, memory or the storage bill; without a type allow-list it stores executables, HTML or SVG that may later be served back (Unrestricted Resource Consumption, unrestricted file upload).',
  fix: {
    express: "Bound and filter the upload: `multer({ storage, limits: { fileSize: 5 * 1024 * 1024 }, fileFilter: (req, file, cb) => cb(null, ['image/png', 'image/jpeg'].includes(file.mimetype)) })`.",
    nestjs: "Give the interceptor limits and validate the file: `@UploadedFile(new ParseFilePipe({ validators: [new MaxFileSizeValidator({ maxSize: 5 * 1024 * 1024 }), new FileTypeValidator({ fileType: /image\\/(png|jpeg)/ })] }))`.",
    'nextjs-app-router': "Check the file before using it: `if (!(file instanceof File) || file.size > 5 * 1024 * 1024 || !['image/png', 'image/jpeg'].includes(file.type)) return NextResponse.json({ error: 'Invalid file' }, { status: 400 });`.",
    fastify: "Register @fastify/multipart with `limits: { fileSize: 5 * 1024 * 1024, files: 1 }` and check `data.mimetype` against an allow-list.",
    default:
      "Bound the size (multer/busboy `limits: { fileSize: 5 * 1024 * 1024 }`, formidable `maxFileSize`, S3 POST policy `['content-length-range', 0, 5 * 1024 * 1024]`) and allow-list the types (multer `fileFilter`, `file.type` against a list).",
  },
  run(context) {
    const { endpoint } = context;
    const sites = uploadSites(endpoint);
    if (sites.length === 0) {
      context.notApplicable('input.upload', 'the endpoint takes no files');
      return;
    }
    const name = `${endpoint.method} ${endpoint.route}`;
    let reported = false;
    for (const site of sites) {
      if (site.opaque !== undefined) continue;
      const parser = PARSER_NAME[site.parser];
      if (site.missingSize !== undefined) {
        context.report({ messageId: 'noSize', node: site.node, data: { parser, endpoint: name, missing: site.missingSize }, suggestion: sizeFix(endpoint, site) });
        reported = true;
      }
      if (site.missingType !== undefined) {
        // Size is the denial of service; type alone is the lesser risk.
        context.report({ messageId: 'noType', node: site.node, data: { parser, endpoint: name, missing: site.missingType }, severity: 'low' });
        reported = true;
      }
    }
    if (reported) return;
    const opaque = sites.find((site) => site.opaque !== undefined);
    if (opaque !== undefined) {
      context.unknown('input.upload', opaque.opaque!);
      return;
    }
    const first = sites[0];
    const bounded = first.parser === 's3-post' ? 'a content-length-range condition' : first.parser === 's3-put' ? 'a signed ContentLength' : first.parser === 'busboy' || first.parser === 'formidable' ? 'a file size limit' : 'a size limit and a type check';
    context.pass('input.upload', { node: first.node, note: `${PARSER_NAME[first.parser]} upload has ${bounded}` });
  },
});
