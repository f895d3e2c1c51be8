/**
 * missing-tenant-filter for Python (authz.tenant): each query that leaves the
 * caller's tenant out, next to the neighbour that filters on it.
 */
import { describe, expect, it } from 'vitest';
import check from './missing-tenant-filter.js';
import { analyzeSources, endpointOf } from '../../../test/support/analyze-source.js';

const DRF = 'from rest_framework import viewsets\nfrom rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n';
const FASTAPI = 'from fastapi import Depends, FastAPI\nfrom sqlalchemy import select\napp = FastAPI()\n';
const FLASK = 'from flask import Flask, jsonify, request\nfrom flask_login import current_user, login_required\napp = Flask(__name__)\n';
const SETTINGS = { 'shop/settings.py': 'REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}\n' };

async function verdict(files: Record<string, string>, endpoint: string, context: Record<string, string> = {}) {
  const result = await analyzeSources(files, { pythonChecks: [check], context });
  return { item: endpointOf(result, endpoint).checklist['authz.tenant'], findings: result.findings.filter((f) => f.ruleId === 'missing-tenant-filter') };
}

describe('missing-tenant-filter: Django REST Framework', () => {
  const viewSet = (queryset: string) => `${DRF}\nclass ProjectViewSet(viewsets.ModelViewSet):\n    def get_queryset(self):\n        return ${queryset}\n\n    def perform_create(self, serializer):\n        serializer.save(owner=self.request.user, organization=self.request.user.organization)\n`;

  it('invalid: get_queryset filtered by owner only while the user carries an organization', async () => {
    const { item, findings } = await verdict({ 'shop/views.py': viewSet('Project.objects.filter(owner=self.request.user)') }, 'GET ProjectViewSet', SETTINGS);
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 7, severity: 'medium', cwe: ['CWE-639', 'CWE-284'], owasp: ['API1:2023'] });
    expect(findings[0].message).toContain('filters projects by owner but not by organization');
    expect(findings[0].message).toContain('organisations');
  });

  it('valid: get_queryset filtered by owner and organization', async () => {
    const { item, findings } = await verdict({ 'shop/views.py': viewSet('Project.objects.filter(owner=self.request.user, organization=self.request.user.organization)') }, 'GET ProjectViewSet', SETTINGS);
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 7 }] });
    expect(item.evidence[0].note).toContain('filters on organization');
  });

  it('valid: every action of the view set passes through the scoped get_queryset', async () => {
    const result = await analyzeSources({ 'shop/views.py': viewSet('Project.objects.filter(organization=self.request.user.organization)') }, { pythonChecks: [check], context: SETTINGS });
    expect(result.endpoints.map((endpoint) => endpoint.checklist['authz.tenant'].status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
  });

  it('invalid: Project.objects.all() in a code base whose model has an organization field', async () => {
    const code = `${DRF}from django.db import models\n\nclass Project(models.Model):\n    organization = models.ForeignKey("Organization", on_delete=models.CASCADE)\n\n@api_view(["GET"])\ndef projects(request):\n    return Response(Project.objects.all().values())\n`;
    const { findings } = await verdict({ 'shop/views.py': code }, 'GET projects', SETTINGS);
    expect(findings[0]).toMatchObject({ line: 11 });
    expect(findings[0].message).toContain('has no filter, so no organization condition');
  });

  it('valid: the same listing through the relation of the caller\'s organization', async () => {
    const code = `${DRF}from django.db import models\n\nclass Project(models.Model):\n    organization = models.ForeignKey("Organization", on_delete=models.CASCADE)\n\n@api_view(["GET"])\ndef projects(request):\n    return Response(Project.objects.filter(organization=request.user.organization).values())\n`;
    const { item } = await verdict({ 'shop/views.py': code }, 'GET projects', SETTINGS);
    expect(item.status).toBe('pass');
  });

  it('valid: filtered through a related tenant (project__organization)', async () => {
    const code = `${DRF}\n@api_view(["GET"])\ndef tasks(request):\n    return Response(Task.objects.filter(project__organization=request.user.organization).values())\n`;
    const { item } = await verdict({ 'shop/views.py': code }, 'GET tasks', SETTINGS);
    expect(item.status).toBe('pass');
  });

  it('invalid: organization__isnull=False only asks that there be an organization', async () => {
    const code = `${DRF}\n@api_view(["GET"])\ndef tasks(request):\n    return Response(Task.objects.filter(owner=request.user, organization__isnull=False).values())\n`;
    const { findings } = await verdict({ 'shop/views.py': code }, 'GET tasks', SETTINGS);
    expect(findings[0].message).toContain('filters tasks by owner but not by organization');
  });

  it('invalid: a delete by pk only, in code that reads request.user.organization, is high', async () => {
    const code = `${DRF}\n@api_view(["DELETE"])\ndef delete_project(request, pk):\n    org = request.user.organization\n    Project.objects.filter(pk=pk).delete()\n    return Response(status=204)\n`;
    const { findings } = await verdict({ 'shop/views.py': code }, 'DELETE delete_project', SETTINGS);
    expect(findings[0]).toMatchObject({ line: 8, severity: 'high' });
    expect(findings[0].message).toContain('deletes projects of every organisation');
  });

  it('invalid: the organization from the URL with no membership check', async () => {
    const code = `${DRF}\n@api_view(["GET"])\ndef org_projects(request, organization_id):\n    return Response(Project.objects.filter(organization_id=organization_id).values())\n`;
    const { findings } = await verdict({ 'shop/views.py': code }, 'GET org_projects', SETTINGS);
    expect(findings[0]).toMatchObject({ line: 7, severity: 'high' });
    expect(findings[0].message).toContain('taken from the request (`organization_id`)');
  });

  it('valid: the organization from the URL after a membership check', async () => {
    const code = `${DRF}\n@api_view(["GET"])\ndef org_projects(request, organization_id):\n    ensure_member(request.user, organization_id)\n    return Response(Project.objects.filter(organization_id=organization_id).values())\n`;
    const { item, findings } = await verdict({ 'shop/views.py': code }, 'GET org_projects', SETTINGS);
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toContain('ensure_member()');
  });

  it("n/a: only the caller's own user row and the organization itself", async () => {
    const code = `${DRF}\n@api_view(["GET"])\ndef me(request):\n    user = User.objects.get(pk=request.user.pk)\n    org = Organization.objects.get(pk=request.user.organization_id)\n    return Response({"user": user.email, "org": org.name})\n`;
    const { item } = await verdict({ 'shop/views.py': code }, 'GET me', SETTINGS);
    expect(item.status).toBe('n/a');
  });

  it('n/a: no tenant concept (orders by customer only)', async () => {
    const code = `${DRF}\nclass OrderViewSet(viewsets.ModelViewSet):\n    def get_queryset(self):\n        return Order.objects.filter(customer=self.request.user)\n`;
    const { item } = await verdict({ 'shop/views.py': code }, 'GET OrderViewSet', SETTINGS);
    expect(item.status).toBe('n/a');
    expect(item.reason).toContain('no tenant concept');
  });

  it('invalid: the class queryset serves the generic actions when there is no get_queryset', async () => {
    const code = `${DRF}\nclass ProjectViewSet(viewsets.ReadOnlyModelViewSet):\n    queryset = Project.objects.all()\n\n    def perform_create(self, serializer):\n        serializer.save(organization=self.request.user.organization)\n`;
    const { findings } = await verdict({ 'shop/views.py': code }, 'GET ProjectViewSet', SETTINGS);
    expect(findings.map((f) => f.line)).toEqual([6]);
  });
});

