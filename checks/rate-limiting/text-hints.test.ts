import { describe, expect, it } from 'vitest';
import { parseTypeScript } from '../lang/ts/parse.js';
import { SourceIndex } from '../lang/ts/source-index.js';
import { fileMentions } from './text-hints.js';

function indexOf(code: string): SourceIndex {
  return new SourceIndex('a.ts', parseTypeScript('a.ts', code).sourceFile);
}

// The parser's table of identifier texts also holds JSDoc names and quoted property names:
// a hint answers for the identifiers, strings and numbers of the code only.
const CODE = `
/**
 * @throws {ForbiddenError} when rateLimiter says no
 */
export function handler(req: Request) {
  const headers = { 'x-request-id': 1, "Unauthorized": 2 };
  return send(req.body, 401);
}
`;

describe('fileMentions', () => {
  it('finds identifiers, string and numeric literals of the code', () => {
    const index = indexOf(CODE);
    expect(fileMentions(index, 'handler', /^handler$/)).toBe(true);
    expect(fileMentions(index, 'body', /^(?:json|body)$/)).toBe(true);
    expect(fileMentions(index, 'status', /^40[13]$/)).toBe(true);
    expect(fileMentions(index, 'requestId', /[Rr]equest-?[Ii][Dd]/)).toBe(true);
    expect(fileMentions(index, 'unauthorized', /nauthori[sz]ed/)).toBe(true);
  });

  it('does not count names that appear only in comments', () => {
    const index = indexOf(CODE);
    expect(fileMentions(index, 'forbidden', /orbidden/)).toBe(false);
    expect(fileMentions(index, 'forbiddenName', /^ForbiddenError$/)).toBe(false);
    expect(fileMentions(index, 'limiter', /[Ll]imiter/)).toBe(false);
    expect(fileMentions(index, 'throws', /^throws$/)).toBe(false);
  });

  it('answers each key once per file', () => {
    const index = indexOf(CODE);
    expect(fileMentions(index, 'key', /^handler$/)).toBe(true);
    // Same key, another pattern: the first answer stands (keys name one question each).
    expect(fileMentions(index, 'key', /^nothing$/)).toBe(true);
  });

  it('reads a file with syntax errors', () => {
    const index = indexOf('const = ; app.get(( => {');
    expect(fileMentions(index, 'app', /^app$/)).toBe(true);
    expect(fileMentions(index, 'nothing', /^limit$/)).toBe(false);
  });
});
