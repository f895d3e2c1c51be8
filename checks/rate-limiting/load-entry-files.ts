/**
 * Routes declared in a Fastify plugin get their server-wide settings from
 * the file that creates the server and registers the plugin: the
 * `@fastify/rate-limit` registration, `bodyLimit`, the logger and
 * `genReqId`. This loads those entry files (bounded, through the
 * ProjectContext) so that the rate-limiting and logging checks can read
 * them synchronously; without it they answer "unknown" for such routes.
 * Meant to run with the engine's other attach steps, before `prepare()`.
 */
import type { Endpoint } from '../frameworks/endpoint.js';
import { bootstrapCandidates } from '../frameworks/express-mounts.js';
import type { ProjectContext } from '../project-context.js';

/** Entry files loaded per review at most: each is a fetch for the app. */
const MAX_ENTRY_FILES = 4;

export async function loadFastifyEntryFiles(endpoints: readonly Endpoint[], project: ProjectContext): Promise<void> {
  if (!project.canCheckExistence) return;
  const files = new Set(endpoints.filter((endpoint) => endpoint.framework === 'fastify').map((endpoint) => endpoint.file));
  let loaded = 0;
  for (const file of files) {
    for (const candidate of bootstrapCandidates(file)) {
      if (loaded >= MAX_ENTRY_FILES) return;
      if (files.has(candidate) || !(await project.exists(candidate))) continue;
      loaded++;
      await project.load(candidate);
    }
  }
}
