import type { Address } from '../net/address';
import type { ServerStats } from '../server/server-stats';
import type { MetricsSnapshot, ResolvedWorkerMetrics } from './process-metrics';

/** What the main thread gives a worker at start (workerData; structured-cloned). */
export interface WorkerStart {
  readonly workerIndex: number;
  readonly workerCount: number;
  readonly restarts: number;
  /** The handler module, as a URL (file: or data:). */
  readonly handlerModule: string;
  readonly handlerData: unknown;
  /** createServer options without functions (validated again by the worker's own createServer). */
  readonly serverOptions: Record<string, unknown>;
  readonly address: Address;
  /** Set when the server has metrics on. */
  readonly metrics: ResolvedWorkerMetrics | undefined;
}

/** An error sent across threads (errors are cloned without their class). */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
  readonly stack: string | undefined;
}

export type ToWorker =
  | { readonly kind: 'close'; readonly timeout: number }
  | { readonly kind: 'stats'; readonly id: number }
  /** Send your metrics (for a scrape of the whole process). */
  | { readonly kind: 'metrics'; readonly id: number }
  /** The whole process's exposition, answering your `scrape`. */
  | { readonly kind: 'process-metrics'; readonly id: number; readonly text: string };

export type FromWorker =
  | { readonly kind: 'listening'; readonly address: Address }
  | { readonly kind: 'failed'; readonly error: WireError }
  | { readonly kind: 'stats'; readonly id: number; readonly stats: ServerStats }
  | { readonly kind: 'metrics'; readonly id: number; readonly snapshot: MetricsSnapshot }
  /** /metrics was asked of this worker: the main thread collects every worker's metrics and answers. */
  | { readonly kind: 'scrape'; readonly id: number }
  | { readonly kind: 'closed' };

export function toWire(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined, stack: error.stack };
  }
  return { name: 'Error', message: String(error), code: undefined, stack: undefined };
}

/** An Error carrying a worker's error's name, message, code and stack (its class does not cross threads). */
export function fromWire(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.code !== undefined) (error as Error & { code: string }).code = wire.code;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
