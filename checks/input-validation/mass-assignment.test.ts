/**
 * mass-assignment (input.schema), per ORM: the body written whole or spread
 * next to the neighbour that names its fields or writes a schema's output.
 */
import { describe, expect, it } from 'vitest';
import check from './mass-assignment.js';
import { analyzeSources, endpointOf } from '../../test/support/analyze-source.js';

async function run(files: Record<string, string>, name: string, context: Record<string, string> = {}) {
  const result = await analyzeSources(files, { checks: [check], context });
  return { item: endpointOf(result, name).checklist['input.schema'], findings: result.findings };
}

/** An Express PATCH /items/:id whose handler body is `lines` (from line 5), after `imports` (line 2). */
const express = (imports: string, ...lines: string[]) =>
  run(
    {
      'src/routes/items.ts': `import express from 'express';
${imports}
const router = express.Router();
router.patch('/items/:id', async (req, res) => {
${lines.join('\n')}
});
export default router;
`,
    },
    'PATCH /items/:id',
  );

describe('mass-assignment: Prisma', () => {
  it('invalid: data: req.body on a user model is high', async () => {
    const { item, findings } = await express('', '  const user = await prisma.user.update({ where: { id: req.params.id }, data: req.body });', '  res.json({ id: user.id });');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'mass-assignment', line: 5, severity: 'high', cwe: ['CWE-915'], owasp: ['API3:2023'] });
    expect(findings[0].message).toBe('`prisma.user.update()` writes `req.body` as sent: the caller can set any field of `user` (such as a role or verified flag).');
  });

  it('valid: named fields of the body', async () => {
    const { item, findings } = await express('', '  await prisma.user.update({ where: { id: req.params.id }, data: { name: req.body.name, bio: req.body.bio } });', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 5, note: 'prisma.user.update() writes named fields, not the raw body' }] });
  });

  it('invalid: a spread of the body with the owner set after it is still the whole body', async () => {
    const { findings } = await express('', '  await prisma.note.create({ data: { ...req.body, ownerId: req.user.id } });', '  res.sendStatus(201);');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'medium' });
    expect(findings[0].message).toBe('`prisma.note.create()` writes `req.body` as sent: the caller can set any field of `note`.');
  });

  it('invalid: a privileged field named elsewhere in the file makes it high', async () => {
    const { findings } = await express('type Note = { id: string; ownerId: string; pinned: boolean; approved: boolean };', '  await prisma.note.create({ data: { ...req.body, ownerId: req.user.id } });', '  res.sendStatus(201);');
    expect(findings[0]).toMatchObject({ severity: 'high' });
    expect(findings[0].message).toContain('(this file names `approved`)');
  });

  it('invalid: a model without privileged fields in sight is medium', async () => {
    const { findings } = await express('', '  await prisma.note.create({ data: req.body });', '  res.sendStatus(201);');
    expect(findings[0]).toMatchObject({ severity: 'medium' });
    expect(findings[0].message).toBe('`prisma.note.create()` writes `req.body` as sent: the caller can set any field of `note`.');
  });

  it('valid: a zod schema output (unknown keys stripped)', async () => {
    const { item, findings } = await express("import { z } from 'zod';\nconst Patch = z.object({ name: z.string() });", '  const data = Patch.parse(req.body);', '  await prisma.user.update({ where: { id: req.params.id }, data });', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ note: "prisma.user.update() writes the schema's output, not the raw body" }] });
  });

  it('invalid: the output of a zod schema with .passthrough() keeps unlisted fields', async () => {
    const { findings } = await express("import { z } from 'zod';\nconst Patch = z.object({ name: z.string() }).passthrough();", '  const data = Patch.parse(req.body);', '  await prisma.user.update({ where: { id: req.params.id }, data });', '  res.sendStatus(204);');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toBe('`prisma.user.update()` writes the output of `Patch`, which keeps fields it does not list (`.passthrough()`): the caller can still set any field of `user` (such as a role or verified flag).');
  });

  it('valid: named fields of a .passthrough() schema', async () => {
    const { findings } = await express("import { z } from 'zod';\nconst Patch = z.object({ name: z.string() }).passthrough();", '  const data = Patch.parse(req.body);', '  await prisma.user.update({ where: { id: req.params.id }, data: { name: data.name } });', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
  });

  it('invalid: the value of a joi schema with .unknown(true)', async () => {
    const { findings } = await express(
      "import Joi from 'joi';\nconst schema = Joi.object({ name: Joi.string() }).unknown(true);",
      '  const { error, value } = schema.validate(req.body);',
      '  if (error) return res.sendStatus(400);',
      '  await prisma.user.update({ where: { id: req.params.id }, data: value });',
      '  res.sendStatus(204);',
    );
    expect(findings[0].message).toContain('keeps fields it does not list (`.unknown(true)`)');
  });

  it('invalid: a checked safeParse, but the raw body written', async () => {
    const { findings } = await express(
      "import { z } from 'zod';",
      '  const result = z.object({ name: z.string() }).safeParse(req.body);',
      '  if (!result.success) return res.sendStatus(400);',
      '  await prisma.user.update({ where: { id: req.params.id }, data: req.body });',
      '  res.sendStatus(204);',
    );
    expect(findings[0].message).toBe('`prisma.user.update()` writes `req.body`, which zod safeParse checked without dropping unknown fields: the caller can still set any field of `user` (such as a role or verified flag).');
  });

  it('valid: joi rejects unknown keys by default, so its checked body may be written', async () => {
    const { findings } = await express(
      "import Joi from 'joi';\nconst schema = Joi.object({ name: Joi.string() });",
      '  const { error } = schema.validate(req.body);',
      '  if (error) return res.sendStatus(400);',
      '  await prisma.user.update({ where: { id: req.params.id }, data: req.body });',
      '  res.sendStatus(204);',
    );
    expect(findings).toEqual([]);
  });

  it('invalid: upsert with the body in create and update, one finding for the call', async () => {
    const { findings } = await express('', '  await prisma.profile.upsert({ where: { id: req.params.id }, create: req.body, update: req.body });', '  res.sendStatus(204);');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`prisma.profile.upsert()` writes `req.body` as sent');
  });

  it('invalid: the rest of a destructured body', async () => {
    const { findings } = await express('', '  const { id, ...changes } = req.body;', '  await prisma.account.update({ where: { id }, data: changes });', '  res.sendStatus(204);');
    expect(findings[0].message).toContain('writes `req.body` as sent');
  });

  it('n/a: no create or update', async () => {
    const { item } = await express('', '  res.json(await prisma.item.findUnique({ where: { id: req.params.id } }));');
    expect(item).toMatchObject({ status: 'n/a', reason: 'no record is created or updated in the endpoint’s code' });
  });

  it('n/a: a write of server data only', async () => {
    const { item } = await express('', '  await prisma.auditLog.create({ data: { at: new Date(), action: "view" } });', '  res.sendStatus(204);');
    expect(item).toMatchObject({ status: 'n/a', reason: 'no record write takes request data' });
  });
});

