import type { Reader } from '@thriftpoll/buffer';
import { ProtocolId, TApplicationExceptionType } from '@thriftpoll/protocol';
import { readU16, readU32, startsMessage, utf8Slice, writeU16, writeU32, writeUtf8 } from './bytes';
import { TransportDecoder } from './decoder';
import { TransportEncoder } from './encoder';
import { checkEnvelope, type CheckedEnvelope } from './envelope';
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
import { KITEX_ACL_TOKEN_KEY } from './kitex';
import type { DecodedMessage, Envelope, MessageDecoder, MessageEncoder, OutputSink } from './message';
import { Metadata } from './metadata';
import type { DecoderOptions, EncoderOptions } from './options';
import { BINARY, COMPACT } from './protocol-ids';

/**
 * Kitex TTHeader (cloudwego/gopkg protocol/ttheader), big-endian, fixed-width fields:
 *
 *   0        4        6        8                12       14      15       16
 *   +--------+--------+--------+----------------+--------+-------+--------+-----------+------------+---------+
 *   | length | 0x1000 | flags  | seqid (i32)    | hsize  | proto | ntrans | trans ids | info blocks| payload |
 *   +--------+--------+--------+----------------+--------+-------+--------+-----------+------------+---------+
 *   length counts everything after itself; hsize counts the 4-byte words from offset 14 to the payload.
 *
 *   info blocks (u8 id, then):
 *     0x00 padding       (one byte; zero padding ends the header)
 *     0x01 KEYVALUE      u16 count, (u16 len, key, u16 len, value)*
 *     0x10 INTKEYVALUE   u16 count, (u16 key, u16 len, value)*
 *     0x11 ACL token     u16 len, token           (exposed as the string key RPC_TRANSIT_gdpr-token)
 *
 *   payload: a strict-Binary message, or for TTHeaderFramed a u32 length + the message.
 *
 * Kitex writes no transforms and never applies any: ids are read, reported in `transforms`, and ignored.
 * An info id not listed above ends header parsing and the payload is read from offset 14 + hsize*4 (Kitex
 * itself fails the call; skipping is the safe choice the HeaderFormat spec makes for THeader).
 */
export const TTHEADER_MAGIC = 0x1000;
const INFO_PADDING = 0x00;
const INFO_KEYVALUE = 0x01;
const INFO_INTKEYVALUE = 0x10;
const INFO_ACL_TOKEN = 0x11;
/** Largest header Kitex reads (gopkg MaxHeaderSize); the encoder stays within it. */
export const TTHEADER_MAX_ENCODED_HEADER = 65536;

const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  0: 'Thrift binary',
  2: 'Thrift compact',
  3: 'Thrift compact v2',
  4: 'Kitex Protobuf',
  0x10: 'Thrift struct (TTHeader streaming)',
  0x11: 'Protobuf struct (TTHeader streaming)',
};

/** How this transport fills the layout both header transports share (headerframe.ts). */
const FRAME_KIND: HeaderFrameKind = {
  name: 'TTHeader',
  magic: TTHEADER_MAGIC,
  otherMagic: 0x0fff,
  otherHint: 'an Apache THeader frame: use the theader transport or detection',
};

function badHeader(message: string): TransportError {
  return badFrameHeader(FRAME_KIND, message);
}

/** What the variable part of a TTHeader header says. */
export interface TTHeaderInfo {
  protocol: ProtocolId;
  transforms: number[];
  headers: Metadata;
  ignoredInfoId: number | undefined;
}

