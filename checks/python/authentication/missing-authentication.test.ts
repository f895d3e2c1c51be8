/**
 * missing-authentication for Python (authn.identity): FastAPI, DRF and
 * Flask, each vulnerable case next to the secure neighbour that must stay
 * silent.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-authentication.js';
import { analyzeSources, endpointOf } from '../../../test/support/analyze-source.js';

async function verdict(files: Record<string, string>, endpoint: string, options: { context?: Record<string, string>; config?: Record<string, unknown> } = {}) {
  const result = await analyzeSources(files, { pythonChecks: [check], ...options });
  const item = endpointOf(result, endpoint).checklist['authn.identity'];
  return { item, findings: result.findings.filter((f) => f.ruleId === 'missing-authentication'), result };
}

const FASTAPI_HEAD = 'from typing import Annotated\nfrom fastapi import APIRouter, Depends, FastAPI, Security\napp = FastAPI()\n';

describe('missing-authentication: FastAPI', () => {
  it('invalid: a route that reads the database with no dependency', async () => {
    const { item, findings } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/items/{item_id}")\nasync def read_item(item_id: int):\n    return await db.get(Item, item_id)\n` }, 'GET /items/{item_id}');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 5, severity: 'medium', cwe: ['CWE-306'], owasp: ['API2:2023'] });
    expect(findings[0].fix).toContain('Depends(get_current_user)');
  });

  it('invalid: a state-changing route without a dependency is high severity', async () => {
    const { findings } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.delete("/items/{item_id}")\nasync def delete_item(item_id: int):\n    await db.delete(Item, item_id)\n` }, 'DELETE /items/{item_id}');
    expect(findings[0].severity).toBe('high');
  });

  it('valid: Depends(get_current_user) as a parameter default', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/items/{item_id}")\nasync def read_item(item_id: int, user: User = Depends(get_current_user)):\n    return await db.get(Item, item_id)\n` }, 'GET /items/{item_id}');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 6, note: 'Depends(get_current_user) on the parameter' }] });
  });

  it('valid: Annotated[User, Depends(get_current_active_user)]', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/me")\nasync def me(user: Annotated[User, Depends(get_current_active_user)]):\n    return user\n` }, 'GET /me');
    expect(item.status).toBe('pass');
  });

  it('valid: Security(get_user, scopes=["items"])', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/items")\nasync def items(user = Security(get_user, scopes=["items"])):\n    return await db.all(Item)\n` }, 'GET /items');
    expect(item.evidence[0].note).toBe('Security(get_user) on the parameter');
  });

  it('invalid: a dependency that is not about identity (a database session) does not count', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/items")\nasync def items(db: Session = Depends(get_db)):\n    return db.query(Item).all()\n` }, 'GET /items');
    expect(item.status).toBe('fail');
  });

  it('invalid: a repository dependency whose name starts like get_user is not authentication', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/users/{user_id}")\nasync def read_user(user_id: int, repo = Depends(get_user_repository)):\n    return await repo.get(user_id)\n` }, 'GET /users/{user_id}');
    expect(item.status).toBe('fail');
  });

  it('valid: dependencies=[Depends(verify_token)] on the route decorator', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/items", dependencies=[Depends(verify_token)])\nasync def items():\n    return await db.all(Item)\n` }, 'GET /items');
    expect(item.evidence[0].note).toBe('Depends(verify_token) on the route');
  });

  it('valid: APIRouter(dependencies=[...]) covers its routes, with its prefix', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}router = APIRouter(prefix="/items", dependencies=[Depends(get_current_user)])\n\n@router.get("/{item_id}")\nasync def read_item(item_id: int):\n    return await db.get(Item, item_id)\n\napp.include_router(router)\n` }, 'GET /items/{item_id}');
    expect(item.evidence[0].note).toBe('Depends(get_current_user) on the router');
  });

  it('valid: include_router(..., prefix, dependencies) in the same file', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}router = APIRouter()\n\n@router.get("/{item_id}")\nasync def read_item(item_id: int):\n    return await db.get(Item, item_id)\n\napp.include_router(router, prefix="/api/items", dependencies=[Depends(require_user)])\n` }, 'GET /api/items/{item_id}');
    expect(item.evidence[0].note).toBe('Depends(require_user) on the include');
  });

  it('valid: FastAPI(dependencies=[...]) covers every route of the app', async () => {
    const { item } = await verdict({ 'app/main.py': 'from fastapi import Depends, FastAPI\napp = FastAPI(dependencies=[Depends(get_current_user)])\n\n@app.get("/items")\nasync def items():\n    return await db.all(Item)\n' }, 'GET /items');
    expect(item.evidence[0].note).toBe('Depends(get_current_user) on the app');
  });

  it('unknown: a router included by another file that was not found', async () => {
    const { item, findings } = await verdict({ 'app/routers/items.py': 'from fastapi import APIRouter\nrouter = APIRouter(prefix="/items")\n\n@router.get("/{item_id}")\nasync def read_item(item_id: int):\n    return await db.get(Item, item_id)\n' }, 'GET /items/{item_id}');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('include_router');
  });

  it('valid: the entry file includes the router with an authentication dependency (read as context)', async () => {
    const { item } = await verdict(
      { 'app/routers/items.py': 'from fastapi import APIRouter\nrouter = APIRouter(prefix="/items")\n\n@router.get("/{item_id}")\nasync def read_item(item_id: int):\n    return await db.get(Item, item_id)\n' },
      'GET /api/items/{item_id}',
      { context: { 'app/main.py': 'from fastapi import Depends, FastAPI\nfrom .routers import items\napp = FastAPI()\napp.include_router(items.router, prefix="/api", dependencies=[Depends(get_current_user)])\n' } },
    );
    expect(item).toMatchObject({ status: 'pass', evidence: [{ file: 'app/main.py', line: 4 }] });
  });

  it('invalid: the entry file includes the router without a dependency', async () => {
    const { item } = await verdict(
      { 'app/routers/items.py': 'from fastapi import APIRouter\nrouter = APIRouter(prefix="/items")\n\n@router.get("/{item_id}")\nasync def read_item(item_id: int):\n    return await db.get(Item, item_id)\n' },
      'GET /api/items/{item_id}',
      { context: { 'app/main.py': 'from fastapi import FastAPI\nfrom app.routers.items import router as items_router\napp = FastAPI()\napp.include_router(items_router, prefix="/api")\n' } },
    );
    expect(item.status).toBe('fail');
  });

  it('n/a: a health check is public by design', async () => {
    const { item, result } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/health")\nasync def health():\n    return {"ok": await db.ping()}\n` }, 'GET /health');
    expect(item.status).toBe('n/a');
    expect(result.endpoints[0].publicReason).toBe('health / status endpoint');
  });

  it('n/a: a route listed in auth.public_routes', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/catalog/items")\nasync def catalog():\n    return await db.all(Item)\n` }, 'GET /catalog/items', { config: { auth: { public_routes: ['/catalog/**'] } } });
    expect(item).toMatchObject({ status: 'n/a', reason: 'public by design: listed in auth.public_routes' });
  });

  it('valid: a dependency named in auth.functions', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/items")\nasync def items(caller = Depends(whoami)):\n    return await db.all(Item)\n` }, 'GET /items', { config: { auth: { functions: ['whoami'] } } });
    expect(item.status).toBe('pass');
  });

  it('n/a: a GET that reads nothing and changes nothing', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/version")\nasync def version_info():\n    return {"version": "1.0"}\n` }, 'GET /version');
    expect(item.status).toBe('n/a');
  });
});

const DRF_HEAD = 'from rest_framework.decorators import api_view, permission_classes\nfrom rest_framework.permissions import AllowAny, IsAuthenticated\nfrom rest_framework import viewsets, generics\nfrom rest_framework.views import APIView\n';
const SETTINGS_AUTH = { 'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n', 'mysite/settings.py': 'REST_FRAMEWORK = {\n    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],\n}\n' };
const SETTINGS_NONE = { 'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n', 'mysite/settings.py': 'DEBUG = False\n' };

describe('missing-authentication: Django REST Framework', () => {
  it('invalid: @permission_classes([AllowAny]) on a route that is not public', async () => {
    const { item, findings } = await verdict({ 'shop/views.py': `${DRF_HEAD}\n@api_view(["DELETE"])\n@permission_classes([AllowAny])\ndef delete_order(request, pk):\n    Order.objects.filter(pk=pk).delete()\n` }, 'DELETE delete_order', { context: SETTINGS_AUTH });
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 7, severity: 'high' });
    expect(findings[0].message).toBe('The view delete_order is open to anonymous callers: @permission_classes sets `AllowAny`, and the route is not a public one.');
    expect(findings[0].fix).toContain('IsAuthenticated');
  });

  it('valid: @permission_classes([IsAuthenticated])', async () => {
    const { item } = await verdict({ 'shop/views.py': `${DRF_HEAD}\n@api_view(["DELETE"])\n@permission_classes([IsAuthenticated])\ndef delete_order(request, pk):\n    Order.objects.filter(pk=pk, owner=request.user).delete()\n` }, 'DELETE delete_order');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 7, note: 'IsAuthenticated in @permission_classes' }] });
  });

  it('valid: no permission classes on the view, IsAuthenticated the project default in settings', async () => {
    const { item } = await verdict({ 'shop/views.py': `${DRF_HEAD}\n@api_view(["GET"])\ndef list_orders(request):\n    return Response(Order.objects.filter(owner=request.user).values())\n` }, 'GET list_orders', { context: SETTINGS_AUTH });
    expect(item).toMatchObject({ status: 'pass', evidence: [{ file: 'mysite/settings.py', line: 1 }] });
  });

  it("invalid: settings without DEFAULT_PERMISSION_CLASSES leave DRF's AllowAny in force", async () => {
    const { item, findings } = await verdict({ 'shop/views.py': `${DRF_HEAD}\n@api_view(["GET"])\ndef list_orders(request):\n    return Response(Order.objects.all().values())\n` }, 'GET list_orders', { context: SETTINGS_NONE });
    expect(item.status).toBe('fail');
    expect(findings[0].message).toContain('does its work without verifying the caller');
  });

  it('unknown: the settings were not found, so the default permission is unknown', async () => {
    const { item } = await verdict({ 'shop/views.py': `${DRF_HEAD}\n@api_view(["GET"])\ndef list_orders(request):\n    return Response(Order.objects.all().values())\n` }, 'GET list_orders');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('REST_FRAMEWORK');
  });

  it('valid: settings/base.py next to the app are found without manage.py', async () => {
    const { item } = await verdict({ 'proj/shop/views.py': `${DRF_HEAD}\n@api_view(["GET"])\ndef list_orders(request):\n    return Response(Order.objects.filter(owner=request.user).values())\n` }, 'GET list_orders', { context: { 'proj/settings/base.py': SETTINGS_AUTH['mysite/settings.py'] } });
    expect(item.status).toBe('pass');
  });

  it('invalid: a ModelViewSet with permission_classes = [AllowAny]', async () => {
    const { result } = await verdict({ 'shop/views.py': `${DRF_HEAD}\nclass OrderViewSet(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n    serializer_class = OrderSerializer\n    permission_classes = [AllowAny]\n` }, 'DELETE OrderViewSet/{pk}', { context: SETTINGS_AUTH });
    expect(result.endpoints.map((e) => `${e.method} ${e.route}`)).toEqual(['GET OrderViewSet', 'POST OrderViewSet', 'GET OrderViewSet/{pk}', 'PUT OrderViewSet/{pk}', 'PATCH OrderViewSet/{pk}', 'DELETE OrderViewSet/{pk}']);
    expect(result.endpoints.every((e) => e.checklist['authn.identity'].status === 'fail')).toBe(true);
    // One finding for the one class attribute that opens all six actions.
    expect(result.findings.filter((f) => f.ruleId === 'missing-authentication').map((f) => f.line)).toEqual([9]);
  });

  it('valid: the same ModelViewSet with permission_classes = [IsAuthenticated]', async () => {
    const { item } = await verdict({ 'shop/views.py': `${DRF_HEAD}\nclass OrderViewSet(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n    serializer_class = OrderSerializer\n    permission_classes = [IsAuthenticated]\n` }, 'DELETE OrderViewSet/{pk}');
    expect(item.evidence[0].note).toBe('IsAuthenticated in OrderViewSet.permission_classes');
  });

  it('invalid: permission_classes = [] on an APIView opens it', async () => {
    const { item, findings } = await verdict({ 'shop/views.py': `${DRF_HEAD}\nclass OrderDetail(APIView):\n    permission_classes = []\n\n    def get(self, request, pk):\n        return Response(Order.objects.get(pk=pk).total)\n` }, 'GET OrderDetail', { context: SETTINGS_AUTH });
    expect(item.status).toBe('fail');
    expect(findings[0].message).toContain('`permission_classes = []`');
  });

  it('valid: a base class of the same file sets the permission', async () => {
    const { item } = await verdict({ 'shop/views.py': `${DRF_HEAD}\nclass Authenticated(APIView):\n    permission_classes = [IsAuthenticated]\n\nclass OrderDetail(Authenticated):\n    def get(self, request, pk):\n        return Response(Order.objects.get(pk=pk, owner=request.user).total)\n` }, 'GET OrderDetail');
    expect(item.status).toBe('pass');
  });

  it('n/a: IsAuthenticatedOrReadOnly leaves reads public by design; writes pass', async () => {
    const files = { 'shop/views.py': `${DRF_HEAD}from rest_framework.permissions import IsAuthenticatedOrReadOnly\n\nclass ArticleList(generics.ListCreateAPIView):\n    queryset = Article.objects.all()\n    permission_classes = [IsAuthenticatedOrReadOnly]\n` };
    expect((await verdict(files, 'GET ArticleList')).item.status).toBe('n/a');
    expect((await verdict(files, 'POST ArticleList')).item.status).toBe('pass');
  });

  it('unknown: get_permissions() chooses at run time', async () => {
    const { item } = await verdict({ 'shop/views.py': `${DRF_HEAD}\nclass OrderViewSet(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n\n    def get_permissions(self):\n        return [AllowAny()] if self.action == "list" else [IsAuthenticated()]\n` }, 'GET OrderViewSet', { context: SETTINGS_NONE });
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('get_permissions()');
  });

  it('unknown: a permission class the app does not know', async () => {
    const { item } = await verdict({ 'shop/views.py': `${DRF_HEAD}\n@api_view(["GET"])\n@permission_classes([HasPaidPlan])\ndef report(request):\n    return Response(build_report())\n` }, 'GET report');
    expect(item.reason).toContain('HasPaidPlan');
  });

  it('valid: an explicit request.user.is_authenticated check in the view', async () => {
    const { item } = await verdict({ 'shop/views.py': `${DRF_HEAD}\n@api_view(["GET"])\n@permission_classes([AllowAny])\ndef me(request):\n    if not request.user.is_authenticated:\n        return Response(status=401)\n    return Response(Profile.objects.get(user=request.user).data)\n` }, 'GET me');
    expect(item.status).toBe('pass');
  });

  it('routes come from urls.py in the same change (router.register and path)', async () => {
    const { result } = await verdict(
      {
        'shop/views.py': `${DRF_HEAD}\nclass OrderViewSet(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n    permission_classes = [IsAuthenticated]\n\nclass Ping(APIView):\n    permission_classes = [IsAuthenticated]\n    def get(self, request):\n        return Response(status_of())\n`,
        'shop/urls.py': 'from django.urls import path\nfrom rest_framework.routers import DefaultRouter\nfrom . import views\nrouter = DefaultRouter()\nrouter.register(r"orders", views.OrderViewSet)\nurlpatterns = [path("ping-me/", views.Ping.as_view())]\n',
      },
      'GET /orders/',
    );
    expect(result.endpoints.map((e) => `${e.method} ${e.route}`)).toEqual(['GET /orders/', 'POST /orders/', 'GET /orders/{pk}/', 'PUT /orders/{pk}/', 'PATCH /orders/{pk}/', 'DELETE /orders/{pk}/', 'GET /ping-me/']);
  });
});

const FLASK_HEAD = 'from flask import Blueprint, Flask, abort, jsonify\nfrom flask_login import current_user, login_required\nfrom flask_jwt_extended import jwt_required\napp = Flask(__name__)\n';

describe('missing-authentication: Flask', () => {
  it('invalid: a route without any authentication', async () => {
    const { item, findings } = await verdict({ 'web/app.py': `${FLASK_HEAD}\n@app.route("/orders/<int:order_id>", methods=["DELETE"])\ndef delete_order(order_id):\n    db.session.delete(Order.query.get(order_id))\n` }, 'DELETE /orders/<int:order_id>');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 6, severity: 'high' });
    expect(findings[0].fix).toContain('@login_required');
  });

  it('valid: @login_required under the route', async () => {
    const { item } = await verdict({ 'web/app.py': `${FLASK_HEAD}\n@app.route("/orders/<int:order_id>", methods=["DELETE"])\n@login_required\ndef delete_order(order_id):\n    db.session.delete(Order.query.get(order_id))\n` }, 'DELETE /orders/<int:order_id>');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 7, note: '@login_required' }] });
  });

  it('valid: @jwt_required() (flask-jwt-extended)', async () => {
    const { item } = await verdict({ 'web/app.py': `${FLASK_HEAD}\n@app.get("/orders")\n@jwt_required()\ndef orders():\n    return jsonify(Order.query.all())\n` }, 'GET /orders');
    expect(item.evidence[0].note).toBe('@jwt_required');
  });

  it('invalid: a route methods list gives one endpoint per method, each failing', async () => {
    const { result } = await verdict({ 'web/app.py': `${FLASK_HEAD}\n@app.route("/orders", methods=["GET", "POST"])\ndef orders():\n    return jsonify(Order.query.all())\n` }, 'POST /orders');
    expect(result.endpoints.map((e) => [e.method, e.checklist['authn.identity'].status])).toEqual([['GET', 'fail'], ['POST', 'fail']]);
  });

  it('valid: a blueprint before_request hook that checks current_user; prefix from the blueprint', async () => {
    const { item } = await verdict({ 'web/admin.py': `${FLASK_HEAD}bp = Blueprint("admin", __name__, url_prefix="/admin")\n\n@bp.before_request\ndef require_login():\n    if not current_user.is_authenticated:\n        abort(401)\n\n@bp.get("/users")\ndef users():\n    return jsonify(User.query.all())\n` }, 'GET /admin/users');
    expect(item.evidence[0].note).toBe('identity checked in the code: current_user.is_authenticated');
  });

  it('invalid: a before_request hook of another blueprint does not cover this one', async () => {
    const { item } = await verdict({ 'web/admin.py': `${FLASK_HEAD}bp = Blueprint("admin", __name__, url_prefix="/admin")\nother = Blueprint("other", __name__)\n\n@other.before_request\ndef require_login():\n    if not current_user.is_authenticated:\n        abort(401)\n\n@bp.get("/users")\ndef users():\n    return jsonify(User.query.all())\n` }, 'GET /admin/users');
    expect(item.status).toBe('fail');
  });

  it('valid: a custom decorator named in auth.functions', async () => {
    const { item } = await verdict({ 'web/app.py': `${FLASK_HEAD}\n@app.get("/orders")\n@with_session\ndef orders():\n    return jsonify(Order.query.all())\n` }, 'GET /orders', { config: { auth: { functions: ['with_session'] } } });
    expect(item.status).toBe('pass');
  });

  it('n/a: the login route is public by design', async () => {
    const { item } = await verdict({ 'web/app.py': `${FLASK_HEAD}\n@app.post("/login")\ndef login():\n    return do_login()\n` }, 'POST /login');
    expect(item.status).toBe('n/a');
  });
});

describe('missing-authentication: a Python syntax error', () => {
  it('gives unknown items with the reason for the endpoint it touches, and analyses the others', async () => {
    const result = await analyzeSources(
      { 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/a")\nasync def a():\n    item = = db.get(Item, 1)\n    return item\n\n@app.get("/b")\nasync def b():\n    return await db.all(Item)\n` },
      { pythonChecks: [check] },
    );
    const broken = endpointOf(result, 'GET /a').checklist['authn.identity'];
    expect(broken.status).toBe('unknown');
    expect(broken.reason).toMatch(/^syntax error at line \d+/);
    expect(endpointOf(result, 'GET /b').checklist['authn.identity'].status).toBe('fail');
    expect(result.errors).toEqual([]);
  });

  it('a broken file with no readable endpoint is reported skipped with the line', async () => {
    const result = await analyzeSources({ 'app/main.py': 'from fastapi import FastAPI\napp = FastAPI(\n@app.get("/a"\ndef a(:\n' }, { pythonChecks: [check] });
    expect(result.skipped).toEqual([{ file: 'app/main.py', reason: expect.stringMatching(/^syntax error at line \d+: .*no endpoint could be read/) }]);
  });
});

describe('items no Python check decides yet', () => {
  it('stay unknown with the reason "not yet analysed for Python", never pass', async () => {
    const result = await analyzeSources({ 'app/main.py': `${FASTAPI_HEAD}\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    return await db.all(Item)\n` }, { pythonChecks: [check] });
    const checklist = endpointOf(result, 'GET /items').checklist;
    expect(checklist['input.sql']).toMatchObject({ status: 'unknown', reason: 'not yet analysed for Python' });
    expect(checklist['logging.request-id']).toMatchObject({ status: 'unknown', reason: 'not yet analysed for Python' });
  });
});
