/**
 * weak-token-verification for Python (authn.token-expiry): PyJWT and
 * python-jose, each weak call next to its verified neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './weak-token-verification.js';
import { analyzeSources, endpointOf } from '../../../test/support/analyze-source.js';

const HEAD = 'import jwt\nfrom fastapi import Depends, FastAPI, HTTPException\napp = FastAPI()\n';

/** A FastAPI app whose `get_current_user` dependency decodes with `decodeCall`. */
function app(decodeCall: string, head = HEAD): string {
  return `${head}\ndef get_current_user(token: str = Depends(oauth2_scheme)):\n    payload = ${decodeCall}\n    return payload["sub"]\n\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    return await db.all(Item)\n`;
}

async function verdict(code: string, extra: Record<string, string> = {}, endpoint = 'GET /items') {
  const result = await analyzeSources({ 'app/main.py': code, ...extra }, { pythonChecks: [check] });
  return { item: endpointOf(result, endpoint).checklist['authn.token-expiry'], findings: result.findings.filter((f) => f.ruleId === 'weak-token-verification') };
}

describe('weak-token-verification: PyJWT', () => {
  it('invalid: options={"verify_signature": False}', async () => {
    const { item, findings } = await verdict(app('jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_signature": False})'));
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 6, severity: 'high', cwe: ['CWE-347', 'CWE-613'], owasp: ['API2:2023'] });
    expect(findings[0].message).toContain('jwt.decode() only decodes the token');
  });

  it('valid: the same call with the key and pinned algorithms', async () => {
    const { item, findings } = await verdict(app('jwt.decode(token, SECRET, algorithms=["HS256"])'));
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 6 }] });
  });

  it('invalid: options={"verify_exp": False}', async () => {
    const { findings } = await verdict(app('jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})'));
    expect(findings.map((f) => f.message)).toEqual(['`"verify_exp": False` accepts expired tokens forever.']);
  });

  it('valid: options that keep the checks on ({"require": ["exp"]})', async () => {
    const { item } = await verdict(app('jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "sub"]})'));
    expect(item.status).toBe('pass');
  });

  it('invalid: algorithms missing', async () => {
    const { findings } = await verdict(app('jwt.decode(token, SECRET)'));
    expect(findings[0].message).toContain('does not pin `algorithms`');
  });

  it("invalid: algorithms including 'none'", async () => {
    const { findings } = await verdict(app('jwt.decode(token, SECRET, algorithms=["HS256", "none"])'));
    expect(findings[0].message).toContain("'none'");
  });

  it('invalid: PyJWT 1.x verify=False', async () => {
    const { findings } = await verdict(app('jwt.decode(token, verify=False)'));
    expect(findings.map((f) => f.message)).toEqual(['jwt.decode() only decodes the token: its signature and expiry are never checked, so any forged or expired token is accepted.']);
  });

  it('valid: a decode method of another object (base64) is not a JWT call', async () => {
    const { item, findings } = await verdict(app('base64.b64decode(token).decode("utf-8")'));
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
  });
});

describe('weak-token-verification: python-jose', () => {
  const JOSE = 'from jose import jwt\nfrom fastapi import Depends, FastAPI\napp = FastAPI()\n';

  it('invalid: jwt.get_unverified_claims(token)', async () => {
    const { findings } = await verdict(app('jwt.get_unverified_claims(token)', JOSE));
    expect(findings[0].message).toContain('jwt.get_unverified_claims() only decodes the token');
  });

  it('valid: jwt.decode(token, key, algorithms=[ALGORITHM])', async () => {
    const { item } = await verdict(app('jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM])', JOSE));
    expect(item.status).toBe('pass');
  });

  it('invalid: python-jose options={"verify_signature": False}', async () => {
    const { findings } = await verdict(app('jwt.decode(token, SECRET_KEY, algorithms=[ALGORITHM], options={"verify_signature": False})', JOSE));
    expect(findings).toHaveLength(1);
  });
});