/** Parses the variable part of a TTHeader header, bytes[start, end). Throws TransportError. */
export function parseTTHeaderInfo(bytes: Uint8Array, start: number, end: number): TTHeaderInfo {
  if (end - start < 2) throw badHeader(`header of ${end - start} bytes cannot hold the protocol id and transform count`);
  const protocolId = bytes[start];
  if (protocolId !== BINARY && protocolId !== COMPACT) {
    const name = PROTOCOL_NAMES[protocolId];
    throw new TransportError(
      'UNKNOWN_PROTOCOL',
      `TTHeader protocol id ${protocolId}${name ? ` (${name})` : ''} is not supported: expected 0 (Thrift binary) or 2 (Thrift compact)`,
      { applicationExceptionType: TApplicationExceptionType.INVALID_PROTOCOL },
    );
  }
  const transformCount = bytes[start + 1];
  let at = start + 2;
  if (transformCount > end - at) {
    throw badHeader(`transform count ${transformCount} exceeds the ${end - at} bytes left in the header`);
  }
  const transforms: number[] = [];
  for (let i = 0; i < transformCount; i++) transforms.push(bytes[at++]);

  let headers = Metadata.EMPTY;
  let ignoredInfoId: number | undefined;
  const need = (n: number, what: string): void => {
    if (end - at < n) throw badHeader(`${what} needs ${n} bytes at header offset ${at - start}, only ${end - at} remain`);
  };
  const string = (what: string): string => {
    need(2, `${what} length`);
    const length = readU16(bytes, at);
    at += 2;
    need(length, what);
    const text = utf8Slice(bytes, at, at + length);
    at += length;
    return text;
  };
  parse: while (at < end) {
    const infoId = bytes[at++];
    switch (infoId) {
      case INFO_PADDING:
        continue;
      case INFO_KEYVALUE: {
        need(2, 'KEYVALUE count');
        const count = readU16(bytes, at);
        at += 2;
        if (count * 4 > end - at) throw badHeader(`KEYVALUE count ${count} needs at least ${count * 4} bytes, ${end - at} remain`);
        if (headers === Metadata.EMPTY) headers = new Metadata();
        for (let i = 0; i < count; i++) {
          const key = string('KEYVALUE key');
          headers.set(key, string('KEYVALUE value'));
        }
        continue;
      }
      case INFO_INTKEYVALUE: {
        need(2, 'INTKEYVALUE count');
        const count = readU16(bytes, at);
        at += 2;
        if (count * 4 > end - at) throw badHeader(`INTKEYVALUE count ${count} needs at least ${count * 4} bytes, ${end - at} remain`);
        if (headers === Metadata.EMPTY) headers = new Metadata();
        for (let i = 0; i < count; i++) {
          need(2, 'INTKEYVALUE key');
          const key = readU16(bytes, at);
          at += 2;
          headers.setInt(key, string('INTKEYVALUE value'));
        }
        continue;
      }
      case INFO_ACL_TOKEN: {
        const token = string('ACL token');
        if (headers === Metadata.EMPTY) headers = new Metadata();
        headers.set(KITEX_ACL_TOKEN_KEY, token);
        continue;
      }
      default:
        ignoredInfoId = infoId;
        break parse;
    }
  }
  return { protocol: protocolId, transforms, headers, ignoredInfoId };
}

/** UTF-8 sizes of the strings measureInfo() saw, in writing order, for writeInfo() (reused: JS is single-threaded). */
const lengths: number[] = [];

