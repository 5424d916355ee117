/** Big-endian integer access and UTF-8 helpers over plain Uint8Arrays (no DataView per call). */

import { asBuffer, decodeUtf8, ProtocolId } from '@thriftpoll/protocol';

export function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

export function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

export function readI32(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
}

/** The protocol of the Thrift message bytes[at...] start (strict Binary 0x8001 or Compact 0x82 v1), else undefined. */
export function messageProtocolAt(bytes: Uint8Array, at: number): ProtocolId | undefined {
  const b0 = bytes[at];
  const b1 = bytes[at + 1];
  if (b0 === 0x80 && b1 === 0x01) return ProtocolId.BINARY;
  if (b0 === 0x82 && (b1 & 0x1f) === 1) return ProtocolId.COMPACT;
  return undefined;
}

/** True when bytes[at...] start a Thrift message (see messageProtocolAt). */
export function startsMessage(bytes: Uint8Array, at: number): boolean {
  return messageProtocolAt(bytes, at) !== undefined;
}

export function writeU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 8;
  bytes[at + 1] = value;
}

export function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
}

/** Strings up to this many bytes are written in JavaScript when ASCII (a loop beats a native call for short text). */
const SHORT_TEXT = 64;

/**
 * Decodes bytes[start, end) as UTF-8: the protocols' decoder (short ASCII in JavaScript, the rest in Node's
 * codec straight from the Buffer, no subarray). Invalid sequences become U+FFFD; a leading U+FEFF is kept (it is
 * part of the value, unlike TextDecoder's BOM stripping).
 */
export function utf8Slice(bytes: Uint8Array, start: number, end: number): string {
  return decodeUtf8(asBuffer(bytes), start, end);
}

/**
 * Writes `text` as UTF-8 at bytes[at...]; `length` is its UTF-8 size (Buffer.byteLength), which the caller
 * has measured and reserved. Returns the end.
 */
export function writeUtf8(bytes: Uint8Array, at: number, text: string, length: number): number {
  if (length === text.length && length <= SHORT_TEXT) {
    // byteLength equal to the UTF-16 length means every character is ASCII.
    for (let i = 0; i < length; i++) bytes[at + i] = text.charCodeAt(i);
  } else if (length > 0) {
    asBuffer(bytes).utf8Write(text, at, length);
  }
  return at + length;
}

/** Bytes a varint needs for an unsigned 32-bit value. */
export function varintSize(value: number): number {
  let size = 1;
  let v = value >>> 7;
  while (v !== 0) {
    size++;
    v >>>= 7;
  }
  return size;
}

/** Writes an unsigned 32-bit value as a varint at bytes[at...]; returns the end. */
export function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    bytes[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  bytes[at++] = v;
  return at;
}
