/**
 * unbounded-file-upload (input.upload): literal files per parser, each
 * unbounded upload next to its bounded neighbour that must stay silent.
 */
import { describe, expect, it } from 'vitest';
import check from './unbounded-file-upload.js';
import type { AnalysisResult } from '../model.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { analyzeFiles } from '../../src/review/analyze-files.js';

async function run(path: string, text: string) {
  const result: AnalysisResult = await analyzeFiles([{ path, text }], { config: DEFAULT_CONFIG, checks: [check] });
  if (result.endpoints.length !== 1) throw new Error(`expected one endpoint, found ${result.endpoints.length}`);
  return { item: result.endpoints[0].checklist['input.upload'], findings: result.findings };
}

/** An Express router with `multer(options)` on line 3 and POST /avatar using it. */
const express = (options: string, middleware = "upload.single('avatar')") =>
  run(
    'src/routes/avatar.ts',
    `import express from 'express';
import multer from 'multer';
const upload = multer(${options});
const router = express.Router();
router.post('/avatar', ${middleware}, (req, res) => {
  res.json({ name: req.file?.originalname });
});
export default router;
`,
  );

describe('unbounded-file-upload: multer', () => {
  it('invalid: no limits and no fileFilter, with a one-line size fix', async () => {
    const { item, findings } = await express("{ dest: 'uploads/' }");
    expect(item.status).toBe('fail');
    expect(findings.map((f) => f.severity)).toEqual(['medium', 'low']);
    expect(findings[0]).toMatchObject({ line: 3, cwe: ['CWE-434', 'CWE-400'], owasp: ['API4:2023'] });
    expect(findings[0].message).toBe('multer for POST /avatar has no `limits.fileSize` (multer accepts files of any size by default): one request can fill the disk or memory.');
    expect(findings[0].suggestion).toEqual({ line: 3, endLine: 3, replacement: "const upload = multer({ dest: 'uploads/', limits: { fileSize: 5 * 1024 * 1024 } });" });
    expect(findings[1].message).toContain('no `fileFilter`');
  });

  it('valid: limits.fileSize and fileFilter', async () => {
    const { item, findings } = await express("{ dest: 'uploads/', limits: { fileSize: 5 * 1024 * 1024 }, fileFilter: (req, file, cb) => cb(null, file.mimetype === 'image/png') }");
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 3, note: 'multer upload has a size limit and a type check' }] });
  });

  it('invalid: multer() without options gets the options argument as its fix', async () => {
    const { findings } = await express('');
    expect(findings[0].suggestion?.replacement).toBe('const upload = multer({ limits: { fileSize: 5 * 1024 * 1024 } });');
  });

  it('invalid: fileFilter without limits', async () => {
    const { findings } = await express('{ storage, fileFilter }');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('no `limits.fileSize`');
  });

  it('invalid: limits without fileSize (files only)', async () => {
    const { findings } = await express('{ limits: { files: 1 }, fileFilter }');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('limits.fileSize');
  });

  it('invalid: limits without fileFilter is a low finding only', async () => {
    const { item, findings } = await express('{ limits: { fileSize: 1e6 } }');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'low' });
  });

  it('valid: options from a const of the file', async () => {
    const { item } = await run(
        'src/routes/avatar.ts',
        `import express from 'express';
import multer from 'multer';
const options = { limits: { fileSize: 2_000_000 }, fileFilter };
const upload = multer(options);
const router = express.Router();
router.post('/avatar', upload.array('photos', 4), (req, res) => res.sendStatus(204));
export default router;
`,
    );
    expect(item.status).toBe('pass');
  });

  it('invalid: options const without limits', async () => {
    const { item } = await run(
      'src/routes/avatar.ts',
      `import express from 'express';
import multer from 'multer';
const options = { dest: '/tmp' };
const upload = multer(options);
const router = express.Router();
router.post('/avatar', upload.array('photos', 4), (req, res) => res.sendStatus(204));
export default router;
`,
    );
    expect(item.status).toBe('fail');
  });

  it('unknown: options imported from elsewhere', async () => {
    const { item, findings } = await run(
      'src/routes/avatar.ts',
      `import express from 'express';
import multer from 'multer';
import { uploadOptions } from '../config';
const upload = multer(uploadOptions);
const router = express.Router();
router.post('/avatar', upload.single('a'), (req, res) => res.sendStatus(204));
export default router;
`,
    );
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('multer(uploadOptions)');
  });

  it('invalid: multer inline as middleware', async () => {
    const { item } = await express("{ dest: 'x' }", "multer({ dest: 'tmp/' }).any()");
    expect(item.status).toBe('fail');
  });

  it('valid: inline multer with limits and filter', async () => {
    const { item } = await express("{ dest: 'x' }", "multer({ limits: { fileSize: 1024 }, fileFilter }).fields([{ name: 'a' }])");
    expect(item.status).toBe('pass');
  });

  it('n/a: a route of the same file without upload middleware', async () => {
    const { item } = await run(
      'src/routes/avatar.ts',
      `import express from 'express';
import multer from 'multer';
const upload = multer({ dest: 'uploads/' });
const router = express.Router();
router.get('/avatar', (req, res) => res.json({}));
export default router;
`,
    );
    expect(item).toMatchObject({ status: 'n/a', reason: 'the endpoint takes no files' });
  });

  it('invalid: upload middleware called inside the handler', async () => {
    const { item } = await run(
      'src/routes/avatar.ts',
      `import express from 'express';
import multer from 'multer';
const upload = multer({ dest: 'uploads/' });
const router = express.Router();
router.post('/avatar', (req, res) => {
  upload.single('avatar')(req, res, () => res.sendStatus(204));
});
export default router;
`,
    );
    expect(item.status).toBe('fail');
  });
});

