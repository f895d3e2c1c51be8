/**
 * The analysis worker thread: analyses one file per request with the same
 * engine the main thread would run, and asks the main thread for context
 * files (the review's reader, with its GitHub client and cache, lives
 * there). Several requests may be in progress: while one waits for a
 * context file another computes.
 */
import { parentPort } from 'node:worker_threads';
import type { ContextFileReader } from '../../checks/project-context.js';
import { analyzeFiles } from './analyze-files.js';
import type { AnalyseRequest, ContextRequest, FromWorker, ToWorker } from './analysis-pool-messages.js';

const port = parentPort;
if (port === null) throw new Error('analysis-worker.ts runs as a worker thread only');

const pendingReplies = new Map<number, { resolve: (value: string | boolean | undefined) => void; reject: (error: Error) => void }>();
let nextRequestId = 0;

function post(message: FromWorker): void {
  port!.postMessage(message);
}

function ask(jobId: number, op: ContextRequest['op'], path: string): Promise<string | boolean | undefined> {
  const requestId = nextRequestId++;
  return new Promise((resolve, reject) => {
    pendingReplies.set(requestId, { resolve, reject });
    post({ kind: 'context', jobId, requestId, op, path });
  });
}

function remoteReader(request: AnalyseRequest): ContextFileReader | undefined {
  if (request.context === 'none') return undefined;
  const reader: ContextFileReader = { read: async (path) => (await ask(request.jobId, 'read', path)) as string | undefined };
  if (request.context === 'read+exists') reader.exists = async (path) => (await ask(request.jobId, 'exists', path)) === true;
  return reader;
}

async function analyse(request: AnalyseRequest): Promise<void> {
  try {
    const result = await analyzeFiles([request.input], { config: request.config, context: remoteReader(request), budget: request.budget });
    post({ kind: 'done', jobId: request.jobId, result });
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    post({ kind: 'failed', jobId: request.jobId, message: err.message, stack: err.stack });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.kind === 'analyse') {
    void analyse(message);
    return;
  }
  const pending = pendingReplies.get(message.requestId);
  if (pending === undefined) return;
  pendingReplies.delete(message.requestId);
  if (message.ok) pending.resolve(message.value);
  else pending.reject(new Error(message.message ?? 'the context file could not be read'));
});
post({ kind: 'ready' });
