/**
 * missing-request-id for Python (logging.request-id): apps that assign no
 * request id, per framework, next to the neighbour that does.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-request-id.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'logging.request-id', path, text, name);

describe('missing-request-id (Python): FastAPI', () => {
  it('invalid: an app with no request id', async () => {
    const { item, findings } = await run('app/main.py', `from fastapi import FastAPI\napp = FastAPI()\n@app.get("/items")\ndef items():\n    return []\n`, 'GET /items');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'missing-request-id', line: 3, cwe: ['CWE-778'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('GET /items runs without a request id: its log lines cannot be tied to one request or to what the caller saw.');
    expect(findings[0].fix).toContain('CorrelationIdMiddleware');
  });

  it('valid: asgi-correlation-id', async () => {
    const { item, findings } = await run('app/main.py', `from fastapi import FastAPI\nfrom asgi_correlation_id import CorrelationIdMiddleware\napp = FastAPI()\napp.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")\n@app.get("/items")\ndef items():\n    return []\n`, 'GET /items');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 4 }] });
    expect(item.evidence[0].note).toContain('CorrelationIdMiddleware assigns every request an id');
  });

  it('valid: an http middleware that sets X-Request-ID', async () => {
    const { item, findings } = await run('app/main.py', `import uuid\nfrom fastapi import FastAPI, Request\napp = FastAPI()\n@app.middleware("http")\nasync def request_id(request: Request, call_next):\n    rid = request.headers.get("x-request-id") or uuid.uuid4().hex\n    response = await call_next(request)\n    response.headers["X-Request-ID"] = rid\n    return response\n@app.get("/items")\ndef items():\n    return []\n`, 'GET /items');
    expect(findings).toEqual([]);
    expect(item.evidence[0]).toMatchObject({ line: 4, note: 'the hook at line 4 sets the X-Request-ID header' });
  });

  it('invalid: an id generated in the handler and never passed on', async () => {
    const { findings } = await run('app/main.py', `import uuid\nfrom fastapi import FastAPI\nfrom asgi_correlation_id import CorrelationIdMiddleware\napp = FastAPI()\napp.add_middleware(CorrelationIdMiddleware)\n@app.get("/items")\ndef items():\n    request_id = str(uuid.uuid4())\n    return []\n`, 'GET /items');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 8 });
    expect(findings[0].message).toBe('A request id is generated here but never passed on: it is neither sent in a header nor bound to the logger.');
  });

  it('valid: an id generated and bound to the logger', async () => {
    const { findings } = await run('app/main.py', `import uuid\nfrom fastapi import FastAPI\nfrom asgi_correlation_id import CorrelationIdMiddleware\napp = FastAPI()\napp.add_middleware(CorrelationIdMiddleware)\n@app.get("/items")\ndef items():\n    request_id = str(uuid.uuid4())\n    log = logger.bind(request_id=request_id)\n    return []\n`, 'GET /items');
    expect(findings).toEqual([]);
  });

  it('unknown: a router whose app is elsewhere', async () => {
    const { item } = await run('app/routers/items.py', `from fastapi import APIRouter\nrouter = APIRouter()\n@router.get("/items")\ndef items():\n    return []\n`, 'GET /items');
    expect(item.status).toBe('unknown');
  });
});

describe('missing-request-id (Python): Django REST Framework', () => {
  it('unknown: request ids come from the settings MIDDLEWARE', async () => {
    const { item } = await run('api/views.py', `from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n@api_view(["GET"])\ndef ping(request):\n    return Response({})\n`, 'GET ping');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('django-guid');
  });

  it('valid: django-guid in a MIDDLEWARE list of the file', async () => {
    const { item } = await run('api/views.py', `from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\nMIDDLEWARE = ["django_guid.middleware.guid_middleware", "django.middleware.common.CommonMiddleware"]\n@api_view(["GET"])\ndef ping(request):\n    return Response({})\n`, 'GET ping');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 3 }] });
  });
});

describe('missing-request-id (Python): Flask', () => {
  it('invalid: a Flask app with no request id', async () => {
    const { findings } = await run('app.py', `from flask import Flask, jsonify\napp = Flask(__name__)\n@app.route("/items")\ndef items():\n    return jsonify([])\n`, 'GET /items');
    expect(findings).toHaveLength(1);
  });

  it('valid: RequestID(app)', async () => {
    const { item, findings } = await run('app.py', `from flask import Flask, jsonify\nfrom flask_request_id_header.middleware import RequestID\napp = Flask(__name__)\nRequestID(app)\n@app.route("/items")\ndef items():\n    return jsonify([])\n`, 'GET /items');
    expect(findings).toEqual([]);
    expect(item.evidence[0].line).toBe(4);
  });

  it('valid: an after_request hook that returns X-Request-ID', async () => {
    const { findings, item } = await run('app.py', `from flask import Flask, jsonify, g\napp = Flask(__name__)\n@app.after_request\ndef add_request_id(response):\n    response.headers["X-Request-ID"] = g.request_id\n    return response\n@app.route("/items")\ndef items():\n    return jsonify([])\n`, 'GET /items');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('unknown: a blueprint whose app is elsewhere', async () => {
    const { item } = await run('app/items.py', `from flask import Blueprint, jsonify\nbp = Blueprint("items", __name__)\n@bp.route("/items")\ndef items():\n    return jsonify([])\n`, 'GET /items');
    expect(item.status).toBe('unknown');
  });
});
