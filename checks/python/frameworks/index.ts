import type { PySourceIndex } from '../../lang/py/source-index.js';
import type { PyEndpoint } from '../endpoint.js';
import { discoverDrfViews } from './drf.js';
import { discoverFastApiRoutes } from './fastapi.js';
import { discoverFlaskRoutes } from './flask.js';

export type PyEndpointDiscoverer = (index: PySourceIndex) => PyEndpoint[];

/** Endpoint discovery per framework, run on every Python file. */
export const PY_DISCOVERERS: readonly PyEndpointDiscoverer[] = [discoverFastApiRoutes, discoverDrfViews, discoverFlaskRoutes];

/**
 * Every endpoint of the file, in line order. An endpoint whose code holds a
 * syntax error carries it: its items are then unknown, not guessed.
 */
export function discoverPythonEndpoints(index: PySourceIndex): PyEndpoint[] {
  const endpoints = PY_DISCOVERERS.flatMap((discover) => discover(index)).sort((a, b) => a.line - b.line || a.registration.pos - b.registration.pos);
  if (index.syntaxErrors.length > 0) {
    for (const endpoint of endpoints) endpoint.syntaxError = index.errorIn(endpoint.scopes);
  }
  return endpoints;
}
