/**
 * The package version, from the package.json above this module: that is
 * `../../package.json` from src/cli/ under tsx and `../../../package.json`
 * from dist/src/cli/ once built, so walk up rather than hard-code a depth.
 */
import { readFile } from 'node:fs/promises';

const PACKAGE_NAME = 'api-security-review';

export async function readPackageVersion(from: URL = new URL('.', import.meta.url)): Promise<string> {
  let directory = from;
  for (let depth = 0; depth < 6; depth++) {
    try {
      const manifest = JSON.parse(await readFile(new URL('package.json', directory), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // No (readable) package.json at this level: keep walking up.
    }
    directory = new URL('..', directory);
  }
  return 'unknown';
}
