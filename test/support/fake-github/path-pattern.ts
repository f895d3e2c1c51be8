/**
 * Matches API paths against GitHub's documented templates
 * (`/repos/{owner}/{repo}/pulls/{pull_number}`), so routes and fault
 * matchers read like the REST reference.
 */

/**
 * Returns the percent-decoded parameters when `path` fits `pattern`, else
 * undefined. `{name}` takes one segment; a final `{name+}` takes the rest
 * (contents paths may arrive with `/` or `%2F`).
 */
export function matchPathPattern(pattern: string, path: string): Record<string, string> | undefined {
  const patternSegments = pattern.split('/').filter(Boolean);
  const pathSegments = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let index = 0; index < patternSegments.length; index += 1) {
    const expected = patternSegments[index]!;
    const rest = /^\{(\w+)\+\}$/.exec(expected);
    if (rest) {
      const remaining = pathSegments.slice(index);
      if (remaining.length === 0) return undefined;
      const decoded = decodeSegments(remaining);
      if (decoded === undefined) return undefined;
      params[rest[1]!] = decoded.join('/');
      return params;
    }
    const actual = pathSegments[index];
    if (actual === undefined) return undefined;
    const param = /^\{(\w+)\}$/.exec(expected);
    if (param) {
      const decoded = decodeSegments([actual]);
      if (decoded === undefined) return undefined;
      params[param[1]!] = decoded[0]!;
    } else if (expected.toLowerCase() !== actual.toLowerCase()) {
      return undefined;
    }
  }
  return pathSegments.length === patternSegments.length ? params : undefined;
}

function decodeSegments(segments: string[]): string[] | undefined {
  try {
    return segments.map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}
