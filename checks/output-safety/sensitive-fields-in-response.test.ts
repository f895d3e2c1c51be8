/**
 * sensitive-fields-in-response (output.fields): per ORM, the whole row of a
 * sensitive model sent next to the same query narrowed by its own idiom.
 */
import { describe, expect, it } from 'vitest';
import check from './sensitive-fields-in-response.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { analyzeFiles } from '../../src/review/analyze-files.js';

async function run(path: string, text: string) {
  const result = await analyzeFiles([{ path, text }], { config: DEFAULT_CONFIG, checks: [check] });
  if (result.endpoints.length !== 1) throw new Error(`expected one endpoint, found ${result.endpoints.length}`);
  return { item: result.endpoints[0].checklist['output.fields'], findings: result.findings };
}

/** An Express GET /users/:id whose handler body is `lines` (from line 4). */
const express = (...lines: string[]) =>
  run(
    'src/routes/users.ts',
    `import express from 'express';
const router = express.Router();
router.get('/users/:id', async (req, res) => {
${lines.join('\n')}
});
export default router;
`,
  );

describe('sensitive-fields-in-response: Prisma', () => {
  it('invalid: the whole user row', async () => {
    const { item, findings } = await express('  const user = await prisma.user.findUnique({ where: { id: req.params.id } });', '  res.json(user);');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 4, severity: 'medium', cwe: ['CWE-200', 'CWE-213'], owasp: ['API3:2023'] });
    expect(findings[0].message).toBe('GET /users/:id sends the whole user record from `prisma.user.findUnique({ where: { id: req.params.id } })`, with every column it has (password hash, tokens, internal fields).');
  });

  it('valid: select picks the fields', async () => {
    const { item, findings } = await express('  const user = await prisma.user.findUnique({ where: { id: req.params.id }, select: { id: true, name: true } });', '  res.json(user);');
    expect(findings).toEqual([]);
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 4 }] });
    expect(item.evidence[0].note).toContain('picks the fields of user');
  });

  it('valid: omit drops the hash', async () => {
    const { item } = await express('  res.json(await db.user.findFirst({ where: { id: req.params.id }, omit: { passwordHash: true } }));');
    expect(item.status).toBe('pass');
  });

  it('invalid: include does not narrow', async () => {
    const { item } = await express('  res.json(await db.user.findFirst({ where: { id: req.params.id }, include: { posts: true } }));');
    expect(item.status).toBe('fail');
  });

  it('invalid: findMany of accounts in an object', async () => {
    const { item } = await express('  const accounts = await prisma.account.findMany();', '  res.json({ data: accounts, count: accounts.length });');
    expect(item.status).toBe('fail');
  });

  it('valid: rows mapped to public fields', async () => {
    const { item } = await express('  const users = await prisma.user.findMany();', '  res.json(users.map((u) => ({ id: u.id, name: u.name })));');
    expect(item).toMatchObject({ status: 'pass' });
    expect(item.evidence[0].note).toContain('each row is mapped to');
  });

  it('invalid: a create returns the row with its hash', async () => {
    const { item } = await express('  const user = await prisma.user.create({ data: { email: req.body.email, passwordHash: hash } });', '  res.status(201).json(user);');
    expect(item.status).toBe('fail');
  });

  it('valid: the rest pattern drops the hash', async () => {
    const { item } = await express('  const user = await prisma.user.create({ data: req.body });', '  const { passwordHash, ...safe } = user;', '  res.status(201).json(safe);');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ line: 5, note: 'the rest pattern drops passwordHash before it is sent' }] });
  });

  it('n/a: a non-sensitive model', async () => {
    const { item } = await express('  res.json(await prisma.invoice.findMany());');
    expect(item).toMatchObject({ status: 'n/a', reason: 'the response carries no record of a sensitive model and no secret-named field' });
  });
});

