import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Endpoint } from './endpoint.js';
import { discoverExpressRoutes } from './express.js';
import { discoverNextAppRoutes } from './nextjs-app-router.js';

export type EndpointDiscoverer = (index: SourceIndex) => Endpoint[];

/** Endpoint discovery per framework, run on every TypeScript/JavaScript file. */
export const DISCOVERERS: readonly EndpointDiscoverer[] = [discoverNextAppRoutes, discoverExpressRoutes];

export function discoverEndpoints(index: SourceIndex): Endpoint[] {
  return DISCOVERERS.flatMap((discover) => discover(index)).sort((a, b) => a.line - b.line);
}
