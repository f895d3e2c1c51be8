import { describe, expect, it } from 'vitest';
import { analyzeSource } from '../../support/analyze-source.js';

const discover = async (code: string) => {
  const result = await analyzeSource('src/routes/api.ts', code, { checks: [] });
  return result.endpoints.map((e) => `${e.method} ${e.route}:${e.line}`);
};

describe('Express discovery', () => {
  it('finds app and router routes with their methods', async () => {
    const code = `import express from 'express';
const app = express();
const router = express.Router();
app.get('/health', (req, res) => res.send('ok'));
router.post('/users', createUser);
router.delete('/users/:id', auth, (req, res) => res.sendStatus(204));
router.all('/anything', (req, res) => res.end());
function createUser(req, res) { res.json({}); }
`;
    expect(await discover(code)).toEqual(['GET /health:4', 'POST /users:5', 'DELETE /users/:id:6', 'ALL /anything:7']);
  });

  it('finds router.route() chains', async () => {
    const code = `import { Router } from 'express';
const r = Router();
r.route('/books/:id')
  .get(getBook)
  .put(updateBook);
function getBook(req, res) {}
function updateBook(req, res) {}
`;
    expect(await discover(code)).toEqual(expect.arrayContaining(['GET /books/:id:3', 'PUT /books/:id:3']));
  });

  it('does not take HTTP clients or maps for routes', async () => {
    const code = `import axios from 'axios';
const cache = new Map();
await axios.get('/api/users', { params: {} });
cache.get('/users');
fetch('/api/x', { method: 'POST' });
`;
    expect(await discover(code)).toEqual([]);
  });

  it('knows routers passed in by parameter when the file uses Express', async () => {
    const code = `import type { Router } from 'express';
export default function register(router: Router) {
  router.get('/orders', (req, res) => res.json([]));
}
`;
    expect(await discover(code)).toEqual(['GET /orders:3']);
  });

  it('ignores app.get(setting) calls that read settings', async () => {
    const code = `import express from 'express';
const app = express();
const env = app.get('env');
`;
    expect(await discover(code)).toEqual([]);
  });
});
