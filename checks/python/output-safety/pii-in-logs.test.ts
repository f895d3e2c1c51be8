/**
 * pii-in-logs for Python (output.pii-logs): secrets, personal data and whole
 * request bodies in log calls, per framework, next to the masked neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './pii-in-logs.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'output.pii-logs', path, text, name);

const fastapi = (...lines: string[]) =>
  run('app/main.py', `import logging\nfrom fastapi import FastAPI, Request\nlogger = logging.getLogger(__name__)\napp = FastAPI()\n@app.post("/login")\nasync def login(request: Request, form: LoginForm):\n${lines.map((l) => `    ${l}`).join('\n')}\n    return {"ok": True}\n`, 'POST /login');

describe('pii-in-logs (Python): FastAPI', () => {
  it('invalid: the password in an f-string log message', async () => {
    const { item, findings } = await fastapi('logger.info(f"login {form.username} with {form.password}")');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'pii-in-logs', line: 7, cwe: ['CWE-532', 'CWE-359'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('`logger.info()` logs `form.password` unmasked.');
  });

  it('valid: only the user id', async () => {
    const { item, findings } = await fastapi('logger.info("login attempt", extra={"user_id": form.user_id})');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 7, note: 'the log call writes no secrets or personal data' }] });
  });

  it('invalid: the whole request headers', async () => {
    const { findings } = await fastapi('logger.debug("headers: %s", request.headers)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`logger.debug()` logs the whole request headers (`request.headers`) unmasked.');
  });

  it('valid: one header value that is not a credential', async () => {
    const { findings } = await fastapi('logger.debug("agent: %s", request.headers.get("user-agent"))');
    expect(findings).toEqual([]);
  });

  it('invalid: the raw body from await request.json()', async () => {
    const { findings } = await fastapi('logger.info("body %s", await request.json())');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('the whole request body (`request.json()`)');
  });

  it('n/a: nothing logged', async () => {
    const { item } = await fastapi('pass');
    expect(item).toMatchObject({ status: 'n/a', reason: 'the endpoint logs nothing' });
  });
});

const drf = (...lines: string[]) =>
  run('api/views.py', `import structlog\nfrom rest_framework.decorators import api_view\nfrom rest_framework.response import Response\nlog = structlog.get_logger()\n@api_view(["POST"])\ndef signup(request):\n${lines.map((l) => `    ${l}`).join('\n')}\n    return Response(status=201)\n`, 'POST signup');

describe('pii-in-logs (Python): Django REST Framework', () => {
  it('invalid: a structlog keyword named email', async () => {
    const { findings } = await drf('log.info("signup", email=request.data["email"])');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`log.info()` logs `email` unmasked.');
  });

  it('valid: the email masked', async () => {
    const { findings, item } = await drf('log.info("signup", email=mask_email(request.data["email"]))');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: request.data logged whole', async () => {
    const { findings } = await drf('log.info("signup", payload=request.data)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('the whole request body (`request.data`)');
  });

  it('invalid: extra={"token": ...}', async () => {
    const { findings } = await drf('import logging', 'logging.getLogger(__name__).warning("reset", extra={"token": request.data["token"]})');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`token`');
  });

  it('valid: the length of the token only', async () => {
    const { findings } = await drf('log.info("reset", token_length=len(request.data["token"]))');
    expect(findings).toEqual([]);
  });
});

const flask = (...lines: string[]) =>
  run('app.py', `from flask import Flask, request\napp = Flask(__name__)\n@app.route("/reset", methods=["POST"])\ndef reset():\n${lines.map((l) => `    ${l}`).join('\n')}\n    return "", 204\n`, 'POST /reset');

describe('pii-in-logs (Python): Flask', () => {
  it('invalid: print of the new password', async () => {
    const { findings } = await flask('new_password = request.form["password"]', 'print("new password", new_password)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`print()` logs `new_password` unmasked.');
  });

  it('valid: app.logger with the user id', async () => {
    const { findings, item } = await flask('user_id = current_user.id', 'app.logger.info("password reset for %s", user_id)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: app.logger with the Authorization header', async () => {
    const { findings } = await flask('authorization = request.headers.get("Authorization")', 'app.logger.info("auth %s", authorization)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`app.logger.info()` logs `authorization` unmasked.');
  });

  it('valid: a hashed email', async () => {
    const { findings } = await flask('email = request.form["email"]', 'app.logger.info("reset for %s", hash_email(email))');
    expect(findings).toEqual([]);
  });
});
