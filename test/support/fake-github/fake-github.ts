/**
 * A local fake of the GitHub REST and GraphQL APIs in GitHub Enterprise
 * Server layout (`/api/v3`, `/api/graphql`), so a real Probot app can run
 * against it with `GHE_HOST=127.0.0.1:<port>` and `GHE_PROTOCOL=http`.
 *
 * It authenticates like GitHub (app JWT for `/app/...`, installation tokens
 * elsewhere), validates what it is sent like GitHub, records every request,
 * and can be told to fail requests for fault-injection tests.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, type KeyObject } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { verifyAppJwt } from './app-jwt.js';
import { FaultRegistry, type FaultHandle, type FaultMatcher, type FaultResponse } from './faults.js';
import { handleGraphql, type GraphqlOperation } from './graphql.js';
import { isRawBody, type ApiReply, type ApiRequest, type Caller, type Route } from './http-types.js';
import { matchPathPattern } from './path-pattern.js';
import { badCredentials, DOCS_ROOT, errorReply, notFound } from './responses.js';
import { appRoutes } from './routes/app-routes.js';
import { checkRoutes } from './routes/check-routes.js';
import { contentRoutes } from './routes/content-routes.js';
import { issueRoutes } from './routes/issue-routes.js';
import { pullRoutes } from './routes/pull-routes.js';
import { reviewRoutes } from './routes/review-routes.js';
import { FakeGitHubStore } from './store.js';

export interface FakeGitHubOptions {
  /** Defaults to 4242. */
  appId?: number;
  /** Defaults to `api-security-review`; the bot writes as `<slug>[bot]`. */
  appSlug?: string;
  /** When given, app JWT signatures are verified with this key (PEM or KeyObject). */
  appPublicKey?: string | KeyObject;
  /** Defaults to true: repository endpoints need an installation token the fake issued. */
  requireAuth?: boolean;
}

/** A request as `handle` read it, handed to fault injection and then to the routes. */
interface IncomingApiRequest {
  method: string;
  /** Undefined for a path outside the API prefix. */
  apiPath: string | undefined;
  isGraphql: boolean;
  target: URL;
  req: IncomingMessage;
  caller: Caller;
  record: RecordedRequest;
  parsedBody: { ok: true; value: unknown } | { ok: false };
}

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  /** API path without `/api/v3` or query (`/graphql` for GraphQL). */
  path: string;
  /** The request target as sent, including prefix and query. */
  url: string;
  query: Record<string, string>;
  /** Lower-cased headers without `authorization` and `cookie`. */
  headers: Record<string, string>;
  /** Which credential was presented (the credential itself is never recorded). */
  auth: Caller['kind'];
  body: unknown;
  status: number;
  /** `METHOD pattern` of the route that answered, `POST /graphql`, or undefined. */
  route: string | undefined;
  graphqlOperation?: GraphqlOperation;
  /** Answered by an injected fault. */
  fault: boolean;
  /** Nothing in the fake handles this request (or the fake itself failed): tests should assert there are none. */
  unexpected: boolean;
  error?: string;
  /** `performance.now()` when the request arrived and when it was answered: tests of serialised writes compare them. */
  receivedAt: number;
  answeredAt?: number;
}

const API_PREFIX = '/api/v3';
const GRAPHQL_PATH = '/api/graphql';
const ROUTES: Route[] = [...appRoutes, ...contentRoutes, ...pullRoutes, ...checkRoutes, ...reviewRoutes, ...issueRoutes];
const RATE_LIMIT = 5000;
const MAX_BODY_BYTES = 25 * 1024 * 1024;

export class FakeGitHub {
  readonly store: FakeGitHubStore;
  readonly requests: RecordedRequest[] = [];
  private readonly faults = new FaultRegistry();
  private readonly server: Server;
  private readonly options: Required<Pick<FakeGitHubOptions, 'requireAuth'>> & FakeGitHubOptions;
  private readonly rateLimitUsed = new Map<string, number>();
  private port = 0;

