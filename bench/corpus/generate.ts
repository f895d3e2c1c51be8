/**
 * The benchmark corpus: ~500 route files across the supported frameworks,
 * generated in memory from a fixed seed so every run (and every machine)
 * measures the same input without the repository carrying the files.
 */
import { generateExpressRouterFile } from './express-router-file.js';
import { generateNextRouteFile } from './nextjs-route-file.js';
import { createRandom, type Random } from './random.js';

export type CorpusFramework = 'nextjs-app-router' | 'express';

export interface CorpusFile {
  path: string;
  text: string;
  framework: CorpusFramework;
  lines: number;
}

export interface CorpusOptions {
  /** Number of files; 500 by default. */
  count?: number;
  /** PRNG seed; change it only together with the figures you compare against. */
  seed?: number;
}

export const DEFAULT_CORPUS_SEED = 20_240_611;
export const DEFAULT_CORPUS_SIZE = 500;

/**
 * Target size in lines, drawn from the shape of real route files: most are
 * 30-150 lines, a sixth are mid-sized, and a tail of controller-style files
 * reaches ~800.
 */
function drawTargetLines(random: Random): number {
  const band = random.weighted({ typical: 78, mid: 16, tail: 6 });
  if (band === 'typical') return 30 + Math.round(120 * ((random.next() + random.next()) / 2));
  if (band === 'mid') return random.int(150, 350);
  return random.int(350, 800);
}

/** Two generated files can land on the same path; a monorepo package prefix keeps them apart. */
function uniquePath(path: string, used: Set<string>): string {
  let candidate = path;
  for (let n = 2; used.has(candidate); n++) candidate = `packages/service-${n}/${path}`;
  used.add(candidate);
  return candidate;
}

export function generateCorpus(options: CorpusOptions = {}): CorpusFile[] {
  const random = createRandom(options.seed ?? DEFAULT_CORPUS_SEED);
  const count = options.count ?? DEFAULT_CORPUS_SIZE;
  const used = new Set<string>();
  const files: CorpusFile[] = [];
  for (let i = 0; i < count; i++) {
    const target = drawTargetLines(random);
    // Big files are mostly Express controllers: a Next.js route file holds at most a handful of handlers.
    const express = random.chance(target > 300 ? 0.8 : 0.45);
    const generated = express ? generateExpressRouterFile(random, target) : generateNextRouteFile(random, target);
    const text = generated.text;
    files.push({
      path: uniquePath(generated.path, used),
      text,
      framework: express ? 'express' : 'nextjs-app-router',
      lines: text.split('\n').length - 1,
    });
  }
  return files;
}
