import type { ClientContext } from './client-context';
import type { TransportName } from '../codec';
import { RpcAbortError } from '../errors';
import { describeValue } from '../validate';

/** What the errors a new user meets first say: what probably went wrong, and the call it happened to. */

/**
 * What probably happened when a connection that never received a byte times out or is reset: the peer does not
 * speak the client's transport. (An Apache server defaults to Buffered, a client here to Framed: the server waits
 * for the rest of a "message" that is really a frame length, and the call hangs until its timeout.)
 */
export function silentPeerHint(transport: TransportName, tls: boolean): string {
  if (tls) {
    return `no reply on this TLS connection: the server may refuse this client certificate (mutual TLS: see tls.cert, tls.key), or not speak ${transportLabel(transport)}`;
  }
  switch (transport) {
    case 'framed':
      return "no reply in Framed; the server may speak Buffered (Apache's default): set transport: 'buffered'";
    case 'buffered':
      return "no reply in Buffered; the server may expect Framed, THeader or TTHeader: set transport: 'framed' (or what it speaks)";
    case 'theader':
    case 'framed-theader':
      return "no reply in THeader; the server may not speak it: set transport: 'framed' or 'buffered' (what it speaks)";
    case 'ttheader':
    case 'ttheader-framed':
      return "no reply in TTHeader; the server may not be a Kitex/TTHeader server: set transport: 'framed' or 'buffered' (what it speaks)";
  }
}

function transportLabel(transport: TransportName): string {
  if (transport === 'buffered') return 'Buffered';
  if (transport === 'framed') return 'Framed';
  return transport === 'theader' || transport === 'framed-theader' ? 'THeader' : 'TTHeader';
}

/**
 * True when the first bytes a server sent are a TLS record (alert 0x15 or handshake 0x16, then version 3.x): the
 * port speaks TLS and this client does not.
 */
export function looksLikeTls(first: Uint8Array): boolean {
  return first.length >= 2 && (first[0] === 0x15 || first[0] === 0x16) && first[1] === 0x03;
}

/** The error of a plaintext client whose server answered with TLS. */
export const TLS_ANSWER = 'the server answered with TLS: set tls (e.g. tls: { ca }) on the client, or use a plaintext port';

/** The error of a call whose AbortSignal fired: names the call and the address (undefined: before any was picked). */
export function abortError(context: ClientContext, address: string | undefined, reason: unknown): RpcAbortError {
  const where = address === undefined ? ' (not called: the signal was already aborted)' : ` to ${address}`;
  return new RpcAbortError(`${context.service}.${context.method}${where} was aborted: ${describeReason(reason)}`, reason, address);
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  return typeof reason === 'string' ? reason : describeValue(reason);
}
