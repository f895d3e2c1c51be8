/**
 * DRF routes through include(): the router's `path("v1/", include(router.urls))`
 * and the project's root urls.py (`ROOT_URLCONF`) including the app's urls.
 */
import { describe, expect, it } from 'vitest';
import { parsePython } from '../../lang/py/parse.js';
import { analyzeSources } from '../../../test/support/analyze-source.js';
import { includePrefix, routesFromUrls } from './attach-context.js';

const APP_URLS = 'from django.urls import include, path\nfrom rest_framework.routers import DefaultRouter\nfrom . import views\n\nrouter = DefaultRouter()\nrouter.register(r"orders", views.OrderViewSet)\n\nurlpatterns = [\n    path("v1/", include(router.urls)),\n    path("status/", views.status),\n]\n';

describe('routesFromUrls and includePrefix', () => {
  it('a router included under a path gets its prefix; include() itself is no view', async () => {
    const routes = routesFromUrls(await parsePython('shop/urls.py', APP_URLS));
    expect(Object.fromEntries(routes)).toEqual({ OrderViewSet: { route: '/v1/orders', viewSet: true }, status: { route: '/status/', viewSet: false } });
  });

  it('every route of the file under the prefix the root urls.py gives it', async () => {
    const routes = routesFromUrls(await parsePython('shop/urls.py', APP_URLS), 'api/');
    expect(routes.get('OrderViewSet')?.route).toBe('/api/v1/orders');
    expect(routes.get('status')?.route).toBe('/api/status/');
  });

  it('include("shop.urls") and include(("shop.urls", "shop")) name shop/urls.py; other modules do not', async () => {
    const root = await parsePython('mysite/urls.py', 'from django.urls import include, path\nurlpatterns = [\n    path("admin-api/", include(("staff.urls", "staff"))),\n    path("api/", include("shop.urls")),\n]\n');
    expect(includePrefix(root, 'shop/urls.py')).toBe('api/');
    expect(includePrefix(root, 'staff/urls.py')).toBe('admin-api/');
    expect(includePrefix(root, 'blog/urls.py')).toBeUndefined();
    // A module whose name only ends like another's is not it.
    expect(includePrefix(root, 'myshop/urls.py')).toBeUndefined();
  });
});

describe('DRF endpoints routed through the root urls.py', () => {
  const VIEWS = 'from rest_framework import viewsets\nfrom rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n\nclass OrderViewSet(viewsets.ReadOnlyModelViewSet):\n    queryset = Order.objects.all()\n\n@api_view(["GET"])\ndef status(request):\n    return Response({"ok": True})\n';
  const CONTEXT = {
    'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
    'mysite/settings.py': 'ROOT_URLCONF = "mysite.urls"\nREST_FRAMEWORK = {}\n',
    'mysite/urls.py': 'from django.urls import include, path\nurlpatterns = [path("api/", include("shop.urls"))]\n',
    'shop/urls.py': APP_URLS,
  };

  it('routes carry the root prefix and the router prefix', async () => {
    const result = await analyzeSources({ 'shop/views.py': VIEWS }, { context: CONTEXT });
    expect(result.endpoints.map((e) => `${e.method} ${e.route}`).sort()).toEqual(['GET /api/status/', 'GET /api/v1/orders/', 'GET /api/v1/orders/{pk}/']);
  });

  it('without a root urls.py the app routes stay as the app writes them', async () => {
    const { 'mysite/urls.py': _root, ...rest } = CONTEXT;
    const result = await analyzeSources({ 'shop/views.py': VIEWS }, { context: rest });
    expect(result.endpoints.map((e) => `${e.method} ${e.route}`).sort()).toEqual(['GET /status/', 'GET /v1/orders/', 'GET /v1/orders/{pk}/']);
  });
});
