/** Big-endian integer access and UTF-8 helpers over plain Uint8Arrays (no DataView per call). */

export function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

export function readU32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

export function readI32(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
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

/** Decodes bytes[start, end) as UTF-8 (invalid sequences become U+FFFD, as Buffer does). */
export function utf8Slice(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

/** Writes `text` as UTF-8 at bytes[at...] (the caller has measured it with Buffer.byteLength); returns the end. */
export function writeUtf8(bytes: Uint8Array, at: number, text: string, length: number): number {
  if (length > 0) Buffer.from(bytes.buffer, bytes.byteOffset + at, length).write(text, 0, length, 'utf8');
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
