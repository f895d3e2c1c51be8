/**
 * mass-assignment for Python (input.schema): the raw body written whole,
 * per framework, next to the neighbour that names its fields or saves a
 * schema's output.
 */
import { describe, expect, it } from 'vitest';
import check from './mass-assignment.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'input.schema', path, text, name);

const drf = (...lines: string[]) =>
  run(
    'api/views.py',
    `from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework import serializers
from django.db import models
class Profile(models.Model):
    bio = models.TextField()
    is_staff = models.BooleanField(default=False)
${lines.join('\n')}
`,
    'POST update_profile',
  );

describe('mass-assignment (Python): Django REST Framework', () => {
  it('invalid: Model.objects.create(**request.data)', async () => {
    const { item, findings } = await drf('@api_view(["POST"])', 'def update_profile(request):', '    Profile.objects.create(**request.data)', '    return Response(status=201)');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'mass-assignment', line: 10, severity: 'high', cwe: ['CWE-915'], owasp: ['API3:2023'] });
    expect(findings[0].message).toBe('`Profile.objects.create()` writes `request.data` as sent: the caller can set any field of `Profile` (such as `is_staff`).');
  });

  it('valid: named fields from validated_data', async () => {
    const { item, findings } = await drf('@api_view(["POST"])', 'def update_profile(request):', '    s = ProfileIn(data=request.data)', '    s.is_valid(raise_exception=True)', '    Profile.objects.create(bio=s.validated_data["bio"])', '    return Response(status=201)');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass' });
    expect(item.evidence[0].note).toContain('writes named fields or validated data');
  });

  it('invalid: serializer.save(**request.data)', async () => {
    const { findings } = await drf('@api_view(["POST"])', 'def update_profile(request):', '    s = ProfileIn(data=request.data)', '    s.is_valid(raise_exception=True)', '    s.save(**request.data)', '    return Response(status=201)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`s.save()` writes `request.data` as sent');
  });

  it('valid: serializer.save(owner=request.user)', async () => {
    const { findings } = await drf('@api_view(["POST"])', 'def update_profile(request):', '    s = ProfileIn(data=request.data)', '    s.is_valid(raise_exception=True)', '    s.save(owner=request.user)', '    return Response(status=201)');
    expect(findings).toEqual([]);
  });

  it('invalid: a setattr loop over request.data', async () => {
    const { findings } = await drf('@api_view(["POST"])', 'def update_profile(request):', '    profile = request.user.profile', '    for key, value in request.data.items():', '        setattr(profile, key, value)', '    profile.save()', '    return Response(status=204)');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 12 });
    expect(findings[0].message).toContain('`setattr(profile, ...)` in a loop over the body');
  });

  it('valid: a setattr loop over an allow-list', async () => {
    const { findings } = await drf('@api_view(["POST"])', 'def update_profile(request):', '    profile = request.user.profile', '    for key in ("bio",):', '        setattr(profile, key, request.data.get(key))', '    profile.save()', '    return Response(status=204)');
    expect(findings).toEqual([]);
  });

  it('invalid: fields = "__all__" on a writable serializer of a model with is_staff', async () => {
    const { findings } = await run(
      'api/views.py',
      `from rest_framework import serializers, generics
from django.db import models
class Profile(models.Model):
    bio = models.TextField()
    is_staff = models.BooleanField(default=False)
class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = "__all__"
class ProfileCreate(generics.CreateAPIView):
    serializer_class = ProfileSerializer
`,
      'POST ProfileCreate',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 9 });
    expect(findings[0].message).toBe('`ProfileSerializer` lets the caller write every field of `Profile` (`fields = "__all__"`), such as `is_staff`: POST ProfileCreate saves whatever the body sets.');
  });

  it('valid: the privileged field is read-only', async () => {
    const { findings, item } = await run(
      'api/views.py',
      `from rest_framework import serializers, generics
from django.db import models
class Profile(models.Model):
    bio = models.TextField()
    is_staff = models.BooleanField(default=False)
class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = "__all__"
        read_only_fields = ["is_staff"]
class ProfileCreate(generics.CreateAPIView):
    serializer_class = ProfileSerializer
`,
      'POST ProfileCreate',
    );
    expect(findings).toEqual([]);
    expect(item.status).not.toBe('fail');
  });

  it('valid: an explicit field list', async () => {
    const { findings, item } = await run(
      'api/views.py',
      `from rest_framework import serializers, generics
from django.db import models
class Profile(models.Model):
    bio = models.TextField()
    is_staff = models.BooleanField(default=False)
class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["bio"]
class ProfileCreate(generics.CreateAPIView):
    serializer_class = ProfileSerializer
`,
      'POST ProfileCreate',
    );
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 9, note: 'ProfileSerializer writes only the fields its Meta lists' }] });
  });

  it('n/a: a GET that writes nothing', async () => {
    const { item } = await run('api/views.py', `from rest_framework.decorators import api_view\nfrom rest_framework.response import Response\n@api_view(["GET"])\ndef ping(request):\n    return Response({"ok": True})\n`, 'GET ping');
    expect(item).toMatchObject({ status: 'n/a', reason: 'the endpoint writes no record from the request' });
  });
});

