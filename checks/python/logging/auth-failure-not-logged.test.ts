/**
 * auth-failure-not-logged for Python (logging.auth-failures): 401 answers
 * without a log call on their path, per framework, next to the neighbour
 * that logs first or through a logging exception handler.
 */
import { describe, expect, it } from 'vitest';
import check from './auth-failure-not-logged.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'logging.auth-failures', path, text, name);

const fastapi = (extra: string, ...body: string[]) =>
  run(
    'app/main.py',
    `import logging
from fastapi import FastAPI, Depends, HTTPException, Request
logger = logging.getLogger(__name__)
app = FastAPI()
def get_current_user(request: Request):
    user = decode(request.headers.get("authorization"))
${body.map((l) => `    ${l}`).join('\n')}
    return user
${extra}
@app.get("/me")
def me(user = Depends(get_current_user)):
    return {"id": user.id}
`,
    'GET /me',
  );

describe('auth-failure-not-logged (Python): FastAPI', () => {
  it('invalid: the dependency raises 401 without logging', async () => {
    const { item, findings } = await fastapi('', 'if user is None:', '    raise HTTPException(status_code=401, detail="Not authenticated")');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'auth-failure-not-logged', line: 8, cwe: ['CWE-778'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('This `raise HTTPException(status_code=401, detail="Not authenticated")` turns an unauthenticated caller away without logging it: failed sign-ins and bad tokens leave no trace.');
  });

  it('valid: a warning logged before the raise', async () => {
    const { item, findings } = await fastapi('', 'if user is None:', '    logger.warning("auth failure", extra={"path": request.url.path})', '    raise HTTPException(status_code=401)');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 8 }] });
    expect(item.evidence[0].note).toContain('the 401 at line 9 is logged first');
  });

  it('invalid: a log in another branch does not cover the raise', async () => {
    const { findings } = await fastapi('', 'if user is not None:', '    logger.info("ok")', 'if user is None:', '    raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED)');
    expect(findings).toHaveLength(1);
  });

  it('valid: an exception handler of the app that logs', async () => {
    const { item, findings } = await fastapi('@app.exception_handler(HTTPException)\nasync def on_http_error(request, exc):\n    logger.warning("http %s on %s", exc.status_code, request.url.path)\n    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)', 'if user is None:', '    raise HTTPException(status_code=401)');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toContain('reaches the exception handler at line');
  });

  it('invalid: raise credentials_exception defined above', async () => {
    const { findings } = await fastapi('', 'credentials_exception = HTTPException(status_code=401, detail="Could not validate credentials")', 'if user is None:', '    raise credentials_exception');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`raise credentials_exception`');
  });

  it('unknown: an imported dependency rejects', async () => {
    const { item } = await run('app/main.py', `from fastapi import FastAPI, Depends\nfrom .auth import get_current_user\napp = FastAPI()\n@app.get("/me")\ndef me(user = Depends(get_current_user)):\n    return {"id": user.id}\n`, 'GET /me');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`Depends(get_current_user)`');
  });

  it('n/a: a public route', async () => {
    const { item } = await run('app/main.py', `from fastapi import FastAPI\napp = FastAPI()\n@app.get("/health")\ndef health():\n    return {"ok": True}\n`, 'GET /health');
    expect(item.status).toBe('n/a');
  });
});

