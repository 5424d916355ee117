import type { Reader } from '@thriftpoll/netpoll';
import { TransportError, type MessageDecoder } from '@thriftpoll/transport';
import { readerOf } from './bytes';

/** Runs `fn`, asserts that it throws a TransportError and returns that error for the caller's assertions. */
export function caught(fn: () => unknown): TransportError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TransportError);
    return error as TransportError;
  }
  throw new Error('expected a TransportError, but nothing was thrown');
}

/** Decodes `wire` (bytes, or a Reader already holding them) with `decoder`; returns the TransportError it must throw. */
export function decodeError(decoder: MessageDecoder, wire: Uint8Array | Reader): TransportError {
  const reader = wire instanceof Uint8Array ? readerOf(wire) : wire;
  return caught(() => decoder.decode(reader));
}
