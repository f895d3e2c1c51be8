/**
 * identity-not-enforced for Python (authn.invalid-token): each identity check
 * whose failure lets the request go on, next to the neighbour that ends it
 * with 401/403.
 */
import { describe, expect, it } from 'vitest';
import check from './identity-not-enforced.js';
import { analyzeSources, endpointOf } from '../../../test/support/analyze-source.js';

const FASTAPI = 'import jwt\nfrom fastapi import Depends, FastAPI, HTTPException\napp = FastAPI()\n';
const FLASK = 'from flask import Flask, abort, jsonify, request\napp = Flask(__name__)\n';
const DRF = 'from rest_framework.views import APIView\nfrom rest_framework.response import Response\nfrom rest_framework.permissions import IsAuthenticated\nfrom rest_framework.authentication import BaseAuthentication\nfrom rest_framework.exceptions import AuthenticationFailed\n';

/** A FastAPI app whose `get_current_user` dependency has `body`, used by GET /items. */
function fastapi(body: string): string {
  return `${FASTAPI}\ndef get_current_user(token: str = Depends(oauth2_scheme)):\n${body}\n\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    return await db.items(user.id)\n`;
}

async function verdict(files: Record<string, string>, endpoint: string, context: Record<string, string> = {}) {
  const result = await analyzeSources(files, { pythonChecks: [check], context });
  return { item: endpointOf(result, endpoint).checklist['authn.invalid-token'], findings: result.findings.filter((f) => f.ruleId === 'identity-not-enforced') };
}

