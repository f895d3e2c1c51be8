import { describe, expect, it } from 'vitest';
import missingAuthentication from '../../../checks/authentication/missing-authentication.js';
import type { Endpoint } from '../../../checks/frameworks/endpoint.js';
import { discoverNestRoutes } from '../../../checks/frameworks/nestjs.js';
import { attachNestGlobalGuards } from '../../../checks/frameworks/nestjs-global-guards.js';
import { parseTypeScript } from '../../../checks/lang/ts/parse.js';
import { SourceIndex } from '../../../checks/lang/ts/source-index.js';
import { ProjectContext } from '../../../checks/project-context.js';
import { runChecks } from '../../../checks/run-checks.js';
import { configSchema, DEFAULT_CONFIG } from '../../../src/config/schema.js';

const FILE = 'src/users/users.controller.ts';
const IMPORTS = `import { Body, Controller, Delete, Get, Param, Post, UseGuards } from '@nestjs/common';\nimport { AuthGuard } from '@nestjs/passport';\n`;

const discover = (code: string, path = FILE) => discoverNestRoutes(new SourceIndex(path, parseTypeScript(path, code).sourceFile));
const names = (code: string) => discover(code).map((e) => `${e.method} ${e.route}:${e.line}`);

function endpointNamed(endpoints: Endpoint[], name: string): Endpoint {
  const endpoint = endpoints.find((e) => `${e.method} ${e.route}` === name);
  if (endpoint === undefined) throw new Error(`no endpoint ${name}; found: ${endpoints.map((e) => `${e.method} ${e.route}`).join(', ') || 'none'}`);
  return endpoint;
}

const controlsOf = (code: string, name: string) => endpointNamed(discover(code), name).controls.map((c) => `${c.kind} ${c.name}:${c.line}`);

/** Other files of the project, served from memory as the GitHub and disk readers would. */
function projectOf(files: Record<string, string> | undefined): ProjectContext {
  if (files === undefined) return new ProjectContext(undefined);
  return new ProjectContext({ read: async (path) => files[path], exists: async (path) => path in files });
}

/** The usual bootstrap: main.ts creating AppModule, which registers the controller and no guard. */
const PLAIN_APP = {
  'src/main.ts': `import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n`,
  'src/app.module.ts': `import { Module } from '@nestjs/common';\nimport { UsersController } from './users/users.controller';\n@Module({\n  controllers: [UsersController],\n})\nexport class AppModule {}\n`,
};

/** Discovery, the engine's global-guard step, then the missing-authentication verdict for one endpoint. */
async function authentication(code: string, name: string, files: Record<string, string> | undefined = PLAIN_APP, config = DEFAULT_CONFIG) {
  const endpoints = discover(code);
  const project = projectOf(files);
  await attachNestGlobalGuards(endpoints, project);
  await project.prepare();
  const endpoint = endpointNamed(endpoints, name);
  const analysis = runChecks(endpoint, [missingAuthentication], config, project);
  return { item: analysis.checklist['authn.identity'], findings: analysis.findings, endpoint };
}

const USERS = (decorators: { onClass?: string; onMethod?: string } = {}) => `${IMPORTS}@Controller('users')
${decorators.onClass ?? ''}
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Delete(':id')
  ${decorators.onMethod ?? ''}
  remove(@Param('id') id: string) {
    return this.users.remove(id);
  }
}
`;

