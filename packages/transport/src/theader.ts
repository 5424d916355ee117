import type { Reader } from '@thriftpoll/buffer';
import { ProtocolId, TApplicationExceptionType, type ByteSource } from '@thriftpoll/protocol';
import { BufferSink } from '@thriftpoll/buffer';
import { utf8Slice, varintSize, writeU32, writeUtf8, writeVarint } from './bytes';
import { TransportDecoder } from './decoder';
import { TransportEncoder } from './encoder';
import { checkEnvelope, dropMetadata, type CheckedEnvelope } from './envelope';
import { TransportError } from './errors';
import { LENGTH_SIZE, decodedMessage, finishFramed, takeSource } from './frame';
import {
  HEADER_FRAME_FIXED_SIZE,
  HEADER_FRAME_OVERHEAD,
  badHeader as badFrameHeader,
  readHeaderFrame,
  writeHeaderFrameFields,
  type HeaderFrameKind,
} from './headerframe';
import { THeaderTransform, type DecodedMessage, type Envelope, type MessageDecoder, type MessageEncoder, type OutputSink } from './message';
import { Metadata } from './metadata';
import { THEADER_MAX_FRAME_SIZE, type DecoderOptions, type EncoderOptions } from './options';
import { BINARY, COMPACT } from './protocol-ids';
import { deflatePayload, inflatePayload } from './zlib';

/**
 * Apache/fbthrift THeader (doc/specs/HeaderFormat.md), big-endian:
 *
 *   0        4        6        8                12       14
 *   +--------+--------+--------+----------------+--------+------------------------+---------+
 *   | length | 0x0FFF | flags  | seqid (i32)    | hsize  | header (hsize*4 bytes) | payload |
 *   +--------+--------+--------+----------------+--------+------------------------+---------+
 *   length counts everything after itself; hsize counts 4-byte words.
 *
 *   header = varint protocol id (0 binary, 2 compact)
 *            varint transform count, varint transform ids          (1 = zlib; applied in order on send)
 *            info blocks: varint info id, data                      (1 = KEYVALUE: varint count,
 *                                                                    (varint len, key, varint len, value)*)
 *            zero padding to a multiple of 4
 *
 * An info id of 0 (padding) or one not understood ends header parsing; the payload starts at 14 + hsize*4
 * regardless. An unknown transform is an error: the payload cannot be read without undoing it.
 */
export const THEADER_MAGIC = 0x0fff;
const INFO_PADDING = 0;
const INFO_KEYVALUE = 1;
/**
 * Largest header the encoder writes: Apache's C++ reader refuses 16384 words or more, so stay below that.
 * (The decoder accepts anything the 16-bit size field can express.)
 */
export const THEADER_MAX_ENCODED_HEADER = 16383 * 4;

const TRANSFORM_NAMES: Readonly<Record<number, string>> = { 1: 'zlib', 2: 'HMAC', 3: 'snappy', 4: 'QuickLZ', 5: 'zstd' };
const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 0: 'binary', 1: 'JSON', 2: 'compact' };

/** What the variable part of a THeader header says. */
export interface THeaderInfo {
  protocol: ProtocolId;
  transforms: THeaderTransform[];
  headers: Metadata;
  /** The info id that stopped parsing, if one was not understood (0 padding is not reported). */
  ignoredInfoId: number | undefined;
}

/** How this transport fills the layout both header transports share (headerframe.ts). */
const FRAME_KIND: HeaderFrameKind = {
  name: 'THeader',
  magic: THEADER_MAGIC,
  otherMagic: 0x1000,
  otherHint: 'a Kitex TTHeader frame: use the ttheader transport or detection',
};

function badHeader(message: string): TransportError {
  return badFrameHeader(FRAME_KIND, message);
}

/** Reads varints and strings from a header region, never past its end. */
class HeaderCursor {
  constructor(
    private readonly bytes: Uint8Array,
    public position: number,
    private readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.position;
  }

  varint(what: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.position >= this.end) throw badHeader(`header ends inside the ${what} varint`);
      const b = this.bytes[this.position++];
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (value > 0x7fffffff) throw badHeader(`${what} ${value} does not fit a non-negative i32`);
        return value;
      }
      scale *= 128;
    }
    throw badHeader(`${what} varint runs longer than 5 bytes`);
  }

  string(what: string): string {
    const length = this.varint(`${what} length`);
    if (length > this.remaining) {
      throw badHeader(`${what} length ${length} exceeds the ${this.remaining} bytes left in the header`);
    }
    const start = this.position;
    this.position += length;
    return utf8Slice(this.bytes, start, this.position);
  }
}

