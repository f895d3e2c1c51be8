/**
 * Retrying a write that creates something. A 502 or a dropped connection
 * does not say whether GitHub created the check run or the review before it
 * failed; a blind retry (what Octokit's retry plugin would do) can post the
 * same review twice, or open a second check run and leave the first "in
 * progress" forever. So these writes are sent with the plugin's retries off,
 * and before each retry the app looks for what the failed attempt may have
 * created (by an id it put in the request).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isTransientFailure } from './client.js';

/** Attempts in all (the first and two retries), like the plugin's budget for other calls. */
export const CREATE_ATTEMPTS = 3;
/** Waits `attempt² × base` between attempts, like the retry plugin. */
export const CREATE_RETRY_BASE_MS = 500;

/** The per-request option that switches Octokit's retry plugin off for one call. */
export const NO_PLUGIN_RETRY = { retries: 0 } as const;

export interface CreateExactlyOnce<T> {
  create(): Promise<T>;
  /** What an earlier attempt created, if anything. A failure here stops the retries: the app cannot know. */
  findCreated(): Promise<T | undefined>;
  baseDelayMs?: number;
}

export async function createExactlyOnce<T>(steps: CreateExactlyOnce<T>): Promise<T> {
  const base = steps.baseDelayMs ?? CREATE_RETRY_BASE_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await steps.create();
    } catch (error) {
      if (!isTransientFailure(error)) throw error;
      let found: T | undefined;
      try {
        found = await steps.findCreated();
      } catch {
        throw error;
      }
      if (found !== undefined) return found;
      if (attempt >= CREATE_ATTEMPTS) throw error;
      await delay(attempt * attempt * base);
    }
  }
}
