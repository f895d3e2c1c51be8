/**
 * Python endpoint discovery, per framework: which endpoints a file holds,
 * their method and route as the framework writes it, and the controls the
 * checks read (dependencies, decorators, DRF policies).
 */
import { describe, expect, it } from 'vitest';
import { parsePython } from '../../../checks/lang/py/parse.js';
import { discoverPythonEndpoints } from '../../../checks/python/frameworks/index.js';
import { routesFromUrls, readDrfDefaults } from '../../../checks/python/frameworks/attach-context.js';

async function discover(code: string, path = 'app/main.py') {
  return discoverPythonEndpoints(await parsePython(path, code));
}

const names = (endpoints: { method: string; route: string }[]) => endpoints.map((e) => `${e.method} ${e.route}`);

describe('FastAPI discovery', () => {
  it('reads @app.<method> with the path, one endpoint per decorator', async () => {
    const endpoints = await discover('from fastapi import FastAPI\napp = FastAPI()\n\n@app.get("/a")\n@app.head("/a")\nasync def a():\n    return 1\n\n@app.put("/b/{id}")\ndef b(id: int):\n    return id\n');
    expect(names(endpoints)).toEqual(['GET /a', 'HEAD /a', 'PUT /b/{id}']);
    expect(endpoints.map((e) => e.framework)).toEqual(['fastapi', 'fastapi', 'fastapi']);
  });

  it('api_route(methods=[...]) gives one endpoint per method', async () => {
    const endpoints = await discover('from fastapi import APIRouter\nrouter = APIRouter()\n\n@router.api_route("/x", methods=["GET", "post"])\nasync def x():\n    return 1\n');
    expect(names(endpoints)).toEqual(['GET /x', 'POST /x']);
  });

  it('joins the include prefix, the router prefix and the path; router and include dependencies come first', async () => {
    const [endpoint] = await discover('from fastapi import APIRouter, Depends, FastAPI\napp = FastAPI(dependencies=[Depends(a)])\nrouter = APIRouter(prefix="/items", dependencies=[Depends(b)])\n\n@router.get("/{id}", dependencies=[Depends(c)])\nasync def read(id: int, u=Depends(d)):\n    return id\n\napp.include_router(router, prefix="/api/v1", dependencies=[Depends(e)])\n');
    expect(endpoint.route).toBe('/api/v1/items/{id}');
    expect(endpoint.dependencies.map((d) => `${d.level}:${d.callable}`)).toEqual(['app:a', 'include:e', 'router:b', 'route:c', 'parameter:d']);
    expect(endpoint.mountUnknown).toBeUndefined();
  });

  it('marks a router that no file of this one includes, and keeps its own prefix', async () => {
    const [endpoint] = await discover('from fastapi import APIRouter\nrouter = APIRouter(prefix="/items")\n\n@router.get("")\nasync def list_items():\n    return []\n', 'app/routers/items.py');
    expect(endpoint.route).toBe('/items');
    expect(endpoint.mountRouter).toBe('router');
    expect(endpoint.mountUnknown).toContain('include_router');
  });

  it('reads Security scopes and Annotated dependencies', async () => {
    const [endpoint] = await discover('from typing import Annotated\nfrom fastapi import FastAPI, Depends, Security\napp = FastAPI()\n\n@app.get("/x")\nasync def x(a: Annotated[User, Depends(get_user)], b=Security(get_user, scopes=["items:read", "admin"])):\n    return 1\n');
    expect(endpoint.dependencies.map((d) => [d.kind, d.callable, d.scopes])).toEqual([
      ['Depends', 'get_user', []],
      ['Security', 'get_user', ['items:read', 'admin']],
    ]);
  });

  it('does not take cache.get("/x") or a decorator of another library for a route', async () => {
    const endpoints = await discover('from fastapi import FastAPI\nimport functools\napp = FastAPI()\n\n@functools.lru_cache()\ndef helper():\n    return cache.get("/x")\n');
    expect(endpoints).toEqual([]);
  });

  it('includes same-file dependency functions and helpers the handler calls in its scopes', async () => {
    const code = 'from fastapi import FastAPI, Depends\napp = FastAPI()\n\ndef get_user(token=Depends(scheme)):\n    return decode(token)\n\ndef load(id):\n    return db.get(Item, id)\n\ndef unrelated():\n    return 2\n\n@app.get("/x/{id}")\nasync def x(id: int, user=Depends(get_user)):\n    return load(id)\n';
    const [endpoint] = await discover(code);
    const lines = endpoint.scopes.map((s) => endpoint.index.lineAt(s.pos));
    expect(lines).toEqual([4, 7, 13]);
  });
});