/** Parses the variable part of a THeader header, bytes[start, end). Throws TransportError. */
export function parseTHeaderInfo(bytes: Uint8Array, start: number, end: number): THeaderInfo {
  const cursor = new HeaderCursor(bytes, start, end);
  const protocolId = cursor.varint('protocol id');
  if (protocolId !== BINARY && protocolId !== COMPACT) {
    const name = PROTOCOL_NAMES[protocolId];
    throw new TransportError(
      'UNKNOWN_PROTOCOL',
      `THeader protocol id ${protocolId}${name ? ` (${name})` : ''} is not supported: expected 0 (binary) or 2 (compact)`,
      { applicationExceptionType: TApplicationExceptionType.INVALID_PROTOCOL },
    );
  }
  const transformCount = cursor.varint('transform count');
  if (transformCount > cursor.remaining) {
    throw badHeader(`transform count ${transformCount} exceeds the ${cursor.remaining} bytes left in the header`);
  }
  const transforms: THeaderTransform[] = [];
  for (let i = 0; i < transformCount; i++) {
    const id = cursor.varint('transform id');
    if (id !== THeaderTransform.ZLIB) {
      const name = TRANSFORM_NAMES[id];
      throw new TransportError(
        'UNKNOWN_TRANSFORM',
        `THeader transform ${id}${name ? ` (${name})` : ''} is not supported: thriftpoll implements 1 (zlib)`,
        { applicationExceptionType: TApplicationExceptionType.INVALID_TRANSFORM },
      );
    }
    transforms.push(id);
  }
  let headers = Metadata.EMPTY;
  let ignoredInfoId: number | undefined;
  while (cursor.remaining > 0) {
    const infoId = cursor.varint('info id');
    if (infoId === INFO_PADDING) break;
    if (infoId !== INFO_KEYVALUE) {
      // Info blocks are ordered oldest first: nothing after one we do not know can be understood either.
      ignoredInfoId = infoId;
      break;
    }
    const count = cursor.varint('KEYVALUE count');
    // Every entry takes at least two bytes (two empty strings).
    if (count * 2 > cursor.remaining) {
      throw badHeader(`KEYVALUE count ${count} needs at least ${count * 2} bytes, ${cursor.remaining} left in the header`);
    }
    if (headers === Metadata.EMPTY) headers = new Metadata();
    for (let i = 0; i < count; i++) {
      const key = cursor.string('KEYVALUE key');
      const value = cursor.string('KEYVALUE value');
      headers.set(key, value);
    }
  }
  return { protocol: protocolId, transforms, headers, ignoredInfoId };
}

/** UTF-8 sizes of the header strings measureInfo() saw, for writeInfo() (reused: JS is single-threaded). */
const lengths: number[] = [];

/** Measures the variable part of a THeader header (padded to a multiple of 4); records the string sizes. */
function measureInfo(protocol: ProtocolId, transforms: readonly THeaderTransform[], headers: Metadata): number {
  lengths.length = 0;
  let size = varintSize(protocol) + varintSize(transforms.length);
  for (const id of transforms) size += varintSize(id);
  const count = headers.stringCount;
  if (count > 0) {
    size += varintSize(INFO_KEYVALUE) + varintSize(count);
    for (const [key, value] of headers.entries()) {
      const keyLength = Buffer.byteLength(key, 'utf8');
      const valueLength = Buffer.byteLength(value, 'utf8');
      lengths.push(keyLength, valueLength);
      size += varintSize(keyLength) + keyLength + varintSize(valueLength) + valueLength;
    }
  }
  const padded = (size + 3) & ~3;
  if (padded > THEADER_MAX_ENCODED_HEADER) {
    throw new TransportError(
      'HEADER_TOO_LARGE',
      `THeader header of ${padded} bytes exceeds ${THEADER_MAX_ENCODED_HEADER} (the most Apache's readers accept): send less metadata`,
    );
  }
  return padded;
}

