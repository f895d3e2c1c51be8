/**
 * unvalidated-input for Python (input.schema): the raw body, form or query
 * into a sink, next to the neighbour that validates it first, per framework.
 */
import { describe, expect, it } from 'vitest';
import check from './unvalidated-input.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'input.schema', path, text, name);

const fastapi = (...lines: string[]) =>
  run(
    'app/main.py',
    `from fastapi import FastAPI, Request
from pydantic import BaseModel
app = FastAPI()
class ItemIn(BaseModel):
    name: str
${lines.join('\n')}
`,
    'POST /items',
  );

describe('unvalidated-input (Python): FastAPI', () => {
  it('invalid: await request.json() written to the database', async () => {
    const { item, findings } = await fastapi('@app.post("/items")', 'async def create(request: Request):', '    data = await request.json()', '    db.add(Item(name=data["name"]))', '    return {"ok": True}');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'unvalidated-input', line: 9, cwe: ['CWE-20'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('`db.add()` receives `data` (`request.json()`) from the request, which no schema has validated.');
  });

  it('valid: a Pydantic model parameter', async () => {
    const { item, findings } = await fastapi('@app.post("/items")', 'async def create(item: ItemIn):', '    db.add(Item(name=item.name))', '    return {"ok": True}');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 7, note: 'the body is validated by the Pydantic model `ItemIn` (FastAPI answers 422 when it does not match)' }] });
  });

  it('invalid: the raw body echoed in the response', async () => {
    const { findings } = await fastapi('@app.post("/items")', 'async def create(request: Request):', '    body = await request.json()', '    return body');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('The response receives `body` (`request.json()`) from the request, which no schema has validated.');
  });

  it('valid: the raw body parsed by a Pydantic model first', async () => {
    const { item, findings } = await fastapi('@app.post("/items")', 'async def create(request: Request):', '    item = ItemIn.model_validate(await request.json())', '    db.add(Item(name=item.name))', '    return {"ok": True}');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('ItemIn.model_validate()');
  });

  it('valid: typed query parameters only', async () => {
    const { item } = await fastapi('@app.post("/items")', 'async def create(q: str, limit: int = 10):', '    return search(q, limit)');
    expect(item).toMatchObject({ status: 'pass' });
    expect(item.evidence[0].note).toContain('FastAPI validates them');
  });

  it('n/a: no input at all', async () => {
    const { item } = await fastapi('@app.post("/items")', 'async def create():', '    return {"ok": True}');
    expect(item).toMatchObject({ status: 'n/a', reason: 'the endpoint reads no body, form, query or path input' });
  });

  it('unknown: a raw read whose use cannot be followed', async () => {
    const { item } = await fastapi('@app.post("/items")', 'async def create(request: Request):', '    data = await request.json()', '    if data:', '        pass', '    return {"ok": True}');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`request.json()` at line 8 is read without a schema');
  });
});

const drf = (...lines: string[]) =>
  run(
    'api/views.py',
    `from rest_framework.decorators import api_view
from rest_framework.response import Response
from .serializers import ItemSerializer
from .models import Item
${lines.join('\n')}
`,
    'POST create_item',
  );

