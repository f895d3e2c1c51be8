/**
 * "files done / total" on stderr while a large scan runs: one line rewritten
 * in place, only on a terminal (never in CI logs or redirected output), and
 * erased at the end so that it never mixes with the report.
 */
import type { CliStream } from './io.js';

/** Below this many files a scan is quick enough that progress is noise. */
export const PROGRESS_MIN_FILES = 20;

export interface Progress {
  update(done: number): void;
  clear(): void;
}

export function createProgress(stream: CliStream, total: number): Progress {
  if (stream.isTTY !== true || total <= PROGRESS_MIN_FILES) return { update() {}, clear() {} };
  let shown = false;
  return {
    update(done) {
      stream.write(`\r\u001b[2Kscanning files ${done} / ${total}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}