describe('NestJS discovery', () => {
  it('finds each decorated method of a controller, with the route as Nest joins it', () => {
    const code = `${IMPORTS}@Controller('users')
export class UsersController {
  @Get()
  findAll() { return this.users.findAll(); }

  @Get(':id')
  findOne(@Param('id') id: string) { return this.users.findOne(id); }

  @Post()
  create(@Body() dto: CreateUserDto) { return this.users.create(dto); }

  @Put(':id') update() {}
  @Patch(':id/avatar') avatar() {}
  @Delete('/:id/') remove() {}
  @All('legacy/*') legacy() {}
  @Options() options() {}
  @Head(':id') head() {}

  private toDto(user: User) { return { id: user.id }; }
}
`;
    expect(names(code)).toEqual([
      'GET /users:5',
      'GET /users/:id:8',
      'POST /users:11',
      'PUT /users/:id:14',
      'PATCH /users/:id/avatar:15',
      'DELETE /users/:id:16',
      'ALL /users/legacy/*:17',
      'OPTIONS /users:18',
      'HEAD /users/:id:19',
    ]);
    const endpoint = endpointNamed(discover(code), 'GET /users/:id');
    expect(endpoint.framework).toBe('nestjs');
    expect(endpoint.handler).toBe(endpoint.registration);
    expect(endpoint.index.textOf(endpoint.handler!)).toContain('findOne(@Param');
  });

  it('reads every form of the controller path, and joins without doubled or trailing slashes', () => {
    const code = `@Controller()
export class RootController {
  @Get() index() {}
}
@Controller({ path: '/admin/users/', version: '1' })
export class AdminController {
  @Get(['', 'list']) list() {}
}
@Controller(['v1/items', 'v2/items'])
export class ItemsController {
  @Post('') create() {}
}
@Controller(ROUTES.reports)
export class ReportsController {
  @Get(':id') one() {}
}
`;
    expect(names(code)).toEqual([
      'GET /:3',
      'GET /admin/users:7',
      'GET /admin/users/list:7',
      'POST /v1/items:11',
      'POST /v2/items:11',
      'GET /${ROUTES.reports}/:id:15',
    ]);
  });

  it('is not fooled by route decorators outside controllers or methods without one', () => {
    const code = `@Injectable()
export class UsersService {
  @Get() notARoute() {}
}
export class Plain {
  get() { return 1; }
}
@Controller('users')
export class UsersController {
  helper() { return 2; }
  @HttpCode(204)
  @ApiOperation({ summary: 'no route decorator' })
  undecorated() {}
}
`;
    expect(names(code)).toEqual([]);
    expect(names(`const router = express.Router();\nrouter.get('/users', list);\n`)).toEqual([]);
  });

  it('lists the controls in the order Nest runs them: guards, interceptors, pipes (class before method), then metadata', () => {
    const code = `${IMPORTS}@Controller('users')
@UseGuards(AuthGuard('jwt'))
@UseInterceptors(LoggingInterceptor)
export class UsersController {
  @Delete(':id')
  @Roles('admin')
  @UseGuards(RolesGuard, new ThrottlerGuard())
  @UsePipes(new ValidationPipe({ whitelist: true }))
  remove(@Param('id') id: string) { return this.users.remove(id); }
}
`;
    expect(controlsOf(code, 'DELETE /users/:id')).toEqual([
      "router-middleware AuthGuard('jwt'):4",
      'middleware RolesGuard:9',
      'middleware ThrottlerGuard:9',
      'router-middleware LoggingInterceptor:5',
      'middleware ValidationPipe:10',
      'wrapper @Roles:8',
    ]);
  });

  it("attaches a same-file guard's canActivate as its definition, and counts the class decorators as the route's code", () => {
    const code = `@Injectable()
class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext) {
    const request = context.switchToHttp().getRequest();
    if (request.headers['x-api-key'] !== process.env.API_KEY) throw new UnauthorizedException();
    return true;
  }
}
@Controller('reports')
@UseGuards(ApiKeyGuard)
export class ReportsController {
  @Get() list() { return this.reports.list(); }
}
`;
    const [endpoint] = discover(code);
    expect(endpoint.controls[0].definition).toBeDefined();
    expect(endpoint.index.lineOf(endpoint.controls[0].definition!)).toBe(3);
    const covered = (text: string) => endpoint.scopes.some((scope) => scope.pos <= code.indexOf(text) && code.indexOf(text) < scope.end);
    expect(covered('@UseGuards(ApiKeyGuard)')).toBe(true);
    expect(covered('throw new UnauthorizedException')).toBe(true);
    expect(covered('@Injectable()')).toBe(false);
  });

  it('records opt-out metadata, and leaves out the guards that honour it', () => {
    const code = `${IMPORTS}@Controller('auth')
@UseGuards(JwtAuthGuard)
export class AuthController {
  @Public()
  @Post('login')
  login(@Body() dto: LoginDto) { return this.auth.login(dto); }

  @SetMetadata('isPublic', true)
  @Get('status')
  status() { return this.auth.status(); }

  @AllowAnonymous()
  @UseGuards(AuthGuard('jwt'))
  @Get('me')
  me() { return this.auth.me(); }

  @Get('profile')
  profile() { return this.auth.profile(); }
}
`;
    expect(controlsOf(code, 'POST /auth/login')).toEqual(['wrapper @Public:6']);
    expect(controlsOf(code, 'GET /auth/status')).toEqual(["wrapper @SetMetadata('isPublic', true):10"]);
    // Passport's AuthGuard reads no metadata: it still authenticates.
    expect(controlsOf(code, 'GET /auth/me')).toEqual(["middleware AuthGuard('jwt'):15", 'wrapper @AllowAnonymous:14']);
    expect(controlsOf(code, 'GET /auth/profile')).toEqual(['router-middleware JwtAuthGuard:4']);
  });

  it('opens a same-file applyDecorators() helper into the guards and metadata it applies', () => {
    const code = `export function Auth(...roles: Role[]) {
  return applyDecorators(SetMetadata('roles', roles), UseGuards(AuthGuard('jwt'), RolesGuard));
}
@Controller('invoices')
export class InvoicesController {
  @Auth('admin')
  @Delete(':id')
  remove() {}
}
`;
    expect(controlsOf(code, 'DELETE /invoices/:id')).toEqual(["middleware AuthGuard('jwt'):2", 'middleware RolesGuard:2', "wrapper @SetMetadata('roles'):2"]);
  });
});

