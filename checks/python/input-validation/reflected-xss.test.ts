/**
 * reflected-xss for Python (input.xss): request data into HTML without
 * escaping, per framework, next to the escaped or templated neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './reflected-xss.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'input.xss', path, text, name);

const fastapi = (...lines: string[]) =>
  run('app/main.py', `import html\nfrom fastapi import FastAPI\nfrom fastapi.responses import HTMLResponse\napp = FastAPI()\n@app.get("/hello")\ndef hello(name: str):\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'GET /hello');

describe('reflected-xss (Python): FastAPI', () => {
  it('invalid: a query parameter into HTMLResponse', async () => {
    const { item, findings } = await fastapi('return HTMLResponse(f"<h1>Hello {name}</h1>")');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'reflected-xss', line: 7, severity: 'high', cwe: ['CWE-79'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe('`HTMLResponse()` writes `name` (parameter `name`) from the request into HTML without escaping: the caller can inject script into the page.');
  });

  it('valid: html.escape() around the parameter', async () => {
    const { item, findings } = await fastapi('return HTMLResponse(f"<h1>Hello {html.escape(name)}</h1>")');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 7, note: 'request data is escaped with html.escape() before it goes into HTML' }] });
  });

  it('invalid: one escaped value and one raw value', async () => {
    const { findings } = await fastapi('return HTMLResponse(content=f"<h1>{html.escape(name)}</h1><p>{name}</p>")');
    expect(findings).toHaveLength(1);
  });

  it('valid: fixed HTML', async () => {
    const { item } = await fastapi('return HTMLResponse("<h1>Hello</h1>")');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ note: '`HTMLResponse()` writes only fixed text into its HTML' }] });
  });

  it('n/a: a JSON answer', async () => {
    const { item } = await fastapi('return {"hello": name}');
    expect(item).toMatchObject({ status: 'n/a', reason: 'the endpoint answers no HTML' });
  });
});

const django = (...lines: string[]) =>
  run('api/views.py', `from django.http import HttpResponse\nfrom django.utils.safestring import mark_safe\nfrom django.utils.html import format_html\nfrom rest_framework.decorators import api_view\n@api_view(["GET"])\ndef greet(request):\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'GET greet');

describe('reflected-xss (Python): Django REST Framework', () => {
  it('invalid: mark_safe around request data', async () => {
    const { findings } = await django('bio = request.GET.get("bio", "")', 'return HttpResponse(mark_safe("<div>" + bio + "</div>"))');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('writes `bio` (`request.GET`) from the request into HTML without escaping');
  });

  it('valid: format_html', async () => {
    const { findings, item } = await django('bio = request.GET.get("bio", "")', 'return HttpResponse(format_html("<div>{}</div>", bio))');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: HttpResponse with an f-string of a query value', async () => {
    const { findings } = await django('return HttpResponse(f"<p>{request.GET[\'q\']}</p>")');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`HttpResponse()` writes `request.GET`');
  });

  it('valid: HttpResponse of JSON text is not a page', async () => {
    const { item } = await django('return HttpResponse(json.dumps({"q": request.GET["q"]}), content_type="application/json")');
    expect(item.status).toBe('n/a');
  });
});

const flask = (...lines: string[]) =>
  run('app.py', `from flask import Flask, request, render_template, render_template_string\nfrom markupsafe import Markup, escape\napp = Flask(__name__)\n@app.route("/hello")\ndef hello():\n${lines.map((l) => `    ${l}`).join('\n')}\n`, 'GET /hello');

describe('reflected-xss (Python): Flask', () => {
  it('invalid: a returned f-string with request.args', async () => {
    const { findings } = await flask('name = request.args.get("name", "")', 'return f"<h1>Hello {name}</h1>"');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 7 });
    expect(findings[0].message).toBe("The view's returned string (Flask sends it as text/html) writes `name` (`request.args`) from the request into HTML without escaping: the caller can inject script into the page.");
  });

  it('valid: markupsafe escape()', async () => {
    const { findings, item } = await flask('name = request.args.get("name", "")', 'return f"<h1>Hello {escape(name)}</h1>"');
    expect(findings).toEqual([]);
    expect(item.evidence[0].note).toBe('request data is escaped with escape() before it goes into HTML');
  });

  it('invalid: render_template_string of a request template (SSTI)', async () => {
    const { findings } = await flask('return render_template_string(request.args.get("tpl"))');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`render_template_string()` renders a template taken from `request.args`: the caller writes the template itself (HTML, and Jinja code that runs on the server).');
  });

  it('valid: render_template_string with a fixed template and a variable', async () => {
    const { findings, item } = await flask('return render_template_string("<h1>{{ name }}</h1>", name=request.args.get("name"))');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: Markup() around request data', async () => {
    const { findings } = await flask('return Markup("<b>%s</b>" % request.args["q"])');
    expect(findings).toHaveLength(1);
  });

  it('valid: render_template (autoescape)', async () => {
    const { item, findings } = await flask('return render_template("hello.html", name=request.args.get("name"))');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ note: 'render_template() renders a template that escapes what it interpolates (autoescape)' }] });
  });
});