describe('Django REST Framework discovery', () => {
  const HEAD = 'from rest_framework import generics, mixins, viewsets\nfrom rest_framework.decorators import action, api_view, permission_classes, throttle_classes\nfrom rest_framework.views import APIView\n';

  it('@api_view methods, with the policy decorators read', async () => {
    const endpoints = await discover(`${HEAD}\n@api_view(["GET", "POST"])\n@permission_classes([IsAuthenticated])\n@throttle_classes([UserRateThrottle])\ndef orders(request):\n    return Response()\n`, 'shop/views.py');
    expect(names(endpoints)).toEqual(['GET orders', 'POST orders']);
    expect(endpoints[0].permissionClasses).toMatchObject({ names: ['IsAuthenticated'], source: 'decorator', line: 6 });
    expect(endpoints[0].throttleClasses).toMatchObject({ names: ['UserRateThrottle'], source: 'decorator' });
    expect(endpoints[0].authenticationClasses).toBeUndefined();
  });

  it('@api_view without methods serves GET', async () => {
    expect(names(await discover(`${HEAD}\n@api_view()\ndef ping(request):\n    return Response()\n`, 'shop/views.py'))).toEqual(['GET ping']);
  });

  it('an APIView serves the methods it defines', async () => {
    const endpoints = await discover(`${HEAD}\nclass Orders(APIView):\n    permission_classes = [permissions.IsAuthenticated]\n    def get(self, request):\n        return Response()\n    def post(self, request):\n        return Response()\n    def helper(self):\n        return 1\n`, 'shop/views.py');
    expect(names(endpoints)).toEqual(['GET Orders', 'POST Orders']);
    expect(endpoints[0].permissionClasses?.names).toEqual(['IsAuthenticated']);
    expect(endpoints.map((e) => e.handler?.line)).toEqual([7, 9]);
  });

  it('generic views serve their mixin actions', async () => {
    const endpoints = await discover(`${HEAD}\nclass Order(generics.RetrieveUpdateDestroyAPIView):\n    queryset = Order.objects.all()\n`, 'shop/views.py');
    expect(endpoints.map((e) => `${e.method} ${e.action}`)).toEqual(['GET retrieve', 'PUT update', 'PATCH partial_update', 'DELETE destroy']);
  });

  it('a ModelViewSet serves the six actions and its @action methods', async () => {
    const endpoints = await discover(`${HEAD}\nclass OrderViewSet(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n\n    @action(detail=True, methods=["post"], url_path="cancel-order")\n    def cancel(self, request, pk=None):\n        return Response()\n\n    @action(detail=False)\n    def recent(self, request):\n        return Response()\n`, 'shop/views.py');
    // In line order: the inherited actions at the class line, then each @action at its method.
    expect(names(endpoints)).toEqual([
      'GET OrderViewSet',
      'POST OrderViewSet',
      'GET OrderViewSet/{pk}',
      'PUT OrderViewSet/{pk}',
      'PATCH OrderViewSet/{pk}',
      'DELETE OrderViewSet/{pk}',
      'POST OrderViewSet/{pk}/cancel-order',
      'GET OrderViewSet/recent',
    ]);
  });

  it('a GenericViewSet with mixins serves only their actions; a ReadOnlyModelViewSet list and retrieve', async () => {
    expect(names(await discover(`${HEAD}\nclass V(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):\n    queryset = X.objects.all()\n`, 'shop/views.py'))).toEqual(['GET V', 'POST V']);
    expect(names(await discover(`${HEAD}\nclass R(viewsets.ReadOnlyModelViewSet):\n    queryset = X.objects.all()\n`, 'shop/views.py'))).toEqual(['GET R', 'GET R/{pk}']);
  });

  it('a base class of the same file gives its attributes and its DRF base', async () => {
    const endpoints = await discover(`${HEAD}\nclass Base(viewsets.ModelViewSet):\n    permission_classes = [IsAdminUser]\n\nclass Orders(Base):\n    queryset = Order.objects.all()\n`, 'shop/views.py');
    const orders = endpoints.filter((e) => e.route.startsWith('Orders'));
    expect(orders).toHaveLength(6);
    expect(orders[0].permissionClasses).toMatchObject({ names: ['IsAdminUser'], line: 6 });
  });

  it('a class that is not a DRF view is not an endpoint', async () => {
    expect(await discover(`${HEAD}\nclass OrderSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Order\n`, 'shop/serializers.py')).toEqual([]);
  });

  it('urls.py: router.register and path/re_path give routes by view name', async () => {
    const index = await parsePython('shop/urls.py', 'from django.urls import path, re_path\nrouter.register(r"orders", views.OrderViewSet, basename="order")\nurlpatterns = [path("ping/", views.Ping.as_view()), re_path(r"^legacy/(?P<pk>[0-9]+)$", views.legacy)]\n');
    expect(Object.fromEntries(routesFromUrls(index))).toEqual({
      OrderViewSet: { route: '/orders', viewSet: true },
      Ping: { route: '/ping/', viewSet: false },
      legacy: { route: '/legacy/(?P<pk>[0-9]+)', viewSet: false },
    });
  });

  it('settings: REST_FRAMEWORK defaults by their last segment; keys left out fall back to DRF\'s own', async () => {
    const index = await parsePython('mysite/settings.py', 'REST_FRAMEWORK = {\n    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),\n}\n');
    expect(readDrfDefaults(index)).toMatchObject({ line: 1, permissionClasses: ['IsAuthenticated'], authenticationClasses: ['SessionAuthentication', 'BasicAuthentication'], throttleClasses: [], unset: ['DEFAULT_AUTHENTICATION_CLASSES', 'DEFAULT_THROTTLE_CLASSES'] });
  });
});