describe('identity-not-enforced: FastAPI dependencies', () => {
  it('invalid: except jwt.PyJWTError returns None', async () => {
    const { item, findings } = await verdict({ 'app/main.py': fastapi('    try:\n        payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    except jwt.PyJWTError:\n        return None\n    return payload["sub"]') }, 'GET /items');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 9, severity: 'high', cwe: ['CWE-287'], owasp: ['API2:2023'] });
    expect(findings[0].message).toContain('`except jwt.PyJWTError` around jwt.decode()');
  });

  it('valid: except jwt.PyJWTError raises HTTPException(401)', async () => {
    const { item, findings } = await verdict({ 'app/main.py': fastapi('    try:\n        payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    except jwt.PyJWTError:\n        raise HTTPException(status_code=401)\n    return payload["sub"]') }, 'GET /items');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 9 }] });
    expect(item.evidence[0].note).toContain('ends the request (401)');
  });

  it('invalid: except ... pass, then the handler goes on', async () => {
    const { findings } = await verdict({ 'app/main.py': fastapi('    payload = {}\n    try:\n        payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    except Exception:\n        pass\n    return payload.get("sub")') }, 'GET /items');
    expect(findings.map((f) => f.line)).toEqual([10]);
  });

  it('valid: the raise uses a credentials_exception bound above', async () => {
    const { item } = await verdict(
      { 'app/main.py': fastapi('    credentials_exception = HTTPException(status_code=401, detail="Could not validate credentials")\n    try:\n        payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    except jwt.PyJWTError:\n        raise credentials_exception\n    return payload["sub"]') },
      'GET /items',
    );
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('(401)');
  });

  it('invalid: the except answers 500 (HTTPException(status_code=500))', async () => {
    const { item, findings } = await verdict({ 'app/main.py': fastapi('    try:\n        payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    except jwt.PyJWTError:\n        raise HTTPException(status_code=500, detail="token error")\n    return payload["sub"]') }, 'GET /items');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ severity: 'low' });
    expect(findings[0].message).toContain('500 instead of 401');
  });

  it('invalid: a bare raise re-raises the PyJWT error (an unhandled 500)', async () => {
    const { findings } = await verdict({ 'app/main.py': fastapi('    try:\n        payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    except jwt.PyJWTError:\n        logger.warning("bad token")\n        raise\n    return payload["sub"]') }, 'GET /items');
    expect(findings[0].message).toContain('500 instead of 401');
  });

  it('invalid: if user is None only logs, the dependency returns None', async () => {
    const { findings } = await verdict({ 'app/main.py': fastapi('    payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    user = users.get(payload["sub"])\n    if user is None:\n        logger.warning("unknown user")\n    return user') }, 'GET /items');
    expect(findings.map((f) => f.line)).toEqual([8]);
    expect(findings[0].message).toContain('`if user is None:` does not end the request');
  });

  it('valid: if user is None raises 401 in the dependency', async () => {
    const { item, findings } = await verdict({ 'app/main.py': fastapi('    payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    user = users.get(payload["sub"])\n    if user is None:\n        raise HTTPException(status_code=401)\n    return user') }, 'GET /items');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 9 }] });
  });

  it('valid: a test on another name in the dependency is not an identity test', async () => {
    const { item } = await verdict({ 'app/main.py': fastapi('    payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    user = users.get(payload["sub"])\n    if not user.roles:\n        user.roles = ["reader"]\n    return user') }, 'GET /items');
    expect(item.status).toBe('unknown');
  });

  it('invalid: the if on the dependency parameter in the handler answers a 200 body', async () => {
    const { item, findings } = await verdict(
      { 'app/main.py': `${FASTAPI}\nasync def get_current_user(token: str = Depends(oauth2_scheme)):\n    return await users.by_token(token)\n\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    if not user:\n        return {"error": "not signed in"}\n    return await db.items(user.id)\n` },
      'GET /items',
    );
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 11, severity: 'low' });
    expect(findings[0].message).toContain('200 instead of 401');
  });

  it('valid: the if on the dependency parameter raises 401', async () => {
    const { item, findings } = await verdict(
      { 'app/main.py': `${FASTAPI}\nasync def get_current_user(token: str = Depends(oauth2_scheme)):\n    return await users.by_token(token)\n\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    if not user:\n        raise HTTPException(status_code=401)\n    return await db.items(user.id)\n` },
      'GET /items',
    );
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 11 }] });
  });

  it('unknown: a dependency that neither raises nor returns on failure in the code read', async () => {
    const { item } = await verdict({ 'app/main.py': fastapi('    return users.by_token(token)') }, 'GET /items');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('Depends(get_current_user)');
  });

  it('valid: an imported dependency (app/auth.py, one hop) raises 401', async () => {
    const auth = 'import jwt\nfrom fastapi import HTTPException\n\nasync def get_current_user(token: str = Depends(oauth2_scheme)):\n    try:\n        payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n    except jwt.PyJWTError:\n        raise HTTPException(status_code=401)\n    return payload\n';
    const main = 'from fastapi import Depends, FastAPI\nfrom .auth import get_current_user\napp = FastAPI()\n\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    return await db.items(user.id)\n';
    const { item } = await verdict({ 'app/main.py': main }, 'GET /items', { 'app/auth.py': auth });
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'app/auth.py', line: 8 });
  });

  it('invalid: the imported dependency swallows the error', async () => {
    const auth = 'import jwt\n\nasync def get_current_user(token: str = Depends(oauth2_scheme)):\n    try:\n        return jwt.decode(token, SECRET, algorithms=["HS256"])\n    except jwt.PyJWTError:\n        return None\n';
    const main = 'from fastapi import Depends, FastAPI\nfrom .auth import get_current_user\napp = FastAPI()\n\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    return await db.items(user)\n';
    const { findings } = await verdict({ 'app/main.py': main }, 'GET /items', { 'app/auth.py': auth });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: 'app/auth.py', line: 7 });
  });

  it('unknown: the imported dependency module is not available', async () => {
    const main = 'from fastapi import Depends, FastAPI\nfrom .auth import get_current_user\napp = FastAPI()\n\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    return await db.items(user.id)\n';
    const { item } = await verdict({ 'app/main.py': main }, 'GET /items');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('get_current_user is in another file');
  });

  it('n/a: no identity check at all', async () => {
    const { item } = await verdict({ 'app/main.py': `${FASTAPI}\n@app.get("/health")\nasync def health():\n    return {"ok": True}\n` }, 'GET /health');
    expect(item.status).toBe('n/a');
  });
});