/** An Express handler parsing the multipart body itself with `setup` (line 4). */
const streamed = (imports: string, setup: string, after = '') =>
  run(
    'src/routes/files.ts',
    `import express from 'express';
${imports}
const router = express.Router();
router.post('/files', (req, res) => { const parser = ${setup};
${after}
  req.pipe(parser);
});
export default router;
`,
  );

describe('unbounded-file-upload: busboy and formidable', () => {
  it('invalid: busboy without limits, fix adds them', async () => {
    const { item, findings } = await streamed("import busboy from 'busboy';", 'busboy({ headers: req.headers })');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('busboy streams files of any size');
    expect(findings[0].suggestion?.replacement).toBe("router.post('/files', (req, res) => { const parser = busboy({ headers: req.headers, limits: { fileSize: 5 * 1024 * 1024 } });");
  });

  it('valid: busboy with limits.fileSize', async () => {
    const { item, findings } = await streamed("import busboy from 'busboy';", 'busboy({ headers: req.headers, limits: { fileSize: 5e6, files: 1 } })');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ note: 'busboy upload has a file size limit' }] });
  });

  it('invalid: new Busboy (0.x) without limits', async () => {
    const { item } = await streamed("import Busboy from 'busboy';", 'new Busboy({ headers: req.headers })');
    expect(item.status).toBe('fail');
  });

  it('valid: new Busboy with limits', async () => {
    const { item } = await streamed("import Busboy from 'busboy';", 'new Busboy({ headers: req.headers, limits: { fileSize: 1000 } })');
    expect(item.status).toBe('pass');
  });

  it('invalid: formidable() without maxFileSize, fix adds the option', async () => {
    const { item, findings } = await streamed("import formidable from 'formidable';", 'formidable()');
    expect(item.status).toBe('fail');
    expect(findings[0].message).toContain('formidable accepts 200 MB by default');
    expect(findings[0].suggestion?.replacement).toContain('formidable({ maxFileSize: 5 * 1024 * 1024 })');
  });

  it('valid: formidable({ maxFileSize })', async () => {
    const { item } = await streamed("import formidable from 'formidable';", 'formidable({ maxFileSize: 5 * 1024 * 1024 })');
    expect(item.status).toBe('pass');
  });

  it('invalid: new IncomingForm() without maxFileSize', async () => {
    const { item } = await streamed("import { IncomingForm } from 'formidable';", 'new IncomingForm({ keepExtensions: true })');
    expect(item.status).toBe('fail');
  });

  it('valid: form.maxFileSize assigned after construction', async () => {
    const { item } = await streamed("import formidable from 'formidable';", 'new formidable.IncomingForm()', '  parser.maxFileSize = 1024 * 1024;');
    expect(item.status).toBe('pass');
  });
});

/** An App Router POST reading a form; `body` are the lines after `const form = await request.formData();`. */
const nextForm = (...body: string[]) =>
  run(
    'app/api/upload/route.ts',
    `import { NextResponse } from 'next/server';
export async function POST(request: Request) {
  const form = await request.formData();
${body.join('\n')}
  return NextResponse.json({ ok: true });
}
`,
  );

