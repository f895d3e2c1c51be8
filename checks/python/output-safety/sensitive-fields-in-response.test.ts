/**
 * sensitive-fields-in-response for Python (output.fields): whole records
 * and secret fields sent back, per framework, next to the neighbour that
 * picks its fields.
 */
import { describe, expect, it } from 'vitest';
import check from './sensitive-fields-in-response.js';
import { pythonItem } from '../../../test/support/analyze-python-source.js';

const run = (path: string, text: string, name: string) => pythonItem(check, 'output.fields', path, text, name);

const FASTAPI_HEAD = `from fastapi import FastAPI, Depends
from pydantic import BaseModel
from sqlmodel import SQLModel, Field
app = FastAPI()
class User(SQLModel, table=True):
    id: int = Field(primary_key=True)
    email: str
    hashed_password: str
class UserOut(BaseModel):
    id: int
    email: str
`;

describe('sensitive-fields-in-response (Python): FastAPI', () => {
  it('invalid: a User row returned without response_model', async () => {
    const { item, findings } = await run('app/main.py', `${FASTAPI_HEAD}@app.get("/users/{user_id}")\ndef read(user_id: int, db = Depends(get_db)):\n    return db.get(User, user_id)\n`, 'GET /users/{user_id}');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'sensitive-fields-in-response', line: 14, cwe: ['CWE-200', 'CWE-213'], owasp: ['API3:2023'] });
    expect(findings[0].message).toBe('GET /users/{user_id} sends the whole `User` record from `db.get()`, with every column it has (password hash, tokens, internal fields).');
    expect(findings[0].fix).toContain('response_model=UserOut');
  });

  it('valid: response_model=UserOut', async () => {
    const { item, findings } = await run('app/main.py', `${FASTAPI_HEAD}@app.get("/users/{user_id}", response_model=UserOut)\ndef read(user_id: int, db = Depends(get_db)):\n    return db.get(User, user_id)\n`, 'GET /users/{user_id}');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 12, note: 'response_model `UserOut` filters what leaves (id, email)' }] });
  });

  it('valid: a -> UserOut return annotation', async () => {
    const { item, findings } = await run('app/main.py', `${FASTAPI_HEAD}@app.get("/users/{user_id}")\ndef read(user_id: int, db = Depends(get_db)) -> UserOut:\n    user = db.get(User, user_id)\n    return user\n`, 'GET /users/{user_id}');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('the return annotation `UserOut`');
  });

  it('invalid: response_model is the table model itself', async () => {
    const { findings } = await run('app/main.py', `${FASTAPI_HEAD}@app.get("/users/{user_id}", response_model=User)\ndef read(user_id: int, db = Depends(get_db)):\n    return db.get(User, user_id)\n`, 'GET /users/{user_id}');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('GET /users/{user_id} sends `hashed_password` to the client.');
  });

  it('invalid: a password hash in a returned dict', async () => {
    const { findings } = await run('app/main.py', `${FASTAPI_HEAD}@app.get("/me")\ndef me(user = Depends(get_current_user)):\n    return {"id": user.id, "password_hash": user.hashed_password}\n`, 'GET /me');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('GET /me sends `password_hash` to the client.');
  });

  it('valid: a login answer carrying its access token', async () => {
    const { item, findings } = await run('app/main.py', `${FASTAPI_HEAD}@app.post("/token")\ndef login(form = Depends(OAuth2PasswordRequestForm)):\n    return {"access_token": create_token(form.username), "token_type": "bearer"}\n`, 'POST /token');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('n/a: a non-sensitive model returned', async () => {
    const { item } = await run('app/main.py', `${FASTAPI_HEAD}@app.get("/items/{item_id}")\ndef read(item_id: int, db = Depends(get_db)):\n    return db.get(Item, item_id)\n`, 'GET /items/{item_id}');
    expect(item).toMatchObject({ status: 'n/a' });
  });
});

const DRF_HEAD = `from rest_framework import serializers, generics
from rest_framework.decorators import api_view
from rest_framework.response import Response
from django.forms.models import model_to_dict
from django.db import models
class Account(models.Model):
    username = models.CharField(max_length=50)
    password = models.CharField(max_length=128)
`;