/** Writes what measureInfo() measured into out[at, at + padded), zero padding included. */
function writeInfo(
  out: Uint8Array,
  at: number,
  padded: number,
  protocol: ProtocolId,
  transforms: readonly THeaderTransform[],
  headers: Metadata,
): void {
  const end = at + padded;
  let p = writeVarint(out, at, protocol);
  p = writeVarint(out, p, transforms.length);
  for (const id of transforms) p = writeVarint(out, p, id);
  const count = headers.stringCount;
  if (count > 0) {
    p = writeVarint(out, p, INFO_KEYVALUE);
    p = writeVarint(out, p, count);
    let n = 0;
    for (const [key, value] of headers.entries()) {
      const keyLength = lengths[n++];
      const valueLength = lengths[n++];
      p = writeUtf8(out, writeVarint(out, p, keyLength), key, keyLength);
      p = writeUtf8(out, writeVarint(out, p, valueLength), value, valueLength);
    }
  }
  // Output memory is not zeroed: write the padding.
  while (p < end) out[p++] = 0;
}

/** Encodes the variable part of a THeader header, zero-padded to a multiple of 4 bytes. */
export function encodeTHeaderInfo(protocol: ProtocolId, transforms: readonly THeaderTransform[], headers: Metadata): Buffer {
  const padded = measureInfo(protocol, transforms, headers);
  const out = Buffer.allocUnsafe(padded);
  writeInfo(out, 0, padded, protocol, transforms, headers);
  return out;
}

/**
 * Decodes THeader frames. The frame length is checked on arrival (against maxFrameSize and THeader's
 * 0x3FFFFFFF ceiling), the magic as soon as 6 bytes are present, then the whole frame is awaited.
 * zlib payloads are inflated with an output cap of `maxMessageSize`.
 */
export class THeaderDecoder extends TransportDecoder implements MessageDecoder {
  readonly transport = 'theader' as const;
  wanted = LENGTH_SIZE;

  private readonly maxFrameSize: number;

  constructor(options?: DecoderOptions) {
    super(options, 'THeaderDecoder');
    this.maxFrameSize = Math.min(this.options.maxFrameSize, THEADER_MAX_FRAME_SIZE);
  }

  finish(reader: Reader): void {
    this.checkFailure();
    finishFramed('THeader', reader, this.maxFrameSize);
  }

  protected read(reader: Reader): DecodedMessage | undefined {
    const frame = readHeaderFrame(reader, FRAME_KIND, this.maxFrameSize);
    if (typeof frame === 'number') {
      this.wanted = frame;
      return undefined;
    }
    const { flags, seqid, headerEnd } = frame;
    const total = LENGTH_SIZE + frame.length;
    const info = parseTHeaderInfo(reader.peek(headerEnd), HEADER_FRAME_FIXED_SIZE, headerEnd);
    reader.skip(headerEnd);
    let payloadLength = frame.payloadLength;
    let payload: ByteSource = takeSource(reader, payloadLength);
    this.wanted = LENGTH_SIZE;
    // Transforms were applied in order on send: undo them last first.
    for (let i = info.transforms.length - 1; i >= 0; i--) {
      const inflated = inflatePayload(payload, payloadLength, this.options.maxMessageSize);
      payload = inflated;
      payloadLength = inflated.length;
    }
    return decodedMessage(
      'theader',
      info.protocol,
      payload,
      payloadLength,
      total,
      seqid,
      flags,
      info.headers,
      info.transforms,
      info.ignoredInfoId,
    );
  }
}

/**
 * Encodes THeader frames. Without transforms the prefix (length, magic, flags, seqid, header) is malloc'd in
 * begin() and the payload is encoded straight into the output; end() back-patches the length. With zlib the
 * payload is encoded into a scratch buffer, compressed in end(), and only then written (so a frame that is
 * too large leaves the output untouched).
 */
export class THeaderEncoder extends TransportEncoder implements MessageEncoder {
  readonly transport = 'theader' as const;
  droppedMetadata = 0;

  /** maxFrameSize, never above THeader's own ceiling (as the decoder). */
  private readonly maxFrameSize: number;
  private scratch: BufferSink | undefined;
  private active = false;
  private envelope: CheckedEnvelope | undefined;
  /** Size of the variable header part (padded). */
  private headerLength = 0;
  private prefix: Uint8Array | undefined;

