import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../../src/review/analyze-files.js';
import { DEFAULT_CONFIG } from '../../../src/config/schema.js';
import { parseTypeScript } from './parse.js';

const DOCUMENTED = `
import express from 'express';
const router = express.Router();

/**
 * Deletes an invoice. {@link Invoice} rows belong to an account.
 * @param req - the request, with \`req.params.id\` from the route
 * @returns nothing: 204
 * @throws {NotFound when the row is missing (an unclosed brace: malformed JSDoc)
 */
router.delete('/invoices/:id', async (req, res) => {
  await db.invoice.delete({ where: { id: req.params.id } });
  res.status(204).end();
});

export default router;
`;

/** The same file with its JSDoc blanked out character for character: same positions, same lines. */
const UNDOCUMENTED = DOCUMENTED.replace(/\/\*\*[\s\S]*?\*\//, (comment) => comment.replace(/[^\n]/g, ' '));

describe('parseTypeScript', () => {
  it('does not parse JSDoc (no check reads it): the tree has none attached', () => {
    const { sourceFile } = parseTypeScript('routes/invoices.ts', DOCUMENTED);
    const route = sourceFile.statements[2] as unknown as { jsDoc?: unknown[] };
    expect(route.jsDoc).toBeUndefined();
  });

  it('reviews documented code, even with malformed JSDoc, exactly as the same code without it', async () => {
    const documented = await analyzeFiles([{ path: 'routes/invoices.ts', text: DOCUMENTED }], { config: DEFAULT_CONFIG });
    const plain = await analyzeFiles([{ path: 'routes/invoices.ts', text: UNDOCUMENTED }], { config: DEFAULT_CONFIG });
    expect(documented.errors).toEqual([]);
    expect(documented.findings.length).toBeGreaterThan(0);
    const strip = (findings: typeof documented.findings) => findings.map(({ ruleId, line, message }) => ({ ruleId, line, message }));
    expect(strip(documented.findings)).toEqual(strip(plain.findings));
    expect(documented.endpoints.map((endpoint) => [endpoint.method, endpoint.route, endpoint.line])).toEqual(plain.endpoints.map((endpoint) => [endpoint.method, endpoint.route, endpoint.line]));
  });
});
