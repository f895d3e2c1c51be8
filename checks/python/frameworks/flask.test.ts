/**
 * Flask discovery beyond route decorators: a view serving several methods
 * read per method (`if request.method == ...` branches), MethodView classes
 * and function views registered with `add_url_rule`.
 */
import { describe, expect, it } from 'vitest';
import { parsePython } from '../../lang/py/parse.js';
import { analyzeSources, endpointOf } from '../../../test/support/analyze-source.js';
import { discoverPythonEndpoints } from './index.js';

const HEAD = 'from flask import Blueprint, Flask, jsonify, request\nfrom flask.views import MethodView\nfrom flask_login import login_required\napp = Flask(__name__)\n';

async function discover(code: string) {
  const index = await parsePython('web/app.py', code);
  return { index, endpoints: discoverPythonEndpoints(index) };
}

/** The text of the endpoint's code, scope by scope. */
function codeOf(index: { text: string }, endpoint: { scopes: { pos: number; end: number }[] }): string {
  return endpoint.scopes.map((scope) => index.text.slice(scope.pos, scope.end)).join('\n');
}

describe('Flask: one view, several methods', () => {
  const VIEW = `${HEAD}\n@app.route("/notes/<int:id>", methods=["PUT", "DELETE"])\ndef note(id):\n    note = Note.query.get_or_404(id)\n    if request.method == "DELETE":\n        db.session.delete(note)\n    else:\n        note.text = request.json["text"]\n    db.session.commit()\n    return jsonify(ok=True)\n`;

  it('each method reads only the branch it takes', async () => {
    const { index, endpoints } = await discover(VIEW);
    const [put, del] = endpoints;
    expect([put.method, del.method]).toEqual(['PUT', 'DELETE']);
    expect(codeOf(index, put)).toContain('request.json');
    expect(codeOf(index, put)).not.toContain('db.session.delete');
    expect(codeOf(index, del)).toContain('db.session.delete');
    expect(codeOf(index, del)).not.toContain('request.json');
    // The code every method runs stays in both.
    expect(codeOf(index, del)).toContain('db.session.commit()');
  });

  it('the checklist follows: DELETE is not failed for the body only PUT reads', async () => {
    const result = await analyzeSources({ 'web/app.py': VIEW });
    expect(endpointOf(result, 'PUT /notes/<int:id>').checklist['input.schema'].status).toBe('fail');
    expect(endpointOf(result, 'DELETE /notes/<int:id>').checklist['input.schema'].status).not.toBe('fail');
  });

  it('elif chains and `in (...)` tests: the first clause that takes the method', async () => {
    const { index, endpoints } = await discover(`${HEAD}\n@app.route("/x", methods=["GET", "POST", "PATCH"])\ndef x():\n    if request.method in ("POST", "PATCH"):\n        save(request.json)\n    elif request.method == "GET":\n        return jsonify(load())\n    return "", 204\n`);
    const code = Object.fromEntries(endpoints.map((endpoint) => [endpoint.method, codeOf(index, endpoint)]));
    expect(code.GET).not.toContain('save(');
    expect(code.GET).toContain('load()');
    expect(code.POST).toContain('save(');
    expect(code.PATCH).not.toContain('load()');
  });

  it('a condition that is not only a method test keeps the whole view', async () => {
    const { index, endpoints } = await discover(`${HEAD}\n@app.route("/x", methods=["GET", "POST"])\ndef x():\n    if request.method == "POST" and request.json:\n        save(request.json)\n    return jsonify(load())\n`);
    expect(endpoints.map((endpoint) => codeOf(index, endpoint).includes('save('))).toEqual([true, true]);
  });

  it('a view with one method is read whole', async () => {
    const { index, endpoints } = await discover(`${HEAD}\n@app.route("/x", methods=["POST"])\ndef x():\n    if request.method == "GET":\n        return jsonify(load())\n    save(request.json)\n    return "", 204\n`);
    expect(codeOf(index, endpoints[0])).toContain('load()');
  });
});

describe('Flask: add_url_rule', () => {
  it('a MethodView: one endpoint per method it defines, with its decorators', async () => {
    const { endpoints } = await discover(`${HEAD}bp = Blueprint("api", __name__, url_prefix="/api")\n\nclass NoteAPI(MethodView):\n    decorators = [login_required]\n\n    def get(self, id):\n        return jsonify(Note.query.get_or_404(id).to_dict())\n\n    def delete(self, id):\n        db.session.delete(Note.query.get_or_404(id))\n        return "", 204\n\nbp.add_url_rule("/notes/<int:id>", view_func=NoteAPI.as_view("note"))\n`);
    expect(endpoints.map((e) => `${e.method} ${e.route} @${e.line}`)).toEqual(['GET /api/notes/<int:id> @10', 'DELETE /api/notes/<int:id> @13']);
    expect(endpoints[0].decorators.map((d) => d.name)).toEqual(['login_required']);
    expect(endpoints[1].handler?.line).toBe(13);
  });

  it('methods=[...] on the rule limits a MethodView to those methods', async () => {
    const { endpoints } = await discover(`${HEAD}\nclass NoteAPI(MethodView):\n    def get(self):\n        return "a"\n\n    def post(self):\n        return "b"\n\napp.add_url_rule("/notes", view_func=NoteAPI.as_view("notes"), methods=["GET"])\n`);
    expect(endpoints.map((e) => e.method)).toEqual(['GET']);
  });

  it('a function view with methods', async () => {
    const { endpoints } = await discover(`${HEAD}\n@login_required\ndef list_notes():\n    return jsonify([])\n\napp.add_url_rule("/notes", "notes", list_notes, methods=["GET", "POST"])\n`);
    expect(endpoints.map((e) => `${e.method} ${e.route}`)).toEqual(['GET /notes', 'POST /notes']);
    expect(endpoints[0].decorators.map((d) => d.name)).toEqual(['login_required']);
  });

  it('the checks read the MethodView: decorators authenticate, a method without one fails', async () => {
    const code = `${HEAD}\nclass NoteAPI(MethodView):\n    decorators = [login_required]\n\n    def get(self, id):\n        return jsonify(Note.query.get_or_404(id).to_dict())\n\nclass ExportAPI(MethodView):\n    def get(self):\n        return jsonify([n.to_dict() for n in Note.query.all()])\n\napp.add_url_rule("/notes/<int:id>", view_func=NoteAPI.as_view("note"))\napp.add_url_rule("/export", view_func=ExportAPI.as_view("export"))\n`;
    const result = await analyzeSources({ 'web/app.py': code });
    expect(endpointOf(result, 'GET /notes/<int:id>').checklist['authn.identity'].status).toBe('pass');
    expect(endpointOf(result, 'GET /export').checklist['authn.identity'].status).toBe('fail');
  });

  it('an unknown object with a relative rule is not a route', async () => {
    const { endpoints } = await discover(`${HEAD}\ndef f():\n    return "a"\n\nrules.add_url_rule("notes", view_func=f)\n`);
    expect(endpoints).toEqual([]);
  });
});