describe('Flask discovery', () => {
  const HEAD = 'from flask import Blueprint, Flask\nfrom flask_login import login_required\napp = Flask(__name__)\n';

  it('@app.route defaults to GET and reads methods=[...]', async () => {
    const endpoints = await discover(`${HEAD}\n@app.route("/a")\ndef a():\n    return "a"\n\n@app.route("/b", methods=("PUT", "delete"))\ndef b():\n    return "b"\n`, 'web/app.py');
    expect(names(endpoints)).toEqual(['GET /a', 'PUT /b', 'DELETE /b']);
    expect(endpoints.every((e) => e.framework === 'flask')).toBe(true);
  });

  it('blueprint shorthand routes with the url_prefix from Blueprint() or register_blueprint()', async () => {
    const endpoints = await discover(`${HEAD}bp = Blueprint("bp", __name__, url_prefix="/api")\nother = Blueprint("other", __name__)\n\n@bp.post("/x")\ndef x():\n    return "x"\n\n@other.delete("/y/<int:id>")\ndef y(id):\n    return "y"\n\napp.register_blueprint(other, url_prefix="/v2")\n`, 'web/app.py');
    expect(names(endpoints)).toEqual(['POST /api/x', 'DELETE /v2/y/<int:id>']);
  });

  it('keeps the other decorators, in order, for the checks', async () => {
    const [endpoint] = await discover(`${HEAD}\n@app.get("/x")\n@login_required\n@limiter.limit("5/minute")\ndef x():\n    return "x"\n`, 'web/app.py');
    expect(endpoint.decorators.map((d) => d.name)).toEqual(['login_required', 'limiter.limit']);
  });

  it('reads before_request hooks: the app\'s for every route, a blueprint\'s for its own', async () => {
    const endpoints = await discover(`${HEAD}bp = Blueprint("bp", __name__)\n\n@app.before_request\ndef everywhere():\n    pass\n\ndef only_bp():\n    pass\n\nbp.before_request(only_bp)\n\n@bp.get("/x")\ndef x():\n    return "x"\n\n@app.get("/y")\ndef y():\n    return "y"\n`, 'web/app.py');
    expect(endpoints.map((e) => [e.route, e.beforeRequest.map((fn) => fn.line)])).toEqual([
      ['/x', [7, 10]],
      ['/y', [7]],
    ]);
  });

  it('a file that does not import Flask has no Flask routes', async () => {
    expect(await discover('@app.route("/a")\ndef a():\n    return "a"\n', 'web/app.py')).toEqual([]);
  });
});