describe('identity-not-enforced: Django authenticate() and identity results', () => {
  const view = (body: string) =>
    `from django.contrib.auth import authenticate\n${FLASK}\n@app.post("/login")\ndef login():\n    user = authenticate(request, username=request.json["u"], password=request.json["p"])\n${body}\n`;

  it('invalid: the result of authenticate() is never tested', async () => {
    const { findings } = await verdict({ 'web/app.py': view('    return jsonify(token=issue_token(user))') }, 'POST /login');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 7 });
    expect(findings[0].message).toContain('The result of authenticate() is never tested');
  });

  it('valid: if user is None: abort(401)', async () => {
    const { item, findings } = await verdict({ 'web/app.py': view('    if user is None:\n        abort(401)\n    return jsonify(token=issue_token(user))') }, 'POST /login');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 9 }] });
  });

  it('invalid: if not user: only logs and the view goes on', async () => {
    const { findings } = await verdict({ 'web/app.py': view('    if not user:\n        logger.warning("failed login")\n    return jsonify(token=issue_token(user))') }, 'POST /login');
    expect(findings[0].message).toContain('does not end the request');
  });

  it('invalid: if not user answers (body, 200)', async () => {
    const { findings } = await verdict({ 'web/app.py': view('    if not user:\n        return jsonify(error="bad credentials"), 200\n    return jsonify(token=issue_token(user))') }, 'POST /login');
    expect(findings[0].message).toContain('200 instead of 401');
  });

  it('valid: a form login view re-renders its template with the error (a page, not an API success)', async () => {
    for (const page of ['render_template("login.html", error="Invalid credentials")', 'render(request, "login.html", {"error": "Invalid credentials"})']) {
      const { item, findings } = await verdict({ 'web/app.py': view(`    if not user:\n        return ${page}\n    return redirect("/")`) }, 'POST /login');
      expect(findings).toEqual([]);
      expect(item.status).toBe('pass');
    }
  });

  it('valid: a re-rendered form answered with an explicit 401 shows the status as evidence', async () => {
    const { item } = await verdict({ 'web/app.py': view('    if not user:\n        return render_template("login.html", error="Invalid credentials"), 401\n    return redirect("/")') }, 'POST /login');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('(401)');
  });

  it('valid: if user: ... else returns (body, 401)', async () => {
    const { item } = await verdict({ 'web/app.py': view('    if user:\n        return jsonify(token=issue_token(user))\n    return jsonify(error="bad credentials"), 401') }, 'POST /login');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('(401)');
  });

  it('invalid: a same-file verify_token() that returns False, called and never tested', async () => {
    const code = `${FLASK}\ndef verify_token(token):\n    return token in TOKENS\n\n@app.get("/items")\ndef items():\n    ok = verify_token(request.headers.get("X-Token"))\n    return jsonify(db.items())\n`;
    const { findings } = await verdict({ 'web/app.py': code }, 'GET /items');
    expect(findings.map((f) => f.line)).toEqual([9]);
  });

  it('valid: a same-file verify_token() that aborts itself needs no test', async () => {
    const code = `${FLASK}\ndef verify_token(token):\n    if token not in TOKENS:\n        abort(401)\n\n@app.get("/items")\ndef items():\n    verify_token(request.headers.get("X-Token"))\n    return jsonify(db.items())\n`;
    const { item, findings } = await verdict({ 'web/app.py': code }, 'GET /items');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });
});