describe('NestJS global guards (attachNestGlobalGuards)', () => {
  it('puts an APP_GUARD of app.module.ts before the route guards, read from that file', async () => {
    const files = {
      ...PLAIN_APP,
      'src/app.module.ts': `import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { UsersController } from './users/users.controller';
@Module({
  controllers: [UsersController],
  providers: [{ provide: APP_GUARD, useClass: JwtAuthGuard }],
})
export class AppModule {}
`,
      'src/auth/jwt-auth.guard.ts': `import { Injectable } from '@nestjs/common';\nimport { AuthGuard } from '@nestjs/passport';\n@Injectable()\nexport class JwtAuthGuard extends AuthGuard('jwt') {}\n`,
    };
    const endpoints = discover(USERS({ onMethod: '@UseGuards(RolesGuard)' }));
    await attachNestGlobalGuards(endpoints, projectOf(files));
    const [endpoint] = endpoints;
    expect(endpoint.controls.map((c) => `${c.kind} ${c.name}:${c.index?.path ?? endpoint.file}:${c.line}`)).toEqual([
      'router-middleware JwtAuthGuard:src/app.module.ts:7',
      `middleware RolesGuard:${FILE}:9`,
    ]);
    expect(endpoint.mountedAt).toEqual({ file: 'src/app.module.ts', line: 6, complete: true, prefix: '' });
  });

  it('reads app.useGlobalGuards() and the global prefix in main.ts', async () => {
    const files = {
      ...PLAIN_APP,
      'src/main.ts': `import { NestFactory, Reflector } from '@nestjs/core';
import { AppModule } from './app.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.setGlobalPrefix('api');
  app.useGlobalGuards(new JwtAuthGuard(app.get(Reflector)));
  await app.listen(3000);
}
bootstrap();
`,
    };
    const endpoints = discover(USERS());
    await attachNestGlobalGuards(endpoints, projectOf(files));
    expect(endpoints[0].controls.map((c) => `${c.name}:${c.index?.path}:${c.line}`)).toEqual(['JwtAuthGuard:src/main.ts:7']);
    expect(endpoints[0].mountedAt?.prefix).toBe('/api');
  });

  it('marks the controller as registered elsewhere when no root module is found', async () => {
    const endpoints = discover(USERS());
    await attachNestGlobalGuards(endpoints, projectOf({}));
    expect(endpoints[0].mountedElsewhere).toEqual({ router: 'UsersController' });
    expect(endpoints[0].mountedAt).toBeUndefined();
  });
});

