import { Buffer } from 'node:buffer';

/**
 * UTF-8 for strings on the wire, tuned for what Thrift messages carry: mostly short ASCII names and keys, some
 * long text. Short ASCII is built in JavaScript (no call into C++); everything else goes through Node's own
 * codec, which replaces malformed sequences with U+FFFD exactly as `Buffer#toString('utf8')` does.
 */

/** Node's unchecked Buffer codecs (present on Buffer.prototype since Node 0.x, not in the typings). */
export interface BufferCodecs extends Buffer {
  utf8Slice(start: number, end: number): string;
  utf8Write(value: string, offset: number, length: number): number;
}

if (typeof (Buffer.prototype as BufferCodecs).utf8Slice !== 'function' || typeof (Buffer.prototype as BufferCodecs).utf8Write !== 'function') {
  throw new Error('@thriftpoll/protocol needs Buffer.prototype.utf8Slice and utf8Write (Node.js 20 or later)');
}

/** Strings up to this many bytes are decoded in JavaScript when they are ASCII. */
const SHORT_DECODE = 16;
/** Strings up to this many UTF-16 units are encoded in JavaScript while they are ASCII. */
const SHORT_ENCODE = 48;

const fcc = String.fromCharCode;

/** Decodes `buf[start..end)` as UTF-8. */
export function decodeUtf8(buf: BufferCodecs, start: number, end: number): string {
  const n = end - start;
  if (n > SHORT_DECODE) return buf.utf8Slice(start, end);
  let high = 0;
  for (let i = start; i < end; i++) high |= buf[i];
  if (high >= 0x80) return buf.utf8Slice(start, end);
  const b = buf;
  const s = start;
  switch (n) {
    case 0: return '';
    case 1: return fcc(b[s]);
    case 2: return fcc(b[s], b[s + 1]);
    case 3: return fcc(b[s], b[s + 1], b[s + 2]);
    case 4: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    case 9: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8]);
    case 10: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9]);
    case 11: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10]);
    case 12: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11]);
    case 13: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12]);
    case 14: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13]);
    case 15: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14]);
    default: return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8], b[s + 9], b[s + 10], b[s + 11], b[s + 12], b[s + 13], b[s + 14], b[s + 15]);
  }
}

/**
 * Encodes `value` as UTF-8 at `buf[at..)` and returns the byte count. The caller guarantees room for the worst
 * case, 3 bytes per UTF-16 unit (`value.length * 3`); no scan for the exact length happens first. Lone
 * surrogates become U+FFFD (3 bytes), as with `Buffer.byteLength` and `Buffer#write`.
 */
export function encodeUtf8(buf: BufferCodecs, at: number, value: string): number {
  const n = value.length;
  if (n <= SHORT_ENCODE) {
    let i = 0;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) break;
      buf[at + i] = c;
    }
    if (i === n) return n;
    // Not ASCII after all: the ASCII prefix is already in place, encode the rest after it.
    return i + buf.utf8Write(i === 0 ? value : value.slice(i), at + i, n * 3);
  }
  return buf.utf8Write(value, at, n * 3);
}

/** Converts any Uint8Array view to a Buffer over the same memory (no copy). */
export function asBuffer(view: Uint8Array): BufferCodecs {
  return (Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength)) as BufferCodecs;
}