describe('identity-not-enforced: Flask', () => {
  const JWT = 'from flask_jwt_extended import get_jwt_identity, jwt_required, verify_jwt_in_request\n';

  it('invalid: verify_jwt_in_request(optional=True), then the identity is used as if required', async () => {
    const code = `${JWT}${FLASK}\n@app.get("/notes")\ndef notes():\n    verify_jwt_in_request(optional=True)\n    user_id = get_jwt_identity()\n    return jsonify(Note.query.filter_by(owner_id=user_id).all())\n`;
    const { findings } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 8 });
    expect(findings[0].message).toContain('optional=True');
  });

  it('valid: optional verification, and a missing identity answered with 401', async () => {
    const code = `${JWT}${FLASK}\n@app.get("/notes")\ndef notes():\n    verify_jwt_in_request(optional=True)\n    user_id = get_jwt_identity()\n    if user_id is None:\n        abort(401)\n    return jsonify(Note.query.filter_by(owner_id=user_id).all())\n`;
    const { item, findings } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: @jwt_required(optional=True) and get_jwt_identity() unchecked', async () => {
    const code = `${JWT}${FLASK}\n@app.get("/notes")\n@jwt_required(optional=True)\ndef notes():\n    return jsonify(Note.query.filter_by(owner_id=get_jwt_identity()).all())\n`;
    // Passed straight into the query: nothing tests it, but it is not bound to a name either; the optional decorator is the evidence.
    const { item } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('optional');
  });

  it('valid: @jwt_required() (flask-jwt-extended) answers 401 itself', async () => {
    const code = `${JWT}${FLASK}\n@app.get("/notes")\n@jwt_required()\ndef notes():\n    return jsonify(Note.query.filter_by(owner_id=get_jwt_identity()).all())\n`;
    const { item, findings } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('flask_jwt_extended');
  });

  it('invalid: a token_required decorator whose except returns a 200 message', async () => {
    const code = `import jwt\nfrom functools import wraps\n${FLASK}\ndef token_required(f):\n    @wraps(f)\n    def decorated(*args, **kwargs):\n        try:\n            data = jwt.decode(request.headers["x-access-token"], SECRET, algorithms=["HS256"])\n        except Exception:\n            return jsonify({"message": "Token is invalid!"})\n        return f(*args, **kwargs)\n    return decorated\n\n@app.get("/notes")\n@token_required\ndef notes():\n    return jsonify(db.notes())\n`;
    const { findings } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 12, severity: 'low' });
    expect(findings[0].message).toContain('200 instead of 401');
  });

  it('valid: the same decorator answers (body, 401)', async () => {
    const code = `import jwt\nfrom functools import wraps\n${FLASK}\ndef token_required(f):\n    @wraps(f)\n    def decorated(*args, **kwargs):\n        try:\n            data = jwt.decode(request.headers["x-access-token"], SECRET, algorithms=["HS256"])\n        except Exception:\n            return jsonify({"message": "Token is invalid!"}), 401\n        return f(*args, **kwargs)\n    return decorated\n\n@app.get("/notes")\n@token_required\ndef notes():\n    return jsonify(db.notes())\n`;
    const { item, findings } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 12 }] });
  });

  it('invalid: a before_request hook whose if not current_user.is_authenticated only logs', async () => {
    const code = `from flask_login import current_user\n${FLASK}\n@app.before_request\ndef require_login():\n    if not current_user.is_authenticated:\n        app.logger.info("anonymous request")\n\n@app.get("/notes")\ndef notes():\n    return jsonify(db.notes(current_user.id))\n`;
    const { findings } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(findings.map((f) => f.line)).toEqual([7]);
  });

  it('valid: the hook aborts with 401', async () => {
    const code = `from flask_login import current_user\n${FLASK}\n@app.before_request\ndef require_login():\n    if not current_user.is_authenticated:\n        abort(401)\n\n@app.get("/notes")\ndef notes():\n    return jsonify(db.notes(current_user.id))\n`;
    const { item } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 8 }] });
  });

  it('unknown: a custom decorator imported from another module', async () => {
    const code = `from .auth import token_required\n${FLASK}\n@app.get("/notes")\n@token_required\ndef notes():\n    return jsonify(db.notes())\n`;
    const { item } = await verdict({ 'web/app.py': code }, 'GET /notes');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('@token_required');
  });
});