describe('missing-authentication: NestJS', () => {
  it("valid: @UseGuards(AuthGuard('jwt')) on the controller class", async () => {
    const { item, findings } = await authentication(USERS({ onClass: "@UseGuards(AuthGuard('jwt'))" }), 'DELETE /users/:id');
    expect(findings).toEqual([]);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ line: 4 });
    expect(item.evidence[0].note).toContain("AuthGuard('jwt')");
  });

  it('invalid: the same controller without any guard, in an app without a global guard', async () => {
    const { item, findings } = await authentication(USERS(), 'DELETE /users/:id');
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ line: 8, severity: 'high' });
    expect(findings[0].fix).toContain('APP_GUARD');
  });

  it('valid: an imported JwtAuthGuard on the method that extends AuthGuard("jwt")', async () => {
    const files = { ...PLAIN_APP, 'src/auth/jwt-auth.guard.ts': `export class JwtAuthGuard extends AuthGuard('jwt') {}\n` };
    const code = USERS({ onMethod: '@UseGuards(JwtAuthGuard)' }).replace(IMPORTS, `${IMPORTS}import { JwtAuthGuard } from '../auth/jwt-auth.guard';\n`);
    const { item } = await authentication(code, 'DELETE /users/:id', files);
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('JwtAuthGuard');
  });

  it('invalid: an imported JwtAuthGuard whose canActivate lets everyone through', async () => {
    const files = { ...PLAIN_APP, 'src/auth/jwt-auth.guard.ts': `export class JwtAuthGuard implements CanActivate {\n  canActivate() {\n    return true;\n  }\n}\n` };
    const code = USERS({ onMethod: '@UseGuards(JwtAuthGuard)' }).replace(IMPORTS, `${IMPORTS}import { JwtAuthGuard } from '../auth/jwt-auth.guard';\n`);
    const { item } = await authentication(code, 'DELETE /users/:id', files);
    expect(item.status).toBe('fail');
  });

  it('valid: a same-file guard that throws UnauthorizedException; invalid: one that returns true', async () => {
    const guard = (body: string) => `class ApiKeyGuard implements CanActivate {\n  canActivate(context: ExecutionContext) {\n${body}\n  }\n}\n`;
    const secure = `${guard("    if (!valid(context.switchToHttp().getRequest().headers['x-api-key'])) throw new UnauthorizedException();\n    return true;")}${USERS({ onClass: '@UseGuards(ApiKeyGuard)' })}`;
    const { item } = await authentication(secure, 'DELETE /users/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('UnauthorizedException');
    const stub = `${guard('    return true;')}${USERS({ onClass: '@UseGuards(ApiKeyGuard)' })}`;
    expect((await authentication(stub, 'DELETE /users/:id')).item.status).toBe('fail');
  });

  it('valid: a guard extending AuthGuard that calls super.canActivate()', async () => {
    const code = `class JwtAuthGuard extends AuthGuard('jwt') {
  canActivate(context: ExecutionContext) {
    this.logger.debug('checking');
    return super.canActivate(context);
  }
}
${USERS({ onClass: '@UseGuards(JwtAuthGuard)' })}`;
    const { item } = await authentication(code, 'DELETE /users/:id');
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('super.canActivate()');
  });

  it('valid: a global APP_GUARD in a module that AppModule imports', async () => {
    const files = {
      ...PLAIN_APP,
      'src/app.module.ts': `import { Module } from '@nestjs/common';\nimport { AuthModule } from './auth/auth.module';\nimport { UsersController } from './users/users.controller';\n@Module({ imports: [AuthModule], controllers: [UsersController] })\nexport class AppModule {}\n`,
      'src/auth/auth.module.ts': `import { APP_GUARD } from '@nestjs/core';\nimport { ClerkAuthGuard } from './clerk-auth.guard';\n@Module({ providers: [{ provide: APP_GUARD, useClass: ClerkAuthGuard }] })\nexport class AuthModule {}\n`,
    };
    const { item } = await authentication(USERS(), 'DELETE /users/:id', files);
    expect(item.status).toBe('pass');
    expect(item.evidence[0].note).toContain('ClerkAuthGuard');
  });

  it('invalid: @Public() under a global guard that honours it; public by design on a sign-in route', async () => {
    const files = {
      ...PLAIN_APP,
      'src/app.module.ts': `import { APP_GUARD } from '@nestjs/core';\nimport { JwtAuthGuard } from './auth/jwt-auth.guard';\n@Module({ controllers: [UsersController], providers: [{ provide: APP_GUARD, useClass: JwtAuthGuard }] })\nexport class AppModule {}\n`,
      'src/auth/jwt-auth.guard.ts': `export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private reflector: Reflector) { super(); }
  canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return super.canActivate(context);
  }
}
`,
    };
    expect((await authentication(USERS(), 'DELETE /users/:id', files)).item.status).toBe('pass');
    const { item, findings } = await authentication(USERS({ onMethod: '@Public()' }), 'DELETE /users/:id', files);
    expect(item.status).toBe('fail');
    expect(findings).toHaveLength(1);
    const login = USERS({ onMethod: '@Public()' }).replace("@Controller('users')", "@Controller('auth')").replace("@Delete(':id')", "@Post('login')");
    const signIn = await authentication(login, 'POST /auth/login', files);
    expect(signIn.item.status).toBe('n/a');
    expect(signIn.findings).toEqual([]);
  });

  it('valid: @Public() does not switch off a global guard that reads no metadata', async () => {
    const files = {
      ...PLAIN_APP,
      'src/main.ts': `import { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.useGlobalGuards(new ApiKeyGuard());\n}\nclass ApiKeyGuard {\n  canActivate(context) {\n    if (!context.switchToHttp().getRequest().headers['x-api-key']) throw new UnauthorizedException();\n    return true;\n  }\n}\n`,
    };
    const { item } = await authentication(USERS({ onMethod: '@Public()' }), 'DELETE /users/:id', files);
    expect(item.status).toBe('pass');
    expect(item.evidence[0]).toMatchObject({ file: 'src/main.ts', line: 4 });
    expect(item.evidence[0].note).toContain('UnauthorizedException (401) (src/main.ts:8)');
  });

  it('invalid: @Roles() alone is metadata, not authentication', async () => {
    const { item } = await authentication(USERS({ onMethod: "@Roles('admin')" }), 'DELETE /users/:id');
    expect(item.status).toBe('fail');
  });

  it("invalid: AuthGuard(['jwt', 'anonymous']) lets anonymous callers through", async () => {
    const { item } = await authentication(USERS({ onClass: "@UseGuards(AuthGuard(['jwt', 'anonymous']))" }), 'DELETE /users/:id');
    expect(item.status).toBe('fail');
  });

  it('unknown, not a finding: the app module that may register a global guard was not found', async () => {
    const { item, findings } = await authentication(USERS(), 'DELETE /users/:id', {});
    expect(findings).toEqual([]);
    expect(item.status).toBe('unknown');
    expect(item.reason).toContain('UsersController');
  });

  it('public by configuration: a @Public() route listed in auth.public_routes', async () => {
    const config = configSchema.parse({ auth: { public_routes: ['/users/*'] } });
    const { item } = await authentication(USERS({ onMethod: '@Public()' }), 'DELETE /users/:id', PLAIN_APP, config);
    expect(item.status).toBe('n/a');
  });

  it.todo('a guard class without an authentication name that extends AuthGuard("jwt") in another file counts (its base is read, not only its name)');
  it.todo('an APP_GUARD registered in a module two imports below AppModule is found');
  it.todo('a global guard that checks @Public() through a helper (not the Reflector directly) is recognised as honouring it');
});
