/**
 * Starts the analysis workers before the server listens. A worker thread
 * loads the parsers and every check the first time it runs (seconds under
 * `tsx`, and the Python parser's WebAssembly): started lazily, that happens
 * when the first burst of pull requests arrives, on the same cores that must
 * answer the burst's webhooks. A few small files, one of each kind, per
 * worker, make every worker load and run everything once at start-up.
 */
import type { Logger } from 'pino';
import { DEFAULT_CONFIG } from '../config/schema.js';
import type { AnalysisServices } from '../review/analysis-services.js';
import type { SourceInput } from '../review/analyze-files.js';

/** Longer than any warm-up on a loaded machine; past it the server listens anyway, with workers still starting. */
export const WARM_UP_TIMEOUT_MS = 60_000;

const SAMPLES: readonly SourceInput[] = [
  {
    path: 'warm-up/src/routes/users.ts',
    text: "import express from 'express';\nconst router = express.Router();\nrouter.get('/users/:id', async (req, res) => { res.json(await db.user.findUnique({ where: { id: req.params.id } })); });\nexport default router;\n",
  },
  {
    path: 'warm-up/app/main.py',
    text: 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/items/{item_id}")\nasync def read_item(item_id: int):\n    return await db.get(item_id)\n',
  },
  {
    path: 'warm-up/app/api/orders/route.ts',
    text: "export async function GET(request: Request) {\n  return Response.json(await db.order.findMany());\n}\n",
  },
];

/** Resolves once every worker has analysed the samples (or failed to, or the bound passed); never throws. */
export async function warmUpAnalysis(analysis: AnalysisServices, log: Pick<Logger, 'info' | 'warn'>, timeoutMs = WARM_UP_TIMEOUT_MS): Promise<void> {
  const pool = analysis.pool;
  if (pool === undefined) return;
  const started = performance.now();
  // Every sample once per worker: the pool starts a worker for each job while it has fewer than its size.
  const jobs = Array.from({ length: pool.size }, () => SAMPLES).flat().map((input) => pool.analyze(input, { config: DEFAULT_CONFIG }, undefined));
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([Promise.allSettled(jobs), bound]);
    if (outcome === 'timed-out') {
      log.warn(`the analysis workers were not ready within ${timeoutMs} ms; listening anyway`);
      return;
    }
    const failed = outcome.filter((result) => result.status === 'rejected');
    if (failed.length > 0) log.warn({ err: (failed[0] as PromiseRejectedResult).reason }, `${failed.length} warm-up analyses failed; the workers start on the first review instead`);
    else log.info({ workers: pool.size, ms: Math.round(performance.now() - started) }, 'analysis workers ready');
  } finally {
    clearTimeout(timer);
  }
}
