/**
 * Which files of a change are reviewed: source files of a supported
 * language (TypeScript/JavaScript, Python) that pass the configured `paths` / `ignore` globs and are not
 * tests, build output or vendored code.
 */
import picomatch from 'picomatch';
import type { Config } from '../config/schema.js';
import { scriptKindFor } from '../../checks/lang/ts/parse.js';
import { isPythonPath } from '../../checks/lang/py/parse.js';

/** Never API code: dependencies, build output, generated and test files. */
export const DEFAULT_IGNORE = [
  '**/node_modules/**',
  '**/dist/**',
  '**/build/**',
  '**/out/**',
  '**/.next/**',
  '**/coverage/**',
  '**/vendor/**',
  '**/third_party/**',
  '**/*.min.js',
  '**/*.d.ts',
  '**/*.test.*',
  '**/*.spec.*',
  '**/__tests__/**',
  '**/__mocks__/**',
  '**/test/**',
  '**/tests/**',
  '**/fixtures/**',
  '**/test_*.py',
  '**/*_test.py',
  '**/conftest.py',
  '**/migrations/**',
  '**/.venv/**',
  '**/venv/**',
  '**/site-packages/**',
  '**/__pycache__/**',
];

export function isSupportedSource(path: string): boolean {
  return scriptKindFor(path) !== undefined || isPythonPath(path);
}

export type PathFilter = (path: string) => boolean;

/** A predicate for "is this path in scope", from the config's `paths` and `ignore`. */
export function createPathFilter(config: Pick<Config, 'paths' | 'ignore'>): PathFilter {
  const options = { dot: true };
  const included = config.paths !== undefined && config.paths.length > 0 ? picomatch(config.paths, options) : () => true;
  const ignored = picomatch([...DEFAULT_IGNORE, ...(config.ignore ?? [])], options);
  return (path) => isSupportedSource(path) && included(path) && !ignored(path);
}
