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

/** Strings up to this many UTF-16 units are encoded in JavaScript while they are ASCII. */
const SHORT_ENCODE = 48;

const fcc = String.fromCharCode;

/**
 * Decodes `buf[start..end)` as UTF-8.
 *
 * Up to 16 bytes (names, keys, labels), each length has its own case that loads every byte once into a local, tests them
 * together for ASCII and hands them to String.fromCharCode: no loop, no second read, no call into C++. Any byte
 * >= 0x80 falls through to Node's codec, so malformed input still becomes U+FFFD exactly as before.
 */
export function decodeUtf8(buf: BufferCodecs, start: number, end: number): string {
  const b = buf;
  const s = start;
  switch (end - start) {
    case 0:
      return '';
    case 1: {
      const c0 = b[s];
      if (c0 < 0x80) return fcc(c0);
      break;
    }
    case 2: {
      const c0 = b[s], c1 = b[s + 1];
      if ((c0 | c1) < 0x80) return fcc(c0, c1);
      break;
    }
    case 3: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2];
      if ((c0 | c1 | c2) < 0x80) return fcc(c0, c1, c2);
      break;
    }
    case 4: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      if ((c0 | c1 | c2 | c3) < 0x80) return fcc(c0, c1, c2, c3);
      break;
    }
    case 5: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4];
      if ((c0 | c1 | c2 | c3 | c4) < 0x80) return fcc(c0, c1, c2, c3, c4);
      break;
    }
    case 6: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5];
      if ((c0 | c1 | c2 | c3 | c4 | c5) < 0x80) return fcc(c0, c1, c2, c3, c4, c5);
      break;
    }
    case 7: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6);
      break;
    }
    case 8: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6], c7 = b[s + 7];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6, c7);
      break;
    }
    case 9: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6], c7 = b[s + 7];
      const c8 = b[s + 8];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6, c7, c8);
      break;
    }
    case 10: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6], c7 = b[s + 7];
      const c8 = b[s + 8], c9 = b[s + 9];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9);
      break;
    }
    case 11: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6], c7 = b[s + 7];
      const c8 = b[s + 8], c9 = b[s + 9], c10 = b[s + 10];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10);
      break;
    }
    case 12: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6], c7 = b[s + 7];
      const c8 = b[s + 8], c9 = b[s + 9], c10 = b[s + 10], c11 = b[s + 11];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10 | c11) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11);
      break;
    }
    case 13: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6], c7 = b[s + 7];
      const c8 = b[s + 8], c9 = b[s + 9], c10 = b[s + 10], c11 = b[s + 11];
      const c12 = b[s + 12];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10 | c11 | c12) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12);
      break;
    }
    case 14: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6], c7 = b[s + 7];
      const c8 = b[s + 8], c9 = b[s + 9], c10 = b[s + 10], c11 = b[s + 11];
      const c12 = b[s + 12], c13 = b[s + 13];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10 | c11 | c12 | c13) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13);
      break;
    }
    case 15: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6], c7 = b[s + 7];
      const c8 = b[s + 8], c9 = b[s + 9], c10 = b[s + 10], c11 = b[s + 11];
      const c12 = b[s + 12], c13 = b[s + 13], c14 = b[s + 14];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10 | c11 | c12 | c13 | c14) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14);
      break;
    }
    case 16: {
      const c0 = b[s], c1 = b[s + 1], c2 = b[s + 2], c3 = b[s + 3];
      const c4 = b[s + 4], c5 = b[s + 5], c6 = b[s + 6], c7 = b[s + 7];
      const c8 = b[s + 8], c9 = b[s + 9], c10 = b[s + 10], c11 = b[s + 11];
      const c12 = b[s + 12], c13 = b[s + 13], c14 = b[s + 14], c15 = b[s + 15];
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10 | c11 | c12 | c13 | c14 | c15) < 0x80) return fcc(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
      break;
    }
  }
  return buf.utf8Slice(start, end);
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