describe('unbounded-file-upload: Fetch formData() files (Next.js, Hono)', () => {
  it('invalid: a File stored without size or type check', async () => {
    const { item, findings } = await nextForm("  const file = form.get('file') as File;", '  await put(file.name, await file.arrayBuffer());');
    expect(item.status).toBe('fail');
    expect(findings.map((f) => f.message)).toEqual([
      'The form-data file for POST /api/upload has no check of `file.size`: one request can fill the disk or memory.',
      'The form-data file for POST /api/upload has no check of `file.type`: the caller chooses what kind of file is stored.',
    ]);
    expect(findings[0].line).toBe(4);
  });

  it('valid: size and type are checked', async () => {
    const { item, findings } = await nextForm(
      "  const file = form.get('file');",
      "  if (!(file instanceof File) || file.size > 5 * 1024 * 1024 || !ALLOWED.includes(file.type)) return NextResponse.json({ error: 'Invalid file' }, { status: 400 });",
      '  await put(file.name, await file.arrayBuffer());',
    );
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: size checked, type not', async () => {
    const { findings } = await nextForm("  const file = form.get('file');", '  if (!(file instanceof File) || file.size > MAX) return;', '  await save(file.stream());');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('no check of `file.type`');
  });

  it('valid: type checked with startsWith', async () => {
    const { findings } = await nextForm("  const file = form.get('file') as File;", "  if (file.size > MAX || !file.type.startsWith('image/')) return;", '  await save(await file.arrayBuffer());');
    expect(findings).toEqual([]);
  });

  it('n/a: a form of text fields only', async () => {
    const { item } = await nextForm("  const name = form.get('name') as string;", '  await db.user.update({ data: { name } });');
    expect(item.status).toBe('n/a');
  });

  it('invalid: Hono parseBody file', async () => {
    const { item } = await run(
      'src/index.ts',
      `import { Hono } from 'hono';
const app = new Hono();
app.post('/upload', async (c) => {
  const body = await c.req.formData();
  const file = body.get('file') as File;
  await bucket.put(file.name, await file.arrayBuffer());
  return c.json({ ok: true });
});
export default app;
`,
    );
    expect(item.status).toBe('fail');
  });
});

/** A POST that signs an S3 upload with `call` (line 5). */
const presign = (imports: string, ...lines: string[]) =>
  run(
    'app/api/presign/route.ts',
    `import { NextResponse } from 'next/server';
${imports}
export async function POST(request: Request) {
  const { key } = await request.json();
${lines.join('\n')}
  return NextResponse.json(post);
}
`,
  );

describe('unbounded-file-upload: S3 presigned uploads', () => {
  it('invalid: createPresignedPost without content-length-range', async () => {
    const { item, findings } = await presign("import { createPresignedPost } from '@aws-sdk/s3-presigned-post';", "  const post = await createPresignedPost(s3, { Bucket: 'b', Key: key, Conditions: [['starts-with', '$Content-Type', 'image/']] });");
    expect(item.status).toBe('fail');
    expect(findings[0].message).toBe('The presigned S3 POST for POST /api/presign has a policy without a `content-length-range` condition (S3 accepts an object of any size): one request can fill the disk or memory.');
  });

  it('valid: createPresignedPost with content-length-range', async () => {
    const { item } = await presign(
      "import { createPresignedPost } from '@aws-sdk/s3-presigned-post';",
      "  const post = await createPresignedPost(s3, { Bucket: 'b', Key: key, Conditions: [['content-length-range', 0, 5 * 1024 * 1024]] });",
    );
    expect(item).toMatchObject({ status: 'pass', evidence: [{ note: 'The presigned S3 POST upload has a content-length-range condition' }] });
  });

  it('invalid: createPresignedPost without Conditions at all', async () => {
    const { item } = await presign("import { createPresignedPost } from '@aws-sdk/s3-presigned-post';", "  const post = await createPresignedPost(s3, { Bucket: 'b', Key: key });");
    expect(item.status).toBe('fail');
  });

  it('invalid: v2 s3.createPresignedPost without the condition', async () => {
    const { item } = await presign('', "  const post = s3.createPresignedPost({ Bucket: 'b', Fields: { key } });");
    expect(item.status).toBe('fail');
  });

  it('invalid: a presigned PUT URL that signs no ContentLength', async () => {
    const { item, findings } = await presign(
      "import { getSignedUrl } from '@aws-sdk/s3-request-presigner';",
      "  const post = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'b', Key: key }), { expiresIn: 60 });",
    );
    expect(item.status).toBe('fail');
    expect(findings[0].message).toContain('no signed `ContentLength`');
  });

  it('valid: a presigned PUT with ContentLength', async () => {
    const { item } = await presign(
      "import { getSignedUrl } from '@aws-sdk/s3-request-presigner';",
      "  const post = await getSignedUrl(s3, new PutObjectCommand({ Bucket: 'b', Key: key, ContentLength: size }), { expiresIn: 60 });",
    );
    expect(item.status).toBe('pass');
  });

  it('n/a: a presigned GET is not an upload', async () => {
    const { item } = await presign(
      "import { getSignedUrl } from '@aws-sdk/s3-request-presigner';",
      "  const post = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'b', Key: key }));",
    );
    expect(item.status).toBe('n/a');
  });
});

