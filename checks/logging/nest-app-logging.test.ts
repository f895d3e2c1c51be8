/**
 * What a NestJS app read whole (main.ts + modules) decides for the logging
 * and body-size items: Nest's built-in exception filter logs no
 * HttpException, so with no filter, interceptor or request logger a guard's
 * rejection is unlogged; with one of them it is logged or a human must look.
 */
import { describe, expect, it } from 'vitest';
import authFailure from './auth-failure-not-logged.js';
import denial from './denial-not-logged.js';
import requestId from './missing-request-id.js';
import bodyCost from '../rate-limiting/unbounded-request-cost.js';
import { analyzeSource, endpointOf } from '../../test/support/analyze-source.js';

const CONTROLLER = 'src/invoices/invoices.controller.ts';
const controller = `import { Body, Controller, Get, Param, Patch, UseGuards } from '@nestjs/common';
import { Roles, RolesGuard } from '../auth/roles.guard';
@Controller('invoices')
export class InvoicesController {
  @Get(':id')
  findOne(@Param('id') id: string) { return this.prisma.invoice.findFirst({ where: { id } }); }

  @Patch(':id')
  update(@Param('id') id: string, @Body() dto: UpdateInvoiceDto) { return this.prisma.invoice.update({ where: { id }, data: { notes: dto.notes } }); }

  @Roles('admin')
  @UseGuards(RolesGuard)
  @Get('admin/overdue')
  overdue() { return this.prisma.invoice.findMany({ where: { status: 'OVERDUE' } }); }
}
`;

const ROLES_GUARD = `import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
@Injectable()
export class RolesGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest().user;
    return user?.role === 'admin';
  }
}
`;

const JWT_GUARD = `import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {}
`;

function app(options: { main?: string; moduleExtra?: string; moduleImports?: string; extraImport?: string } = {}): Record<string, string> {
  return {
    'src/main.ts':
      options.main ??
      `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n`,
    'src/app.module.ts': `import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { InvoicesController } from './invoices/invoices.controller';
${options.extraImport ?? ''}
@Module({
  imports: [${options.moduleImports ?? ''}],
  controllers: [InvoicesController],
  providers: [{ provide: APP_GUARD, useClass: JwtAuthGuard }${options.moduleExtra ?? ''}],
})
export class AppModule {}
`,
    'src/auth/jwt-auth.guard.ts': JWT_GUARD,
    'src/auth/roles.guard.ts': ROLES_GUARD,
  };
}

async function items(context: Record<string, string>) {
  const result = await analyzeSource(CONTROLLER, controller, { checks: [authFailure, denial, requestId, bodyCost], context });
  return { result, findOne: endpointOf(result, 'GET /invoices/:id').checklist, update: endpointOf(result, 'PATCH /invoices/:id').checklist, overdue: endpointOf(result, 'GET /invoices/admin/overdue').checklist };
}

describe('NestJS app read whole: nothing logs rejections', () => {
  it('invalid: the global JwtAuthGuard rejects with nothing to log it, reported once on its registration', async () => {
    const { result, findOne } = await items(app());
    expect(findOne['logging.auth-failures'].status).toBe('fail');
    const findings = result.findings.filter((finding) => finding.ruleId === 'auth-failure-not-logged');
    expect(new Set(findings.map((finding) => `${finding.file}:${finding.line}`))).toEqual(new Set(['src/app.module.ts:9']));
    expect(findings[0].message).toContain("Nest's built-in exception filter answers HttpExceptions without logging");
  });

  it('invalid: RolesGuard denies by returning false and nothing logs the ForbiddenException', async () => {
    const { result, overdue, findOne } = await items(app());
    expect(overdue['logging.denials'].status).toBe('fail');
    expect(result.findings.find((finding) => finding.ruleId === 'denial-not-logged')?.line).toBe(12);
    expect(findOne['logging.denials'].status).toBe('n/a');
  });

  it('invalid: no request id anywhere in main.ts or the modules', async () => {
    const { findOne } = await items(app());
    expect(findOne['logging.request-id'].status).toBe('fail');
  });

  it('valid: the default body parser bounds the PATCH body at 100 kB', async () => {
    const { update } = await items(app());
    expect(update['ratelimit.ddos'].status).toBe('pass');
    expect(update['ratelimit.ddos'].evidence[0]).toMatchObject({ file: 'src/main.ts', line: 4 });
  });
});

