import type { Reader } from '@thriftpoll/buffer';
import { TApplicationExceptionType } from '@thriftpoll/protocol';
import { readI32, readU16, writeU16, writeU32 } from './bytes';
import { TransportError } from './errors';
import { LENGTH_SIZE, checkFrameLength } from './frame';

/**
 * The fixed part that Apache THeader and Kitex TTHeader frames share (big-endian):
 *
 *   0        4        6        8                12       14
 *   +--------+--------+--------+----------------+--------+--------------------------+---------+
 *   | length | magic  | flags  | seqid (i32)    | hsize  | header (hsize * 4 bytes) | payload |
 *   +--------+--------+--------+----------------+--------+--------------------------+---------+
 *   length counts everything after itself; hsize counts 4-byte words.
 *
 * The two differ in the magic and in how the header's variable part is encoded (theader.ts, ttheader.ts).
 */

/** Bytes from the length field through the header-size field. */
export const HEADER_FRAME_FIXED_SIZE = 14;
/** What the frame length counts besides the header and the payload: magic(2) + flags(2) + seqid(4) + hsize(2). */
export const HEADER_FRAME_OVERHEAD = 10;

/** One transport's view of the shared layout. */
export interface HeaderFrameKind {
  /** `THeader` or `TTHeader`, for messages. */
  readonly name: string;
  readonly magic: number;
  /** The other header transport's magic and what to say when it is seen instead. */
  readonly otherMagic: number;
  readonly otherHint: string;
}

/** The fixed fields of a frame that is completely buffered. */
export interface HeaderFrame {
  /** The frame length (bytes after the length field). */
  readonly length: number;
  readonly flags: number;
  readonly seqid: number;
  /** Bytes of the header's variable part (hsize * 4), which start at HEADER_FRAME_FIXED_SIZE. */
  readonly headerSize: number;
  /** Where the variable part ends and the payload starts, from the frame's first byte (14 + headerSize). */
  readonly headerEnd: number;
  /** Bytes of the payload: what the frame length counts after the header. */
  readonly payloadLength: number;
}

/** The fixed fields of a header frame read from a copy of its first bytes (offsets from the copy's start). */
export interface HeaderFrameFields {
  readonly flags: number;
  readonly seqid: number;
  /** Where the header's variable part starts and ends; the payload starts at headerEnd. */
  readonly headerStart: number;
  readonly headerEnd: number;
}

/**
 * The fixed fields of the header frame whose length field is at bytes[at], or undefined when the bytes end
 * before the header's variable part does. The magic and length are not checked (the caller detected the frame).
 */
export function headerFrameFieldsAt(bytes: Uint8Array, at: number): HeaderFrameFields | undefined {
  if (bytes.length < at + HEADER_FRAME_FIXED_SIZE) return undefined;
  const headerStart = at + HEADER_FRAME_FIXED_SIZE;
  const headerEnd = headerStart + readU16(bytes, at + 12) * 4;
  if (bytes.length < headerEnd) return undefined;
  return { flags: readU16(bytes, at + 6), seqid: readI32(bytes, at + 8), headerStart, headerEnd };
}

/** A BAD_HEADER error: the peer sent a malformed header (TApplicationException PROTOCOL_ERROR for an answer). */
export function badHeader(kind: HeaderFrameKind | string, message: string): TransportError {
  return new TransportError('BAD_HEADER', `${typeof kind === 'string' ? kind : kind.name} ${message}`, {
    applicationExceptionType: TApplicationExceptionType.PROTOCOL_ERROR,
  });
}

/**
 * Reads the fixed part of the frame at the front of `reader` without consuming anything. The length is checked
 * as soon as its 4 bytes are there (against `maxFrameSize`, before anything else is buffered) and the magic as
 * soon as 6 bytes are; then the whole frame is awaited.
 * @returns the frame's fixed fields once the whole frame is buffered, else the number of bytes `reader.len()`
 *          must reach first (what to pass to the engine's wake-at).
 * @throws TransportError for a length out of bounds, another magic, or a header size of 0 or beyond the frame.
 */
export function readHeaderFrame(reader: Reader, kind: HeaderFrameKind, maxFrameSize: number): HeaderFrame | number {
  const available = reader.len();
  if (available < LENGTH_SIZE) return LENGTH_SIZE;
  const length = reader.peekUint32(0);
  checkFrameLength(kind.name, reader, length, HEADER_FRAME_FIXED_SIZE, maxFrameSize);
  if (available >= 6) {
    const magic = reader.peekUint32(2) & 0xffff;
    if (magic !== kind.magic) {
      const hint = magic === kind.otherMagic ? ` (${kind.otherHint})` : '';
      throw badHeader(kind, `frame has magic ${hex16(magic)}, expected ${hex16(kind.magic)}${hint}`);
    }
  }
  const total = LENGTH_SIZE + length;
  if (available < total) return total;
  const words = reader.peekUint32(10) & 0xffff;
  const headerSize = words * 4;
  if (words === 0) throw badHeader(kind, 'header size is 0 words: the header must hold at least the protocol id and transform count');
  if (HEADER_FRAME_OVERHEAD + headerSize > length) {
    throw badHeader(
      kind,
      `header size ${headerSize} bytes (${words} words) exceeds the ${length - HEADER_FRAME_OVERHEAD} bytes left in the frame of ${length}`,
    );
  }
  return {
    length,
    flags: reader.peekUint32(4) & 0xffff,
    seqid: reader.peekUint32(8) | 0,
    headerSize,
    headerEnd: HEADER_FRAME_FIXED_SIZE + headerSize,
    payloadLength: length - HEADER_FRAME_OVERHEAD - headerSize,
  };
}

/**
 * Writes the fixed fields after the length into a prefix malloc'd for the frame: magic, flags, seqid, and the
 * size of the variable part (`headerLength` bytes, a multiple of 4, which the caller writes from
 * HEADER_FRAME_FIXED_SIZE). The length is back-patched once the payload is known.
 */
export function writeHeaderFrameFields(prefix: Uint8Array, magic: number, flags: number, seqid: number, headerLength: number): void {
  writeU16(prefix, 4, magic);
  writeU16(prefix, 6, flags);
  writeU32(prefix, 8, seqid);
  writeU16(prefix, 12, headerLength / 4);
}

function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, '0')}`;
}