describe('weak-token-verification: where no token is decoded', () => {
  it('unknown: the endpoint relies on a dependency of another file', async () => {
    const { item } = await verdict(`${HEAD}from app.auth import get_current_user\n\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    return await db.all(Item)\n`);
    expect(item).toMatchObject({ status: 'unknown' });
  });

  it('valid: DRF with simplejwt JWTAuthentication on the view', async () => {
    const code = 'from rest_framework.views import APIView\nfrom rest_framework.permissions import IsAuthenticated\nfrom rest_framework_simplejwt.authentication import JWTAuthentication\n\nclass Orders(APIView):\n    authentication_classes = [JWTAuthentication]\n    permission_classes = [IsAuthenticated]\n    def get(self, request):\n        return Response(list_orders(request.user))\n';
    const result = await analyzeSources({ 'shop/views.py': code }, { pythonChecks: [check] });
    expect(endpointOf(result, 'GET Orders').checklist['authn.token-expiry']).toMatchObject({ status: 'pass', evidence: [{ line: 6 }] });
  });

  it('n/a: an endpoint with no authentication handles no token', async () => {
    const { item } = await verdict(`${HEAD}\n@app.get("/items")\nasync def items():\n    return await db.all(Item)\n`);
    expect(item).toMatchObject({ status: 'n/a', reason: 'the endpoint handles no token itself' });
  });

  it('valid: @jwt_required() of flask-jwt-extended verifies signature and expiry', async () => {
    const code = 'from flask import Flask, jsonify\nfrom flask_jwt_extended import jwt_required\napp = Flask(__name__)\n\n@app.get("/items")\n@jwt_required()\ndef items():\n    return jsonify(Item.query.all())\n';
    const result = await analyzeSources({ 'web/app.py': code }, { pythonChecks: [check] });
    expect(endpointOf(result, 'GET /items').checklist['authn.token-expiry']).toMatchObject({ status: 'pass', evidence: [{ line: 6 }] });
  });

  it('unknown: a same-named jwt_required of another module is not trusted', async () => {
    const code = 'from flask import Flask, jsonify\nfrom .auth import jwt_required\napp = Flask(__name__)\n\n@app.get("/items")\n@jwt_required()\ndef items():\n    return jsonify(Item.query.all())\n';
    const result = await analyzeSources({ 'web/app.py': code }, { pythonChecks: [check] });
    expect(endpointOf(result, 'GET /items').checklist['authn.token-expiry'].status).toBe('unknown');
  });

  it('valid: a dependency imported from the project (from .auth import get_current_user) is read in its module', async () => {
    const { item } = await verdict(`${HEAD}from .auth import get_current_user\n\n@app.get("/items")\nasync def items(user = Depends(get_current_user)):\n    return await db.all(Item)\n`, {
      'app/auth.py': 'import jwt\n\ndef get_current_user(token: str = Depends(oauth2_scheme)):\n    return jwt.decode(token, SECRET, algorithms=["HS256"])\n',
    });
    expect(item).toMatchObject({ status: 'pass', evidence: [{ file: 'app/auth.py', line: 4 }] });
  });

  it('invalid: the imported dependency decodes without verifying; the finding is in its module', async () => {
    const result = await analyzeSources(
      { 'app/main.py': `${HEAD}from app.core import security\n\n@app.get("/items")\nasync def items(user = Depends(security.get_current_user)):\n    return await db.all(Item)\n` },
      { pythonChecks: [check], context: { 'app/core/security.py': 'import jwt\n\ndef get_current_user(token: str = Depends(oauth2_scheme)):\n    return jwt.decode(token, options={"verify_signature": False})\n' } },
    );
    expect(endpointOf(result, 'GET /items').checklist['authn.token-expiry'].status).toBe('fail');
    expect(result.findings.filter((f) => f.ruleId === 'weak-token-verification')).toMatchObject([{ file: 'app/core/security.py', line: 4 }]);
  });
});