  constructor(options: FakeGitHubOptions = {}) {
    this.options = { ...options, requireAuth: options.requireAuth ?? true };
    const appId = options.appId ?? 4242;
    const slug = options.appSlug ?? 'api-security-review';
    this.store = new FakeGitHubStore({ id: appId, slug, name: slug });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end();
        this.requests.push(crashRecord(req, error));
      });
    });
  }

  /** Listens on 127.0.0.1 on a free port. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** `127.0.0.1:<port>`: the value for `GHE_HOST`. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get url(): string {
    return `http://${this.host}`;
  }

  /** The REST base URL an Octokit should use. */
  get apiUrl(): string {
    return `${this.url}${API_PREFIX}`;
  }

  get graphqlUrl(): string {
    return `${this.url}${GRAPHQL_PATH}`;
  }

  /** Requests nothing in the fake handled; a passing test leaves this empty. */
  get unexpected(): RecordedRequest[] {
    return this.requests.filter((request) => request.unexpected);
  }

  /** Recorded requests whose method and path match (`/repos/{owner}/{repo}/check-runs` templates allowed). */
  requestsTo(method: string, pathPattern: string): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.method === method.toUpperCase() && (request.path === pathPattern || matchPathPattern(pathPattern, request.path) !== undefined),
    );
  }

  /** Answers matching requests with `response` (once unless `times` says otherwise). */
  fail(matcher: FaultMatcher, response: FaultResponse): FaultHandle {
    return this.faults.add(matcher, response);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      // Keep-alive sockets of the app under test would hold close() open.
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = await readBody(req);
    const record: RecordedRequest = {
      method,
      path: target.pathname,
      url: req.url ?? '',
      query: Object.fromEntries(target.searchParams),
      headers: recordableHeaders(req),
      auth: 'none',
      body: rawBody === undefined ? undefined : rawBody,
      status: 0,
      route: undefined,
      fault: false,
      unexpected: false,
      receivedAt: performance.now(),
    };
    this.requests.push(record);

    const parsed = parseJsonBody(rawBody);
    if (parsed.ok) record.body = parsed.value;
    const isGraphql = target.pathname === GRAPHQL_PATH;
    const apiPath = isGraphql ? '/graphql' : this.canonicalPath(stripPrefix(target.pathname));
    if (apiPath !== undefined) record.path = apiPath;
    const caller = this.identify(req);
    record.auth = caller.kind;

    const reply = await this.answer({ method, apiPath, isGraphql, target, req, caller, record, parsedBody: parsed });
    record.status = reply.status;
    record.answeredAt = performance.now();
    if (reply.reset === true) {
      // A connection reset: the client sees ECONNRESET / "other side closed", no HTTP answer.
      res.socket?.destroy();
      return;
    }
    this.send(res, reply, caller, isGraphql);
  }

  private async answer(input: IncomingApiRequest): Promise<ApiReply> {
    const { method, apiPath, record } = input;
    if (apiPath === undefined) {
      record.unexpected = true;
      return notFound();
    }
    const fault = this.faults.take({ method, path: apiPath, body: record.body });
    if (fault) {
      record.fault = true;
      if (fault.delayMs) await delay(fault.delayMs);
      if (fault.afterEffect === true) await this.route({ ...input, apiPath, record: { ...record } });
      if (fault.reset === true) return { status: 0, reset: true };
      return { status: fault.status, headers: fault.headers, body: fault.body ?? defaultFaultBody(fault.status) };
    }
    return this.route({ ...input, apiPath });
  }

  /** What GitHub would answer: GraphQL or the first matching route, after auth. */
  private async route(input: IncomingApiRequest & { apiPath: string }): Promise<ApiReply> {
    const { method, apiPath, isGraphql, target, req, caller, record, parsedBody } = input;
    if (!parsedBody.ok) return errorReply(400, 'Problems parsing JSON');

    const request: ApiRequest = {
      method,
      path: apiPath,
      query: target.searchParams,
      headers: req.headers,
      body: record.body,
      params: {},
      caller,
      apiBaseUrl: this.apiUrl,
      store: this.store,
    };

    if (isGraphql) {
      record.route = 'POST /graphql';
      if (method !== 'POST') {
        record.unexpected = true;
        return notFound();
      }
      if (this.options.requireAuth && caller.kind !== 'installation') return badCredentials();
      const outcome = handleGraphql(request);
      record.graphqlOperation = outcome.operation;
      record.unexpected = outcome.operation === undefined;
      return outcome.reply;
    }

    for (const route of ROUTES) {
      if (route.method !== method) continue;
      const params = matchPathPattern(route.pattern, apiPath);
      if (!params) continue;
      record.route = `${route.method} ${route.pattern}`;
      request.params = params;
      const denied = this.authorize(route, request);
      if (denied) return denied;
      try {
        return await route.handle(request);
      } catch (error) {
        record.unexpected = true;
        record.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
        return errorReply(500, 'fake-github route crashed');
      }
    }
    record.unexpected = true;
    return notFound();
  }

  /** The 401/404 GitHub gives when the credential does not fit the endpoint, else undefined. */
  private authorize(route: Route, request: ApiRequest): ApiReply | undefined {
    if (!this.options.requireAuth || route.auth === 'none') return undefined;
    const { caller } = request;
    if (route.auth === 'app') {
      if (caller.kind === 'app') return undefined;
      return errorReply(401, caller.kind === 'invalid' ? caller.message : 'A JSON web token could not be decoded');
    }
    if (caller.kind !== 'installation') return badCredentials();
    const owner = request.params.owner;
    const installation = this.store.installations.get(caller.installationId);
    // An installation only sees the repositories of the account it is installed on.
    if (owner !== undefined && installation && installation.account.toLowerCase() !== owner.toLowerCase()) return notFound();
    return undefined;
  }

  private identify(req: IncomingMessage): Caller {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return { kind: 'none' };
    const match = /^(bearer|token)\s+(\S+)$/i.exec(header.trim());
    if (!match) return { kind: 'invalid', message: 'Bad credentials' };
    const credential = match[2]!;
    const issued = this.store.tokens.get(credential);
    if (issued) {
      if (Date.parse(issued.expiresAt) <= Date.now()) return { kind: 'invalid', message: 'Bad credentials' };
      return { kind: 'installation', installationId: issued.installationId, token: credential };
    }
    if (match[1]!.toLowerCase() !== 'bearer') return { kind: 'invalid', message: 'Bad credentials' };
    const verdict = verifyAppJwt(credential, { appId: this.store.app.id, publicKey: this.options.appPublicKey });
    return verdict.ok ? { kind: 'app', appId: verdict.appId } : { kind: 'invalid', message: verdict.message };
  }

  /** `/repositories/{id}/...` (the form GitHub's `link` headers use) becomes `/repos/{owner}/{repo}/...`. */
  private canonicalPath(path: string | undefined): string | undefined {
    if (path === undefined) return undefined;
    const byId = /^\/repositories\/(\d+)(\/.*)?$/.exec(path);
    if (!byId) return path;
    const repo = this.store.findRepositoryById(Number(byId[1]));
    return repo ? `/repos/${repo.fullName}${byId[2] ?? ''}` : path;
  }

  private send(res: ServerResponse, reply: ApiReply, caller: Caller, isGraphql: boolean): void {
    const headers: Record<string, string> = {
      'x-github-request-id': randomUUID().toUpperCase(),
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      ...this.rateLimitHeaders(caller, isGraphql ? 'graphql' : 'core'),
      ...reply.headers,
    };
    if (reply.status === 204 || reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    if (isRawBody(reply.body)) {
      res.writeHead(reply.status, { ...headers, 'content-type': reply.body.contentType }).end(reply.body.raw);
      return;
    }
    res.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(reply.body));
  }

  private rateLimitHeaders(caller: Caller, resource: 'core' | 'graphql'): Record<string, string> {
    const key = `${caller.kind === 'installation' ? caller.token : caller.kind}:${resource}`;
    const used = (this.rateLimitUsed.get(key) ?? 0) + 1;
    this.rateLimitUsed.set(key, used);
    return {
      'x-ratelimit-limit': String(RATE_LIMIT),
      'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - used)),
      'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': resource,
    };
  }
}

