/**
 * missing-rate-limit for Python (ratelimit.endpoint): the TypeScript check's
 * idea and id. What limits a Python endpoint: slowapi and flask-limiter
 * (`@limiter.limit(...)` on the route; `Limiter(default_limits=...)` applied
 * by `SlowAPIMiddleware` or by flask-limiter itself), fastapi-limiter
 * (`Depends(RateLimiter(...))`), django-ratelimit (`@ratelimit`), DRF
 * throttles (decorator, class attribute or `DEFAULT_THROTTLE_CLASSES`, from
 * the endpoint's DRF policies), and `rate_limit.upstream` in the config.
 * `@limiter.exempt` / `throttle_classes = []` switch it off.
 */
import tsCheck from '../../rate-limiting/missing-rate-limit.js';
import { CONFIG_FILE } from '../../rate-limiting/rate-limit-coverage.js';
import { calleeName, childByField, expressionPath, importSources, keywordArgument, lastSegment, plainCalleePath } from '../../lang/py/queries.js';
import type { PyNode, PySourceIndex } from '../../lang/py/source-index.js';
import { createPyCheck, siblingMetadata } from '../create-py-check.js';
import type { PyEndpoint } from '../endpoint.js';
import { handlerDecorators } from '../input-validation/request-data.js';

// Call-name patterns as module constants: callsNamed answers a pattern object it has seen by identity (a literal is a new object per evaluation).
const RATELIMIT_CALL = /^ratelimit$/;
const FASTAPI_APP_CALL = /^FastAPI$/;
const FLASK_APP_CALL = /^Flask$/;
const LIMITER_CALL = /^Limiter$/;
const ADD_MIDDLEWARE_CALL = /^add_middleware$/;
const LIMITER_METHOD_CALL = /^(?:ratelimit|limiter|rate_limiter)\.(?:hit|limit|check)$/;
/** The last names LIMITER_METHOD_CALL allows. */
const LIMITER_METHOD_NAME = /^(?:hit|limit|check)$/;

