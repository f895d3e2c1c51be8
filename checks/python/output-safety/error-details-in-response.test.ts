/**
 * error-details-in-response for Python (output.errors): error text and
 * tracebacks in answers, debug mode switched on, per framework, next to the
 * neighbour that logs and answers generically.
 */
import { describe, expect, it } from 'vitest';
import check from './error-details-in-response.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'output.errors', path, text, name);

const fastapi = (app: string, ...lines: string[]) =>
  run('app/main.py', `import traceback\nfrom fastapi import FastAPI, HTTPException\napp = ${app}\n@app.post("/orders")\ndef create():\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'POST /orders');

describe('error-details-in-response (Python): FastAPI', () => {
  it('invalid: str(e) as the 500 detail', async () => {
    const { item, findings } = await fastapi('FastAPI()', 'try:', '    place_order()', 'except Exception as e:', '    raise HTTPException(status_code=500, detail=str(e))');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'error-details-in-response', line: 9, cwe: ['CWE-209'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe("POST /orders sends the error's text (`str(e)`) to the client.");
  });

  it('valid: logged, then a generic detail', async () => {
    const { item, findings } = await fastapi('FastAPI()', 'try:', '    place_order()', 'except Exception:', '    logger.exception("order failed")', '    raise HTTPException(status_code=500, detail="Internal server error")');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 8, note: 'errors caught here are answered without their details' }] });
  });

  it('invalid: traceback.format_exc() in the answer', async () => {
    const { findings } = await fastapi('FastAPI()', 'try:', '    place_order()', 'except Exception:', '    return {"error": traceback.format_exc()}');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('POST /orders sends the traceback (`traceback.format_exc()`) to the client.');
  });

  it('valid: a validation error answered 422 with its message', async () => {
    const { findings } = await fastapi('FastAPI()', 'try:', '    place_order()', 'except ValueError as e:', '    raise HTTPException(status_code=422, detail=str(e))');
    expect(findings).toEqual([]);
  });

  it('invalid: FastAPI(debug=True)', async () => {
    const { findings } = await fastapi('FastAPI(debug=True)', 'return place_order()');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 3 });
    expect(findings[0].message).toBe('`FastAPI(debug=True)` turns on debug mode: every unhandled error answers with its traceback (source lines, paths, settings).');
  });

  it('valid: no handling, the app without debug in this file', async () => {
    const { item } = await fastapi('FastAPI()', 'return place_order()');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 3 }] });
    expect(item.evidence[0].note).toContain("FastAPI() runs without debug in this file");
  });

  it('unknown: a router whose app is elsewhere', async () => {
    const { item } = await run('app/routers/orders.py', `from fastapi import APIRouter\nrouter = APIRouter()\n@router.post("/orders")\ndef create():\n    return place_order()\n`, 'POST /orders');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`FastAPI(debug=...)` of the app');
  });
});

const drf = (...lines: string[]) =>
  run('api/views.py', `from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n@api_view(["POST"])\ndef pay(request):\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'POST pay');

describe('error-details-in-response (Python): Django REST Framework', () => {
  it('invalid: repr(e) in a Response', async () => {
    const { findings } = await drf('try:', '    charge(request.data)', 'except Exception as e:', '    return Response({"error": repr(e)}, status=500)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe("POST pay sends the error's text (`repr(e)`) to the client.");
  });

  it('valid: a generic answer', async () => {
    const { findings, item } = await drf('try:', '    charge(request.data)', 'except Exception:', '    logger.exception("charge failed")', '    return Response({"error": "payment failed"}, status=500)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: e.args in the answer', async () => {
    const { findings } = await drf('try:', '    charge(request.data)', 'except PaymentGatewayError as e:', '    return Response({"error": e.args}, status=502)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`e.args`');
  });

  it('valid: the status code of an error the app defines', async () => {
    const { findings } = await drf('try:', '    charge(request.data)', 'except PaymentGatewayError as e:', '    return Response({"error": "gateway unavailable"}, status=e.status_code)');
    expect(findings).toEqual([]);
  });

  it('invalid: DEBUG = True in the module', async () => {
    const { findings } = await run('api/views.py', `from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\nDEBUG = True\n@api_view(["GET"])\ndef ping(request):\n    return Response({"ok": True})\n`, 'GET ping');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 3 });
  });

  it('unknown: no handling, DEBUG is in the settings', async () => {
    const { item } = await drf('return Response(charge(request.data))');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`DEBUG` in the Django settings');
  });
});

const flask = (tail: string, ...lines: string[]) =>
  run('app.py', `from flask import Flask, jsonify, abort\napp = Flask(__name__)\n@app.route("/export", methods=["POST"])\ndef export():\n${lines.map((l) => `    ${l}`).join('\n')}\n${tail}`, 'POST /export');

describe('error-details-in-response (Python): Flask', () => {
  it('invalid: f"{e}" in jsonify', async () => {
    const { findings } = await flask('', 'try:', '    run_export()', 'except Exception as e:', '    return jsonify(error=f"export failed: {e}"), 500');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe("POST /export sends the error's text (`{e}`) to the client.");
  });

  it('valid: a generic jsonify', async () => {
    const { findings } = await flask('', 'try:', '    run_export()', 'except Exception:', '    app.logger.exception("export failed")', '    return jsonify(error="export failed"), 500');
    expect(findings).toEqual([]);
  });

  it('invalid: abort(500, str(e))', async () => {
    const { findings } = await flask('', 'try:', '    run_export()', 'except OSError as e:', '    abort(500, str(e))');
    expect(findings).toHaveLength(1);
  });

  it('invalid: app.run(debug=True)', async () => {
    const { findings } = await flask('if __name__ == "__main__":\n    app.run(debug=True)\n', 'return jsonify(run_export())');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain("Werkzeug's interactive debugger");
  });

  it('valid: app.run() without debug', async () => {
    const { item, findings } = await flask('if __name__ == "__main__":\n    app.run()\n', 'return jsonify(run_export())');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });
});
