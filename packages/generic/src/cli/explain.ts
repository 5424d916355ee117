import { TApplicationException } from '@thriftpoll/protocol';
import { RpcError, type TransportName } from '@thriftpoll/rpc';
import { TransportError, detectTransport } from '@thriftpoll/transport';

/** What the command tried, for the hints. */
export interface Attempted {
  readonly address: string;
  readonly transport: TransportName;
  readonly protocol: 'binary' | 'compact';
  readonly multiplexed: boolean;
  readonly service: string;
  readonly method: string;
}

/** The `--transport` spelling of a detected transport. */
const FLAG: Readonly<Record<string, string>> = { buffered: 'buffered', framed: 'framed', theader: 'header', ttheader: 'ttheader' };

function otherTransports(tried: TransportName): string {
  const flag = tried === 'theader' ? 'header' : tried;
  return ['buffered', 'framed', 'header', 'ttheader'].filter((t) => t !== flag).map((t) => `--transport ${t}`).join(', ');
}

function otherProtocol(tried: 'binary' | 'compact'): string {
  return `--protocol ${tried === 'binary' ? 'compact' : 'binary'}`;
}

/**
 * The start of the reply as a transport error quotes it: its bytes (`first bytes 00 00 00 1c 80 01 ...`), or the
 * word after a frame length (`THeader frame has magic 0x8001`: a Framed binary reply), if any.
 */
function quotedBytes(error: unknown): Uint8Array | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (!(e instanceof TransportError)) continue;
    const bytes = /bytes? ((?:[0-9a-f]{2} ){1,15}[0-9a-f]{2})/.exec(e.message);
    if (bytes !== null) return Uint8Array.from(bytes[1].split(' ').map((h) => parseInt(h, 16)));
    const magic = /magic 0x([0-9a-f]{2})([0-9a-f]{2})\b/.exec(e.message);
    if (magic !== null) return Uint8Array.from([0, 0, 0, 16, parseInt(magic[1], 16), parseInt(magic[2], 16), 0, 0]);
  }
  return undefined;
}

/**
 * One line for a failed call: what was seen, what was expected, what to try. When the reply's first bytes are
 * known, they say which transport the server answered in.
 */
export function explainFailure(error: unknown, attempted: Attempted): string {
  const sent = `${attempted.transport === 'theader' ? 'header' : attempted.transport}/${attempted.protocol}`;
  if (error instanceof TApplicationException) {
    const base = `the server answered ${attempted.service}.${attempted.method} with TApplicationException ${error.code}: ${error.message}`;
    if (error.code === 'UNKNOWN_METHOD' && !attempted.multiplexed) return `${base}; if the server is multiplexed, try --multiplexed`;
    if (error.code === 'UNSUPPORTED_CLIENT_TYPE' || error.code === 'INVALID_PROTOCOL') return `${base}; try the transport and protocol the message names`;
    return base;
  }
  if (!(error instanceof RpcError)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${attempted.address} refused the connection (nothing listens there); check --address`;
    case 'ECONNTIMEOUT':
      return `${error.message}; check --address, or raise --connect-timeout`;
    case 'EDIAL':
      return `${error.message}; check --address`;
    case 'ETIMEDOUT':
      return `no reply within the timeout (${error.message}); a server expecting another transport or protocol than ${sent} may stay silent: try ${otherTransports(attempted.transport)} or ${otherProtocol(attempted.protocol)}, or raise --timeout`;
    case 'ECONNRESET':
      return `${attempted.address} closed the connection without answering the ${sent} call (${error.message}); the server may expect another transport or protocol: try ${otherTransports(attempted.transport)} or ${otherProtocol(attempted.protocol)}`;
    case 'EPROTO': {
      const bytes = quotedBytes(error);
      const detected = bytes === undefined ? undefined : safeDetect(bytes);
      if (detected !== undefined && FLAG[detected] !== undefined && detected !== attempted.transport) {
        return `the server answered in ${detected === 'theader' ? 'THeader' : detected === 'ttheader' ? 'TTHeader' : detected[0].toUpperCase() + detected.slice(1)}, not ${sent} (${error.message}); try --transport ${FLAG[detected]}`;
      }
      return `the reply is not ${sent} Thrift (${error.message}); check --transport and --protocol`;
    }
    default:
      return error.message;
  }
}

function safeDetect(bytes: Uint8Array): string | undefined {
  try {
    const detection = detectTransport(bytes, 0x7fffffff);
    return 'transport' in detection ? detection.transport : undefined;
  } catch {
    return undefined;
  }
}
