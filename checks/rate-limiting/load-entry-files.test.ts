/**
 * loadFastifyEntryFiles: the entry file of a Fastify plugin is loaded, so
 * that missing-rate-limit reads its global @fastify/rate-limit registration
 * (the engine calls it among its attach steps).
 */
import { describe, expect, it } from 'vitest';
import check from './missing-rate-limit.js';
import { loadFastifyEntryFiles } from './load-entry-files.js';
import { discoverEndpoints } from '../frameworks/index.js';
import { parseTypeScript } from '../lang/ts/parse.js';
import { SourceIndex } from '../lang/ts/source-index.js';
import { ProjectContext } from '../project-context.js';
import { runChecks } from '../run-checks.js';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';

const plugin = `import type { FastifyInstance } from 'fastify';
export default async function invoices(fastify: FastifyInstance) {
  fastify.get('/', async () => db.invoice.findMany());
}
`;
const server = `import Fastify from 'fastify';
import rateLimit from '@fastify/rate-limit';
import invoices from './routes/invoices';
const app = Fastify({ logger: true });
app.register(rateLimit, { max: 100 });
app.register(invoices, { prefix: '/invoices' });
`;

async function statusWith(files: Record<string, string>): Promise<string> {
  const project = new ProjectContext({ read: async (path) => files[path], exists: async (path) => path in files });
  const index = new SourceIndex('src/routes/invoices.ts', parseTypeScript('src/routes/invoices.ts', plugin).sourceFile);
  const endpoints = discoverEndpoints(index);
  await loadFastifyEntryFiles(endpoints, project);
  await project.prepare();
  return runChecks(endpoints[0], [check], DEFAULT_CONFIG, project).checklist['ratelimit.endpoint'].status;
}

describe('loadFastifyEntryFiles', () => {
  it('valid: the server that registers the plugin limits every route', async () => {
    expect(await statusWith({ 'src/server.ts': server })).toBe('pass');
  });

  it('invalid: the server registers the plugin without a limiter', async () => {
    expect(await statusWith({ 'src/server.ts': server.replace("app.register(rateLimit, { max: 100 });\n", '') })).toBe('fail');
  });

  it('unknown: no entry file exists to read', async () => {
    expect(await statusWith({})).toBe('unknown');
  });
});
