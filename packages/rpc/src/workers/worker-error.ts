/** Why a worker failed: it could not start (handler module, options, listen), or it crashed while serving. */
export type WorkerFailure = 'start' | 'crash';

/**
 * A worker thread of a `createServer({ workers })` server failed. `listen()` rejects with it when a worker could
 * not start (the worker's own error, e.g. an RpcOptionError or EADDRINUSE, is the `cause` and its message is
 * repeated); a worker that crashes later is reported to `onWorkerError` with it, and restarted.
 */
export class RpcWorkerError extends Error {
  readonly code = 'ERR_RPC_WORKER';
  readonly failure: WorkerFailure;
  readonly workerIndex: number;
  /** The worker's `threadId`. */
  readonly threadId: number;

  constructor(failure: WorkerFailure, workerIndex: number, threadId: number, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'RpcWorkerError';
    this.failure = failure;
    this.workerIndex = workerIndex;
    this.threadId = threadId;
  }
}
