import { TransportError, createDecoder, createEncoder, type MessageDecoder, type MessageEncoder, type TransportKind } from '@thriftpoll/transport';
import type { DecoderOptions, EncoderOptions } from '@thriftpoll/transport';
import type { NetWriter } from './net-connection';

/** Transports a thriftpoll endpoint can be configured with (what `transport` options accept). */
export type TransportName = 'buffered' | 'framed' | 'theader' | 'ttheader' | 'ttheader-framed';
export const TRANSPORT_NAMES: readonly TransportName[] = ['buffered', 'framed', 'theader', 'ttheader', 'ttheader-framed'];

/** The decoder for one connection: a fixed transport, or detection from the first bytes ('auto'). */
export function connectionDecoder(transport: TransportName | 'auto', options: DecoderOptions & { transports?: readonly string[] }): MessageDecoder {
  return createDecoder(transport === 'auto' ? 'detect' : transport, options as DecoderOptions);
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
