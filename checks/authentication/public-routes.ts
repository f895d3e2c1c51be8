/**
 * Routes that are public by design: the configured `auth.public_routes`
 * globs, and conventional public endpoints (health checks, sign-in flows,
 * OAuth callbacks, webhook receivers, CORS preflight).
 */
import picomatch from 'picomatch';
import { answerOnce } from '../lang/answer-once.js';

const CONVENTIONAL_PUBLIC_SEGMENT: ReadonlyArray<[RegExp, string]> = [
  [/^(?:health|healthz|healthcheck|health-check|livez|readyz|ready|readiness|liveness|live|ping|status|version)$/i, 'health / status endpoint'],
  [/^(?:login|logout|signin|sign-in|signout|sign-out|signup|sign-up|register|forgot-password|reset-password|password-reset|verify-email|magic-link)$/i, 'sign-in / sign-up flow'],
  [/^(?:callback|oauth|oauth2|\[\.\.\.nextauth\]|\[\.\.\.all\]|\[\.\.\.auth\]|\[\.\.\.clerk\])$/i, 'OAuth / auth provider route'],
  [/^(?:webhooks?|hooks)$/i, 'webhook receiver (verify its signature)'],
];

/** The configured globs compiled once per configuration, not once per endpoint. */
const matchers = new WeakMap<readonly string[], (route: string) => boolean>();

/** Conventional answers by route: routes repeat across the endpoints of a review (one per method). */
const conventionalByRoute = answerOnce(conventionalReason, 10_000);

export function publicRouteReason(method: string, route: string, configuredGlobs: readonly string[]): string | undefined {
  if (method === 'OPTIONS') return 'CORS preflight';
  if (configuredGlobs.length > 0) {
    let matches = matchers.get(configuredGlobs);
    if (matches === undefined) {
      matches = picomatch(configuredGlobs as string[], { dot: true });
      matchers.set(configuredGlobs, matches);
    }
    if (matches(route)) return 'listed in auth.public_routes';
  }
  return conventionalByRoute(route);
}

function conventionalReason(route: string): string | undefined {
  // tRPC procedures are dotted paths (`auth.login`); URLs use slashes (and `[...slug]` keeps its dots).
  const segments = route
    .split('/')
    .flatMap((segment) => (segment.startsWith('[') ? [segment] : segment.split('.')))
    .filter((segment) => segment.length > 0);
  for (const segment of segments) {
    for (const [pattern, reason] of CONVENTIONAL_PUBLIC_SEGMENT) if (pattern.test(segment)) return reason;
  }
  return undefined;
}
