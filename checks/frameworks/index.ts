import type { SourceIndex } from '../lang/ts/source-index.js';
import type { Endpoint } from './endpoint.js';
import { discoverExpressRoutes } from './express.js';
import { discoverFastifyRoutes } from './fastify.js';
import { discoverHonoRoutes } from './hono.js';
import { discoverKoaRoutes } from './koa.js';
import { discoverNextAppRoutes } from './nextjs-app-router.js';
import { discoverNextPagesRoutes } from './nextjs-pages.js';
import { discoverNestRoutes } from './nestjs.js';
import { discoverTrpcProcedures } from './trpc.js';

export type EndpointDiscoverer = (index: SourceIndex) => Endpoint[];

/** Endpoint discovery per framework, run on every TypeScript/JavaScript file. */
export const DISCOVERERS: readonly EndpointDiscoverer[] = [
  discoverNextAppRoutes,
  discoverNextPagesRoutes,
  discoverExpressRoutes,
  discoverFastifyRoutes,
  discoverHonoRoutes,
  discoverKoaRoutes,
  discoverNestRoutes,
  discoverTrpcProcedures,
];

export function discoverEndpoints(index: SourceIndex): Endpoint[] {
  return DISCOVERERS.flatMap((discover) => discover(index)).sort((a, b) => a.line - b.line || a.registration.pos - b.registration.pos);
}
