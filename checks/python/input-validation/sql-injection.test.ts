/**
 * sql-injection for Python (input.sql): SQL text built from request data,
 * per framework and per way of building it, each next to its parameterised
 * neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './sql-injection.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'input.sql', path, text, name);

const fastapi = (...lines: string[]) =>
  run('app/main.py', `from fastapi import FastAPI, Depends\nfrom sqlalchemy import text\napp = FastAPI()\n@app.get("/users")\ndef search(name: str, db = Depends(get_db)):\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'GET /users');

describe('sql-injection (Python): FastAPI + SQLAlchemy', () => {
  it('invalid: an f-string inside text()', async () => {
    const { item, findings } = await fastapi('return db.execute(text(f"SELECT * FROM users WHERE name = \'{name}\'")).all()');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'sql-injection', line: 6, severity: 'high', cwe: ['CWE-89'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('`text()` runs SQL built from `name` (parameter `name`), which comes from the request: the caller can change the query.');
    expect(findings[0].fix).toContain(':name');
  });

  it('valid: text() with a bound parameter', async () => {
    const { item, findings } = await fastapi('return db.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name}).all()');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 6, note: 'text() passes values as parameters, not in the SQL text' }] });
  });

  it('invalid: SQL built with + in a variable first', async () => {
    const { findings } = await fastapi('sql = "SELECT * FROM users WHERE name = \'" + name + "\'"', 'return db.execute(text(sql)).all()');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 7 });
  });

  it('valid: the ORM select()', async () => {
    const { item, findings } = await fastapi('return db.execute(select(User).where(User.name == name)).scalars().all()');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('ORM');
  });

  it('valid: a number coerced with int() spliced in', async () => {
    const { item, findings } = await fastapi('return db.execute(text(f"SELECT * FROM users LIMIT {int(name)}")).all()');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('text() splices only numbers and fixed text into its SQL');
  });

  it('unknown: SQL built from a value whose origin is not traced', async () => {
    const { item, findings } = await fastapi('column = pick_column()', 'return db.execute(text(f"SELECT * FROM users ORDER BY {column}")).all()');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('whose origin could not be traced');
  });
});

const drf = (...lines: string[]) =>
  run('api/views.py', `from django.db import connection\nfrom rest_framework.decorators import api_view\nfrom rest_framework.response import Response\nfrom .models import User\n@api_view(["GET"])\ndef search(request):\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'GET search');

describe('sql-injection (Python): Django REST Framework', () => {
  it('invalid: % formatting into cursor.execute', async () => {
    const { findings } = await drf('q = request.query_params.get("q")', 'with connection.cursor() as cursor:', '    cursor.execute("SELECT id FROM app_user WHERE name = \'%s\'" % q)', '    return Response(cursor.fetchall())');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 9 });
    expect(findings[0].message).toContain('`cursor.execute()` runs SQL built from `q`');
  });

  it('valid: cursor.execute with a parameter list', async () => {
    const { item, findings } = await drf('q = request.query_params.get("q")', 'with connection.cursor() as cursor:', '    cursor.execute("SELECT id FROM app_user WHERE name = %s", [q])', '    return Response(cursor.fetchall())');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('cursor.execute() passes values as parameters, not in the SQL text');
  });

  it('invalid: .format() into Model.objects.raw()', async () => {
    const { findings } = await drf('users = User.objects.raw("SELECT * FROM app_user WHERE name = \'{}\'".format(request.GET["q"]))', 'return Response([u.id for u in users])');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`User.objects.raw()` runs SQL built from `request.GET`');
  });

  it('valid: raw() with params', async () => {
    const { findings, item } = await drf('users = User.objects.raw("SELECT * FROM app_user WHERE name = %s", [request.GET["q"]])', 'return Response([u.id for u in users])');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: request data in extra(where=[...])', async () => {
    const { findings } = await drf('users = User.objects.extra(where=[f"name = \'{request.GET[\'q\']}\'"])', 'return Response([u.id for u in users])');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`User.objects.extra()`');
  });

  it('valid: the ORM filter()', async () => {
    const { findings, item } = await drf('users = User.objects.filter(name=request.GET["q"])', 'return Response([u.id for u in users])');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('queries through the ORM (User.objects.filter), which parameterises values');
  });

  it('n/a: no database query', async () => {
    const { item } = await drf('return Response({"ok": True})');
    expect(item).toMatchObject({ status: 'n/a' });
  });
});

const flask = (...lines: string[]) =>
  run('app.py', `import sqlite3\nfrom flask import Flask, request, jsonify\napp = Flask(__name__)\n@app.route("/users/<name>")\ndef user(name):\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'GET /users/<name>');

describe('sql-injection (Python): Flask', () => {
  it('invalid: a route parameter in an f-string into sqlite execute', async () => {
    const { findings } = await flask('conn = sqlite3.connect("app.db")', 'rows = conn.execute(f"SELECT * FROM users WHERE name = \'{name}\'").fetchall()', 'return jsonify(rows)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`conn.execute()` runs SQL built from `name` (route parameter `name`), which comes from the request: the caller can change the query.');
  });

  it('valid: a ? placeholder with a tuple', async () => {
    const { findings, item } = await flask('conn = sqlite3.connect("app.db")', 'rows = conn.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchall()', 'return jsonify(rows)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: request.args concatenated into the SQL', async () => {
    const { findings } = await flask('sort = request.args.get("sort")', 'rows = db.session.execute(text("SELECT * FROM users ORDER BY " + sort)).all()', 'return jsonify(rows)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`sort` (`request.args`)');
  });

  it('valid: a sort column from a fixed constant', async () => {
    const { findings, item } = await flask('rows = db.session.execute(text("SELECT * FROM users ORDER BY " + DEFAULT_SORT)).all()', 'return jsonify(rows)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });
});