const fastapi = (...lines: string[]) =>
  run(
    'app/main.py',
    `from fastapi import FastAPI, Request
from pydantic import BaseModel
from .models import User
app = FastAPI()
class UserUpdate(BaseModel):
    name: str
${lines.join('\n')}
`,
    'PATCH /users/{user_id}',
  );

describe('mass-assignment (Python): FastAPI', () => {
  it('invalid: a model built from **await request.json()', async () => {
    const { findings } = await fastapi('@app.patch("/users/{user_id}")', 'async def update(user_id: int, request: Request):', '    db.add(User(**(await request.json())))', '    return {"ok": True}');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 9, severity: 'high' });
    expect(findings[0].message).toContain('`User()` writes `request.json()` as sent: the caller can set any field of `User`');
  });

  it('valid: a model built from the Pydantic model dump', async () => {
    const { findings, item } = await fastapi('@app.patch("/users/{user_id}")', 'async def update(user_id: int, payload: UserUpdate):', '    db.add(User(**payload.model_dump(exclude_unset=True)))', '    return {"ok": True}');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: user.__dict__.update(data)', async () => {
    const { findings } = await fastapi('@app.patch("/users/{user_id}")', 'async def update(user_id: int, request: Request):', '    data = await request.json()', '    user = db.get(User, user_id)', '    user.__dict__.update(data)', '    return {"ok": True}');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`user.__dict__.update()` writes `data`');
  });

  it('valid: __dict__.update from the schema output', async () => {
    const { findings } = await fastapi('@app.patch("/users/{user_id}")', 'async def update(user_id: int, payload: UserUpdate):', '    user = db.get(User, user_id)', '    user.__dict__.update(payload.model_dump())', '    return {"ok": True}');
    expect(findings).toEqual([]);
  });
});

const flask = (...lines: string[]) =>
  run('app.py', `from flask import Flask, request, jsonify\nfrom .models import Account\napp = Flask(__name__)\n${lines.join('\n')}\n`, 'PUT /accounts/<int:account_id>');

describe('mass-assignment (Python): Flask', () => {
  it('invalid: query.update(request.get_json())', async () => {
    const { findings } = await flask('@app.route("/accounts/<int:account_id>", methods=["PUT"])', 'def update(account_id):', '    Account.query.filter_by(id=account_id).update(request.get_json())', '    db.session.commit()', '    return jsonify(ok=True)');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 6, severity: 'high' });
    expect(findings[0].message).toContain('writes `request.get_json()` as sent');
  });

  it('valid: named fields from the body', async () => {
    const { findings, item } = await flask('@app.route("/accounts/<int:account_id>", methods=["PUT"])', 'def update(account_id):', '    body = request.get_json()', '    Account.query.filter_by(id=account_id).update({"name": body["name"]})', '    db.session.commit()', '    return jsonify(ok=True)');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: Account(**request.form)', async () => {
    const { findings } = await flask('@app.route("/accounts/<int:account_id>", methods=["PUT"])', 'def update(account_id):', '    db.session.add(Account(**request.form))', '    return jsonify(ok=True)');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`Account()` writes `request.form` as sent');
  });

describe('mass-assignment (Python): serializers in another file', () => {
  it('unknown: a writable User view whose serializer is imported', async () => {
    const { item, findings } = await run('api/views.py', `from rest_framework import generics\nfrom .models import User\nfrom .serializers import UserSerializer\nclass UserUpdate(generics.UpdateAPIView):\n    queryset = User.objects.all()\n    serializer_class = UserSerializer\n`, 'PUT UserUpdate');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('defined in another file');
  });

  it('n/a: a read of the same view', async () => {
    const { item } = await run('api/views.py', `from rest_framework import generics\nfrom .models import User\nfrom .serializers import UserSerializer\nclass UserRead(generics.RetrieveAPIView):\n    queryset = User.objects.all()\n    serializer_class = UserSerializer\n`, 'GET UserRead');
    expect(item.status).toBe('n/a');
  });
});
});