describe('identity-not-enforced: Django REST Framework', () => {
  const authClass = (except: string) =>
    `${DRF}import jwt\n\nclass HeaderTokenAuthentication(BaseAuthentication):\n    def authenticate(self, request):\n        token = request.headers.get("Authorization")\n        if not token:\n            return None\n        try:\n            payload = jwt.decode(token, SECRET, algorithms=["HS256"])\n        except jwt.PyJWTError:\n${except}\n        return (User.objects.get(pk=payload["sub"]), None)\n\nclass OrderList(APIView):\n    authentication_classes = [HeaderTokenAuthentication]\n    permission_classes = [IsAuthenticated]\n\n    def get(self, request):\n        return Response(Order.objects.filter(customer=request.user).values())\n`;

  it('invalid: authenticate() returns a user when the token is invalid', async () => {
    const { findings } = await verdict({ 'shop/views.py': authClass('            return (AnonymousUser(), None)') }, 'GET OrderList');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 16 });
    expect(findings[0].message).toContain('returns a user when the credentials are invalid');
  });

  it('valid: authenticate() raises AuthenticationFailed', async () => {
    const { item, findings } = await verdict({ 'shop/views.py': authClass('            raise AuthenticationFailed("invalid token")') }, 'GET OrderList');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 16 }] });
    expect(item.evidence[0].note).toContain('(401)');
  });

  it('valid: authenticate() returns None (anonymous; IsAuthenticated answers)', async () => {
    const { item, findings } = await verdict({ 'shop/views.py': authClass('            return None') }, 'GET OrderList');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('anonymous');
  });

  it('invalid: a view answers an anonymous caller with a 200 body', async () => {
    const code = `${DRF}\nclass OrderList(APIView):\n    def get(self, request):\n        if not request.user.is_authenticated:\n            return Response({"detail": "sign in first"})\n        return Response(Order.objects.filter(customer=request.user).values())\n`;
    const { findings } = await verdict({ 'shop/views.py': code }, 'GET OrderList', { 'shop/settings.py': 'REST_FRAMEWORK = {}\n' });
    expect(findings[0]).toMatchObject({ line: 10, severity: 'low' });
  });

  it('valid: the same view answers 401', async () => {
    const code = `${DRF}from rest_framework import status\n\nclass OrderList(APIView):\n    def get(self, request):\n        if not request.user.is_authenticated:\n            return Response({"detail": "sign in first"}, status=status.HTTP_401_UNAUTHORIZED)\n        return Response(Order.objects.filter(customer=request.user).values())\n`;
    const { item, findings } = await verdict({ 'shop/views.py': code }, 'GET OrderList', { 'shop/settings.py': 'REST_FRAMEWORK = {}\n' });
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('valid: IsAuthenticated with the built-in authentication classes', async () => {
    const code = `${DRF}\nclass OrderList(APIView):\n    permission_classes = [IsAuthenticated]\n\n    def get(self, request):\n        return Response(Order.objects.filter(customer=request.user).values())\n`;
    const { item } = await verdict({ 'shop/views.py': code }, 'GET OrderList', { 'shop/settings.py': 'REST_FRAMEWORK = {}\n' });
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('DRF answers 401/403');
  });

  it('unknown: IsAuthenticated with a custom authentication class from another module', async () => {
    const code = `${DRF}from .auth import HeaderTokenAuthentication\n\nclass OrderList(APIView):\n    authentication_classes = [HeaderTokenAuthentication]\n    permission_classes = [IsAuthenticated]\n\n    def get(self, request):\n        return Response(Order.objects.filter(customer=request.user).values())\n`;
    const { item } = await verdict({ 'shop/views.py': code }, 'GET OrderList');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('HeaderTokenAuthentication');
  });

  it('n/a: AllowAny and no identity check', async () => {
    const code = `${DRF}from rest_framework.permissions import AllowAny\n\nclass Status(APIView):\n    permission_classes = [AllowAny]\n\n    def get(self, request):\n        return Response({"ok": True})\n`;
    const { item } = await verdict({ 'shop/views.py': code }, 'GET Status');
    expect(item.status).toBe('n/a');
  });
});