describe('sensitive-fields-in-response: secret-named fields', () => {
  it('invalid: passwordHash in the body, with a suggestion that drops it', async () => {
    const { item, findings } = await express('  const user = await getUser(req.params.id);', '  res.json({ id: user.id, passwordHash: user.passwordHash });');
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ line: 5, severity: 'high', message: 'GET /users/:id sends `passwordHash` to the client.' });
    expect(findings[0].suggestion).toEqual({ line: 5, endLine: 5, replacement: '  res.json({ id: user.id });' });
  });

  it('valid: public fields only', async () => {
    const { item, findings } = await express("  res.json({ id: 1, name: 'x' });");
    expect(findings).toEqual([]);
    expect(item.status).toBe('n/a');
  });

  it('invalid: an apiKey field', async () => {
    const { findings } = await express('  res.json({ name: key.name, apiKey: key.apiKey });');
    expect(findings[0].message).toContain('`apiKey`');
  });

  it('invalid: refreshToken, resetToken, mfaSecret, ssn', async () => {
    const { findings } = await express('  res.json({ refreshToken: a, resetToken: b, mfaSecret: c, ssn: d });');
    expect(findings.map((f) => f.message)).toEqual(['refreshToken', 'resetToken', 'mfaSecret', 'ssn'].map((field) => `GET /users/:id sends \`${field}\` to the client.`));
  });

  it('valid: a csrfToken and a pagination token are meant for the client', async () => {
    const { findings } = await express('  res.json({ csrfToken: req.csrfToken(), nextToken: page.next });');
    expect(findings).toEqual([]);
  });

  it('valid: a secret field set to undefined', async () => {
    const { findings } = await express('  res.json({ ...profile, password: undefined });');
    expect(findings).toEqual([]);
  });

  it('invalid: a suffix like stripeSecret', async () => {
    const { findings } = await express('  res.json({ stripeSecret: config.stripe });');
    expect(findings).toHaveLength(1);
  });

  it('unknown: req.user is whatever the auth layer stored', async () => {
    const { item } = await express('  res.json(req.user);');
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('req.user');
  });

  it('unknown: a helper of another file returns a user', async () => {
    const { item } = await express('  res.json(await getUserById(req.params.id));');
    expect(item.status).toBe('unknown');
  });

  it('valid: a DTO mapper', async () => {
    const { item } = await express('  res.json(toUserDto(await prisma.user.findUnique({ where: { id: 1 } })));');
    expect(item).toMatchObject({ status: 'pass', evidence: [{ note: 'the response goes through toUserDto()' }] });
  });
});

describe('sensitive-fields-in-response: Drizzle, TypeORM, Sequelize, Mongoose', () => {
  it('invalid: Drizzle db.select().from(users), first row', async () => {
    const { item } = await express('  const rows = await db.select().from(users).where(eq(users.id, req.params.id));', '  res.json(rows[0]);');
    expect(item.status).toBe('fail');
  });

  it('invalid: Drizzle rows sent whole', async () => {
    const { item, findings } = await express('  const rows = await db.select().from(users).where(eq(users.id, req.params.id));', '  res.json(rows);');
    expect(item.status).toBe('fail');
    expect(findings[0].message).toContain('whole users record');
  });

  it('valid: Drizzle db.select({ ... }) picks columns', async () => {
    const { item } = await express('  const rows = await db.select({ id: users.id, name: users.name }).from(users);', '  res.json(rows);');
    expect(item.status).toBe('pass');
  });

  it('invalid: Drizzle relational query without columns', async () => {
    const { item } = await express('  res.json(await db.query.users.findFirst({ where: eq(users.id, 1) }));');
    expect(item.status).toBe('fail');
  });

  it('valid: Drizzle relational query with columns', async () => {
    const { item } = await express('  res.json(await db.query.users.findFirst({ where: eq(users.id, 1), columns: { id: true } }));');
    expect(item.status).toBe('pass');
  });

  it('invalid: TypeORM repository findOneBy', async () => {
    const { item } = await express('  res.json(await userRepository.findOneBy({ id: req.params.id }));');
    expect(item.status).toBe('fail');
  });

  it('valid: TypeORM findOne with select', async () => {
    const { item } = await express("  res.json(await userRepository.findOne({ where: { id: req.params.id }, select: ['id', 'name'] }));");
    expect(item.status).toBe('pass');
  });

  it('invalid: Sequelize findByPk', async () => {
    const { item } = await express('  res.json(await User.findByPk(req.params.id));');
    expect(item.status).toBe('fail');
  });

  it('valid: Sequelize attributes exclude', async () => {
    const { item } = await express("  res.json(await User.findByPk(req.params.id, { attributes: { exclude: ['password'] } }));");
    expect(item.status).toBe('pass');
  });

  it('invalid: Mongoose findById(...).lean()', async () => {
    const { item } = await express('  const user = await User.findById(req.params.id).lean();', '  res.json(user);');
    expect(item.status).toBe('fail');
  });

  it("valid: Mongoose .select('-password')", async () => {
    const { item } = await express("  const user = await User.findById(req.params.id).select('-password -resetToken').lean();", '  res.json(user);');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain("select('-password -resetToken')");
  });

  it('valid: Mongoose projection argument', async () => {
    const { item } = await express("  res.json(await Customer.findOne({ _id: req.params.id }, 'name email'));");
    expect(item.status).toBe('pass');
  });

  it('valid: Mongoose schema with select: false on the password', async () => {
    const { item } = await run(
      'src/routes/users.ts',
      `import express from 'express';
const UserSchema = new Schema({ email: String, password: { type: String, select: false } });
const User = model('User', UserSchema);
const router = express.Router();
router.get('/users/:id', async (req, res) => res.json(await User.findById(req.params.id)));
export default router;
`,
    );
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('select: false');
  });
});