describe('NestJS app read whole: what logs them', () => {
  it('valid: a global exception filter that logs (useGlobalFilters in main.ts, filter class in main.ts)', async () => {
    const main = `import { NestFactory } from '@nestjs/core';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { AppModule } from './app.module';
@Catch(HttpException)
class HttpLoggingFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');
  catch(exception: HttpException, host: ArgumentsHost) {
    this.logger.warn(\`\${exception.getStatus()} \${host.switchToHttp().getRequest().url}\`);
    host.switchToHttp().getResponse().status(exception.getStatus()).json(exception.getResponse());
  }
}
async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.useGlobalFilters(new HttpLoggingFilter());
  await app.listen(3000);
}
bootstrap();
`;
    const { findOne, overdue } = await items(app({ main }));
    expect(findOne['logging.auth-failures'].status).toBe('pass');
    expect(overdue['logging.denials'].status).toBe('pass');
  });

  it('valid: nestjs-pino logs every response with its status and gives requests an id', async () => {
    const { findOne, overdue } = await items(app({ extraImport: "import { LoggerModule } from 'nestjs-pino';", moduleImports: 'LoggerModule.forRoot()' }));
    expect(findOne['logging.auth-failures'].status).toBe('pass');
    expect(overdue['logging.denials'].status).toBe('pass');
    expect(findOne['logging.request-id'].status).toBe('pass');
  });

  it('valid: nestjs-cls with generateId gives every request an id', async () => {
    const { findOne } = await items(app({ extraImport: "import { ClsModule } from 'nestjs-cls';", moduleImports: 'ClsModule.forRoot({ global: true, middleware: { mount: true, generateId: true } })' }));
    expect(findOne['logging.request-id'].status).toBe('pass');
  });

  it('unknown: an APP_FILTER whose class is in a file not read', async () => {
    const { findOne } = await items(app({ extraImport: "import { APP_FILTER } from '@nestjs/core';\nimport { AllExceptionsFilter } from './common/all-exceptions.filter';", moduleExtra: ', { provide: APP_FILTER, useClass: AllExceptionsFilter }' }));
    expect(findOne['logging.auth-failures'].status).toBe('unknown');
  });

  it('unknown: a project module the root imports was not found', async () => {
    const { findOne } = await items(app({ extraImport: "import { AuditModule } from './audit/audit.module';", moduleImports: 'AuditModule' }));
    expect(findOne['logging.auth-failures'].status).toBe('unknown');
    expect(findOne['logging.request-id'].status).toBe('unknown');
  });

  it('unknown: without main.ts nothing is decided about the app', async () => {
    const context = app();
    delete context['src/main.ts'];
    const { findOne, update } = await items(context);
    expect(findOne['logging.auth-failures'].status).toBe('unknown');
    expect(update['ratelimit.ddos'].status).toBe('unknown');
  });
});

describe('NestJS body limits set in main.ts', () => {
  const mainWith = (lines: string, options = '') =>
    `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule${options});\n${lines}\n  await app.listen(3000);\n}\nbootstrap();\n`;

  it('valid: useBodyParser with a modest limit', async () => {
    const { update } = await items(app({ main: mainWith("  app.useBodyParser('json', { limit: '1mb' });", ', { rawBody: true }') }));
    expect(update['ratelimit.ddos'].status).toBe('pass');
  });

  it('invalid: useBodyParser with a huge limit', async () => {
    const { update } = await items(app({ main: mainWith("  app.useBodyParser('json', { limit: '500mb' });", ', { rawBody: true }') }));
    expect(update['ratelimit.ddos'].status).toBe('fail');
  });

  it('unknown: bodyParser: false hands parsing to code not judged', async () => {
    const { update } = await items(app({ main: mainWith('', ', { bodyParser: false }') }));
    expect(update['ratelimit.ddos'].status).toBe('unknown');
  });
});
