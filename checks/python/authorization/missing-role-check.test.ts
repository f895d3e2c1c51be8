/**
 * missing-role-check for Python (authz.roles): privileged routes in FastAPI,
 * DRF and Flask, each next to the role-checked neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-role-check.js';
import { analyzeSources, endpointOf } from '../../../test/support/analyze-source.js';

async function verdict(path: string, code: string, endpoint: string) {
  const result = await analyzeSources({ [path]: code }, { pythonChecks: [check] });
  return { item: endpointOf(result, endpoint).checklist['authz.roles'], findings: result.findings.filter((f) => f.ruleId === 'missing-role-check') };
}

const FASTAPI = 'from fastapi import Depends, FastAPI, Security\napp = FastAPI()\n';

describe('missing-role-check: FastAPI', () => {
  it('invalid: an /admin route with only an authentication dependency', async () => {
    const { item, findings } = await verdict('app/main.py', `${FASTAPI}\n@app.get("/admin/users")\nasync def users(user = Depends(get_current_user)):\n    return await db.all(User)\n`, 'GET /admin/users');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 4, cwe: ['CWE-285'], owasp: ['API5:2023'] });
    expect(findings[0].message).toContain('(the route is under /admin)');
    expect(findings[0].fix).toContain('scopes=["admin"]');
  });

  it('valid: Security(get_current_user, scopes=["admin"])', async () => {
    const { item } = await verdict('app/main.py', `${FASTAPI}\n@app.get("/admin/users")\nasync def users(user = Security(get_current_user, scopes=["admin"])):\n    return await db.all(User)\n`, 'GET /admin/users');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ note: 'Security(get_current_user, scopes=["admin"])' }] });
  });

  it('invalid: Security(..., scopes=["admin"]) on a same-file dependency that never reads SecurityScopes', async () => {
    const code = `${FASTAPI}\nasync def get_current_user(token: str = Depends(oauth2_scheme)):\n    return await users.by_token(token)\n\n@app.post("/admin/users/{user_id}/roles")\nasync def grant(user_id: int, admin = Security(get_current_user, scopes=["admin"])):\n    return await db.grant(user_id)\n`;
    const { item, findings } = await verdict('app/main.py', code, 'POST /admin/users/{user_id}/roles');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 8 });
    expect(findings[0].message).toContain('get_current_user never reads `SecurityScopes`');
  });

  it('valid: the same dependency checking security_scopes.scopes', async () => {
    const code = `${FASTAPI}from fastapi.security import SecurityScopes\n\nasync def get_current_user(security_scopes: SecurityScopes, token: str = Depends(oauth2_scheme)):\n    user = await users.by_token(token)\n    if not set(security_scopes.scopes) <= set(user.scopes):\n        raise HTTPException(status_code=403)\n    return user\n\n@app.post("/admin/users/{user_id}/roles")\nasync def grant(user_id: int, admin = Security(get_current_user, scopes=["admin"])):\n    return await db.grant(user_id)\n`;
    const { item, findings } = await verdict('app/main.py', code, 'POST /admin/users/{user_id}/roles');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('valid: a Depends(require_admin) dependency on the router', async () => {
    const { item } = await verdict('app/main.py', `from fastapi import APIRouter, Depends, FastAPI\napp = FastAPI()\nrouter = APIRouter(prefix="/admin", dependencies=[Depends(require_admin)])\n\n@router.get("/users")\nasync def users():\n    return await db.all(User)\n\napp.include_router(router)\n`, 'GET /admin/users');
    expect(item.status).toBe('pass');
  });

  it('valid: user.is_superuser checked in the handler', async () => {
    const { item } = await verdict('app/main.py', `${FASTAPI}\n@app.delete("/users/{user_id}")\nasync def delete_user(user_id: int, user = Depends(get_current_user)):\n    if not user.is_superuser:\n        raise HTTPException(status_code=403)\n    await db.delete(User, user_id)\n`, 'DELETE /users/{user_id}');
    expect(item.evidence[0].note).toBe('role checked in the code: user.is_superuser');
  });

  it('invalid: DELETE /users/{user_id} removes an account without a role check', async () => {
    const { findings } = await verdict('app/main.py', `${FASTAPI}\n@app.delete("/users/{user_id}")\nasync def delete_user(user_id: int, user = Depends(get_current_user)):\n    await db.delete(User, user_id)\n`, 'DELETE /users/{user_id}');
    expect(findings[0].message).toContain('(it deletes users)');
  });

  it('n/a: an ordinary route is not privileged', async () => {
    const { item } = await verdict('app/main.py', `${FASTAPI}\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    return await db.all(Item)\n`, 'GET /items');
    expect(item.status).toBe('n/a');
  });

  it('invalid: POST /teams/{team_id}/members changes memberships', async () => {
    const { findings } = await verdict('app/main.py', `${FASTAPI}\n@app.post("/teams/{team_id}/members")\nasync def add_member(team_id: int, user = Depends(get_current_user)):\n    await db.add(Member(team_id=team_id))\n`, 'POST /teams/{team_id}/members');
    expect(findings[0].message).toContain('(it changes members)');
  });
});

const DRF = 'from rest_framework import viewsets\nfrom rest_framework.decorators import api_view, permission_classes\nfrom rest_framework.permissions import IsAdminUser, IsAuthenticated\n';

describe('missing-role-check: Django REST Framework', () => {
  it('invalid: an admin view with IsAuthenticated only', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\n@api_view(["POST"])\n@permission_classes([IsAuthenticated])\ndef ban(request, pk):\n    User.objects.filter(pk=pk).update(is_active=False)\n`, 'POST ban');
    // Named by the view until urls.py is in the change: not a privileged path, so n/a.
    expect(item.status).toBe('n/a');
    const routed = await analyzeSources(
      {
        'shop/views.py': `${DRF}\n@api_view(["POST"])\n@permission_classes([IsAuthenticated])\ndef ban(request, pk):\n    User.objects.filter(pk=pk).update(is_active=False)\n`,
        'shop/urls.py': 'from django.urls import path\nfrom . import views\nurlpatterns = [path("admin/users/<int:pk>/ban/", views.ban)]\n',
      },
      { pythonChecks: [check] },
    );
    expect(endpointOf(routed, 'POST /admin/users/<int:pk>/ban/').checklist['authz.roles'].status).toBe('fail');
  });

  it('valid: IsAdminUser on the view', async () => {
    const routed = await analyzeSources(
      {
        'shop/views.py': `${DRF}\n@api_view(["POST"])\n@permission_classes([IsAuthenticated, IsAdminUser])\ndef ban(request, pk):\n    User.objects.filter(pk=pk).update(is_active=False)\n`,
        'shop/urls.py': 'from django.urls import path\nfrom . import views\nurlpatterns = [path("admin/users/<int:pk>/ban/", views.ban)]\n',
      },
      { pythonChecks: [check] },
    );
    expect(endpointOf(routed, 'POST /admin/users/<int:pk>/ban/').checklist['authz.roles']).toMatchObject({ status: 'pass', evidence: [{ note: 'permission class IsAdminUser' }] });
  });

  it('valid: request.user.has_perm(...) in the view', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\n@api_view(["POST"])\ndef refund(request, pk):\n    if not request.user.has_perm("shop.refund_order"):\n        raise PermissionDenied()\n    refund_order(pk)\n`, 'POST refund');
    expect(item.evidence[0].note).toBe('role checked in the code: request.user.has_perm()');
  });

  it('valid: DjangoModelPermissions on a ViewSet', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}from rest_framework.permissions import DjangoModelPermissions\n\nclass RoleViewSet(viewsets.ModelViewSet):\n    queryset = Role.objects.all()\n    permission_classes = [DjangoModelPermissions]\n`, 'DELETE RoleViewSet/{pk}');
    expect(item.status).toBe('pass');
  });
});

const FLASK = 'from flask import Blueprint, Flask, abort\nfrom flask_login import current_user, login_required\napp = Flask(__name__)\nadmin = Blueprint("admin", __name__, url_prefix="/admin")\n';

describe('missing-role-check: Flask', () => {
  it('invalid: an admin blueprint route with @login_required only', async () => {
    const { findings } = await verdict('web/admin.py', `${FLASK}\n@admin.post("/users/<int:user_id>/disable")\n@login_required\ndef disable(user_id):\n    User.query.get(user_id).disable()\n`, 'POST /admin/users/<int:user_id>/disable');
    expect(findings[0].fix).toContain('@roles_required("admin")');
  });

  it('valid: @roles_required("admin")', async () => {
    const { item } = await verdict('web/admin.py', `${FLASK}from flask_security import roles_required\n\n@admin.post("/users/<int:user_id>/disable")\n@login_required\n@roles_required("admin")\ndef disable(user_id):\n    User.query.get(user_id).disable()\n`, 'POST /admin/users/<int:user_id>/disable');
    expect(item.evidence[0].note).toBe('@roles_required');
  });

  it('valid: if not current_user.is_admin: abort(403)', async () => {
    const { item } = await verdict('web/admin.py', `${FLASK}\n@admin.post("/users/<int:user_id>/disable")\n@login_required\ndef disable(user_id):\n    if not current_user.is_admin:\n        abort(403)\n    User.query.get(user_id).disable()\n`, 'POST /admin/users/<int:user_id>/disable');
    expect(item.status).toBe('pass');
  });
});
