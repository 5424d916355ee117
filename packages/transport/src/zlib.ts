import { deflateSync, inflateSync } from 'node:zlib';
import type { ByteSource } from '@thriftpoll/protocol';
import { TApplicationExceptionType } from '@thriftpoll/protocol';
import { TransportError } from './errors';
import { concatSource } from './frame';

/**
 * Undoes THeader's ZLIB transform (a zlib stream, RFC 1950, as Apache's C++/Python write it).
 *
 * The output is capped while inflating: zlib stops and the call throws as soon as the inflated size passes
 * `maxOutput`, so a small frame that would inflate to gigabytes (a zlib bomb) costs at most `maxOutput`
 * bytes of memory and the CPU to produce them. Synchronous: the event loop is held for at most the time to
 * inflate `maxOutput` bytes.
 */
export function inflatePayload(compressed: ByteSource, compressedLength: number, maxOutput: number): Buffer {
  const input = concatSource(compressed, compressedLength);
  try {
    return inflateSync(input, { maxOutputLength: maxOutput });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TransportError(
        'MESSAGE_TOO_LARGE',
        `THeader zlib payload of ${compressedLength} bytes inflates beyond maxMessageSize ${maxOutput}; refused while inflating`,
        { cause: error },
      );
    }
    throw new TransportError(
      'CORRUPT_TRANSFORM',
      `THeader zlib payload of ${compressedLength} bytes does not inflate: ${(error as Error).message}`,
      { cause: error, applicationExceptionType: TApplicationExceptionType.INVALID_TRANSFORM },
    );
  }
}

/** Applies THeader's ZLIB transform. `level` is zlib's 0-9, or -1 for its default (6). */
export function deflatePayload(payload: Uint8Array, level: number): Buffer {
  return deflateSync(payload, { level });
}
