/**
 * The checks themselves are linted (semgrep-rules' metadata schema, ESLint's
 * rule tests): every check file is registered, named after its id, carries
 * valid security metadata, is documented in the README and has its tests.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECKLIST_ITEM_IDS } from '../../checks/checklist.js';
import { CHECKS } from '../../checks/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECTION_FOLDERS = ['authentication', 'authorization', 'input-validation', 'output-safety', 'rate-limiting', 'logging'];

/** Files that default-export a check: `export default createCheck(`. */
function checkFiles(): string[] {
  const files: string[] = [];
  for (const folder of SECTION_FOLDERS) {
    const dir = path.join(ROOT, 'checks', folder);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      if (readFileSync(path.join(dir, file), 'utf8').includes('export default createCheck(')) files.push(`checks/${folder}/${file}`);
    }
  }
  return files.sort();
}

describe('the check registry', () => {
  it('registers every check file, once', () => {
    const registered = CHECKS.map((check) => check.id).sort();
    expect(new Set(registered).size).toBe(registered.length);
    expect(checkFiles().map((file) => path.basename(file, '.ts')).sort()).toEqual(registered);
  });

  it('keeps the registry sorted by id', () => {
    const ids = CHECKS.map((check) => check.id);
    expect(ids).toEqual([...ids].sort());
  });

  describe.each(CHECKS.map((check) => [check.id, check] as const))('%s', (id, check) => {
    const file = checkFiles().find((candidate) => path.basename(candidate, '.ts') === id);

    it('has a kebab-case id', () => {
      expect(id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    });

    it('lives in a file named after its id, in a checklist section folder', () => {
      expect(file).toBeDefined();
    });

    it('has a test file beside it', () => {
      expect(existsSync(path.join(ROOT, file!.replace(/\.ts$/, '.test.ts')))).toBe(true);
    });

    it('decides only checklist items of the spec', () => {
      expect(CHECKLIST_ITEM_IDS).toHaveLength(18);
      expect(check.items.length).toBeGreaterThan(0);
      for (const item of check.items) expect(CHECKLIST_ITEM_IDS).toContain(item);
    });

    it('carries CWE and OWASP API Top 10 (2023) ids', () => {
      expect(check.cwe.length).toBeGreaterThan(0);
      for (const cwe of check.cwe) expect(cwe).toMatch(/^CWE-\d+$/);
      expect(check.owasp.length).toBeGreaterThan(0);
      for (const owasp of check.owasp) expect(owasp).toMatch(/^API(?:[1-9]|10):2023$/);
    });

    it('says what is wrong, why it matters and how to fix it', () => {
      expect(Object.values(check.messages).every((message) => (message as string).trim().length > 10)).toBe(true);
      expect(check.why.length).toBeGreaterThan(20);
      expect(check.fix.default.length).toBeGreaterThan(20);
      expect(check.description.length).toBeGreaterThan(10);
    });

    it('is documented in the README', () => {
      expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(`\`${id}\``);
    });
  });
});
