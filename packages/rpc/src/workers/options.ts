import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RpcOptionError } from '../errors';
import type { ServerOptions } from '../server/server';
import { checkKnownKeys, describeValue, functionOption, msOption, objectOption } from '../validate';
import { resolveWorkerMetrics, type ResolvedWorkerMetrics, type WorkerMetricsOption } from './process-metrics';
import type { RpcWorkerError } from './worker-error';
import { workerCount } from './worker-count';

/** Options of createServer that hold functions: a worker server gets them from its handler module instead. */
type FunctionOptions = 'service' | 'handler' | 'services' | 'middleware' | 'onError' | 'engine' | 'reusePort' | 'workers' | 'metrics';

/** What `onWorkerError` is told besides the error. */
export interface WorkerErrorInfo {
  /** True when the worker will be started again (after `restartDelay` ms); false while closing. */
  readonly restarting: boolean;
  readonly restartDelay: number;
}

/**
 * createServer options for a server whose handlers run in worker threads. Everything of ServerOptions that is
 * plain data (limits, transport, protocol, timeouts, readerOptions, backlog...) applies to every worker; the
 * service, handler, middleware and onError come from `handlerModule`.
 */
export interface WorkerServerOptions extends Omit<ServerOptions, FunctionOptions> {
  /**
   * The module every worker loads (an absolute or relative file path — relative to the current directory — or
   * a file: URL such as `new URL('./handler.js', import.meta.url)`), compiled JavaScript (CommonJS or ESM). It
   * must export `createHandler(context)`: see WorkerHandlerFactory.
   */
  handlerModule: string | URL;
  /** Passed to createHandler as `context.data` (structured-cloned: plain data only). */
  handlerData?: unknown;
  /**
   * Worker threads, each with its own engine, handler and SO_REUSEPORT listener on the address. 'auto':
   * os.availableParallelism(). Default 1 (one worker thread; without handlerModule the server runs in-thread).
   */
  workers?: number | 'auto';
  /** Only 'netpoll': Node 20's `net` can neither set SO_REUSEPORT nor move sockets between threads. */
  engine?: 'netpoll';
  /** Milliseconds before the first restart of a crashed worker; doubles per consecutive crash. Default 100. */
  restartDelay?: number;
  /** Largest restart delay, in ms. A worker that served this long without crashing starts over. Default 10000. */
  maxRestartDelay?: number;
  /** Receives crashes of workers (RpcWorkerError, failure 'crash'). Default: console.error. */
  onWorkerError?: (error: RpcWorkerError, info: WorkerErrorInfo) => void;
  /**
   * Prometheus metrics: every worker counts its own calls, and `GET /metrics` on the RPC port — whichever worker
   * accepted the connection — returns the whole process's, summed over the workers; `GET /healthz` as on a
   * single server. `{ admin }` also serves both from the main thread on a separate address. Default off.
   */
  metrics?: WorkerMetricsOption;
}

export interface ResolvedWorkerOptions {
  readonly handlerModule: string;
  readonly handlerData: unknown;
  readonly workers: number;
  readonly restartDelay: number;
  readonly maxRestartDelay: number;
  readonly onWorkerError: ((error: RpcWorkerError, info: WorkerErrorInfo) => void) | undefined;
  readonly metrics: ResolvedWorkerMetrics | undefined;
  /** The options every worker's createServer gets. */
  readonly serverOptions: Record<string, unknown>;
}

const WORKER_KEYS = ['handlerModule', 'handlerData', 'workers', 'engine', 'restartDelay', 'maxRestartDelay', 'onWorkerError', 'metrics'];
/** The plain-data options of ServerOptions, passed to the workers. */
const SERVER_DATA_KEYS = [
  'transport',
  'protocol',
  'maxConnections',
  'maxConcurrentRequests',
  'maxConcurrentRequestsPerConnection',
  'maxFrameSize',
  'maxMessageSize',
  'replyOrder',
  'readerOptions',
  'rejectTimeout',
  'backlog',
  'reportHandlerErrors',
  'idleTimeout',
  'writeBufferCap',
  'readTimeout',
];

/** Why an in-thread server (no handlerModule) refuses workers > 1. */
function moduleUrl(value: unknown): string {
  if (value instanceof URL) {
    if (value.protocol !== 'file:' && value.protocol !== 'data:') {
      throw new RpcOptionError(`handlerModule must be a file path or a file: URL, got ${value.href}`);
    }
    return value.href;
  }
  if (typeof value !== 'string' || value === '') {
    throw new RpcOptionError(`handlerModule must be the path or file: URL of a module exporting createHandler(context), got ${describeValue(value)}`);
  }
  if (value.startsWith('file:') || value.startsWith('data:')) return moduleUrl(new URL(value));
  const file = path.resolve(value);
  if (!fs.existsSync(file)) {
    throw new RpcOptionError(`handlerModule ${JSON.stringify(value)} does not exist (resolved to ${file}); give the compiled .js/.mjs file`);
  }
  return pathToFileURL(file).href;
}

function cloneable(name: string, value: unknown): void {
  try {
    structuredClone(value);
  } catch (error) {
    throw new RpcOptionError(`${name} must be plain data that can be sent to a worker thread (structured clone): ${(error as Error).message}`);
  }
}

/** Validates the options of a worker server where they enter (createServer). */
export function resolveWorkerOptions(options: WorkerServerOptions): ResolvedWorkerOptions {
  const record = objectOption('createServer options', options) as Record<string, unknown>;
  checkKnownKeys('createServer options (with handlerModule)', record, [...WORKER_KEYS, ...SERVER_DATA_KEYS]);
  if (record.engine !== undefined && record.engine !== 'netpoll') {
    throw new RpcOptionError(
      `createServer with handlerModule runs on the 'netpoll' engine only (Node 20's net has no SO_REUSEPORT and its sockets cannot move between threads), got engine ${describeValue(record.engine)}`,
    );
  }
  const serverOptions: Record<string, unknown> = {};
  for (const key of SERVER_DATA_KEYS) if (record[key] !== undefined) serverOptions[key] = record[key];
  cloneable('the createServer options', serverOptions);
  cloneable('handlerData', record.handlerData);
  const restartDelay = msOption('restartDelay', record.restartDelay, 100, 1) as number;
  return {
    handlerModule: moduleUrl(record.handlerModule),
    handlerData: record.handlerData,
    workers: workerCount(record.workers),
    restartDelay,
    maxRestartDelay: msOption('maxRestartDelay', record.maxRestartDelay, Math.max(10_000, restartDelay), restartDelay) as number,
    onWorkerError: functionOption<(error: RpcWorkerError, info: WorkerErrorInfo) => void>('onWorkerError', record.onWorkerError),
    metrics: resolveWorkerMetrics(record.metrics),
    serverOptions,
  };
}