describe('sensitive-fields-in-response (Python): Django REST Framework', () => {
  it('invalid: a ModelSerializer with fields = "__all__" on a model with a password', async () => {
    const { findings } = await run('api/views.py', `${DRF_HEAD}class AccountSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Account\n        fields = "__all__"\nclass AccountDetail(generics.RetrieveAPIView):\n    queryset = Account.objects.all()\n    serializer_class = AccountSerializer\n`, 'GET AccountDetail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 12 });
    expect(findings[0].message).toBe('GET AccountDetail sends `password` to the client: `AccountSerializer` sets `fields = "__all__"` on `Account`.');
  });

  it('valid: the password is write_only', async () => {
    const { item, findings } = await run('api/views.py', `${DRF_HEAD}class AccountSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Account\n        fields = ["id", "username", "password"]\n        extra_kwargs = {"password": {"write_only": True}}\nclass AccountDetail(generics.RetrieveAPIView):\n    queryset = Account.objects.all()\n    serializer_class = AccountSerializer\n`, 'GET AccountDetail');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 12, note: 'AccountSerializer sends only `id`, `username`' }] });
  });

  it('invalid: password listed in the fields', async () => {
    const { findings } = await run('api/views.py', `${DRF_HEAD}class AccountSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Account\n        fields = ["id", "username", "password"]\nclass AccountDetail(generics.RetrieveAPIView):\n    queryset = Account.objects.all()\n    serializer_class = AccountSerializer\n`, 'GET AccountDetail');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`AccountSerializer` lists it without `write_only`');
  });

  it('valid: exclude drops the password', async () => {
    const { findings } = await run('api/views.py', `${DRF_HEAD}class AccountSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Account\n        exclude = ["password"]\nclass AccountDetail(generics.RetrieveAPIView):\n    queryset = Account.objects.all()\n    serializer_class = AccountSerializer\n`, 'GET AccountDetail');
    expect(findings).toEqual([]);
  });

  it('invalid: model_to_dict of an Account', async () => {
    const { findings } = await run('api/views.py', `${DRF_HEAD}@api_view(["GET"])\ndef account(request, pk):\n    acc = Account.objects.get(pk=pk)\n    return Response(model_to_dict(acc))\n`, 'GET account');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('GET account sends the whole `Account` record from `Account.objects.get()` through `model_to_dict()`, with every column it has (password hash, tokens, internal fields).');
  });

  it('valid: model_to_dict with fields=', async () => {
    const { findings } = await run('api/views.py', `${DRF_HEAD}@api_view(["GET"])\ndef account(request, pk):\n    acc = Account.objects.get(pk=pk)\n    return Response(model_to_dict(acc, fields=["id", "username"]))\n`, 'GET account');
    expect(findings).toEqual([]);
  });
});

describe('sensitive-fields-in-response (Python): Flask', () => {
  const FLASK_HEAD = 'from flask import Flask, jsonify\napp = Flask(__name__)\n';
  it('invalid: jsonify(user.__dict__)', async () => {
    const { findings } = await run('app.py', `${FLASK_HEAD}@app.route("/users/<int:uid>")\ndef user(uid):\n    u = User.query.get_or_404(uid)\n    return jsonify(u.__dict__)\n`, 'GET /users/<int:uid>');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('sends the whole `User` record');
  });

  it('valid: chosen fields', async () => {
    const { item, findings } = await run('app.py', `${FLASK_HEAD}@app.route("/users/<int:uid>")\ndef user(uid):\n    u = User.query.get_or_404(uid)\n    return jsonify(id=u.id, name=u.name)\n`, 'GET /users/<int:uid>');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('invalid: a secret keyword in jsonify', async () => {
    const { findings } = await run('app.py', `${FLASK_HEAD}@app.route("/keys/<int:kid>")\ndef key(kid):\n    k = ApiKey.query.get_or_404(kid)\n    return jsonify(id=k.id, api_key=k.secret_value)\n`, 'GET /keys/<int:kid>');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('GET /keys/<int:kid> sends `api_key` to the client.');
  });

describe('sensitive-fields-in-response (Python): serializers in another file', () => {
  it('unknown: a User view whose serializer is imported', async () => {
    const { item, findings } = await run('api/views.py', `from rest_framework import generics\nfrom .models import User\nfrom .serializers import UserSerializer\nclass UserDetail(generics.RetrieveAPIView):\n    queryset = User.objects.all()\n    serializer_class = UserSerializer\n`, 'GET UserDetail');
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('`UserSerializer` over `User` records');
  });

  it('n/a: a Product view whose serializer is imported', async () => {
    const { item } = await run('api/views.py', `from rest_framework import generics\nfrom .models import Product\nfrom .serializers import ProductSerializer\nclass ProductDetail(generics.RetrieveAPIView):\n    queryset = Product.objects.all()\n    serializer_class = ProductSerializer\n`, 'GET ProductDetail');
    expect(item.status).toBe('n/a');
  });
});
});
