/**
 * denial-not-logged for Python (logging.denials): 403s and not-owner 404s
 * without a log call on their path, per framework, next to the logging
 * neighbour.
 */
import { describe, expect, it } from 'vitest';
import check from './denial-not-logged.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'logging.denials', path, text, name);

const fastapi = (...body: string[]) =>
  run('app/main.py', `import logging\nfrom fastapi import FastAPI, Depends, HTTPException\nlogger = logging.getLogger(__name__)\napp = FastAPI()\n@app.delete("/notes/{note_id}")\ndef delete(note_id: int, user = Depends(get_current_user)):\n    note = db.get(Note, note_id)\n${body.map((l) => `    ${l}`).join('\n')}\n    db.delete(note)\n`, 'DELETE /notes/{note_id}');

describe('denial-not-logged (Python): FastAPI', () => {
  it('invalid: a 403 for a not-owner without a log', async () => {
    const { item, findings } = await fastapi('if note.owner_id != user.id:', '    raise HTTPException(status_code=403)');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'denial-not-logged', line: 9, cwe: ['CWE-778'], owasp: ['API8:2023'] });
    expect(findings[0].message).toBe("This `raise HTTPException(status_code=403)` denies access without logging it: attempts to reach other users' records or privileged actions leave no trace.");
  });

  it('valid: logged before the 403', async () => {
    const { item, findings } = await fastapi('if note.owner_id != user.id:', '    logger.warning("access denied", extra={"user_id": user.id, "note": note_id})', '    raise HTTPException(status_code=403)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: a 404 in the not-owner branch', async () => {
    const { findings } = await fastapi('if note is None or note.owner_id != user.id:', '    raise HTTPException(status_code=404)');
    expect(findings).toHaveLength(1);
  });

  it('n/a: a 404 for a missing record only', async () => {
    const { item, findings } = await fastapi('if note is None:', '    raise HTTPException(status_code=404)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('unknown: scopes in a Security dependency deny elsewhere', async () => {
    const { item } = await run('app/main.py', `from fastapi import FastAPI, Security\nfrom .auth import get_current_user\napp = FastAPI()\n@app.delete("/notes/{note_id}")\ndef delete(note_id: int, user = Security(get_current_user, scopes=["notes:delete"])):\n    db.delete(db.get(Note, note_id))\n`, 'DELETE /notes/{note_id}');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('notes:delete');
  });
});

describe('denial-not-logged (Python): Django REST Framework', () => {
  const drf = (...body: string[]) => run('api/views.py', `import logging\nfrom rest_framework.decorators import api_view\nfrom rest_framework.response import Response\nfrom rest_framework import status\nlogger = logging.getLogger(__name__)\n@api_view(["DELETE"])\ndef delete_note(request, pk):\n    note = Note.objects.get(pk=pk)\n${body.map((l) => `    ${l}`).join('\n')}\n    note.delete()\n    return Response(status=204)\n`, 'DELETE delete_note');

  it('invalid: Response 403 without a log', async () => {
    const { findings } = await drf('if note.owner != request.user:', '    return Response(status=status.HTTP_403_FORBIDDEN)');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 10 });
  });

  it('valid: logged before the 403', async () => {
    const { item, findings } = await drf('if note.owner != request.user:', '    logger.warning("denied: %s on note %s", request.user.pk, pk)', '    return Response(status=status.HTTP_403_FORBIDDEN)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('unknown: raise PermissionDenied goes to the EXCEPTION_HANDLER', async () => {
    const { item } = await drf('if note.owner != request.user:', '    raise PermissionDenied()');
    expect(item.status).toBe('unknown');
  });

  it('unknown: IsAdminUser denies in DRF', async () => {
    const { item } = await run('api/views.py', `from rest_framework.views import APIView\nfrom rest_framework.permissions import IsAdminUser\nfrom rest_framework.response import Response\nclass Purge(APIView):\n    permission_classes = [IsAdminUser]\n    def post(self, request):\n        purge()\n        return Response(status=204)\n`, 'POST Purge');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`IsAdminUser`');
  });
});

describe('denial-not-logged (Python): Flask', () => {
  const flask = (...body: string[]) => run('app.py', `from flask import Flask, abort, jsonify\nfrom flask_login import current_user, login_required\napp = Flask(__name__)\n@app.route("/posts/<int:pid>", methods=["DELETE"])\n@login_required\ndef delete_post(pid):\n    post = Post.query.get_or_404(pid)\n${body.map((l) => `    ${l}`).join('\n')}\n    db.session.delete(post)\n    return jsonify(ok=True)\n`, 'DELETE /posts/<int:pid>');

  it('invalid: abort(403) without a log', async () => {
    const { findings } = await flask('if post.author_id != current_user.id:', '    abort(403)');
    expect(findings).toHaveLength(1);
  });

  it('valid: logged before abort(403)', async () => {
    const { findings, item } = await flask('if post.author_id != current_user.id:', '    app.logger.warning("user %s denied post %s", current_user.id, pid)', '    abort(403)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('valid: an errorhandler(403) that logs', async () => {
    const { findings, item } = await run('app.py', `from flask import Flask, abort, jsonify, request\napp = Flask(__name__)\n@app.errorhandler(403)\ndef forbidden(error):\n    app.logger.warning("403 on %s", request.path)\n    return jsonify(error="forbidden"), 403\n@app.route("/posts/<int:pid>", methods=["DELETE"])\ndef delete_post(pid):\n    post = Post.query.get_or_404(pid)\n    if post.author_id != current_user.id:\n        abort(403)\n    return jsonify(ok=True)\n`, 'DELETE /posts/<int:pid>');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: a returned (body, 403) tuple', async () => {
    const { findings } = await flask('if post.author_id != current_user.id:', '    return jsonify(error="forbidden"), 403');
    expect(findings).toHaveLength(1);
  });
});
