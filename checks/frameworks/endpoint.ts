import type { ts } from '../lang/ts/parse.js';
import type { FunctionNode } from '../lang/ts/queries.js';
import type { Scope, SourceIndex } from '../lang/ts/source-index.js';

export type Framework =
  | 'nextjs-app-router'
  | 'nextjs-pages'
  | 'express'
  | 'fastify'
  | 'hono'
  | 'koa'
  | 'nestjs'
  | 'trpc';

/**
 * Something that runs around the handler and may carry a control:
 * a middleware argument, an `app.use(...)` before the route, or a wrapper
 * such as `withAuth(handler)`.
 */
export interface Control {
  kind: 'middleware' | 'router-middleware' | 'wrapper';
  /** The control as written, e.g. `passport.authenticate` or `withAuth`. */
  name: string;
  /** The expression in the route registration. */
  node: ts.Node;
  line: number;
  /** Its definition: a function of the same file, or of the module it is imported from. */
  definition?: FunctionNode;
  /** The file of `definition` when it was imported (one hop); the endpoint's own file otherwise. */
  definitionIndex?: SourceIndex;
  /** The file the control is written in, when it is not the endpoint's (a bootstrap file's `app.use`). */
  index?: SourceIndex;
}

/** Code of one file that runs for an endpoint. */
export interface CodeRegion {
  index: SourceIndex;
  scopes: Scope[];
}

/** An API endpoint found in a TypeScript/JavaScript file. */
export interface Endpoint {
  file: string;
  framework: Framework;
  /** Upper case HTTP method; `ALL` for Express `.all`. */
  method: string;
  /** The route as the framework writes it: `/api/invoices/[id]`, `/users/:id`. */
  route: string;
  /** Line of the registration (the export or the route call). */
  line: number;
  /** The registration statement: the `export` or the `app.get(...)` call. */
  registration: ts.Node;
  /** The handler function when it is defined in this file. */
  handler?: FunctionNode;
  /** The handler as written when its definition is elsewhere (`controller.list`). */
  handlerReference?: string;
  /** Controls in the order they run (router-level first, then route middleware, then wrappers). */
  controls: Control[];
  /**
   * The code of this file that runs for the endpoint: the handler, the
   * middleware defined here, and the helpers of this file that they call.
   */
  scopes: Scope[];
  /** Index of the file the endpoint lives in. */
  index: SourceIndex;
  /**
   * Code in other files that runs for the endpoint: the definitions of
   * imported middleware and wrappers (one import hop), filled in by the engine.
   */
  externalCode?: CodeRegion[];
  /**
   * Set when the endpoint's router is mounted by another file (an Express
   * `Router()` exported to `app.use(...)` elsewhere): controls there apply too.
   */
  mountedElsewhere?: { router: string };
  /**
   * Where that mount was found, filled in by the engine; absent when it was not
   * found. `complete` is false when the mounting router's own mount was not found;
   * `prefix` is the path the route is served under (`/api/projects`), '' when unknown.
   */
  mountedAt?: { file: string; line: number; complete: boolean; prefix: string };
  /** NestJS: the app's bootstrap file and modules, as read for the global guards (filled in by the engine). */
  nestApp?: NestAppFiles;
}

/**
 * The files of a NestJS app that configure every route: `main.ts` and the
 * modules. `complete` says every project module the root module imports was
 * read, so that "no global filter / interceptor / request id" is a finding
 * rather than a guess.
 */
export interface NestAppFiles {
  main?: SourceIndex;
  modules: readonly SourceIndex[];
  complete: boolean;
  /** Files of the Passport strategies the modules provide (`providers: [JwtStrategy]`): how tokens are verified. */
  strategies: readonly SourceIndex[];
}

/** Every region of code that runs for the endpoint: its own file's scopes first, then imported controls. */
export function codeRegions(endpoint: Endpoint): CodeRegion[] {
  return [{ index: endpoint.index, scopes: endpoint.scopes }, ...(endpoint.externalCode ?? [])];
}

export function scopeOf(node: ts.Node): Scope {
  return { pos: node.pos, end: node.end };
}