function describeKey(key: string): string {
  return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

function tooLong(what: string, length: number): TransportError {
  return new TransportError('INVALID_METADATA', `TTHeader encoder: ${what} is ${length} bytes, the format allows at most 65535`);
}

/**
 * Measures the variable part of a TTHeader header for `headers` (padded to a multiple of 4) and records the
 * string sizes for writeInfo(). Throws when the format cannot hold the metadata.
 */
function measureInfo(headers: Metadata): number {
  lengths.length = 0;
  let size = 2; // protocol id, transform count
  const aclToken = headers.get(KITEX_ACL_TOKEN_KEY);
  if (aclToken !== undefined) {
    const length = Buffer.byteLength(aclToken, 'utf8');
    if (length > 0xffff) throw tooLong('ACL token', length);
    size += 3 + length;
  }
  let count = 0;
  let block = 0;
  for (const [key, value] of headers.entries()) {
    if (key === KITEX_ACL_TOKEN_KEY) continue;
    const keyLength = Buffer.byteLength(key, 'utf8');
    const valueLength = Buffer.byteLength(value, 'utf8');
    if (keyLength > 0xffff) throw tooLong(`key ${describeKey(key)}`, keyLength);
    if (valueLength > 0xffff) throw tooLong(`value of ${describeKey(key)}`, valueLength);
    lengths.push(keyLength, valueLength);
    block += 4 + keyLength + valueLength;
    count++;
  }
  if (count > 0) size += 3 + block;
  let intCount = 0;
  block = 0;
  for (const [key, value] of headers.intEntries()) {
    const valueLength = Buffer.byteLength(value, 'utf8');
    if (valueLength > 0xffff) throw tooLong(`value of int key ${key}`, valueLength);
    lengths.push(valueLength);
    block += 4 + valueLength;
    intCount++;
  }
  if (intCount > 0) size += 3 + block;
  if (count > 0xffff || intCount > 0xffff) {
    throw new TransportError('HEADER_TOO_LARGE', `TTHeader encoder: at most 65535 entries per block, got ${Math.max(count, intCount)}`);
  }
  const padded = (size + 3) & ~3;
  if (padded > TTHEADER_MAX_ENCODED_HEADER) {
    throw new TransportError(
      'HEADER_TOO_LARGE',
      `TTHeader header of ${padded} bytes exceeds ${TTHEADER_MAX_ENCODED_HEADER} (the most Kitex reads): send less metadata`,
    );
  }
  return padded;
}

/** Writes what measureInfo() measured into out[at, at + padded), zero padding included. */
function writeInfo(out: Uint8Array, at: number, padded: number, protocol: ProtocolId, headers: Metadata): void {
  const end = at + padded;
  out[at] = protocol;
  out[at + 1] = 0; // no transforms
  let p = at + 2;
  let n = 0;
  const aclToken = headers.get(KITEX_ACL_TOKEN_KEY);
  if (aclToken !== undefined) {
    const length = Buffer.byteLength(aclToken, 'utf8');
    out[p] = INFO_ACL_TOKEN;
    writeU16(out, p + 1, length);
    p = writeUtf8(out, p + 3, aclToken, length);
  }
  const count = headers.stringCount - (aclToken === undefined ? 0 : 1);
  if (count > 0) {
    out[p] = INFO_KEYVALUE;
    writeU16(out, p + 1, count);
    p += 3;
    for (const [key, value] of headers.entries()) {
      if (key === KITEX_ACL_TOKEN_KEY) continue;
      const keyLength = lengths[n++];
      const valueLength = lengths[n++];
      writeU16(out, p, keyLength);
      p = writeUtf8(out, p + 2, key, keyLength);
      writeU16(out, p, valueLength);
      p = writeUtf8(out, p + 2, value, valueLength);
    }
  }
  const intCount = headers.intCount;
  if (intCount > 0) {
    out[p] = INFO_INTKEYVALUE;
    writeU16(out, p + 1, intCount);
    p += 3;
    for (const [key, value] of headers.intEntries()) {
      const valueLength = lengths[n++];
      writeU16(out, p, key);
      writeU16(out, p + 2, valueLength);
      p = writeUtf8(out, p + 4, value, valueLength);
    }
  }
  // Output memory is not zeroed: write the padding.
  while (p < end) out[p++] = 0;
}

/**
 * Encodes the variable part of a TTHeader header (protocol id, no transforms, ACL token, KEYVALUE,
 * INTKEYVALUE), zero-padded to a multiple of 4. The string key RPC_TRANSIT_gdpr-token is written as the
 * ACL-token block, as Kitex does.
 */
export function encodeTTHeaderInfo(protocol: ProtocolId, headers: Metadata): Buffer {
  const padded = measureInfo(headers);
  const out = Buffer.allocUnsafe(padded);
  writeInfo(out, 0, padded, protocol, headers);
  return out;
}

/**
 * Decodes Kitex TTHeader frames, plain or TTHeaderFramed (told apart per message by the payload's first
 * bytes, as Kitex does; the message's `transport` says which).
 */
export class TTHeaderDecoder extends TransportDecoder implements MessageDecoder {
  readonly transport = 'ttheader' as const;
  wanted = LENGTH_SIZE;

  constructor(options?: DecoderOptions) {
    super(options, 'TTHeaderDecoder');
  }

  finish(reader: Reader): void {
    this.checkFailure();
    finishFramed('TTHeader', reader, this.options.maxFrameSize);
  }

  protected read(reader: Reader): DecodedMessage | undefined {
    const frame = readHeaderFrame(reader, FRAME_KIND, this.options.maxFrameSize);
    if (typeof frame === 'number') {
      this.wanted = frame;
      return undefined;
    }
    const { flags, seqid, headerEnd } = frame;
    const total = LENGTH_SIZE + frame.length;
    const info = parseTTHeaderInfo(reader.peek(headerEnd), HEADER_FRAME_FIXED_SIZE, headerEnd);
    reader.skip(headerEnd);
    let payloadLength = frame.payloadLength;
    let transport: 'ttheader' | 'ttheader-framed' = 'ttheader';
    if (payloadLength >= 8) {
      const start = reader.peek(8);
      if (!startsMessage(start, 0) && startsMessage(start, 4)) {
        const inner = readU32(start, 0);
        if (inner !== payloadLength - LENGTH_SIZE) {
          throw badHeader(`TTHeaderFramed payload declares ${inner} bytes, but ${payloadLength - LENGTH_SIZE} follow its length`);
        }
        reader.skip(LENGTH_SIZE);
        payloadLength = inner;
        transport = 'ttheader-framed';
      }
    }
    const payload = takeSource(reader, payloadLength);
    this.wanted = LENGTH_SIZE;
    return decodedMessage(
      transport,
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
 * Encodes Kitex TTHeader frames (TTHeaderFramed when `framed`): begin() mallocs the whole prefix (and the
 * inner length for TTHeaderFramed), the payload is encoded straight into the output, end() back-patches the
 * lengths. Int keys, string keys and the ACL token all travel.
 */
export class TTHeaderEncoder extends TransportEncoder implements MessageEncoder {
  readonly transport: 'ttheader' | 'ttheader-framed';
  readonly droppedMetadata = 0;

  private prefix: Uint8Array | undefined;
  private headerLength = 0;

  constructor(
    out: OutputSink,
    options?: EncoderOptions,
    private readonly framed = false,
  ) {
    super(out, options, 'TTHeader', 'TTHeaderEncoder');
    this.transport = framed ? 'ttheader-framed' : 'ttheader';
  }

  begin(envelope?: Envelope): void {
    if (this.prefix !== undefined) throw this.beganTwice();
    const checked: CheckedEnvelope = checkEnvelope('TTHeader', envelope);
    if (checked.transforms.length > 0) {
      throw new TransportError('UNKNOWN_TRANSFORM', 'TTHeader encoder: TTHeader defines no transforms (Kitex never applies them)');
    }
    const headerLength = measureInfo(checked.headers);
    const innerLength = this.framed ? LENGTH_SIZE : 0;
    this.markOutput();
    const prefix = this.out.malloc(HEADER_FRAME_FIXED_SIZE + headerLength + innerLength);
    writeHeaderFrameFields(prefix, TTHEADER_MAGIC, checked.flags, checked.seqid, headerLength);
    writeInfo(prefix, HEADER_FRAME_FIXED_SIZE, headerLength, checked.protocol, checked.headers);
    this.prefix = prefix;
    this.headerLength = headerLength;
    this.payload.retarget(this.out);
  }

  end(): number {
    const prefix = this.prefix;
    if (prefix === undefined) throw this.endedUnbegun();
    const payloadLength = this.payload.count;
    this.prefix = undefined;
    this.payload.retarget(undefined);
    const innerLength = this.framed ? LENGTH_SIZE : 0;
    const frameLength = HEADER_FRAME_OVERHEAD + this.headerLength + innerLength + payloadLength;
    if (frameLength > this.options.maxFrameSize) {
      this.takeBack();
      throw new TransportError(
        'FRAME_TOO_LARGE',
        `TTHeader encoder: frame of ${frameLength} bytes exceeds maxFrameSize ${this.options.maxFrameSize}; it was taken back out of the output`,
      );
    }
    writeU32(prefix, 0, frameLength);
    if (this.framed) writeU32(prefix, HEADER_FRAME_FIXED_SIZE + this.headerLength, payloadLength);
    return LENGTH_SIZE + frameLength;
  }

  abort(): void {
    if (this.prefix === undefined) return;
    this.prefix = undefined;
    this.payload.retarget(undefined);
    this.takeBack();
  }
}