describe('missing-tenant-filter: SQLAlchemy (FastAPI)', () => {
  it("n/a: select().where(user_id) when only another endpoint reads the tenant", async () => {
    const code = `${FASTAPI}\n@app.get("/projects")\nasync def projects(user = Depends(get_current_user), session = Depends(get_session)):\n    rows = await session.execute(select(Project).where(Project.user_id == user.id))\n    return rows.scalars().all()\n\n@app.get("/tenant")\nasync def tenant(user = Depends(get_current_user)):\n    return {"tenant": user.tenant_id}\n`;
    const { findings } = await verdict({ 'app/main.py': code }, 'GET /projects');
    // The tenant concept of this endpoint: none in its own code, and no model of the file carries one.
    expect(findings).toEqual([]);
  });

  it('invalid: select().where(user_id) while the caller carries tenant_id', async () => {
    const code = `${FASTAPI}\n@app.get("/projects")\nasync def projects(user = Depends(get_current_user), session = Depends(get_session)):\n    audit(user.tenant_id)\n    rows = await session.execute(select(Project).where(Project.user_id == user.id))\n    return rows.scalars().all()\n`;
    const { item, findings } = await verdict({ 'app/main.py': code }, 'GET /projects');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 8, severity: 'medium' });
    expect(findings[0].message).toContain('filters projects by user_id but not by tenant_id');
  });

  it('valid: select().where(user_id, tenant_id)', async () => {
    const code = `${FASTAPI}\n@app.get("/projects")\nasync def projects(user = Depends(get_current_user), session = Depends(get_session)):\n    rows = await session.execute(select(Project).where(Project.user_id == user.id, Project.tenant_id == user.tenant_id))\n    return rows.scalars().all()\n`;
    const { item, findings } = await verdict({ 'app/main.py': code }, 'GET /projects');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 7 }] });
  });

  it('invalid: a SQLAlchemy model of the file with org_id, read by id alone', async () => {
    const code = `${FASTAPI}from sqlalchemy.orm import Mapped, mapped_column\n\nclass Invoice(Base):\n    org_id: Mapped[int] = mapped_column()\n    org_id = mapped_column(ForeignKey("orgs.id"))\n\n@app.get("/invoices/{invoice_id}")\nasync def invoice(invoice_id: int, session = Depends(get_session)):\n    return await session.get(Invoice, invoice_id)\n`;
    const { findings } = await verdict({ 'app/main.py': code }, 'GET /invoices/{invoice_id}');
    expect(findings[0]).toMatchObject({ line: 12 });
    expect(findings[0].message).toContain('filters by pk but not by org_id');
  });

  it('invalid: the tenant from a path parameter with no membership check', async () => {
    const code = `${FASTAPI}\n@app.get("/orgs/{org_id}/projects")\nasync def projects(org_id: int, user = Depends(get_current_user), session = Depends(get_session)):\n    rows = await session.execute(select(Project).where(Project.org_id == org_id))\n    return rows.scalars().all()\n`;
    const { findings } = await verdict({ 'app/main.py': code }, 'GET /orgs/{org_id}/projects');
    expect(findings[0].message).toContain('taken from the request (`org_id`)');
  });

  it('valid: the path tenant compared through a membership lookup', async () => {
    const code = `${FASTAPI}\n@app.get("/orgs/{org_id}/projects")\nasync def projects(org_id: int, user = Depends(get_current_user), session = Depends(get_session)):\n    await require_membership(session, user, org_id)\n    rows = await session.execute(select(Project).where(Project.org_id == org_id))\n    return rows.scalars().all()\n`;
    const { item } = await verdict({ 'app/main.py': code }, 'GET /orgs/{org_id}/projects');
    expect(item.status).toBe('pass');
  });
});

