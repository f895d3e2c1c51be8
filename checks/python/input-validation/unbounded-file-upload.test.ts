/**
 * unbounded-file-upload for Python (input.upload): uploads without a size
 * bound or a type allow-list, per framework, next to the bounded neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './unbounded-file-upload.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'input.upload', path, text, name);

const fastapi = (...lines: string[]) =>
  run('app/main.py', `from fastapi import FastAPI, UploadFile, File, HTTPException\napp = FastAPI()\n@app.post("/avatars")\nasync def upload(file: UploadFile = File(...)):\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'POST /avatars');

describe('unbounded-file-upload (Python): FastAPI', () => {
  it('invalid: UploadFile stored without checks', async () => {
    const { item, findings } = await fastapi('contents = await file.read()', 'store(file.filename, contents)', 'return {"ok": True}');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'unbounded-file-upload', line: 4, cwe: ['CWE-434', 'CWE-400'], owasp: ['API4:2023'] });
    expect(findings[0].message).toBe('The upload parameter `file` for POST /avatars has no size limit and no type allow-list: one request can fill the disk or memory.');
  });

  it('valid: size and content type checked', async () => {
    const { item, findings } = await fastapi('if file.content_type not in {"image/png", "image/jpeg"}:', '    raise HTTPException(415)', 'if file.size is None or file.size > 5 * 1024 * 1024:', '    raise HTTPException(413)', 'store(file.filename, await file.read())', 'return {"ok": True}');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 7 }] });
    expect(item.evidence[0].note).toBe("the upload's size is checked (`.size`) and its type (`content_type`, line 5)");
  });

  it('invalid: type checked but no size limit', async () => {
    const { findings } = await fastapi('if file.content_type != "image/png":', '    raise HTTPException(415)', 'store(file.filename, await file.read())', 'return {"ok": True}');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('has no size limit: one request');
  });

  it('invalid: size checked but no type allow-list', async () => {
    const { findings } = await fastapi('contents = await file.read()', 'if len(contents) > 5_000_000:', '    raise HTTPException(413)', 'store(file.filename, contents)', 'return {"ok": True}');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('The upload parameter `file` for POST /avatars has no type allow-list: the caller chooses what kind of file is stored.');
  });

  it('n/a: no file parameter', async () => {
    const { item } = await run('app/main.py', `from fastapi import FastAPI\napp = FastAPI()\n@app.post("/avatars")\nasync def upload(name: str):\n    return {"name": name}\n`, 'POST /avatars');
    expect(item).toMatchObject({ status: 'n/a', reason: 'the endpoint takes no files' });
  });
});

const drf = (...lines: string[]) =>
  run('api/views.py', `from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n@api_view(["POST"])\ndef upload(request):\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'POST upload');

describe('unbounded-file-upload (Python): Django REST Framework', () => {
  it('invalid: request.FILES saved as is', async () => {
    const { findings } = await drf('f = request.FILES["file"]', 'Document.objects.create(file=f)', 'return Response(status=201)');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5 });
    expect(findings[0].message).toContain('`request.FILES` for POST upload has no size limit and no type allow-list');
  });

  it('valid: size and content type of request.FILES checked', async () => {
    const { findings, item } = await drf('f = request.FILES["file"]', 'if f.size > 5 * 1024 * 1024 or f.content_type not in ALLOWED_TYPES:', '    return Response(status=400)', 'Document.objects.create(file=f)', 'return Response(status=201)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: a serializer FileField without validators', async () => {
    const { findings } = await run(
      'api/views.py',
      `from rest_framework import serializers, generics
class DocumentSerializer(serializers.Serializer):
    file = serializers.FileField()
class Upload(generics.CreateAPIView):
    serializer_class = DocumentSerializer
`,
      'POST Upload',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('The serializer field `DocumentSerializer.file`');
  });

  it('valid: FileExtensionValidator and a size check in the serializer', async () => {
    const { findings, item } = await run(
      'api/views.py',
      `from rest_framework import serializers, generics
from django.core.validators import FileExtensionValidator
class DocumentSerializer(serializers.Serializer):
    file = serializers.FileField(validators=[FileExtensionValidator(["pdf"])])
    def validate_file(self, value):
        if value.size > 5 * 1024 * 1024:
            raise serializers.ValidationError("too large")
        return value
class Upload(generics.CreateAPIView):
    serializer_class = DocumentSerializer
`,
      'POST Upload',
    );
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('n/a: no files', async () => {
    const { item } = await drf('return Response({"ok": True})');
    expect(item.status).toBe('n/a');
  });
});

const flask = (config: string, ...lines: string[]) =>
  run('app.py', `from flask import Flask, request, abort\napp = Flask(__name__)\n${config}\n@app.route("/upload", methods=["POST"])\ndef upload():\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'POST /upload');

describe('unbounded-file-upload (Python): Flask', () => {
  it('invalid: request.files saved without checks', async () => {
    const { findings } = await flask('', 'f = request.files["file"]', 'f.save("/uploads/" + secure_filename(f.filename))', 'return "", 201');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`request.files` for POST /upload has no size limit and no type allow-list');
  });

  it('valid: MAX_CONTENT_LENGTH and an extension allow-list', async () => {
    const { findings, item } = await flask('app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024', 'f = request.files["file"]', 'if not allowed_file(f.filename):', '    abort(415)', 'f.save("/uploads/" + secure_filename(f.filename))', 'return "", 201');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 3 }] });
  });

  it('invalid: an extension allow-list without a size limit', async () => {
    const { findings } = await flask('', 'f = request.files["file"]', 'if not allowed_file(f.filename):', '    abort(415)', 'f.save("/uploads/" + secure_filename(f.filename))', 'return "", 201');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('has no size limit');
  });
});