describe('mass-assignment: Drizzle', () => {
  const route = (...lines: string[]) =>
    run(
      {
        'app/api/users/[id]/route.ts': `import { db } from '@/db';
import { users } from '@/db/schema';
import { eq } from 'drizzle-orm';
export async function PATCH(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
${lines.join('\n')}
  return Response.json({ ok: true });
}
`,
      },
      'PATCH /api/users/[id]',
    );

  it('invalid: .set(body) with the parsed JSON', async () => {
    const { findings } = await route('  const body = await request.json();', '  await db.update(users).set(body).where(eq(users.id, id));');
    expect(findings[0].message).toBe('`db.update.set()` writes `request.body` as sent: the caller can set any field of `users` (such as a role or verified flag).');
    expect(findings[0].line).toBe(7);
  });

  it('valid: .set() with the fields of a parsed schema', async () => {
    const { findings, item } = await route("  const { name } = UpdateUser.parse(await request.json());", '  await db.update(users).set({ name }).where(eq(users.id, id));');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: .values(body) on insert', async () => {
    const { findings } = await route('  const body = await request.json();', '  await db.insert(users).values(body);');
    expect(findings).toHaveLength(1);
  });
});

describe('mass-assignment: Mongoose, Sequelize, TypeORM', () => {
  it('invalid: new Model(req.body)', async () => {
    const { findings } = await express("import { Item } from '../models/item';", '  const item = new Item(req.body);', '  await item.save();', '  res.json({ id: item.id });');
    expect(findings[0].message).toBe('`new Item()` writes `req.body` as sent: the caller can set any field of `Item`.');
  });

  it('valid: new Model with picked fields', async () => {
    const { findings } = await express("import { Item } from '../models/item';", '  const item = new Item({ title: req.body.title });', '  await item.save();', '  res.json({ id: item.id });');
    expect(findings).toEqual([]);
  });

  it('invalid: findByIdAndUpdate(id, req.body)', async () => {
    const { findings } = await express("import { User } from '../models/user';", '  await User.findByIdAndUpdate(req.params.id, req.body);', '  res.sendStatus(204);');
    expect(findings[0]).toMatchObject({ severity: 'high' });
  });

  it('invalid: findByIdAndUpdate with $set of the body', async () => {
    const { findings } = await express("import { User } from '../models/user';", '  await User.findByIdAndUpdate(req.params.id, { $set: req.body });', '  res.sendStatus(204);');
    expect(findings).toHaveLength(1);
  });

  it('valid: findByIdAndUpdate with $set of named fields', async () => {
    const { findings } = await express("import { User } from '../models/user';", '  await User.findByIdAndUpdate(req.params.id, { $set: { name: req.body.name } });', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
  });

  it('invalid: Sequelize Model.update(req.body, { where })', async () => {
    const { findings } = await express("import { Item } from '../models';", '  await Item.update(req.body, { where: { id: req.params.id } });', '  res.sendStatus(204);');
    expect(findings[0].message).toContain('`Item.update()` writes `req.body` as sent');
  });

  it('valid: Sequelize Model.update with named fields', async () => {
    const { findings } = await express("import { Item } from '../models';", '  await Item.update({ title: req.body.title }, { where: { id: req.params.id } });', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
  });

  it('invalid: TypeORM save of a spread body', async () => {
    const { findings } = await express('', '  await this.itemRepository.save({ ...req.body, id: req.params.id });', '  res.sendStatus(204);');
    expect(findings[0].message).toContain('`this.itemRepository.save()` writes `req.body` as sent');
  });

  it('invalid: TypeORM merge(entity, body)', async () => {
    const { findings } = await express('', '  const item = await repo.findOneBy({ id: req.params.id });', '  repo.merge(item, req.body);', '  await repo.save(item);', '  res.sendStatus(204);');
    expect(findings).toHaveLength(1);
  });

  it('invalid: Object.assign(entity, body) before a save', async () => {
    const { findings } = await express('', '  const user = await repo.findOneBy({ id: req.params.id });', '  Object.assign(user, req.body);', '  await repo.save(user);', '  res.sendStatus(204);');
    expect(findings[0].message).toBe('`Object.assign()` writes `req.body` as sent: the caller can set any field of `user` (such as a role or verified flag).');
  });

  it('valid: Object.assign into a fresh object for the response is no write', async () => {
    const { item, findings } = await express('', '  res.json(Object.assign({}, req.body, { ok: true }));');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });
});

describe('mass-assignment: more ORM calls', () => {
  it('invalid: Sequelize Model.build(req.body)', async () => {
    const { findings } = await express("import { Item } from '../models';", '  const item = Item.build(req.body);', '  await item.save();', '  res.sendStatus(201);');
    expect(findings[0].message).toContain('`Item.build()` writes `req.body` as sent');
  });

  it('invalid: a Sequelize instance set(req.body)', async () => {
    const { findings } = await express("import { Item } from '../models';", '  const item = await Item.findByPk(req.params.id);', '  item.set(req.body);', '  await item.save();', '  res.sendStatus(204);');
    expect(findings[0].message).toContain('`item.set()` writes `req.body` as sent');
  });

  it('valid: a Sequelize instance set() of one field', async () => {
    const { findings } = await express("import { Item } from '../models';", '  const item = await Item.findByPk(req.params.id);', "  item.set('title', String(req.body.title));", '  await item.save();', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
  });

  it('invalid: knex insert of the body', async () => {
    const { findings } = await express('', "  await knex('items').insert(req.body);", '  res.sendStatus(201);');
    expect(findings[0].message).toBe("`knex.insert()` writes `req.body` as sent: the caller can set any field of `items`.");
  });

  it('invalid: the native driver insertOne', async () => {
    const { findings } = await express('', "  await db.collection('accounts').insertOne(req.body);", '  res.sendStatus(201);');
    expect(findings[0]).toMatchObject({ severity: 'high', message: '`db.collection.insertOne()` writes `req.body` as sent: the caller can set any field of `accounts` (such as a role or verified flag).' });
  });

  it('invalid: TypeORM repository.create(body) then save', async () => {
    const { findings } = await express('', '  const item = this.itemRepository.create(req.body);', '  await this.itemRepository.save(item);', '  res.sendStatus(201);');
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toContain('`this.itemRepository.create()` writes `req.body` as sent');
  });

  it('valid: TypeORM repository.create of a validated DTO output', async () => {
    const { findings } = await express("import { z } from 'zod';\nconst CreateItem = z.object({ title: z.string() });", '  const item = this.itemRepository.create(CreateItem.parse(req.body));', '  await this.itemRepository.save(item);', '  res.sendStatus(201);');
    expect(findings).toEqual([]);
  });

  it('invalid: Mongoose insertMany of the body', async () => {
    const { findings } = await express("import { Item } from '../models/item';", '  await Item.insertMany(req.body);', '  res.sendStatus(201);');
    expect(findings).toHaveLength(1);
  });

  it('invalid: lodash merge into a loaded record', async () => {
    const { findings } = await express("import _ from 'lodash';", '  const user = await repo.findOneBy({ id: req.params.id });', '  _.merge(user, req.body);', '  await repo.save(user);', '  res.sendStatus(204);');
    expect(findings[0].message).toContain('`_.merge()` writes `req.body` as sent');
  });

  it('valid: a response built from the body is no write', async () => {
    const { item, findings } = await express('', '  res.json({ ...req.body, received: true });');
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });
});

describe('mass-assignment: secure writes that must stay silent', () => {
  it('valid: lodash pick of named fields', async () => {
    const { findings, item } = await express("import _ from 'lodash';", "  await prisma.user.update({ where: { id: req.params.id }, data: _.pick(req.body, ['name', 'bio']) });", '  res.sendStatus(204);');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ note: 'prisma.user.update() writes named fields, not the raw body' }] });
  });

  it('valid: Object.assign of a validated patch', async () => {
    const { findings } = await express("import { z } from 'zod';\nconst Patch = z.object({ name: z.string() });", '  const user = await repo.findOneBy({ id: req.params.id });', '  Object.assign(user, Patch.parse(req.body));', '  await repo.save(user);', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
  });

  it('valid: TypeORM merge of a validated patch', async () => {
    const { findings } = await express("import { z } from 'zod';\nconst Patch = z.object({ name: z.string() });", '  const item = await repo.findOneBy({ id: req.params.id });', '  repo.merge(item, Patch.parse(req.body));', '  await repo.save(item);', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
  });

  it('valid: Sequelize update of a schema output', async () => {
    const { findings } = await express("import { Item } from '../models';\nimport { z } from 'zod';\nconst Patch = z.object({ title: z.string() });", '  await Item.update(Patch.parse(req.body), { where: { id: req.params.id } });', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
  });

  it('valid: findByIdAndUpdate with $set of a joi value', async () => {
    const { findings } = await express(
      "import { User } from '../models/user';\nimport Joi from 'joi';\nconst Patch = Joi.object({ name: Joi.string() });",
      '  const { error, value } = Patch.validate(req.body);',
      '  if (error) return res.sendStatus(400);',
      '  await User.findByIdAndUpdate(req.params.id, { $set: value });',
      '  res.sendStatus(204);',
    );
    expect(findings).toEqual([]);
  });

  it('valid: knex insert of named, converted fields', async () => {
    const { findings } = await express('', "  await knex('items').insert({ title: String(req.body.title), qty: Number(req.body.qty) });", '  res.sendStatus(201);');
    expect(findings).toEqual([]);
  });

  it('valid: Drizzle insert of named fields', async () => {
    const { findings } = await express('', '  await db.insert(items).values({ title: req.body.title, ownerId: req.user.id });', '  res.sendStatus(201);');
    expect(findings).toEqual([]);
  });

  it('valid: upsert with named fields in create and update', async () => {
    const { findings } = await express('', '  await prisma.profile.upsert({ where: { id: req.params.id }, create: { bio: req.body.bio, userId: req.user.id }, update: { bio: req.body.bio } });', '  res.sendStatus(204);');
    expect(findings).toEqual([]);
  });

  it('valid: the native driver insertOne of a schema output', async () => {
    const { findings } = await express("import { z } from 'zod';\nconst Account = z.object({ name: z.string() });", "  await db.collection('accounts').insertOne(Account.parse(req.body));", '  res.sendStatus(201);');
    expect(findings).toEqual([]);
  });
});

describe('mass-assignment: NestJS DTOs', () => {
  const controller = `import { Body, Controller, Param, Patch } from '@nestjs/common';
import { UpdateUserDto } from './update-user.dto';
@Controller('users')
export class UsersController {
  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: UpdateUserDto) {
    return this.prisma.user.update({ where: { id }, data: dto });
  }
}
`;
  const main = (pipe: string) => `import { NestFactory } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import { AppModule } from './app.module';
async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.useGlobalPipes(${pipe});
  await app.listen(3000);
}
bootstrap();
`;
  const MODULE = "import { Module } from '@nestjs/common';\nimport { UsersController } from './users.controller';\n@Module({ controllers: [UsersController] })\nexport class AppModule {}\n";
  const nest = (pipe: string) => run({ 'src/users.controller.ts': controller }, 'PATCH /users/:id', { 'src/main.ts': main(pipe), 'src/app.module.ts': MODULE });

  it('valid: the DTO written whole behind ValidationPipe({ whitelist: true })', async () => {
    const { findings, item } = await nest('new ValidationPipe({ whitelist: true })');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
  });

  it('invalid: the DTO written whole behind a ValidationPipe that keeps unknown fields', async () => {
    const { findings } = await nest('new ValidationPipe()');
    expect(findings[0].message).toBe('`this.prisma.user.update()` writes `dto`, which the global ValidationPipe (UpdateUserDto) checked without dropping unknown fields: the caller can still set any field of `user` (such as a role or verified flag).');
  });
});

describe('mass-assignment: known gaps', () => {
  it.todo('privileged fields are looked for in the endpoint file only: the model module or prisma/schema.prisma is not read, so a model with an unremarkable name stays medium');
  it.todo('a body copied field by field in a loop (`for (const k in body) user[k] = body[k]`) is not recognised');
});