/** A NestJS controller method with `decorators` and parameter `parameter`. */
const nest = (decorators: string, parameter = '@UploadedFile() file: Express.Multer.File') =>
  run(
    'src/files/files.controller.ts',
    `import { Controller, Post, UseInterceptors, UploadedFile, ParseFilePipe, MaxFileSizeValidator, FileTypeValidator } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
@Controller('files')
export class FilesController {
  @Post()
  ${decorators}
  upload(${parameter}) {
    return { size: file.size };
  }
}
`,
  );

describe('unbounded-file-upload: NestJS', () => {
  it('invalid: FileInterceptor without limits or validators', async () => {
    const { item, findings } = await nest("@UseInterceptors(FileInterceptor('file'))");
    expect(item.status).toBe('fail');
    expect(findings.map((f) => f.severity)).toEqual(['medium', 'low']);
  });

  it('valid: ParseFilePipe with MaxFileSizeValidator and FileTypeValidator', async () => {
    const { item, findings } = await nest(
      "@UseInterceptors(FileInterceptor('file'))",
      '@UploadedFile(new ParseFilePipe({ validators: [new MaxFileSizeValidator({ maxSize: 5e6 }), new FileTypeValidator({ fileType: /png/ })] })) file: Express.Multer.File',
    );
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('valid: interceptor options with limits and fileFilter', async () => {
    const { item } = await nest("@UseInterceptors(FileInterceptor('file', { limits: { fileSize: 5e6 }, fileFilter }))");
    expect(item.status).toBe('pass');
  });

  it('invalid: a size validator without a type validator', async () => {
    const { findings } = await nest("@UseInterceptors(FileInterceptor('file'))", '@UploadedFile(new ParseFilePipe({ validators: [new MaxFileSizeValidator({ maxSize: 5e6 })] })) file: Express.Multer.File');
    expect(findings).toHaveLength(1);
    expect(findings[0].severity).toBe('low');
  });

  it('valid: ParseFilePipeBuilder with both validators', async () => {
    const { item } = await nest(
      "@UseInterceptors(FilesInterceptor('files', 4))",
      "@UploadedFile(new ParseFilePipeBuilder().addFileTypeValidator({ fileType: 'png' }).addMaxSizeValidator({ maxSize: 1000 }).build()) file: Express.Multer.File",
    );
    expect(item.status).toBe('pass');
  });

  it('n/a: a method without file interceptors', async () => {
    const { item } = await nest('', '@Body() body: CreateFileDto');
    expect(item.status).toBe('n/a');
  });
});

describe('unbounded-file-upload: Fastify multipart', () => {
  const fastify = (body: string) =>
    run(
      'src/routes/files.ts',
      `import type { FastifyInstance } from 'fastify';
export default async function routes(app: FastifyInstance) {
  app.post('/files', async (request, reply) => {
${body}
    return { ok: true };
  });
}
`,
    );

  it('unknown: request.file() relies on the plugin registration', async () => {
    const { item } = await fastify('    const data = await request.file();\n    await pump(data.file, fs.createWriteStream(data.filename));');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('@fastify/multipart');
  });

  it('invalid: limits given but the mimetype is never checked', async () => {
    const { item } = await fastify('    const data = await request.file({ limits: { fileSize: 1e6 } });\n    await save(data.file);');
    expect(item.status).toBe('fail');
  });

  it('valid: limits given and the mimetype checked', async () => {
    const { item } = await fastify("    const data = await request.file({ limits: { fileSize: 1e6 } });\n    if (data.mimetype !== 'image/png') return reply.code(415).send();\n    await save(data.file);");
    expect(item.status).toBe('pass');
  });
});

describe('unbounded-file-upload: known gaps', () => {
  it.todo('reads the limits of the @fastify/multipart registration in the server file instead of answering unknown');
  it.todo('follows a multer instance imported from another project file (import { upload } from "../upload")');
});
