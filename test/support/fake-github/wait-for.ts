/**
 * Polls until a probe yields a value, for assertions on work an app does
 * after answering a webhook. Fails with the description (and the probe's
 * last error) instead of hanging; no assertion is made on speed.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitForOptions {
  /** What is awaited, for the failure message. */
  description: string;
  /** Defaults to 20 s. */
  timeoutMs?: number;
  /** Defaults to 50 ms. */
  intervalMs?: number;
}

/** Resolves with the first value of `probe` that is not undefined, null or false. */
export async function waitFor<T>(probe: () => T | undefined | null | false, options: WaitForOptions): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`Timed out waiting for ${options.description}${cause}`);
    }
    await delay(options.intervalMs ?? 50);
  }
}
