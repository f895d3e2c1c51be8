/**
 * missing-rate-limit for Python (ratelimit.endpoint): slowapi,
 * fastapi-limiter, DRF throttles, flask-limiter and django-ratelimit, each
 * unlimited case next to the limited neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-rate-limit.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string, options: { config?: Record<string, unknown>; context?: Record<string, string> } = {}) => pythonItem(check, 'ratelimit.endpoint', path, text, name, options);

const SLOWAPI = `from fastapi import FastAPI, Request, Depends
from slowapi import Limiter
from slowapi.util import get_remote_address
from slowapi.middleware import SlowAPIMiddleware
`;

describe('missing-rate-limit (Python): FastAPI', () => {
  it('invalid: a login route with no limiter', async () => {
    const { item, findings } = await run('app/main.py', `from fastapi import FastAPI\napp = FastAPI()\n@app.post("/login")\nasync def login(form: LoginForm):\n    return authenticate(form)\n`, 'POST /login');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'missing-rate-limit', line: 3, severity: 'medium', cwe: ['CWE-770', 'CWE-307'], owasp: ['API4:2023'] });
    expect(findings[0].message).toBe('POST /login has no rate limit, and it takes credentials: without a limit, passwords and codes can be guessed.');
    expect(findings[0].fix).toContain('@limiter.limit("5/minute")');
  });

  it('valid: @limiter.limit under the route', async () => {
    const { item, findings } = await run('app/main.py', `${SLOWAPI}limiter = Limiter(key_func=get_remote_address)\napp = FastAPI()\napp.state.limiter = limiter\n@app.post("/login")\n@limiter.limit("5/minute")\nasync def login(request: Request, form: LoginForm):\n    return authenticate(form)\n`, 'POST /login');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 9, note: '`@limiter.limit("5/minute")` limits this route' }] });
  });

  it('invalid: default_limits without SlowAPIMiddleware are never applied', async () => {
    const { findings } = await run('app/main.py', `${SLOWAPI}limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])\napp = FastAPI()\napp.state.limiter = limiter\n@app.get("/items")\nasync def items():\n    return list_items()\n`, 'GET /items');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'low' });
    expect(findings[0].message).toBe('GET /items has no rate limit: no limiter middleware, plugin, guard or limiter call was found for it.');
  });

  it('valid: default_limits with SlowAPIMiddleware', async () => {
    const { item, findings } = await run('app/main.py', `${SLOWAPI}limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])\napp = FastAPI()\napp.state.limiter = limiter\napp.add_middleware(SlowAPIMiddleware)\n@app.get("/items")\nasync def items():\n    return list_items()\n`, 'GET /items');
    expect(findings).toEqual([]);
    expect(item.evidence[0]).toMatchObject({ line: 8, note: 'SlowAPIMiddleware applies the Limiter\'s `default_limits` (["100/minute"]) to every route' });
  });

  it('valid: fastapi-limiter RateLimiter dependency', async () => {
    const { item, findings } = await run('app/main.py', `from fastapi import FastAPI, Depends\nfrom fastapi_limiter.depends import RateLimiter\napp = FastAPI()\n@app.post("/login", dependencies=[Depends(RateLimiter(times=5, seconds=60))])\nasync def login(form: LoginForm):\n    return authenticate(form)\n`, 'POST /login');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('`Depends(RateLimiter(times=5, seconds=60))` on the route limits this route');
  });

  it('invalid: @limiter.exempt on a credential route', async () => {
    const { findings } = await run('app/main.py', `${SLOWAPI}limiter = Limiter(key_func=get_remote_address, default_limits=["100/minute"])\napp = FastAPI()\napp.add_middleware(SlowAPIMiddleware)\n@app.post("/password/reset")\n@limiter.exempt\nasync def reset(body: ResetIn):\n    return send_reset(body)\n`, 'POST /password/reset');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('Rate limiting is switched off for POST /password/reset by `@limiter.exempt`, and it takes credentials: without a limit, passwords and codes can be guessed.');
  });

  it('unknown: a router whose app is in another file', async () => {
    const { item } = await run('app/routers/items.py', `from fastapi import APIRouter\nrouter = APIRouter()\n@router.get("/items")\nasync def items():\n    return list_items()\n`, 'GET /items');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('may cover this route');
  });

  it('valid: rate_limit.upstream in the config', async () => {
    const { item } = await run('app/main.py', `from fastapi import FastAPI\napp = FastAPI()\n@app.post("/login")\nasync def login(form: LoginForm):\n    return authenticate(form)\n`, 'POST /login', { config: { rate_limit: { upstream: true } } });
    expect(item).toMatchObject({ status: 'pass', evidence: [{ file: '.github/api-security-review.yml' }] });
  });
});

const DRF_VIEW = `from rest_framework.views import APIView
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle
`;

describe('missing-rate-limit (Python): Django REST Framework', () => {
  it('invalid: no throttle on the view nor in the settings', async () => {
    const { findings } = await run('api/views.py', `${DRF_VIEW}class Orders(APIView):\n    def get(self, request):\n        return Response(list_orders(request.user))\n`, 'GET Orders', { context: { 'settings.py': 'REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}\n' } });
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('GET Orders has no rate limit');
  });

  it('valid: throttle_classes on the view', async () => {
    const { item, findings } = await run('api/views.py', `${DRF_VIEW}class Orders(APIView):\n    throttle_classes = [UserRateThrottle]\n    def get(self, request):\n        return Response(list_orders(request.user))\n`, 'GET Orders', { context: { 'settings.py': 'REST_FRAMEWORK = {}\n' } });
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass' });
    expect(item.evidence[0].note).toBe('UserRateThrottle (throttle_classes on the view)');
  });

  it('valid: DEFAULT_THROTTLE_CLASSES in the settings', async () => {
    const { item, findings } = await run('api/views.py', `${DRF_VIEW}class Orders(APIView):\n    def get(self, request):\n        return Response(list_orders(request.user))\n`, 'GET Orders', { context: { 'settings.py': 'REST_FRAMEWORK = {"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"]}\n' } });
    expect(findings).toEqual([]);
    expect(item.evidence[0]).toMatchObject({ file: 'settings.py' });
    expect(item.evidence[0].note).toContain('DEFAULT_THROTTLE_CLASSES in settings.py');
  });

  it('invalid: throttle_classes = [] switches the defaults off', async () => {
    const { findings } = await run('api/views.py', `${DRF_VIEW}class Login(APIView):\n    throttle_classes = []\n    def post(self, request):\n        return Response(login(request))\n`, 'POST Login', { context: { 'settings.py': 'REST_FRAMEWORK = {"DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"]}\n' } });
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('Rate limiting is switched off for POST Login by `throttle_classes = []`');
  });

  it('valid: @throttle_classes on a function view', async () => {
    const { item, findings } = await run('api/views.py', `from rest_framework.decorators import api_view, throttle_classes\nfrom rest_framework.throttling import AnonRateThrottle\nfrom rest_framework.response import Response\n@api_view(["POST"])\n@throttle_classes([AnonRateThrottle])\ndef login(request):\n    return Response(do_login(request))\n`, 'POST login', { context: { 'settings.py': 'REST_FRAMEWORK = {}\n' } });
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('AnonRateThrottle (@throttle_classes)');
  });

  it('valid: django-ratelimit @ratelimit', async () => {
    const { item, findings } = await run('api/views.py', `from django_ratelimit.decorators import ratelimit\nfrom rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n@api_view(["POST"])\n@ratelimit(key="ip", rate="5/m")\ndef login(request):\n    return Response(do_login(request))\n`, 'POST login', { context: { 'settings.py': 'REST_FRAMEWORK = {}\n' } });
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('unknown: the settings are not found', async () => {
    const { item } = await run('api/views.py', `${DRF_VIEW}class Orders(APIView):\n    def get(self, request):\n        return Response(list_orders(request.user))\n`, 'GET Orders');
    expect(item.status).toBe('unknown');
  });
});

describe('missing-rate-limit (Python): Flask', () => {
  const FLASK = 'from flask import Flask, request, jsonify\nfrom flask_limiter import Limiter\nfrom flask_limiter.util import get_remote_address\napp = Flask(__name__)\n';
  it('invalid: no limiter on a login view', async () => {
    const { findings } = await run('app.py', `from flask import Flask, request\napp = Flask(__name__)\n@app.route("/login", methods=["POST"])\ndef login():\n    return do_login(request.form)\n`, 'POST /login');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'medium', line: 3 });
  });

  it('valid: @limiter.limit on the view', async () => {
    const { item, findings } = await run('app.py', `${FLASK}limiter = Limiter(get_remote_address, app=app)\n@app.route("/login", methods=["POST"])\n@limiter.limit("5 per minute")\ndef login():\n    return do_login(request.form)\n`, 'POST /login');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('`@limiter.limit("5 per minute")` limits this route');
  });

  it('valid: Limiter default_limits', async () => {
    const { item, findings } = await run('app.py', `${FLASK}limiter = Limiter(get_remote_address, app=app, default_limits=["200 per day"])\n@app.route("/items")\ndef items():\n    return jsonify(list_items())\n`, 'GET /items');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toContain("flask-limiter's `default_limits` apply to every route");
  });

  it('invalid: a Limiter without defaults and no decorator on the view', async () => {
    const { findings } = await run('app.py', `${FLASK}limiter = Limiter(get_remote_address, app=app)\n@app.route("/items")\ndef items():\n    return jsonify(list_items())\n`, 'GET /items');
    expect(findings).toHaveLength(1);
  });

  it('unknown: a blueprint with a limiter imported from the app package', async () => {
    const { item } = await run('app/items.py', `from flask import Blueprint, jsonify\nfrom .extensions import limiter\nbp = Blueprint("items", __name__)\n@bp.route("/items")\ndef items():\n    return jsonify(list_items())\n`, 'GET /items');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`.extensions`');
  });
});
