/**
 * No regular expression of the analyzer or the app backtracks for long on
 * hostile text. Every regex literal under checks/ and src/ is found with the
 * TypeScript parser (none is listed by hand, so a new one is covered the day
 * it is written) and run against long adversarial strings built from its
 * own characters: runs of each character it can match, its words followed
 * by such runs, alternations of two of them, each ending in a character that
 * makes the match fail (where catastrophic backtracking shows).
 *
 * The bound is "completes", not a time: the patterns run in a worker that
 * reports each one done; one that reports nothing for 20 s (a generous
 * multiple of what all of them take together) is stuck, and named.
 *
 * `new RegExp(...)` builds patterns at run time; each place must be listed
 * below with why its input cannot be hostile, so that a new one is reviewed.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUN_LENGTH = 1_000;
const STUCK_AFTER_MS = 20_000;

/** Files that build a RegExp at run time, and why what they build is safe. */
const DYNAMIC_REGEXPS: Record<string, string> = {
  'checks/authentication/identity-signals.ts': 'joins the sources of its own literal patterns (each tested here) and configured names escaped first',
  'checks/authorization/membership-checks.ts': 'joins the sources of its own literal patterns',
  'checks/authorization/missing-role-check.ts': 'its own literal patterns and configured names escaped with [.*+?^${}()|[\\]\\\\]',
  // Koa unless() literals, Next.js matchers and Hono patterns (checks/frameworks) come through here.
  'checks/lang/untrusted-pattern.ts': 'the one place that compiles patterns from the PR, after hasSafeShape',
  'checks/input-validation/input-flow.ts': 'an identifier (\\w+) between literal brackets',
  'checks/input-validation/sql-injection.ts': 'joins the sources of its own literal patterns',
  'checks/lang/py/queries.ts': 'names escaped first, joined as literal alternatives',
  'checks/python/authorization/missing-role-check.ts': 'joins the sources of its own three literal segment patterns, anchors dropped',
  'checks/lang/ts/queries.ts': 'names escaped with [.*+?^${}()|[\\]\\\\], joined as literal alternatives',
  'checks/output-safety/log-payloads.ts': 'identifier segments joined with literal dots',
  'checks/rate-limiting/input-bounds.ts': 'an identifier followed by a negated class',
  'checks/rate-limiting/limiter-signals.ts': 'its own literal pattern sources',
  'src/render/markdown.ts': 'a run of backticks',
};

interface FoundRegex {
  where: string;
  source: string;
  flags: string;
}

function sourceFiles(directory: string, files: string[] = []): string[] {
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, files);
    else if (/\.ts$/.test(path) && !/\.(test|d)\.ts$/.test(path)) files.push(path);
  }
  return files;
}

function findRegexes(): { literals: FoundRegex[]; dynamic: Set<string> } {
  const literals: FoundRegex[] = [];
  const dynamic = new Set<string>();
  for (const file of [...sourceFiles(join(ROOT, 'checks')), ...sourceFiles(join(ROOT, 'src'))]) {
    const path = relative(ROOT, file);
    const sourceFile = ts.createSourceFile(path, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = node.getText(sourceFile);
        const slash = text.lastIndexOf('/');
        const line = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;
        literals.push({ where: `${path}:${line}`, source: text.slice(1, slash), flags: text.slice(slash + 1) });
      }
      if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp') dynamic.add(path);
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return { literals, dynamic };
}

/** Characters the pattern can match: its literal characters and a sample of each class and escape. */
function sampleCharacters(source: string): string[] {
  const samples = new Set<string>(['a', ' ']);
  const escapes: Record<string, string[]> = { s: [' ', '\t', '\n'], d: ['1'], w: ['a', '_', '1'], S: ['a'], D: ['a'], W: ['-', ' '], b: [], B: [], n: ['\n'], t: ['\t'], r: ['\r'] };
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      const next = source[++i] ?? '';
      for (const sample of escapes[next] ?? [next]) samples.add(sample);
    } else if (char === '.') samples.add('x');
    else if (!'^$()[]{}|*+?'.includes(char)) samples.add(char);
  }
  return [...samples].slice(0, 16);
}

