import { TransportError, createDecoder, createEncoder, type MessageDecoder, type MessageEncoder, type TransportKind } from '@thriftpoll/transport';
import type { DecoderOptions, DetectableTransport, EncoderOptions } from '@thriftpoll/transport';
import type { ReaderOptions } from '@thriftpoll/protocol';
import type { NetWriter } from './net/net-connection';

/** Transports a thriftpoll endpoint can be configured with (what `transport` options accept). */
export type TransportName = 'buffered' | 'framed' | 'theader' | 'ttheader' | 'ttheader-framed' | 'framed-theader';
export const TRANSPORT_NAMES: readonly TransportName[] = ['buffered', 'framed', 'theader', 'ttheader', 'ttheader-framed', 'framed-theader'];

/** What a `transport` option accepts: the names above, and 'header', Apache's (and the examples') name for THeader. */
export type TransportOption = TransportName | 'header';

/** A `transport` option's value with the 'header' alias read as 'theader' (validated by the caller). */
export function transportAlias(value: unknown): unknown {
  return value === 'header' ? 'theader' : value;
}

/**
 * What a transport decoder is given: the size limits, plus the reader limits that also bound the Buffered
 * end-of-message scan (nesting depth, strict headers), so that a raised `recursionLimit` is honoured there too.
 */
export function decoderOptions(maxFrameSize: number, maxMessageSize: number, reader: ReaderOptions): DecoderOptions {
  const options: DecoderOptions = { maxFrameSize, maxMessageSize };
  if (reader.recursionLimit !== undefined) options.recursionLimit = reader.recursionLimit;
  if (reader.strictRead !== undefined) options.strictRead = reader.strictRead;
  return options;
}

/** A client's decoder for replies: its configured transport. */
export function connectionDecoder(transport: TransportName, options: DecoderOptions): MessageDecoder {
  return createDecoder(transport, options);
}

/**
 * A server connection's decoder: detection from the first bytes, limited to the configured transport when one is
 * set — so a peer speaking another transport is told which one it speaks and which are accepted (Kitex #1730),
 * rather than having its first bytes misread as a frame length. `theader` also accepts THeader inside Framed.
 */
export function serverDecoder(transport: TransportName | 'auto', options: DecoderOptions): MessageDecoder {
  if (transport === 'auto') return createDecoder('detect', options);
  const detectable: DetectableTransport = transport === 'ttheader-framed' ? 'ttheader' : transport;
  return createDecoder('detect', { ...options, transports: [detectable] });
}

/** The encoder writing one connection's messages straight into its output. */
export function connectionEncoder(transport: TransportKind, writer: NetWriter, options: EncoderOptions): MessageEncoder {
  return createEncoder(transport, writer, options);
}

/** A short code for a failure, for error reports: the transport's code, else the error's name. */
export function errorCode(error: unknown): string {
  if (error instanceof TransportError) return error.code;
  if (error instanceof Error) return error.name;
  return typeof error;
}
