/**
 * What a NestJS app does with the exceptions its guards and handlers throw,
 * and whether it gives requests an id, read from the app's own bootstrap and
 * modules (`endpoint.nestApp`, filled in with the global guards).
 *
 * Why this can be decided: Nest's built-in exception filter answers every
 * `HttpException` (401, 403, 404) without logging it; only a registered
 * exception filter, an interceptor or a request logger (nestjs-pino) would
 * record it. When main.ts and every module the root imports were read and
 * none of those is there, an unlogged denial is a fact, not a guess.
 */
import { ts, SyntaxKind, isImportClause, isImportSpecifier } from '../lang/ts/parse.js';
import { importSources } from '../lang/ts/queries.js';
import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Endpoint } from '../frameworks/endpoint.js';
import { loggingErrorHandler } from './rejection-sites.js';
import { requestIdIn, type RequestIdSignal } from './request-id-signals.js';
import { scopeOf } from '../frameworks/endpoint.js';

export type NestExceptionLogging =
  | { kind: 'logged'; node: ts.Node; note: string }
  | { kind: 'not-logged'; node: ts.Node; note: string; main: string }
  | { kind: 'unknown'; reason: string };

/** Packages whose request logger writes every response with its status: a 401 or 403 is on record. */
const REQUEST_LOGGER_MODULE = /^(?:nestjs-pino|pino-http|morgan|@ntegral\/nestjs-sentry|nest-winston)$/;
const ENHANCER_TOKEN = /\b(?:APP_FILTER|APP_INTERCEPTOR)\b/;

function appFiles(endpoint: Endpoint): SourceIndex[] {
  const app = endpoint.nestApp;
  if (app === undefined) return [];
  return [...(app.main === undefined ? [] : [app.main]), ...app.modules];
}

/** `NestFactory.create(AppModule)` in main.ts: where the app is configured, the anchor of an app-wide finding. */
export function nestFactoryCall(main: SourceIndex): ts.CallExpression | undefined {
  return main.callsNamed(/^create$/).find((call) => /NestFactory/.test(main.textOf(call.expression)));
}

/**
 * Whether the exceptions thrown for this endpoint reach a log. Undefined when
 * the app's bootstrap was not found (the caller keeps its "not in view" answer).
 */
export function nestExceptionLogging(endpoint: Endpoint): NestExceptionLogging | undefined {
  const app = endpoint.nestApp;
  if (endpoint.framework !== 'nestjs' || app?.main === undefined) return undefined;
  const files = [endpoint.index, ...appFiles(endpoint)];
  for (const file of files) {
    const handler = loggingErrorHandler(file);
    if (handler !== undefined) return { kind: 'logged', node: handler, note: `the exception filter in ${file.path}:${file.lineOf(handler)} logs what it catches` };
  }
  for (const file of files) {
    for (const [, source] of importSources(file)) {
      if (!REQUEST_LOGGER_MODULE.test(source.module)) continue;
      const use = file.nodesOfKind<ts.Identifier>(SyntaxKind.Identifier).find((identifier) => identifier.text === 'LoggerModule' || /^(?:pinoHttp|morgan|WinstonModule|SentryModule)$/.test(identifier.text));
      if (use !== undefined) return { kind: 'logged', node: use, note: `${source.module} in ${file.path} logs every response with its status, rejections included` };
    }
  }
  const enhancer = files.find((file) => ENHANCER_TOKEN.test(file.text) || file.callsNamed(/^(?:useGlobalFilters|useGlobalInterceptors)$/).length > 0 || /@Use(?:Filters|Interceptors)\b/.test(file.text));
  if (enhancer !== undefined) {
    return { kind: 'unknown', reason: `${enhancer.path} registers an exception filter or interceptor whose code was not read; whether it logs rejections could not be seen` };
  }
  if (!app.complete) {
    return { kind: 'unknown', reason: 'not every module the root module imports was read, and one of them may register an exception filter or request logger' };
  }
  const anchor = nestFactoryCall(app.main) ?? app.main.sourceFile;
  return {
    kind: 'not-logged',
    node: anchor,
    main: app.main.path,
    note: `Nest's built-in exception filter answers it without logging, and ${app.main.path} and the modules register no exception filter, interceptor or request logger that would`,
  };
}

/** A request id set up app-wide: nestjs-cls / nestjs-pino in a module, a request-id middleware or interceptor in main.ts. */
export function nestRequestId(endpoint: Endpoint): { kind: 'found'; signal: RequestIdSignal } | { kind: 'none'; main: SourceIndex } | undefined {
  const app = endpoint.nestApp;
  if (app?.main === undefined) return undefined;
  for (const file of appFiles(endpoint)) {
    const found = requestIdIn(file, [scopeOf(file.sourceFile)]).signal;
    if (found !== undefined) return { kind: 'found', signal: found };
    for (const [name, source] of importSources(file)) {
      if (/^(?:nestjs-cls|@nestjs-cls\/.+|nestjs-pino)$/.test(source.module)) {
        const use = file.nodesOfKind<ts.Identifier>(SyntaxKind.Identifier).find((identifier) => identifier.text === name && identifier.parent !== undefined && !isImportSpecifier(identifier.parent) && !isImportClause(identifier.parent));
        if (use !== undefined) return { kind: 'found', signal: { node: use, note: `${source.module} (${file.path}) gives each request an id` } };
      }
    }
  }
  if (/APP_INTERCEPTOR|useGlobalInterceptors/.test(appFiles(endpoint).map((file) => file.text).join('\n'))) return undefined;
  return app.complete ? { kind: 'none', main: app.main } : undefined;
}
