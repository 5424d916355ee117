import { LinkBuffer, type Reader } from '@thriftpoll/netpoll';
import type { ByteSource } from '@thriftpoll/protocol';
import type { DecodedMessage, MessageDecoder } from '@thriftpoll/transport';

/** Parses "10 00 0f ff" (any whitespace or `|` separators) into bytes. */
export function hex(text: string): Buffer {
  const digits = text.replace(/[\s|]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`bad hex: ${text}`);
  return Buffer.from(digits, 'hex');
}

/** Bytes of a ByteSource as one Buffer (tests only: production code never concatenates). */
export function bytesOf(source: ByteSource): Buffer {
  if (source instanceof Uint8Array) return Buffer.from(source);
  return Buffer.concat(source.map((view) => Buffer.from(view)));
}

/** A LinkBuffer holding `data` split into chunks at the given offsets. */
export function readerOf(data: Uint8Array, cuts: readonly number[] = []): LinkBuffer {
  const reader = new LinkBuffer();
  let at = 0;
  for (const cut of [...cuts, data.length]) {
    if (cut > at) reader.append(Buffer.from(data.subarray(at, cut)));
    at = Math.max(at, cut);
  }
  return reader;
}

/** Decodes every complete message in `reader`. */
export function decodeAll(decoder: MessageDecoder, reader: Reader): DecodedMessage[] {
  const messages: DecodedMessage[] = [];
  for (;;) {
    const message = decoder.decode(reader);
    if (message === undefined) return messages;
    messages.push(message);
  }
}

/**
 * Feeds `data` to a decoder in pieces of `step` bytes (each piece its own chunk, as separate socket reads),
 * releasing the reader between calls as a server would. Returns every message with its payload copied out
 * right away (payload views die at release()), and the `wanted` values seen.
 */
export function dribble(
  decoder: MessageDecoder,
  data: Uint8Array,
  step: number,
  reader: LinkBuffer = new LinkBuffer(),
): { messages: { message: DecodedMessage; bytes: Buffer }[]; wanted: number[] } {
  const messages: { message: DecodedMessage; bytes: Buffer }[] = [];
  const wanted: number[] = [];
  for (let at = 0; at < data.length; at += step) {
    reader.append(Buffer.from(data.subarray(at, Math.min(data.length, at + step))));
    for (;;) {
      const message = decoder.decode(reader);
      if (message === undefined) {
        wanted.push(decoder.wanted);
        break;
      }
      messages.push({ message, bytes: bytesOf(message.payload) });
    }
    reader.release();
  }
  return { messages, wanted };
}

/** A Reader that records how many bytes were peeked (looked at without consuming) and copied out. */
export class CountingReader implements Reader {
  peeked = 0;
  calls = 0;

  constructor(readonly inner: LinkBuffer) {}

  len(): number {
    return this.inner.len();
  }
  next(n: number): Uint8Array {
    return this.inner.next(n);
  }
  peek(n: number): Uint8Array {
    this.peeked += n;
    this.calls++;
    return this.inner.peek(n);
  }
  skip(n: number): void {
    this.inner.skip(n);
  }
  readByte(): number {
    return this.inner.readByte();
  }
  peekUint32(offset?: number): number {
    return this.inner.peekUint32(offset);
  }
  readString(n: number): string {
    return this.inner.readString(n);
  }
  readBinary(n: number): Uint8Array {
    return this.inner.readBinary(n);
  }
  nextChunks(n: number): Uint8Array[] {
    return this.inner.nextChunks(n);
  }
  slice(n: number): Reader {
    return this.inner.slice(n);
  }
  release(): void {
    this.inner.release();
  }
}

/**
 * Asserts byte equality quickly (jest's deep equality walks large buffers element by element); on a
 * mismatch the failure shows where the bytes first differ.
 */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  const window = (x: Buffer): string => x.subarray(Math.max(0, at - 8), at + 8).toString('hex');
  expect({ length: a.length, firstDifference: at, around: window(a) }).toEqual({
    length: b.length,
    firstDifference: at,
    around: window(b),
  });
}
