/**
 * missing-ownership-check for Python (authz.ownership): Django ORM,
 * SQLAlchemy, SQLModel and Tortoise lookups by an id from the request, each
 * next to its owner-scoped or object-checked neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-ownership-check.js';
import { analyzeSources, endpointOf } from '../../../test/support/analyze-source.js';

async function verdict(path: string, code: string, endpoint: string) {
  const result = await analyzeSources({ [path]: code }, { pythonChecks: [check] });
  return { item: endpointOf(result, endpoint).checklist['authz.ownership'], findings: result.findings.filter((f) => f.ruleId === 'missing-ownership-check') };
}

const FASTAPI = 'from fastapi import Depends, FastAPI, HTTPException\nfrom sqlalchemy import select\napp = FastAPI()\n';
const fastapi = (body: string, method = 'get') => `${FASTAPI}\n@app.${method}("/invoices/{invoice_id}")\nasync def handler(invoice_id: int, user: User = Depends(get_current_user), session: Session = Depends(get_session)):\n${body}`;

describe('missing-ownership-check: SQLAlchemy / SQLModel (FastAPI)', () => {
  it('invalid: session.get(Invoice, invoice_id)', async () => {
    const { item, findings } = await verdict('app/main.py', fastapi('    return await session.get(Invoice, invoice_id)\n'), 'GET /invoices/{invoice_id}');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 7, severity: 'high', cwe: ['CWE-639'], owasp: ['API1:2023'] });
    expect(findings[0].message).toContain('`session.get(Invoice, invoice_id)` reads the Invoice selected by `invoice_id`');
    expect(findings[0].fix).toContain('select(Invoice).where(Invoice.id == invoice_id, Invoice.owner_id == current_user.id)');
  });

  it('valid: the same lookup followed by an owner comparison with the caller', async () => {
    const { item, findings } = await verdict('app/main.py', fastapi('    invoice = await session.get(Invoice, invoice_id)\n    if invoice is None or invoice.owner_id != user.id:\n        raise HTTPException(status_code=404)\n    return invoice\n'), 'GET /invoices/{invoice_id}');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 8 }] });
  });

  it('invalid: select(Invoice).where(Invoice.id == invoice_id)', async () => {
    const { findings } = await verdict('app/main.py', fastapi('    return (await session.execute(select(Invoice).where(Invoice.id == invoice_id))).scalar_one()\n'), 'GET /invoices/{invoice_id}');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('the Invoice selected by `invoice_id`');
  });

  it('valid: select(...).where(Invoice.id == invoice_id, Invoice.owner_id == user.id)', async () => {
    const { item } = await verdict('app/main.py', fastapi('    return (await session.execute(select(Invoice).where(Invoice.id == invoice_id, Invoice.owner_id == user.id))).scalar_one()\n'), 'GET /invoices/{invoice_id}');
    expect(item.status).toBe('pass');
  });

  it('valid: a second chained .where on the tenant', async () => {
    const { item } = await verdict('app/main.py', fastapi('    stmt = select(Invoice).where(Invoice.id == invoice_id).where(Invoice.organization_id == user.organization_id)\n    return (await session.execute(stmt)).scalar_one()\n'), 'GET /invoices/{invoice_id}');
    expect(item.status).toBe('pass');
  });

  it('invalid: session.query(Invoice).filter_by(id=invoice_id).delete()', async () => {
    const { findings } = await verdict('app/main.py', fastapi('    session.query(Invoice).filter_by(id=invoice_id).delete()\n', 'delete'), 'DELETE /invoices/{invoice_id}');
    expect(findings[0].message).toContain('deletes the Invoice');
  });

  it('valid: filter_by(id=invoice_id, owner_id=user.id)', async () => {
    const { item } = await verdict('app/main.py', fastapi('    session.query(Invoice).filter_by(id=invoice_id, owner_id=user.id).delete()\n', 'delete'), 'DELETE /invoices/{invoice_id}');
    expect(item.status).toBe('pass');
  });

  it('n/a: a lookup by the caller\'s own id is not chosen by the request', async () => {
    const { item } = await verdict('app/main.py', `${FASTAPI}\n@app.get("/me")\nasync def me(user: User = Depends(get_current_user), session: Session = Depends(get_session)):\n    return await session.get(Profile, user.id)\n`, 'GET /me');
    expect(item.status).toBe('n/a');
  });

  it('n/a: reading the request itself (request.query_params.get) is not a record lookup', async () => {
    const { item } = await verdict('app/main.py', `${FASTAPI}\n@app.get("/search")\nasync def search(request: Request, user: User = Depends(get_current_user)):\n    return await run_search(request.query_params.get("q"))\n`, 'GET /search');
    expect(item.status).toBe('n/a');
  });
});

describe('missing-ownership-check: admin-only routes', () => {
  it('valid: a route only admins reach (Security scopes=["admin"]) may act on any record', async () => {
    const code = `${FASTAPI}from fastapi import Security\n\n@app.post("/admin/users/{user_id}/roles")\nasync def grant(user_id: int, admin = Security(get_current_user, scopes=["admin"]), session = Depends(get_session)):\n    (await session.get(User, user_id)).roles.append("editor")\n`;
    const { item, findings } = await verdict('app/main.py', code, 'POST /admin/users/{user_id}/roles');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toContain('only administrators reach this route');
  });

  it('invalid: the same route with a non-admin scope', async () => {
    const code = `${FASTAPI}from fastapi import Security\n\n@app.post("/users/{user_id}/roles")\nasync def grant(user_id: int, caller = Security(get_current_user, scopes=["profile"]), session = Depends(get_session)):\n    (await session.get(User, user_id)).roles.append("editor")\n`;
    const { item } = await verdict('app/main.py', code, 'POST /users/{user_id}/roles');
    expect(item.status).toBe('fail');
  });
});

describe('missing-ownership-check: Tortoise ORM', () => {
  it('invalid: await Invoice.get(id=invoice_id)', async () => {
    const { findings } = await verdict('app/main.py', fastapi('    return await Invoice.get(id=invoice_id)\n'), 'GET /invoices/{invoice_id}');
    expect(findings[0].message).toContain('`Invoice.get(id=invoice_id)`');
  });

  it('valid: await Invoice.get_or_none(id=invoice_id, owner=user)', async () => {
    const { item } = await verdict('app/main.py', fastapi('    return await Invoice.get_or_none(id=invoice_id, owner=user)\n'), 'GET /invoices/{invoice_id}');
    expect(item.status).toBe('pass');
  });
});

const DRF = 'from rest_framework import generics, viewsets\nfrom rest_framework.decorators import api_view, permission_classes\nfrom rest_framework.permissions import BasePermission, IsAdminUser, IsAuthenticated\nfrom rest_framework.views import APIView\nfrom django.shortcuts import get_object_or_404\n';

describe('missing-ownership-check: Django ORM / DRF', () => {
  it('invalid: Order.objects.get(pk=pk) in an @api_view', async () => {
    const { findings } = await verdict('shop/views.py', `${DRF}\n@api_view(["GET"])\n@permission_classes([IsAuthenticated])\ndef order(request, pk):\n    return Response(OrderSerializer(Order.objects.get(pk=pk)).data)\n`, 'GET order');
    expect(findings[0].message).toContain('`Order.objects.get(pk=pk)` reads the Order selected by `pk`');
    expect(findings[0].fix).toContain('get_queryset');
  });

  it('valid: Order.objects.get(pk=pk, owner=request.user)', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\n@api_view(["GET"])\n@permission_classes([IsAuthenticated])\ndef order(request, pk):\n    return Response(OrderSerializer(Order.objects.get(pk=pk, owner=request.user)).data)\n`, 'GET order');
    expect(item.status).toBe('pass');
  });

  it('invalid: get_object_or_404(Order, pk=pk)', async () => {
    const { findings } = await verdict('shop/views.py', `${DRF}\n@api_view(["DELETE"])\ndef order(request, pk):\n    get_object_or_404(Order, pk=pk).delete()\n`, 'DELETE order');
    expect(findings[0].message).toContain('deletes the Order');
  });

  it('valid: get_object_or_404(Order, pk=pk, customer__user=request.user) (a related owner)', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\n@api_view(["DELETE"])\ndef order(request, pk):\n    get_object_or_404(Order, pk=pk, customer__user=request.user).delete()\n`, 'DELETE order');
    expect(item.status).toBe('pass');
  });

  it('invalid: Order.objects.filter(id=request.data["id"]).update(...)', async () => {
    const { findings } = await verdict('shop/views.py', `${DRF}\n@api_view(["POST"])\ndef close(request):\n    Order.objects.filter(id=request.data["id"]).update(closed=True)\n`, 'POST close');
    expect(findings).toHaveLength(1);
  });

  it('valid: the APIView checks the object with self.check_object_permissions', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\nclass OrderDetail(APIView):\n    permission_classes = [IsAuthenticated, IsOwner]\n    def get(self, request, pk):\n        order = Order.objects.get(pk=pk)\n        self.check_object_permissions(request, order)\n        return Response(OrderSerializer(order).data)\n`, 'GET OrderDetail');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 11 }] });
  });

  it('invalid: a ModelViewSet whose queryset is every order, without object permissions', async () => {
    const { item, findings } = await verdict('shop/views.py', `${DRF}\nclass OrderViewSet(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n    serializer_class = OrderSerializer\n    permission_classes = [IsAuthenticated]\n`, 'GET OrderViewSet/{pk}');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 8 });
    expect(findings[0].message).toContain('OrderViewSet serves `retrieve`');
  });

  it('n/a: the list action of that ViewSet selects nothing by id', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\nclass OrderViewSet(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n    permission_classes = [IsAuthenticated]\n`, 'GET OrderViewSet');
    expect(item.status).toBe('n/a');
  });

  it('valid: get_queryset scoped to request.user', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\nclass OrderViewSet(viewsets.ModelViewSet):\n    serializer_class = OrderSerializer\n    permission_classes = [IsAuthenticated]\n\n    def get_queryset(self):\n        return Order.objects.filter(owner=self.request.user)\n`, 'DELETE OrderViewSet/{pk}');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 11, note: 'get_queryset() is scoped to the caller' }] });
  });

  it('valid: a permission class of the file with has_object_permission', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\nclass IsCustomer(BasePermission):\n    def has_object_permission(self, request, view, obj):\n        return obj.customer == request.user\n\nclass OrderViewSet(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n    permission_classes = [IsAuthenticated, IsCustomer]\n`, 'PATCH OrderViewSet/{pk}');
    expect(item.evidence[0].note).toContain('IsCustomer');
  });

  it('valid: an admin-only ViewSet (IsAdminUser) reaches every record by design', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\nclass OrderAdminViewSet(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n    permission_classes = [IsAdminUser]\n`, 'GET OrderAdminViewSet/{pk}');
    expect(item.status).toBe('pass');
  });

  it('unknown: get_queryset that does not visibly filter on the caller', async () => {
    const { item } = await verdict('shop/views.py', `${DRF}\nclass OrderViewSet(viewsets.ModelViewSet):\n    permission_classes = [IsAuthenticated]\n    def get_queryset(self):\n        return Order.objects.select_related("customer")\n`, 'GET OrderViewSet/{pk}');
    expect(item.status).toBe('unknown');
  });
});

describe('missing-ownership-check: Flask-SQLAlchemy', () => {
  const FLASK = 'from flask import Flask, abort, jsonify\nfrom flask_login import current_user, login_required\napp = Flask(__name__)\n';

  it('invalid: Invoice.query.get_or_404(invoice_id)', async () => {
    const { findings } = await verdict('web/app.py', `${FLASK}\n@app.get("/invoices/<int:invoice_id>")\n@login_required\ndef invoice(invoice_id):\n    return jsonify(Invoice.query.get_or_404(invoice_id).to_dict())\n`, 'GET /invoices/<int:invoice_id>');
    expect(findings[0].fix).toContain('Invoice.query.filter_by(id=invoice_id, owner_id=current_user.id).first_or_404()');
  });

  it('valid: filter_by(id=invoice_id, owner_id=current_user.id).first_or_404()', async () => {
    const { item } = await verdict('web/app.py', `${FLASK}\n@app.get("/invoices/<int:invoice_id>")\n@login_required\ndef invoice(invoice_id):\n    return jsonify(Invoice.query.filter_by(id=invoice_id, owner_id=current_user.id).first_or_404().to_dict())\n`, 'GET /invoices/<int:invoice_id>');
    expect(item.status).toBe('pass');
  });

  it('valid: db.get_or_404 then abort(404) unless the owner is the caller', async () => {
    const { item } = await verdict('web/app.py', `${FLASK}\n@app.get("/invoices/<int:invoice_id>")\n@login_required\ndef invoice(invoice_id):\n    found = db.get_or_404(Invoice, invoice_id)\n    if found.user_id != current_user.id:\n        abort(404)\n    return jsonify(found.to_dict())\n`, 'GET /invoices/<int:invoice_id>');
    expect(item.status).toBe('pass');
  });

  it('invalid: db.get_or_404(Invoice, invoice_id) alone', async () => {
    const { item } = await verdict('web/app.py', `${FLASK}\n@app.get("/invoices/<int:invoice_id>")\n@login_required\ndef invoice(invoice_id):\n    return jsonify(db.get_or_404(Invoice, invoice_id).to_dict())\n`, 'GET /invoices/<int:invoice_id>');
    expect(item.status).toBe('fail');
  });
});
