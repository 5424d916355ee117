import { KitexIntKey, type Metadata } from '@thriftpoll/transport';

/**
 * Deadline propagation. A caller's timeout travels with the request so the server knows when the caller stops
 * waiting (`ctx.deadline`, `ctx.signal`):
 *
 *   TTHeader  int key RPCTimeout (12), milliseconds — what Kitex writes and reads
 *   THeader   string header `client_timeout`, milliseconds — fbthrift's key for the same
 *
 * Buffered and Framed carry no headers, so no deadline reaches the server over them.
 */
export const THEADER_TIMEOUT_HEADER = 'client_timeout';

/** The longest timeout accepted from a header (a week); larger or malformed values are ignored. */
const MAX_TIMEOUT_MS = 7 * 24 * 3600 * 1000;

function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const ms = Number(text);
  return ms > 0 && ms <= MAX_TIMEOUT_MS ? ms : undefined;
}

/** Epoch ms by which the caller stops waiting, from the request's headers; undefined without a usable header. */
export function deadlineFromHeaders(headers: Metadata, now: number = Date.now()): number | undefined {
  if (headers.isEmpty()) return undefined;
  const ms = parseTimeout(headers.getInt(KitexIntKey.RPCTimeout)) ?? parseTimeout(headers.get(THEADER_TIMEOUT_HEADER));
  return ms === undefined ? undefined : now + ms;
}

/**
 * Writes the caller's remaining time (ms, at least 1) where the transport's servers read it: THeader's
 * `client_timeout`, TTHeader's int key RPCTimeout.
 */
export function writeDeadline(metadata: Metadata, transport: 'theader' | 'ttheader', remainingMs: string): void {
  if (transport === 'theader') metadata.set(THEADER_TIMEOUT_HEADER, remainingMs);
  else metadata.setInt(KitexIntKey.RPCTimeout, remainingMs);
}