  constructor(out: OutputSink, options?: EncoderOptions) {
    super(out, options, 'THeader', 'THeaderEncoder');
    this.maxFrameSize = Math.min(this.options.maxFrameSize, THEADER_MAX_FRAME_SIZE);
  }

  begin(envelope?: Envelope): void {
    if (this.active) throw this.beganTwice();
    const checked = checkEnvelope('THeader', envelope);
    for (const id of checked.transforms) {
      if (id !== THeaderTransform.ZLIB) {
        const name = TRANSFORM_NAMES[id];
        throw new TransportError(
          'UNKNOWN_TRANSFORM',
          `THeader encoder: transform ${String(id)}${name ? ` (${name})` : ''} is not supported: thriftpoll implements 1 (zlib)`,
        );
      }
    }
    if (checked.headers.intCount > 0) {
      dropMetadata('THeader', this.options, `int-keyed metadata (${checked.headers.intCount} entries; only TTHeader has int keys)`);
      this.droppedMetadata++;
    }
    const headerLength = measureInfo(checked.protocol, checked.transforms, checked.headers);
    this.active = true;
    this.envelope = checked;
    this.headerLength = headerLength;
    if (checked.transforms.length > 0) {
      const scratch = (this.scratch ??= new BufferSink(64 * 1024));
      scratch.reset();
      this.payload.retarget(scratch);
    } else {
      this.markOutput();
      this.prefix = this.writePrefix(headerLength, checked);
      this.payload.retarget(this.out);
    }
  }

  end(): number {
    if (!this.active) throw this.endedUnbegun();
    const envelope = this.envelope!;
    const headerLength = this.headerLength;
    const payloadLength = this.payload.count;
    const prefix = this.prefix;
    this.reset();
    if (prefix !== undefined) {
      const frameLength = HEADER_FRAME_OVERHEAD + headerLength + payloadLength;
      if (frameLength > this.maxFrameSize) this.takeBack();
      this.checkSize(frameLength, '; it was taken back out of the output');
      writeU32(prefix, 0, frameLength);
      return LENGTH_SIZE + frameLength;
    }
    let body: Uint8Array = this.scratch!.take();
    for (let i = 0; i < envelope.transforms.length; i++) body = deflatePayload(body, this.options.zlibLevel);
    // Measure the header again: the string sizes recorded in begin() may have been overwritten since (they are
    // shared by all encoders), and this is what is written now.
    const finalHeaderLength = measureInfo(envelope.protocol, envelope.transforms, envelope.headers);
    const frameLength = HEADER_FRAME_OVERHEAD + finalHeaderLength + body.length;
    this.checkSize(frameLength, '; nothing was written');
    writeU32(this.writePrefix(finalHeaderLength, envelope), 0, frameLength);
    const region = this.out.reserve(body.length);
    region.set(body);
    this.out.commit(body.length);
    return LENGTH_SIZE + frameLength;
  }

  abort(): void {
    if (!this.active) return;
    const wroteToOutput = this.prefix !== undefined;
    this.reset();
    if (wroteToOutput) this.takeBack();
  }

  private reset(): void {
    this.active = false;
    this.envelope = undefined;
    this.prefix = undefined;
    this.payload.retarget(undefined);
  }

  private checkSize(frameLength: number, consequence: string): void {
    if (frameLength > this.maxFrameSize) {
      const limit =
        this.maxFrameSize === this.options.maxFrameSize
          ? `maxFrameSize ${this.maxFrameSize}`
          : `the THeader ceiling ${THEADER_MAX_FRAME_SIZE} (0x3FFFFFFF, what every THeader reader accepts)`;
      throw new TransportError('FRAME_TOO_LARGE', `THeader encoder: frame of ${frameLength} bytes exceeds ${limit}${consequence}`);
    }
  }

  /** Mallocs and fills everything before the payload except the frame length (after measureInfo()). */
  private writePrefix(headerLength: number, envelope: CheckedEnvelope): Uint8Array {
    const prefix = this.out.malloc(HEADER_FRAME_FIXED_SIZE + headerLength);
    writeHeaderFrameFields(prefix, THEADER_MAGIC, envelope.flags, envelope.seqid, headerLength);
    writeInfo(prefix, HEADER_FRAME_FIXED_SIZE, headerLength, envelope.protocol, envelope.transforms, envelope.headers);
    return prefix;
  }
}

