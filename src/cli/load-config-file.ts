/**
 * The CLI's configuration: `--config <file>`, else
 * `.github/api-security-review.yml` in the working directory when present,
 * else the defaults. Parsed as plain YAML data (no custom tags, few aliases,
 * one document) and validated with the app's schema, so a file that the app
 * would reject is rejected here too.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { DEFAULT_CONFIG, type Config } from '../config/schema.js';
import { validateConfig, type ConfigIssue } from '../config/validate-config.js';

export const DEFAULT_CONFIG_PATH = '.github/api-security-review.yml';

/** A config file is a few lines; anything far larger is a mistake or an attack. */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** Aliases can multiply a tiny document into a huge one (billion laughs). */
const MAX_ALIAS_COUNT = 50;

export type LoadedConfig =
  | { ok: true; config: Config; source: string | undefined }
  | { ok: false; source: string; message: string; issues: ConfigIssue[] };

/** Loads the config for a scan; `explicit` is the `--config` value, relative to `cwd`. */
export async function loadConfigFile(cwd: string, explicit: string | undefined): Promise<LoadedConfig> {
  const source = explicit ?? DEFAULT_CONFIG_PATH;
  const absolute = path.resolve(cwd, source);
  let size: number;
  try {
    const stats = await stat(absolute);
    if (!stats.isFile()) return { ok: false, source, message: 'is not a file', issues: [] };
    size = stats.size;
  } catch (error) {
    if (explicit === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, config: DEFAULT_CONFIG, source: undefined };
    return { ok: false, source, message: `cannot be read: ${(error as Error).message}`, issues: [] };
  }
  if (size > MAX_CONFIG_BYTES) return { ok: false, source, message: `is ${size} bytes, over the ${MAX_CONFIG_BYTES} byte limit`, issues: [] };
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    return { ok: false, source, message: `cannot be read: ${(error as Error).message}`, issues: [] };
  }
  const parsed = parseConfigYaml(text);
  if (!parsed.ok) return { ok: false, source, message: `is not valid YAML: ${parsed.message}`, issues: [] };
  const validated = validateConfig(parsed.value);
  if (!validated.ok) return { ok: false, source, message: 'is not a valid configuration', issues: validated.issues };
  return { ok: true, config: validated.config, source };
}

type YamlResult = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * YAML as data only: the core schema (no timestamps or binary), no custom
 * or language tags (an unresolved tag is an error, not a silent string),
 * unique keys, no merge keys, a small alias budget.
 */
export function parseConfigYaml(text: string): YamlResult {
  const document = parseDocument(text, { schema: 'core', customTags: [], merge: false, uniqueKeys: true, prettyErrors: true });
  const problem = document.errors[0] ?? document.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  if (problem !== undefined) return { ok: false, message: describeYamlProblem(problem.message) };
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** Pretty errors end their first line with "at line L, column C:" and then quote the source; keep the first line. */
function describeYamlProblem(message: string): string {
  return message.split('\n')[0].replace(/:\s*$/, '');
}