/** Starts a fake GitHub on 127.0.0.1 on a free port. */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const fake = new FakeGitHub(options);
  await fake.listen();
  return fake;
}

function stripPrefix(pathname: string): string | undefined {
  if (pathname === API_PREFIX) return '/';
  return pathname.startsWith(`${API_PREFIX}/`) ? pathname.slice(API_PREFIX.length) : undefined;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('fake-github: request body too large');
    chunks.push(buffer);
  }
  return chunks.length === 0 ? undefined : Buffer.concat(chunks).toString('utf8');
}

function parseJsonBody(raw: string | undefined): { ok: true; value: unknown } | { ok: false } {
  if (raw === undefined || raw === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

function recordableHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || name === 'cookie' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function defaultFaultBody(status: number): Record<string, string> {
  const messages: Record<number, string> = { 401: 'Bad credentials', 404: 'Not Found', 422: 'Unprocessable Entity', 500: 'Server Error' };
  return { message: messages[status] ?? STATUS_CODES[status] ?? 'Error', documentation_url: DOCS_ROOT, status: String(status) };
}

function crashRecord(req: IncomingMessage, error: unknown): RecordedRequest {
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    url: req.url ?? '',
    query: {},
    headers: recordableHeaders(req),
    receivedAt: performance.now(),
    auth: 'none',
    body: undefined,
    status: 500,
    route: undefined,
    fault: false,
    unexpected: true,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  };
}
