import { availableParallelism } from 'node:os';
import { intOption } from '../validate';

/** Why an in-thread server (handlers given as objects) refuses `workers` above 1. */
export const IN_THREAD_WORKERS =
  'workers > 1 need the handler as a module that each worker thread loads (handlers cannot be shared across threads): ' +
  "createServer({ handlerModule: './handler.js', workers, ... }) where handler.js exports createHandler(context) returning { service, handler }";

/** The worker count of a `workers` option. */
export function workerCount(value: unknown): number {
  if (value === 'auto') return availableParallelism();
  return intOption("workers (a count, or 'auto')", value, 1, 1, 1024);
}