describe('auth-failure-not-logged (Python): Django REST Framework', () => {
  const drf = (...body: string[]) => run('api/views.py', `import logging\nfrom rest_framework.decorators import api_view\nfrom rest_framework.response import Response\nlogger = logging.getLogger(__name__)\n@api_view(["POST"])\ndef login(request):\n${body.map((l) => `    ${l}`).join('\n')}\n    return Response({"token": issue(user)})\n`, 'POST login');

  it('invalid: Response(status=401) without a log', async () => {
    const { findings } = await drf('user = authenticate(request, **credentials(request))', 'if user is None:', '    return Response({"detail": "invalid credentials"}, status=401)');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 9 });
  });

  it('valid: logged before the 401', async () => {
    const { item, findings } = await drf('user = authenticate(request, **credentials(request))', 'if user is None:', '    logger.warning("failed login from %s", request.META.get("REMOTE_ADDR"))', '    return Response({"detail": "invalid credentials"}, status=status.HTTP_401_UNAUTHORIZED)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('unknown: a raised AuthenticationFailed goes to the EXCEPTION_HANDLER', async () => {
    const { item, findings } = await drf('user = authenticate(request, **credentials(request))', 'if user is None:', '    raise AuthenticationFailed("invalid credentials")');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('EXCEPTION_HANDLER');
  });

  it('valid: a raised AuthenticationFailed after a log call', async () => {
    const { item } = await drf('user = authenticate(request, **credentials(request))', 'if user is None:', '    audit_login_failure(request)', '    raise AuthenticationFailed("invalid credentials")');
    expect(item.status).toBe('pass');
  });
});

describe('auth-failure-not-logged (Python): Flask', () => {
  const HEAD = 'from flask import Flask, request, abort, jsonify\nfrom flask_jwt_extended import JWTManager, jwt_required\napp = Flask(__name__)\njwt = JWTManager(app)\n';
  it('invalid: abort(401) without a log', async () => {
    const { findings } = await run('app.py', `${HEAD}@app.route("/admin")\ndef admin():\n    if not request.headers.get("X-Api-Key") == KEY:\n        abort(401)\n    return jsonify(ok=True)\n`, 'GET /admin');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 8 });
  });

  it('valid: app.logger before abort(401)', async () => {
    const { findings, item } = await run('app.py', `${HEAD}@app.route("/admin")\ndef admin():\n    if not request.headers.get("X-Api-Key") == KEY:\n        app.logger.warning("bad api key from %s", request.remote_addr)\n        abort(401)\n    return jsonify(ok=True)\n`, 'GET /admin');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: a jwt unauthorized_loader that does not log', async () => {
    const { findings } = await run('app.py', `${HEAD}@jwt.unauthorized_loader\ndef missing_token(reason):\n    return jsonify(msg=reason), 401\n@app.route("/me")\n@jwt_required()\ndef me():\n    return jsonify(ok=True)\n`, 'GET /me');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 5 });
  });

  it('valid: a jwt unauthorized_loader that logs', async () => {
    const { item, findings } = await run('app.py', `${HEAD}@jwt.unauthorized_loader\ndef missing_token(reason):\n    app.logger.warning("jwt rejected: %s", reason)\n    return jsonify(msg=reason), 401\n@app.route("/me")\n@jwt_required()\ndef me():\n    return jsonify(ok=True)\n`, 'GET /me');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: a before_request hook that answers the anonymous caller 403 without a log', async () => {
    const { findings } = await run('app.py', `from flask import Blueprint, Flask, abort\nfrom flask_login import current_user\napp = Flask(__name__)\nadmin = Blueprint("admin", __name__, url_prefix="/admin")\n@admin.before_request\ndef require_staff():\n    if not current_user.is_authenticated or not current_user.is_admin:\n        abort(403)\n@admin.delete("/users/<int:uid>")\ndef delete_user(uid):\n    return "", 204\n`, 'DELETE /admin/users/<int:uid>');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 8 });
  });

  it('valid: the same hook logs before abort(403)', async () => {
    const { item, findings } = await run('app.py', `from flask import Blueprint, Flask, abort, current_app\nfrom flask_login import current_user\napp = Flask(__name__)\nadmin = Blueprint("admin", __name__, url_prefix="/admin")\n@admin.before_request\ndef require_staff():\n    if not current_user.is_authenticated or not current_user.is_admin:\n        current_app.logger.warning("admin denied")\n        abort(403)\n@admin.delete("/users/<int:uid>")\ndef delete_user(uid):\n    return "", 204\n`, 'DELETE /admin/users/<int:uid>');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });
});
