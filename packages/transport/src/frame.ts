import type { Reader } from '@thriftpoll/buffer';
import type { ByteSource, ProtocolId } from '@thriftpoll/protocol';
import { Metadata } from './metadata';
import { MESSAGE_HEAD_LIMIT, TransportError, hexWord } from './errors';
import type { DecodedMessage, TransportKind } from './message';
import { BINARY, COMPACT } from './protocol-ids';

/** Size of the length prefix every framed transport starts with. */
export const LENGTH_SIZE = 4;

const NO_TRANSFORMS: readonly number[] = Object.freeze([]);

/** Builds a DecodedMessage (one shape for every transport, so property access stays monomorphic). */
export function decodedMessage(
  transport: TransportKind,
  protocol: ProtocolId,
  payload: ByteSource,
  payloadLength: number,
  wireLength: number,
  seqid: number | undefined = undefined,
  flags = 0,
  headers: Metadata = Metadata.EMPTY,
  transforms: readonly number[] = NO_TRANSFORMS,
  ignoredInfoId: number | undefined = undefined,
): DecodedMessage {
  return { transport, protocol, seqid, flags, headers, transforms, payload, payloadLength, wireLength, ignoredInfoId };
}

/**
 * Explains what a first word that is not a plausible frame length probably is, for error messages
 * (a peer configured for the wrong transport is the common case: Kitex #1730).
 */
export function guessFromWord(word: number): string {
  const top = word >>> 16;
  if (top === 0x8001) return ' (it looks like an unframed Binary message: is the peer using the Buffered transport?)';
  if (word >>> 24 === 0x82 && ((word >>> 16) & 0x1f) === 1) {
    return ' (it looks like an unframed Compact message: is the peer using the Buffered transport?)';
  }
  if (word === 0x47455420 || word === 0x504f5354 || word === 0x48545450) return ' (it looks like HTTP)';
  if (word >>> 8 === 0x160301 || word >>> 8 === 0x160303) return ' (it looks like a TLS handshake)';
  return '';
}

/** A copy of the first received bytes of a frame being refused (see TransportError.messageHead). */
export function headOf(reader: Reader): Uint8Array {
  return Buffer.from(reader.peek(Math.min(reader.len(), MESSAGE_HEAD_LIMIT)));
}

/**
 * Validates a declared frame length (read as u32) against [minimum, maxFrameSize]. Called as soon as the
 * 4 length bytes are present, so an oversized frame is refused before any of it is buffered. The error
 * carries the frame's first bytes, still in `reader`, as `messageHead`.
 */
export function checkFrameLength(transport: string, reader: Reader, length: number, minimum: number, maxFrameSize: number): void {
  if (length > 0x7fffffff) {
    throw new TransportError(
      'NEGATIVE_FRAME_SIZE',
      `${transport} frame length ${length | 0} (${hexWord(length)}) is negative${guessFromWord(length)}`,
    );
  }
  if (length > maxFrameSize) {
    throw new TransportError(
      'FRAME_TOO_LARGE',
      `${transport} frame length ${length} exceeds maxFrameSize ${maxFrameSize}${guessFromWord(length)}`,
      { messageHead: headOf(reader) },
    );
  }
  if (length < minimum) {
    throw new TransportError(
      'FRAME_TOO_SMALL',
      `${transport} frame length ${length} is too small: the frame must hold at least ${minimum} bytes`,
    );
  }
}

/**
 * Consumes n bytes as a ByteSource: one view when contiguous, else one view per block (zero-copy; views
 * that continue each other in memory, as successive reads into one engine block do, are merged).
 */
export function takeSource(reader: Reader, n: number): ByteSource {
  if (n === 0) return EMPTY_VIEW;
  const views = reader.nextChunks(n);
  if (views.length === 1) return views[0];
  const merged = appendViews([], views);
  return merged.length === 1 ? merged[0] : merged;
}

/** Appends views to `list`, merging a view that continues the previous one in the same memory. */
export function appendViews(list: Uint8Array[], views: readonly Uint8Array[]): Uint8Array[] {
  for (const view of views) {
    const last = list.length > 0 ? list[list.length - 1] : undefined;
    if (last !== undefined && last.buffer === view.buffer && last.byteOffset + last.byteLength === view.byteOffset) {
      list[list.length - 1] = new Uint8Array(last.buffer, last.byteOffset, last.byteLength + view.byteLength);
    } else {
      list.push(view);
    }
  }
  return list;
}

const EMPTY_VIEW = new Uint8Array(0);

/** The byte at offset `at` of a ByteSource; -1 when the source is shorter. */
export function byteAt(source: ByteSource, at: number): number {
  if (source instanceof Uint8Array) return at < source.length ? source[at] : -1;
  let offset = at;
  for (const view of source) {
    if (offset < view.length) return view[offset];
    offset -= view.length;
  }
  return -1;
}

/** Copies a ByteSource into one Buffer (only where a contiguous buffer is unavoidable, e.g. zlib input). */
export function concatSource(source: ByteSource, length: number): Buffer {
  if (source instanceof Uint8Array) return Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  if (source.length === 1) return Buffer.from(source[0].buffer, source[0].byteOffset, source[0].byteLength);
  return Buffer.concat(source as Uint8Array[], length);
}

/** Protocol of a Thrift message from its first byte: 0x82 is Compact, everything else Binary. */
export function sniffProtocol(first: number): ProtocolId {
  return first === 0x82 ? COMPACT : BINARY;
}

/**
 * Decoding failures are sticky: once a decoder has thrown, the stream is out of step for good, and every later
 * call throws the same error. The decoders extend this class rather than hold a latch object, so that the state
 * a decoder reads on every message sits in one object (one cache line less per message with many connections).
 */
export abstract class StickyFailure {
  private failure: unknown = undefined;
  private failed = false;

  /** Throws the error latched by an earlier failure, if any. */
  protected checkFailure(): void {
    if (this.failed) throw this.failure;
  }

  /** Latches `error` and throws it. */
  protected latchFailure(error: unknown): never {
    this.failed = true;
    this.failure = error;
    throw error;
  }
}

/** `finish()` for framed transports: any buffered byte means the peer closed inside a frame. */
export function finishFramed(transport: string, reader: Reader, maxFrameSize: number): void {
  const left = reader.len();
  if (left === 0) return;
  if (left < LENGTH_SIZE) {
    throw new TransportError('TRUNCATED', `connection closed after ${left} bytes of a ${transport} frame length`);
  }
  const length = reader.peekUint32(0);
  const of = length <= maxFrameSize ? ` of ${LENGTH_SIZE + length}` : '';
  throw new TransportError('TRUNCATED', `connection closed after ${left}${of} bytes of a ${transport} frame`);
}