/** Routes that take credentials or one-time codes: guessing them is the attack a limit stops. */
const CREDENTIAL_ROUTE = /(?:^|[/_-])(?:login|log-in|signin|sign-in|token|password|passwd|reset|register|signup|sign-up|otp|mfa|2fa|verify|auth|session)s?(?:$|[/_{-])/i;

type Coverage = { kind: 'limited'; node?: PyNode; line?: number; file?: string; note: string } | { kind: 'off'; node: PyNode; how: string } | { kind: 'unknown'; reason: string } | { kind: 'none'; note?: string };

export default createPyCheck({
  id: 'missing-rate-limit',
  items: ['ratelimit.endpoint'],
  ...siblingMetadata(tsCheck),
  messages: {
    missing: tsCheck.messages.missing,
    'missing-sensitive': tsCheck.messages['missing-sensitive'],
    disabled: tsCheck.messages.disabled,
  },
  fix: {
    fastapi:
      'Limit the route with slowapi: `limiter = Limiter(key_func=get_remote_address)`, `app.state.limiter = limiter`, `app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)`, then `@limiter.limit("5/minute")` under the route decorator (with a `request: Request` parameter); or `dependencies=[Depends(RateLimiter(times=5, seconds=60))]` with fastapi-limiter. If an API gateway enforces limits, set `rate_limit.upstream: true` in `.github/api-security-review.yml`.',
    'django-rest-framework':
      "Throttle the view: `throttle_classes = [UserRateThrottle, AnonRateThrottle]` (or `@throttle_classes([...])`), or project-wide `REST_FRAMEWORK = {'DEFAULT_THROTTLE_CLASSES': ['rest_framework.throttling.AnonRateThrottle', 'rest_framework.throttling.UserRateThrottle'], 'DEFAULT_THROTTLE_RATES': {'anon': '100/hour', 'user': '1000/hour'}}`, with a stricter `ScopedRateThrottle` on login views.",
    flask:
      'Add flask-limiter: `limiter = Limiter(get_remote_address, app=app, default_limits=["200 per day", "50 per hour"])`, and `@limiter.limit("5 per minute")` under the route decorator of credential routes. If an API gateway enforces limits, set `rate_limit.upstream: true` in `.github/api-security-review.yml`.',
    default: tsCheck.fix.default,
  },
  run(context) {
    const { endpoint, config } = context;
    const name = `${endpoint.method} ${endpoint.route}`;
    const coverage = coverageOf(endpoint, config.rate_limit);
    if (coverage.kind === 'limited') {
      context.pass('ratelimit.endpoint', { node: coverage.node, line: coverage.line, file: coverage.file, note: coverage.note });
      return;
    }
    if (coverage.kind === 'unknown') {
      context.unknown('ratelimit.endpoint', coverage.reason);
      return;
    }
    const credential = CREDENTIAL_ROUTE.test(endpoint.route) || CREDENTIAL_ROUTE.test(endpoint.handler === undefined ? '' : (childByField(endpoint.handler, 'name')?.name ?? ''));
    const reason = credential ? ', and it takes credentials: without a limit, passwords and codes can be guessed' : '';
    if (coverage.kind === 'off') {
      context.report({ messageId: 'disabled', node: coverage.node, data: { endpoint: name, how: coverage.how, reason }, severity: credential ? 'medium' : 'low' });
      return;
    }
    context.report({
      messageId: credential ? 'missing-sensitive' : 'missing',
      node: endpoint.registration,
      line: endpoint.line,
      endLine: endpoint.line,
      data: { endpoint: name, reason: 'it takes credentials: without a limit, passwords and codes can be guessed' },
      severity: credential ? 'medium' : 'low',
    });
  },
});

function coverageOf(endpoint: PyEndpoint, settings: { functions: string[]; upstream: boolean }): Coverage {
  const { index } = endpoint;
  if (settings.upstream) return { kind: 'limited', file: CONFIG_FILE, line: 1, note: 'rate_limit.upstream: true: the repository declares that limits are enforced upstream (API gateway, CDN or proxy)' };

  // On the route: decorators (slowapi, flask-limiter, django-ratelimit, configured names) and fastapi-limiter dependencies.
  const decorators = [...handlerDecorators(endpoint), ...endpoint.decorators.map((d) => ({ name: d.name, node: d.node }))];
  const exempt = decorators.find((decorator) => /(?:^|\.)exempt$/.test(decorator.name));
  if (exempt !== undefined) return { kind: 'off', node: exempt.node, how: `\`@${exempt.name}\`` };
  const limit = decorators.find((decorator) => /^\w+\.(?:limit|shared_limit)$/.test(decorator.name) || /^(?:ratelimit|rate_limit|throttle)$/.test(lastSegment(decorator.name)) || settings.functions.includes(lastSegment(decorator.name)));
  if (limit !== undefined) return { kind: 'limited', node: limit.node, note: `\`@${index.textOf(limit.node).replace(/\s+/g, ' ')}\` limits this route` };
  const dependency = endpoint.dependencies.find((d) => /RateLimiter|rate_?limit|throttle/i.test(d.callable) || settings.functions.includes(lastSegment(d.callable)));
  if (dependency !== undefined) return { kind: 'limited', node: dependency.node, file: dependency.file, line: dependency.line, note: `\`${index.textOf(dependency.node)}\` on the ${dependency.level} limits this route` };
  const call = limiterCallIn(endpoint, settings.functions);
  if (call !== undefined) return { kind: 'limited', node: call, note: `${plainCalleePath(call)}() limits this route in its code` };
  // django-ratelimit on a class view through method_decorator.
  if (endpoint.viewClass !== undefined) {
    const decorated = index.callsNamed(RATELIMIT_CALL, [{ pos: endpoint.viewClass.pos, end: endpoint.viewClass.end }])[0];
    if (decorated !== undefined) return { kind: 'limited', node: decorated, note: `django-ratelimit \`${index.textOf(decorated)}\` on the view` };
  }

  if (endpoint.framework === 'django-rest-framework') return drfThrottles(endpoint);

  // App-wide defaults, in this file and then in the entry file that creates the app.
  const here = appWideCoverage(index, endpoint.framework);
  if (here !== undefined) return here;
  if (endpoint.entryFile !== undefined) {
    const entry = appWideCoverage(endpoint.entryFile, endpoint.framework);
    if (entry !== undefined) return entry.kind === 'limited' ? { ...entry, note: `${entry.note}, in ${endpoint.entryFile.path}` } : entry;
    return { kind: 'none', note: `the app in ${endpoint.entryFile.path} sets no limiter` };
  }
  const appHere = index.callsNamed(endpoint.framework === 'fastapi' ? FASTAPI_APP_CALL : FLASK_APP_CALL).length > 0;
  if (!appHere) {
    const where = endpoint.mountUnknown ?? `the ${endpoint.framework === 'fastapi' ? 'FastAPI app' : 'Flask app'} is created in another file`;
    return { kind: 'unknown', reason: `${where}; a limiter there (slowapi \`SlowAPIMiddleware\` with \`default_limits\`, flask-limiter \`default_limits\`) may cover this route` };
  }
  return { kind: 'none' };
}

/** A call in the endpoint's code that limits it: a configured function, or `limiter.hit()` and the like. */
function limiterCallIn(endpoint: PyEndpoint, functions: string[]): PyNode | undefined {
  const { index } = endpoint;
  // A callee path is made of the file's own names: a file that never spells `limiter` or `ratelimit` has no such
  // call, and most files do not, so their calls' paths are not read at all.
  const mentioned = index.memo('py:mentionsLimiter', () => /limiter|ratelimit/.test(index.text));
  if (!mentioned && functions.length === 0) return undefined;
  // `limiter.hit()` and the like end in one of three names: with no configured functions only those calls are read.
  if (functions.length === 0) return index.callsNamed(LIMITER_METHOD_NAME, endpoint.scopes).find((candidate) => LIMITER_METHOD_CALL.test(plainCalleePath(candidate)));
  return index.calls(endpoint.scopes).find((candidate) => functions.includes(calleeName(candidate)) || (mentioned && LIMITER_METHOD_CALL.test(plainCalleePath(candidate))));
}

/** A limiter with defaults in `index` (slowapi needs SlowAPIMiddleware to apply them; flask-limiter applies them itself), or one imported from another module. */
function appWideCoverage(index: PySourceIndex, framework: PyEndpoint['framework']): Coverage | undefined {
  // The same for every endpoint of the file: read once per file and framework.
  return index.memo(`py:appWideCoverage:${framework}`, () => readAppWideCoverage(index, framework));
}

function readAppWideCoverage(index: PySourceIndex, framework: PyEndpoint['framework']): Coverage | undefined {
  const limiter = index.callsNamed(LIMITER_CALL)[0];
  const defaults = limiter === undefined ? undefined : (keywordArgument(limiter, 'default_limits') ?? keywordArgument(limiter, 'application_limits'));
  if (limiter !== undefined && defaults !== undefined) {
    if (framework === 'flask') return { kind: 'limited', node: limiter, note: `flask-limiter's \`default_limits\` apply to every route (${index.textOf(defaults)})` };
    const middleware = index.callsNamed(ADD_MIDDLEWARE_CALL).find((candidate) => /SlowAPI(?:ASGI)?Middleware/.test(index.textOf(candidate)));
    if (middleware !== undefined) return { kind: 'limited', node: middleware, note: `SlowAPIMiddleware applies the Limiter's \`default_limits\` (${index.textOf(defaults)}) to every route` };
    return { kind: 'none' };
  }
  // A limiter configured in another module: its defaults decide.
  const imported = [...importSources(index)].find(([local, source]) => /limiter/i.test(local) && source.module !== 'slowapi' && source.module !== 'flask_limiter' && !source.module.startsWith('slowapi.') && !source.module.startsWith('flask_limiter.'));
  if (imported !== undefined) return { kind: 'unknown', reason: `the limiter \`${imported[0]}\` comes from \`${imported[1].module}\`; whether its \`default_limits\` cover this route is decided there` };
  return undefined;
}

function drfThrottles(endpoint: PyEndpoint): Coverage {
  const policy = endpoint.throttleClasses;
  if (policy === undefined) return { kind: 'unknown', reason: endpoint.drfDefaultsUnknown ?? 'no throttle classes are set on the view and the project defaults are unknown' };
  if (policy.names.length > 0) {
    const where = policy.source === 'settings' ? `DEFAULT_THROTTLE_CLASSES in ${policy.file}` : policy.source === 'decorator' ? '@throttle_classes' : 'throttle_classes on the view';
    return { kind: 'limited', node: policy.source === 'settings' ? undefined : policy.node, file: policy.file, line: policy.line, note: `${policy.names.join(', ')} (${where})` };
  }
  if (policy.source !== 'settings' && policy.node !== undefined) return { kind: 'off', node: policy.node, how: `\`${expressionPath(policy.node, false) || endpoint.index.textOf(policy.node).replace(/\s+/g, ' ')}\`` };
  return { kind: 'none' };
}
