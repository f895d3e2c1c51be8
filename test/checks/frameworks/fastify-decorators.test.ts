import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../../checks/index.js';
import { analyzeSources, endpointOf } from '../../support/analyze-source.js';

const routes = `import type { FastifyInstance } from 'fastify';
export default async function invoices(fastify: FastifyInstance) {
  fastify.get('/', { onRequest: [fastify.authenticate] }, async (request) => db.invoice.findMany({ where: { ownerId: request.user.sub } }));
}
`;

describe('Fastify decorators defined in the server file', () => {
  it('reads the decorator: its 401 path and jwtVerify decide the failure path and expiry', async () => {
    const result = await analyzeSources({ 'src/routes/invoices.ts': routes }, {
      checks: CHECKS,
      context: {
        'src/server.ts': `import Fastify from 'fastify';
const app = Fastify();
app.decorate('authenticate', async (request, reply) => {
  try { await request.jwtVerify(); } catch { reply.code(401).send({ error: 'Unauthorized' }); }
});
`,
      },
    });
    const checklist = endpointOf(result, 'GET /').checklist;
    expect(checklist['authn.identity'].status).toBe('pass');
    expect(checklist['authn.invalid-token'].status).toBe('pass');
    expect(checklist['authn.token-expiry']).toMatchObject({ status: 'pass', evidence: [expect.objectContaining({ file: 'src/server.ts', line: 4 })] });
  });

  it('a decorator that only decodes the token is a finding in the server file', async () => {
    const result = await analyzeSources({ 'src/routes/invoices.ts': routes }, {
      checks: CHECKS,
      context: {
        'src/server.ts': `import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
const app = Fastify();
app.decorate('authenticate', async (request, reply) => {
  request.user = jwt.decode(request.headers.authorization);
  if (!request.user) return reply.code(401).send();
});
`,
      },
    });
    expect(result.findings.find((f) => f.ruleId === 'weak-token-verification')).toMatchObject({ file: 'src/server.ts', line: 5 });
  });

  it('without the server file, the failure path stays unknown', async () => {
    const result = await analyzeSources({ 'src/routes/invoices.ts': routes }, { checks: CHECKS });
    expect(endpointOf(result, 'GET /').checklist['authn.invalid-token'].status).toBe('unknown');
  });
});
