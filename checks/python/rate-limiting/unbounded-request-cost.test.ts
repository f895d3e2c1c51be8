/**
 * unbounded-request-cost for Python (ratelimit.ddos): page sizes and loop
 * counts from the request without a maximum, per framework, next to the
 * bounded neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './unbounded-request-cost.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'ratelimit.ddos', path, text, name);

const fastapi = (params: string, ...lines: string[]) =>
  run('app/main.py', `from fastapi import FastAPI, Query, Depends\napp = FastAPI()\n@app.get("/items")\ndef items(${params}):\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'GET /items');

describe('unbounded-request-cost (Python): FastAPI', () => {
  it('invalid: limit: int into .limit()', async () => {
    const { item, findings } = await fastapi('limit: int = 20, db = Depends(get_db)', 'return db.query(Item).limit(limit).all()');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'unbounded-request-cost', line: 5, cwe: ['CWE-400', 'CWE-770', 'CWE-1333'], owasp: ['API4:2023'] });
    expect(findings[0].message).toBe('The page size comes from the request (`limit` (parameter `limit`)) with no maximum: one call can ask for every row.');
  });

  it('valid: Query(le=100)', async () => {
    const { item, findings } = await fastapi('limit: int = Query(20, ge=1, le=100), db = Depends(get_db)', 'return db.query(Item).limit(limit).all()');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 4 }] });
    expect(item.evidence[0].note).toContain('le=100');
  });

  it('valid: clamped with min()', async () => {
    const { item, findings } = await fastapi('limit: int = 20, db = Depends(get_db)', 'return db.query(Item).limit(min(limit, 100)).all()');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request-sized work is bounded: `min(limit, 100)`');
  });

  it('invalid: a slice sized by the request', async () => {
    const { findings } = await fastapi('offset: int = 0, size: int = 50', 'return ITEMS[offset:offset + size]');
    expect(findings).toHaveLength(1);
  });

  it('invalid: a loop over range(count)', async () => {
    const { findings } = await fastapi('count: int = 1', 'return [make_code() for _ in range(count)]');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('A loop or allocation is sized by the request (`count` (parameter `count`)) with no maximum.');
  });

  it('n/a: a fixed page size', async () => {
    const { item } = await fastapi('db = Depends(get_db)', 'return db.query(Item).limit(20).all()');
    expect(item).toMatchObject({ status: 'n/a' });
  });
});

describe('unbounded-request-cost (Python): Django REST Framework', () => {
  const VIEW = 'from rest_framework import generics\nfrom rest_framework.pagination import PageNumberPagination, LimitOffsetPagination\n';
  it('invalid: page_size_query_param without max_page_size', async () => {
    const { findings } = await run('api/views.py', `${VIEW}class Pages(PageNumberPagination):\n    page_size = 20\n    page_size_query_param = "page_size"\nclass Items(generics.ListAPIView):\n    pagination_class = Pages\n    queryset = Item.objects.all()\n`, 'GET Items');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5 });
    expect(findings[0].message).toBe('`Pages` lets the caller choose the page size (`?page_size=`) with no maximum: one call can ask for every row.');
  });

  it('valid: max_page_size', async () => {
    const { item, findings } = await run('api/views.py', `${VIEW}class Pages(PageNumberPagination):\n    page_size = 20\n    page_size_query_param = "page_size"\n    max_page_size = 100\nclass Items(generics.ListAPIView):\n    pagination_class = Pages\n    queryset = Item.objects.all()\n`, 'GET Items');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 6 }] });
  });

  it('invalid: LimitOffsetPagination has no max_limit by default', async () => {
    const { findings } = await run('api/views.py', `${VIEW}class Items(generics.ListAPIView):\n    pagination_class = LimitOffsetPagination\n    queryset = Item.objects.all()\n`, 'GET Items');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`?limit=`');
  });

  it('invalid: a query param into a queryset slice', async () => {
    const { findings } = await run('api/views.py', `from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n@api_view(["GET"])\ndef items(request):\n    n = int(request.query_params.get("n", 20))\n    return Response(list(Item.objects.all()[:n]))\n`, 'GET items');
    expect(findings).toHaveLength(1);
  });

  it('valid: the same slice clamped at assignment', async () => {
    const { item, findings } = await run('api/views.py', `from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n@api_view(["GET"])\ndef items(request):\n    n = min(int(request.query_params.get("n", 20)), 100)\n    return Response(list(Item.objects.all()[:n]))\n`, 'GET items');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });
});

describe('unbounded-request-cost (Python): Flask', () => {
  const flask = (...lines: string[]) => run('app.py', `from flask import Flask, request, jsonify\napp = Flask(__name__)\n@app.route("/items")\ndef items():\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'GET /items');
  it('invalid: per_page from request.args into paginate()', async () => {
    const { findings } = await flask('per_page = request.args.get("per_page", 20, type=int)', 'page = Item.query.paginate(page=1, per_page=per_page)', 'return jsonify([i.id for i in page.items])');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`per_page` (`request.args`)');
  });

  it('valid: paginate(max_per_page=100)', async () => {
    const { findings } = await flask('per_page = request.args.get("per_page", 20, type=int)', 'page = Item.query.paginate(page=1, per_page=per_page, max_per_page=100)', 'return jsonify([i.id for i in page.items])');
    expect(findings).toEqual([]);
  });

  it('invalid: fetchmany of a request number', async () => {
    const { findings } = await flask('n = int(request.args["n"])', 'rows = cursor.fetchmany(n)', 'return jsonify(rows)');
    expect(findings).toHaveLength(1);
  });
});