describe('sensitive-fields-in-response: NestJS and Next.js', () => {
  const nest = (decorator: string, body: string) =>
    run(
      'src/users/users.controller.ts',
      `import { Controller, Get, Param, UseInterceptors, ClassSerializerInterceptor } from '@nestjs/common';
@Controller('users')
${decorator}
export class UsersController {
  @Get(':id')
  async findOne(@Param('id') id: string) {
    ${body}
  }
}
`,
    );

  it('invalid: returns the repository row', async () => {
    const { item } = await nest('', 'return this.usersRepository.findOneBy({ id });');
    expect(item.status).toBe('fail');
  });

  it('valid: ClassSerializerInterceptor applies @Exclude', async () => {
    const { item } = await nest('@UseInterceptors(ClassSerializerInterceptor)', 'return this.usersRepository.findOneBy({ id });');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('ClassSerializerInterceptor');
  });

  it('unknown: a service of another file', async () => {
    const { item } = await nest('', 'return this.usersService.findOne(id);');
    expect(item.status).toBe('unknown');
  });

  it('valid: plainToInstance to a DTO', async () => {
    const { item } = await nest('', 'return plainToInstance(UserDto, await this.usersService.findOne(id));');
    expect(item.status).toBe('pass');
  });

  it('valid: new UserResponseDto(...)', async () => {
    const { item } = await nest('', 'return new UserResponseDto(await this.usersService.findOne(id));');
    expect(item.status).toBe('pass');
  });

  const next = (line: string) =>
    run(
      'app/api/me/route.ts',
      `import { NextResponse } from 'next/server';
export async function GET() {
  const session = await auth();
${line}
}
`,
    );

  it('invalid: NextResponse.json of a whole member row', async () => {
    const { item } = await next('  return NextResponse.json(await db.member.findFirst({ where: { userId: session.userId } }));');
    expect(item.status).toBe('fail');
  });

  it('valid: the same with select', async () => {
    const { item } = await next('  return NextResponse.json(await db.member.findFirst({ where: { userId: session.userId }, select: { role: true } }));');
    expect(item.status).toBe('pass');
  });
});

describe('sensitive-fields-in-response: credentials handed out on purpose', () => {
  it('valid: a login answering with the token it just signed', async () => {
    const { findings } = await express('  const accessToken = jwt.sign({ sub: 1 }, secret, { expiresIn: 900 });', '  res.json({ accessToken, refreshToken: await issueRefreshToken(1) });');
    expect(findings).toEqual([]);
  });

  it('invalid: the stored refresh token of a user row', async () => {
    const { findings } = await express('  const user = await getUser(req.params.id);', '  res.json({ id: user.id, refreshToken: user.refreshToken });');
    expect(findings[0].message).toBe('GET /users/:id sends `refreshToken` to the client.');
  });

  it('invalid: a password is never handed out, even freshly generated', async () => {
    const { findings } = await express('  res.json({ password: generatePassword() });');
    expect(findings).toHaveLength(1);
  });
});

describe('sensitive-fields-in-response: known gaps', () => {
  it.todo('follows a NestJS service method into its file to see whether it selects fields (today unknown)');
  it.todo('reads @Exclude() on the entity class of another file when the controller uses ClassSerializerInterceptor globally');
});

describe('sensitive-fields-in-response: auth library sessions', () => {
  it('n/a: next-auth getServerSession is client-safe by design', async () => {
    const { item } = await express('  res.json(await getServerSession(req, res, authOptions));');
    expect(item.status).toBe('n/a');
  });

  it('unknown: a project helper named for sessions is not', async () => {
    const { item } = await express('  res.json(await loadSessionRow(req.params.id));');
    expect(item.status).toBe('unknown');
  });
});