describe('missing-tenant-filter: Flask-SQLAlchemy', () => {
  it('unknown: the caller\'s tenant handed to a function of another module', async () => {
    const code = `${FLASK}from .reports import build_reports\n\n@app.get("/reports")\n@login_required\ndef reports():\n    return jsonify(build_reports(current_user.org_id))\n`;
    const { item } = await verdict({ 'web/app.py': code }, 'GET /reports');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('passed to build_reports()');
  });

  it('invalid: filter_by(owner_id) only, while current_user carries workspace_id', async () => {
    const code = `${FLASK}\n@app.get("/notes")\n@login_required\ndef notes():\n    app.logger.info("workspace %s", current_user.workspace_id)\n    return jsonify([n.to_dict() for n in Note.query.filter_by(owner_id=current_user.id).all()])\n`;
    const { findings } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(findings[0].message).toContain('filters notes by owner_id but not by workspace_id');
    expect(findings[0].message).toContain('workspaces');
  });

  it('valid: filter_by(owner_id, workspace_id)', async () => {
    const code = `${FLASK}\n@app.get("/notes")\n@login_required\ndef notes():\n    return jsonify([n.to_dict() for n in Note.query.filter_by(owner_id=current_user.id, workspace_id=current_user.workspace_id).all()])\n`;
    const { item } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(item.status).toBe('pass');
  });

  it('invalid: the tenant from the X-Tenant-ID header, trusted as is', async () => {
    const code = `${FLASK}\n@app.get("/notes")\n@login_required\ndef notes():\n    return jsonify([n.to_dict() for n in Note.query.filter_by(tenant_id=request.headers["X-Tenant-ID"]).all()])\n`;
    const { findings } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(findings[0].message).toContain('taken from the request');
  });

  it('n/a: no tenant anywhere', async () => {
    const code = `${FLASK}\n@app.get("/notes")\n@login_required\ndef notes():\n    return jsonify([n.to_dict() for n in Note.query.filter_by(owner_id=current_user.id).all()])\n`;
    const { item } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(item.status).toBe('n/a');
  });

  it('n/a: a tenant concept but no recognised query', async () => {
    const code = `${FLASK}\n@app.get("/whoami")\n@login_required\ndef whoami():\n    return jsonify(tenant=current_user.tenant_id)\n`;
    const { item } = await verdict({ 'web/app.py': code }, 'GET /whoami');
    expect(item.status).toBe('n/a');
    expect(item.reason).toContain('no record');
  });
});