describe('unvalidated-input (Python): Django REST Framework', () => {
  it('invalid: request.data straight into the ORM', async () => {
    const { findings } = await drf('@api_view(["POST"])', 'def create_item(request):', '    Item.objects.create(name=request.data["name"])', '    return Response(status=201)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`Item.objects.create()` receives `request.data` from the request, which no schema has validated.');
  });

  it('valid: is_valid(raise_exception=True) then save()', async () => {
    const { item, findings } = await drf('@api_view(["POST"])', 'def create_item(request):', '    serializer = ItemSerializer(data=request.data)', '    serializer.is_valid(raise_exception=True)', '    serializer.save()', '    return Response(serializer.data, status=201)');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 8, note: 'serializer.is_valid(raise_exception=True) rejects invalid input with 400' }] });
  });

  it('invalid: is_valid() whose result is thrown away', async () => {
    const { findings } = await drf('@api_view(["POST"])', 'def create_item(request):', '    serializer = ItemSerializer(data=request.data)', '    serializer.is_valid()', '    serializer.save()', '    return Response(serializer.data, status=201)');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 8 });
    expect(findings[0].message).toContain('the result of `serializer.is_valid()` at line 8 is never checked');
  });

  it('valid: if not serializer.is_valid(): return 400', async () => {
    const { item, findings } = await drf('@api_view(["POST"])', 'def create_item(request):', '    serializer = ItemSerializer(data=request.data)', '    if not serializer.is_valid():', '        return Response(serializer.errors, status=400)', '    serializer.save()', '    return Response(serializer.data, status=201)');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('the result of serializer.is_valid() decides the answer');
  });

  it('valid: a ModelViewSet create through serializer_class', async () => {
    const { item } = await run(
      'api/views.py',
      `from rest_framework import viewsets
from .serializers import ItemSerializer
class ItemViewSet(viewsets.ModelViewSet):
    serializer_class = ItemSerializer
`,
      'POST ItemViewSet',
    );
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 4 }] });
    expect(item.evidence[0].note).toContain('CreateModelMixin validates with serializer_class `ItemSerializer`');
  });

  it('invalid: request.query_params into an outside call', async () => {
    const { findings } = await drf('import requests', '@api_view(["POST"])', 'def create_item(request):', '    requests.post("https://hooks.example.com", json={"q": request.query_params.get("q")})', '    return Response(status=202)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`requests.post()` receives `request.query_params`');
  });
});

const flask = (...lines: string[]) =>
  run(
    'app.py',
    `from flask import Flask, request, jsonify
from marshmallow import Schema, fields
app = Flask(__name__)
class ItemSchema(Schema):
    name = fields.Str(required=True)
${lines.join('\n')}
`,
    'POST /items',
  );

describe('unvalidated-input (Python): Flask', () => {
  it('invalid: request.get_json() into the session', async () => {
    const { findings } = await flask('@app.route("/items", methods=["POST"])', 'def create():', '    payload = request.get_json()', '    db.session.add(Item(name=payload["name"]))', '    return jsonify(ok=True)');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 9 });
    expect(findings[0].message).toBe('`db.session.add()` receives `payload` (`request.get_json()`) from the request, which no schema has validated.');
  });

  it('valid: marshmallow load() first', async () => {
    const { item, findings } = await flask('@app.route("/items", methods=["POST"])', 'def create():', '    payload = ItemSchema().load(request.get_json())', '    db.session.add(Item(name=payload["name"]))', '    return jsonify(ok=True)');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toContain('marshmallow');
  });

  it('invalid: request.form echoed with jsonify', async () => {
    const { findings } = await flask('@app.route("/items", methods=["POST"])', 'def create():', '    return jsonify(request.form)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`jsonify()` receives `request.form` from the request, which no schema has validated.');
  });

  it('valid: flask-pydantic @validate()', async () => {
    const { item, findings } = await flask('from flask_pydantic import validate', '@app.route("/items", methods=["POST"])', '@validate()', 'def create(body: ItemSchema):', '    db.session.add(Item(name=body.name))', '    return jsonify(ok=True)');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('@validate validates the request before the view runs');
  });

  it('valid: WTForms validate_on_submit()', async () => {
    const { item, findings } = await flask('@app.route("/items", methods=["POST"])', 'def create():', '    form = ItemForm(request.form)', '    if not form.validate_on_submit():', '        return jsonify(errors=form.errors), 400', '    db.session.add(Item(name=form.name.data))', '    return jsonify(ok=True)');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toContain('WTForms');
  });

  it('invalid: request.json assigned to a record field', async () => {
    const { findings } = await flask('@app.route("/items", methods=["POST"])', 'def create():', '    item = Item.query.get_or_404(1)', '    item.name = request.json["name"]', '    db.session.commit()', '    return jsonify(ok=True)');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 9 });
    expect(findings[0].message).toBe('The assignment to `item.name` receives `request.json` from the request, which no schema has validated.');
  });

  it('valid: a marshmallow-loaded value assigned to a record field', async () => {
    const { findings } = await flask('@app.route("/items", methods=["POST"])', 'def create():', '    payload = ItemSchema().load(request.json)', '    item = Item.query.get_or_404(1)', '    item.name = payload["name"]', '    db.session.commit()', '    return jsonify(ok=True)');
    expect(findings).toEqual([]);
  });
});
