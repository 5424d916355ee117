import type { Middleware } from '../middleware';
import type { ServerContext } from '../server/server-context';
import type { ServerErrorInfo, ServiceLike } from '../server/server';

/**
 * The contract of a handler module (`createServer({ handlerModule, workers })`). Handlers, service descriptors
 * and middleware are functions and objects that cannot cross threads, so every worker thread loads the module
 * itself and calls its `createHandler` export once:
 *
 *   // echo-handler.ts, compiled to echo-handler.js
 *   import type { WorkerHandlerContext, WorkerHandlerSetup } from '@thriftpoll/rpc';
 *   import { EchoServer } from './gen/echo';
 *   export function createHandler(context: WorkerHandlerContext<{ prefix: string }>): WorkerHandlerSetup {
 *     return { service: EchoServer, handler: { echo: (req) => ({ ...req, msg: context.data.prefix + req.msg }) } };
 *   }
 */
export interface WorkerHandlerContext<Data = unknown> {
  /** This worker's slot, 0 to workerCount - 1 (a restarted worker keeps its slot). */
  readonly workerIndex: number;
  readonly workerCount: number;
  /** `worker_threads.threadId` of this worker. */
  readonly threadId: number;
  /** How many times this slot was restarted after a crash (0 for the first start). */
  readonly restarts: number;
  /** `handlerData` from createServer, structured-cloned into this thread. */
  readonly data: Data;
}

/** What `createHandler` returns: the server options that hold functions (everything else comes from createServer). */
export interface WorkerHandlerSetup {
  service?: ServiceLike;
  handler?: unknown;
  services?: readonly { service: ServiceLike; handler: unknown; name?: string }[];
  middleware?: readonly Middleware<ServerContext>[];
  /** This worker's error reporter (default: console.error in the worker). */
  onError?: (error: unknown, info: ServerErrorInfo) => void;
}

/** The factory a handler module exports as `createHandler` (may be async). */
export type WorkerHandlerFactory<Data = unknown> = (context: WorkerHandlerContext<Data>) => WorkerHandlerSetup | Promise<WorkerHandlerSetup>;

/** Keys a WorkerHandlerSetup may have. */
export const SETUP_KEYS = ['service', 'handler', 'services', 'middleware', 'onError'] as const;
