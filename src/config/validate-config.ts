import { z } from 'zod';
import { configSchema, type Config } from './schema.js';

/** One problem in a config file: the key, what was there, what was expected. */
export interface ConfigIssue {
  key: string;
  found: string;
  expected: string;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  if (text === undefined) return typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Validates parsed YAML (any value) into a fully defaulted Config. */
export function validateConfig(raw: unknown): ConfigResult {
  // An empty file parses to null/undefined: that is "all defaults".
  const input = raw === null || raw === undefined ? {} : raw;
  const parsed = configSchema.safeParse(input);
  if (parsed.success) return { ok: true, config: parsed.data };
  const issues: ConfigIssue[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({
          key: [...path, key].join('.'),
          found: describeValue(valueAt(input, [...issue.path, key])),
          expected: 'no such key (check the spelling against the configuration reference)',
        });
      }
      continue;
    }
    issues.push({
      key: path.length > 0 ? path.join('.') : '(top level)',
      found: describeValue(valueAt(input, issue.path)),
      expected: issue.message,
    });
  }
  return { ok: false, issues };
}

export type { Config };
