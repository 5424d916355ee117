import { RpcError, RpcOverloadError } from '../errors';

/**
 * True when `error` proves that the server never ran the call, so that sending it again cannot run it twice:
 * the connection failed before the call's bytes left, or behind a shutdown fence (shutdown-fence.ts) — both
 * retry-safe ECONNRESET — or the server refused the call itself because it is shutting down.
 */
export function neverRan(error: unknown): boolean {
  if (error instanceof RpcOverloadError) return error.side === 'server' && error.limit === 'shuttingDown';
  return error instanceof RpcError && error.code === 'ECONNRESET' && error.retrySafe;
}
