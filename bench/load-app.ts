/**
 * Finds the Probot app function factory (`createApp` from src/index.ts)
 * without a static import: the bench must still run, and say why it skipped
 * the app section, in a tree where the app is not built yet.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Type-only: erased at run time, yet the type-check follows createApp's real signature.
import type { createApp } from '../src/index.js';

export type CreateApp = typeof createApp;

export type AppLoad = { status: 'found'; createApp: CreateApp } | { status: 'missing'; reason: string };

const APP_ENTRY = new URL('../src/index.ts', import.meta.url);

export async function loadCreateApp(): Promise<AppLoad> {
  if (!existsSync(fileURLToPath(APP_ENTRY))) return { status: 'missing', reason: 'app not built yet (src/index.ts does not exist)' };
  // A computed specifier keeps the type-check independent of whether the file exists.
  const specifier = APP_ENTRY.href;
  const module = (await import(specifier)) as { createApp?: unknown };
  if (typeof module.createApp !== 'function') {
    throw new Error('src/index.ts exists but exports no createApp function');
  }
  return { status: 'found', createApp: module.createApp as CreateApp };
}
