/**
 * Nest routes behind @nestjs/passport's AuthGuard('jwt') are verified by the
 * app's passport-jwt strategy (found through the modules' providers): its
 * options decide authn.token-expiry, weak ones next to the sound one.
 */
import { describe, expect, it } from 'vitest';
import check from './weak-token-verification.js';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';

const CONTROLLER = 'src/notes/notes.controller.ts';
const controller = `import { Controller, Get, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
@Controller('notes')
@UseGuards(AuthGuard('jwt'))
export class NotesController {
  @Get()
  list() { return this.prisma.note.findMany(); }
}
`;

function app(strategyOptions: string, providers = 'JwtStrategy'): Record<string, string> {
  return {
    'src/main.ts': `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n`,
    'src/app.module.ts': `import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { JwtStrategy } from './auth/jwt.strategy';
import { NotesController } from './notes/notes.controller';
@Module({ imports: [PassportModule], controllers: [NotesController], providers: [${providers}] })
export class AppModule {}
`,
    'src/auth/jwt.strategy.ts': `import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), ${strategyOptions} });
  }
  validate(payload: { sub: string }) { return { userId: payload.sub }; }
}
`,
  };
}

async function verdict(context: Record<string, string>) {
  const result = await analyzeSource(CONTROLLER, controller, { checks: [check], context });
  return { item: endpointOf(result, 'GET /notes').checklist['authn.token-expiry'], findings: result.findings };
}

describe('passport-jwt strategy behind AuthGuard(\'jwt\')', () => {
  it('valid: secret from the environment, expiry kept, algorithms pinned', async () => {
    const { item, findings } = await verdict(app("ignoreExpiration: false, secretOrKey: process.env.JWT_SECRET!, algorithms: ['HS256']"));
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'src/auth/jwt.strategy.ts', line: 7 });
  });

  it('invalid: ignoreExpiration: true', async () => {
    const { item, findings } = await verdict(app('ignoreExpiration: true, secretOrKey: process.env.JWT_SECRET!'));
    expect(item.status).toBe('fail');
    expect(findings[0]).toMatchObject({ file: 'src/auth/jwt.strategy.ts', line: 7, severity: 'high' });
  });

  it('invalid: a hard-coded secretOrKey, masked in the message', async () => {
    const { item, findings } = await verdict(app("secretOrKey: 'my-very-secret-key'"));
    expect(item.status).toBe('fail');
    expect(findings[0].message).not.toContain('my-very-secret-key');
  });

  it("invalid: 'none' allowed", async () => {
    const { item } = await verdict(app("secretOrKey: process.env.JWT_SECRET!, algorithms: ['none']"));
    expect(item.status).toBe('fail');
  });

  it('not pass: the strategy is not among the providers read, so nothing vouches for it', async () => {
    const { item } = await verdict(app('secretOrKey: process.env.JWT_SECRET!', ''));
    expect(item.status).not.toBe('pass');
  });
});
