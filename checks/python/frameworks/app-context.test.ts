/**
 * App-wide facts read from the files the engine fetches on purpose: the
 * Django settings (DEBUG, MIDDLEWARE, REST_FRAMEWORK EXCEPTION_HANDLER), the
 * FastAPI entry file that includes a router, and the Flask file that
 * registers a blueprint. Each fact that fails next to the one that passes.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSources, endpointOf } from '../../../test/support/analyze-source.js';

const VIEW = 'from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n\n@api_view(["GET"])\ndef orders(request):\n    return Response(list(Order.objects.filter(customer=request.user).values()))\n';
const MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n';

async function drf(settings: string) {
  const result = await analyzeSources({ 'shop/views.py': VIEW }, { context: { 'manage.py': MANAGE, 'mysite/settings.py': settings } });
  return { endpoint: endpointOf(result, 'GET orders'), findings: result.findings };
}

const RESTRICTED = 'REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}\n';

describe('Django settings read for a DRF view', () => {
  it('invalid: DEBUG = True in the settings', async () => {
    const { endpoint, findings } = await drf(`DEBUG = True\n${RESTRICTED}`);
    expect(endpoint.checklist['output.errors'].status).toBe('fail');
    expect(findings.find((f) => f.ruleId === 'error-details-in-response')).toMatchObject({ file: 'mysite/settings.py', line: 1 });
  });

  it('valid: DEBUG = False in the settings', async () => {
    const { endpoint } = await drf(`DEBUG = False\n${RESTRICTED}`);
    expect(endpoint.checklist['output.errors']).toMatchObject({ status: 'pass', evidence: [{ file: 'mysite/settings.py', line: 1 }] });
  });

  it('valid: DEBUG left unset (Django defaults to False)', async () => {
    const { endpoint } = await drf(RESTRICTED);
    expect(endpoint.checklist['output.errors'].status).toBe('pass');
    expect(endpoint.checklist['output.errors'].evidence[0].note).toContain("Django's default: False");
  });

  it('unknown: DEBUG read from the environment', async () => {
    const { endpoint } = await drf(`import os\nDEBUG = os.environ.get("DEBUG") == "1"\n${RESTRICTED}`);
    expect(endpoint.checklist['output.errors'].status).toBe('unknown');
    expect(endpoint.checklist['output.errors'].reason).toContain('decided at deploy time');
  });

  it('invalid: MIDDLEWARE without request-id middleware', async () => {
    const { endpoint, findings } = await drf(`MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]\n${RESTRICTED}`);
    expect(endpoint.checklist['logging.request-id'].status).toBe('fail');
    expect(findings.find((f) => f.ruleId === 'missing-request-id')?.message).toContain('MIDDLEWARE in mysite/settings.py installs no request-id middleware');
  });

  it('valid: django-guid in MIDDLEWARE', async () => {
    const { endpoint } = await drf(`MIDDLEWARE = ["django_guid.middleware.guid_middleware", "django.middleware.security.SecurityMiddleware"]\n${RESTRICTED}`);
    expect(endpoint.checklist['logging.request-id'].status).toBe('pass');
  });

  it('valid: a custom request-id middleware of the project in MIDDLEWARE', async () => {
    const { endpoint } = await drf(`MIDDLEWARE = ["core.middleware.RequestIdMiddleware"]\n${RESTRICTED}`);
    expect(endpoint.checklist['logging.request-id']).toMatchObject({ status: 'pass', evidence: [{ file: 'mysite/settings.py', line: 1 }] });
  });

  it('invalid: no EXCEPTION_HANDLER, so DRF answers failed authentication without a log', async () => {
    const { endpoint, findings } = await drf(RESTRICTED);
    expect(endpoint.checklist['logging.auth-failures'].status).toBe('fail');
    expect(findings.find((f) => f.ruleId === 'auth-failure-not-logged')?.message).toContain("DRF's default exception handler");
  });

  it('unknown: a custom EXCEPTION_HANDLER in a module that was not read', async () => {
    const { endpoint } = await drf('REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"], "EXCEPTION_HANDLER": "core.errors.logging_exception_handler"}\n');
    expect(endpoint.checklist['logging.auth-failures'].status).toBe('unknown');
    expect(endpoint.checklist['logging.auth-failures'].reason).toContain('core.errors.logging_exception_handler');
  });

  it('invalid: IsAdminUser denies through the default handler, unlogged', async () => {
    const { endpoint } = await drf('REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"]}\n');
    expect(endpoint.checklist['logging.denials'].status).toBe('fail');
  });
});

const ROUTER = 'from fastapi import APIRouter, Depends\nfrom ..auth import get_current_user\n\nrouter = APIRouter(prefix="/items")\n\n@router.get("/")\nasync def items(user = Depends(get_current_user)):\n    return await db.items(user.id)\n';
const AUTH = 'import jwt\nfrom fastapi import HTTPException\n\nasync def get_current_user(token: str = Depends(oauth2_scheme)):\n    try:\n        return jwt.decode(token, SECRET, algorithms=["HS256"])\n    except jwt.PyJWTError:\n        raise HTTPException(status_code=401)\n';

async function fastapi(main: string) {
  const result = await analyzeSources({ 'app/routers/items.py': ROUTER }, { context: { 'app/main.py': `from fastapi import FastAPI\nfrom .routers import items\n${main}\napp.include_router(items.router)\n`, 'app/auth.py': AUTH } });
  return { endpoint: endpointOf(result, 'GET /items/'), findings: result.findings };
}

describe('the FastAPI entry file read for an included router', () => {
  it('invalid: FastAPI(debug=True) in the entry file', async () => {
    const { endpoint, findings } = await fastapi('app = FastAPI(debug=True)');
    expect(endpoint.checklist['output.errors'].status).toBe('fail');
    expect(findings.find((f) => f.ruleId === 'error-details-in-response')).toMatchObject({ file: 'app/main.py', line: 3 });
  });

  it('valid: FastAPI() without debug in the entry file', async () => {
    const { endpoint } = await fastapi('app = FastAPI()');
    expect(endpoint.checklist['output.errors']).toMatchObject({ status: 'pass' });
    expect(endpoint.checklist['output.errors'].evidence[0].note).toContain('in app/main.py');
  });

  it('invalid: no request-id middleware in the entry file', async () => {
    const { endpoint } = await fastapi('app = FastAPI()');
    expect(endpoint.checklist['logging.request-id'].status).toBe('fail');
  });

  it('valid: app.add_middleware(CorrelationIdMiddleware) in the entry file', async () => {
    const { endpoint } = await fastapi('from asgi_correlation_id import CorrelationIdMiddleware\napp = FastAPI()\napp.add_middleware(CorrelationIdMiddleware)');
    expect(endpoint.checklist['logging.request-id']).toMatchObject({ status: 'pass', evidence: [{ file: 'app/main.py', line: 5 }] });
  });

  it('invalid: no limiter in the entry file', async () => {
    const { endpoint } = await fastapi('app = FastAPI()');
    expect(endpoint.checklist['ratelimit.endpoint'].status).toBe('fail');
  });

  it('valid: slowapi default_limits with SlowAPIMiddleware in the entry file', async () => {
    const { endpoint } = await fastapi('from slowapi import Limiter\nfrom slowapi.middleware import SlowAPIMiddleware\nlimiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])\napp = FastAPI()\napp.add_middleware(SlowAPIMiddleware)');
    expect(endpoint.checklist['ratelimit.endpoint'].status).toBe('pass');
    expect(endpoint.checklist['ratelimit.endpoint'].evidence[0].note).toContain('in app/main.py');
  });

  it('invalid: the imported dependency raises 401 unlogged and the entry file registers no handler', async () => {
    const { endpoint, findings } = await fastapi('app = FastAPI()');
    expect(endpoint.checklist['logging.auth-failures'].status).toBe('fail');
    expect(findings.find((f) => f.ruleId === 'auth-failure-not-logged')).toMatchObject({ file: 'app/auth.py', line: 8 });
  });

  it('valid: the entry file logs HTTPExceptions in an exception handler', async () => {
    const { endpoint } = await fastapi('from fastapi import HTTPException\napp = FastAPI()\n\n@app.exception_handler(HTTPException)\nasync def log_http_errors(request, exc):\n    logger.warning("http error %s on %s", exc.status_code, request.url.path)\n    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)\n');
    expect(endpoint.checklist['logging.auth-failures'].status).toBe('pass');
    expect(endpoint.checklist['logging.auth-failures'].evidence[0].note).toContain('in app/main.py');
  });
});

const BLUEPRINT = 'from flask import Blueprint, jsonify\nfrom flask_login import login_required\n\nbp = Blueprint("notes", __name__, url_prefix="/notes")\n\n@bp.get("/")\n@login_required\ndef notes():\n    return jsonify(db.notes())\n';

async function flask(entry: string) {
  const result = await analyzeSources({ 'web/notes.py': BLUEPRINT }, { context: { 'web/__init__.py': `from flask import Flask\nfrom .notes import bp\n${entry}\napp.register_blueprint(bp)\n` } });
  return endpointOf(result, 'GET /notes/');
}

describe('the Flask file that registers a blueprint', () => {
  it('invalid: app.config["DEBUG"] = True there', async () => {
    const endpoint = await flask('app = Flask(__name__)\napp.config["DEBUG"] = True');
    expect(endpoint.checklist['output.errors'].status).toBe('fail');
  });

  it('valid: the app created there without debug', async () => {
    const endpoint = await flask('app = Flask(__name__)');
    expect(endpoint.checklist['output.errors'].status).toBe('pass');
  });

  it('valid: Limiter(app, default_limits=...) there', async () => {
    const endpoint = await flask('from flask_limiter import Limiter\napp = Flask(__name__)\nlimiter = Limiter(get_remote_address, app=app, default_limits=["200 per day"])');
    expect(endpoint.checklist['ratelimit.endpoint'].status).toBe('pass');
  });

  it('invalid: no limiter there', async () => {
    const endpoint = await flask('app = Flask(__name__)');
    expect(endpoint.checklist['ratelimit.endpoint'].status).toBe('fail');
  });

  it('unknown: the blueprint is registered by no file that was found', async () => {
    const result = await analyzeSources({ 'web/notes.py': BLUEPRINT });
    expect(endpointOf(result, 'GET /notes/').checklist['ratelimit.endpoint'].status).toBe('unknown');
  });
});