/** Long strings a pattern may backtrack on, each ending in a character it is unlikely to accept. */
function adversarialInputs(source: string): string[] {
  const chars = sampleCharacters(source);
  const words = [...new Set(source.replace(/\\./g, ' ').match(/[A-Za-z_]{2,}/g) ?? [])].slice(0, 6);
  const inputs = new Set<string>();
  for (const end of ['\u0001', '!']) {
    for (const char of chars) inputs.add(char.repeat(RUN_LENGTH) + end);
    for (const word of words) {
      for (const char of chars.slice(0, 6)) inputs.add(`${word}${char.repeat(RUN_LENGTH)}${end}`);
      inputs.add(`${`${word} `.repeat(RUN_LENGTH / (word.length + 1))}${end}`);
    }
    for (let i = 0; i + 1 < chars.length && i < 8; i++) inputs.add(`${chars[i]}${chars[i + 1]}`.repeat(RUN_LENGTH / 2) + end);
  }
  return [...inputs];
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
for (const [index, regex] of workerData.regexes.entries()) {
  const pattern = new RegExp(regex.source, regex.flags);
  for (const input of regex.inputs) {
    pattern.lastIndex = 0;
    pattern.exec(input);
  }
  parentPort.postMessage(index);
}
`;

/** Runs every pattern on its inputs; the patterns that did not complete, with where they are. */
async function findStuckPatterns(regexes: readonly (FoundRegex & { inputs: string[] })[], stuckAfterMs = STUCK_AFTER_MS): Promise<string[]> {
  const stuck: string[] = [];
  let start = 0;
  while (start < regexes.length) {
    const batch = regexes.slice(start);
    const done = await new Promise<number>((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { regexes: batch } });
      let completed = 0;
      let timer = setTimeout(onStuck, stuckAfterMs);
      function onStuck(): void {
        void worker.terminate();
        resolve(completed);
      }
      worker.on('message', (index: number) => {
        completed = index + 1;
        clearTimeout(timer);
        timer = setTimeout(onStuck, stuckAfterMs);
      });
      worker.on('error', reject);
      worker.on('exit', () => {
        clearTimeout(timer);
        resolve(completed);
      });
    });
    if (done >= batch.length) break;
    stuck.push(`${batch[done].where} /${batch[done].source}/${batch[done].flags}`);
    start += done + 1;
  }
  return stuck;
}

describe('regular expressions on hostile text', () => {
  const { literals, dynamic } = findRegexes();

  it('finds the analyzer and app patterns (the enumeration works)', () => {
    expect(literals.length).toBeGreaterThan(300);
    expect(literals.some((regex) => regex.where.startsWith('checks/'))).toBe(true);
    expect(literals.some((regex) => regex.where.startsWith('src/'))).toBe(true);
  });

  it('every regex literal completes on long adversarial strings', async () => {
    const withInputs = literals.map((regex) => ({ ...regex, inputs: adversarialInputs(regex.source) }));
    expect(await findStuckPatterns(withInputs)).toEqual([]);
  }, 600_000);

  it('the check itself catches catastrophic patterns', async () => {
    const bad = [
      { where: 'example', source: '^(a+)+$', flags: '' },
      { where: 'example', source: '^(\\w+\\s?)*$', flags: '' },
    ];
    // These never finish: a shorter wait is enough to tell.
    const stuck = await findStuckPatterns(bad.map((regex) => ({ ...regex, inputs: adversarialInputs(regex.source) })), 3_000);
    expect(stuck).toEqual(['example /^(a+)+$/', 'example /^(\\w+\\s?)*$/']);
  }, 120_000);

  it('every place that builds a RegExp at run time is reviewed and listed with why its input is safe', () => {
    expect([...dynamic].filter((path) => !(path in DYNAMIC_REGEXPS))).toEqual([]);
    // And no stale entry: a listed file that exists still builds one.
    expect(Object.keys(DYNAMIC_REGEXPS).filter((path) => existsSync(join(ROOT, path)) && !dynamic.has(path))).toEqual([]);
  });
});
