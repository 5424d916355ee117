import { LinkBuffer } from '@thriftpoll/netpoll';
import { BinaryReader, CompactReader, MessageType, TType } from '@thriftpoll/protocol';
import type { ByteSource, ProtocolReader, ReaderOptions } from '@thriftpoll/protocol';
import { encodeOurs, readerOurs } from './support/apache';
import type { ProtocolName } from './support/apache';
import { ALL_BYTES, Everything, corpus } from './support/corpus';
import { T, normalize, readStruct, writeStruct } from './support/schema';

/**
 * Zero-copy reading: readers decode straight from the engine's input views (one view, or a list of views for a
 * frame spanning LinkBuffer blocks), never concatenating them; binary fields are copies unless binaryViews.
 */
const protocols: ProtocolName[] = ['binary', 'compact'];

function make(protocol: ProtocolName, source: ByteSource, options?: ReaderOptions): ProtocolReader {
  return protocol === 'binary' ? new BinaryReader(source, options) : new CompactReader(source, options);
}

describe.each(protocols)('%s', (protocol) => {
  const Blob = T.struct('Blob', [
    [1, 'name', T.string],
    [2, 'data', T.binary],
  ]);
  const bytes = encodeOurs(protocol, (w) => writeStruct(w, Blob, { name: 'blob', data: ALL_BYTES }));
  const dataAt = bytes.indexOf(ALL_BYTES);

  test('binary fields are copies by default: the caller may keep them after the input is reused', () => {
    const input = Buffer.from(bytes);
    const value = readStruct(make(protocol, input), Blob);
    input.fill(0);
    expect(Buffer.compare(value.data as Buffer, ALL_BYTES)).toBe(0);
  });

  test('binaryViews: binary fields are views of the input (valid until it is released)', () => {
    const input = Buffer.from(bytes);
    const reader = make(protocol, input, { binaryViews: true });
    reader.readStructBegin();
    reader.readFieldBegin();
    reader.readString();
    reader.readFieldBegin();
    const view = reader.readBinary();
    expect(view.buffer).toBe(input.buffer);
    expect(view.byteOffset).toBe(input.byteOffset + dataAt);
    input[dataAt] = 0x55;
    expect(view[0]).toBe(0x55);
  });

  test('binaryViews across a view boundary: the straddling value is a copy, the rest are views', () => {
    const views = [bytes.subarray(0, dataAt + 10), bytes.subarray(dataAt + 10)];
    const reader = make(protocol, views, { binaryViews: true });
    expect(Buffer.compare(readStruct(reader, Blob).data as Buffer, ALL_BYTES)).toBe(0);
  });

  test('a frame spread over LinkBuffer blocks decodes from nextChunks() without concatenation', () => {
    const entry = corpus().find((e) => e.name === 'Everything');
    if (entry === undefined) throw new Error('no Everything entry');
    const message = encodeOurs(protocol, (w) => {
      w.writeMessageBegin('everything', MessageType.CALL, 12);
      writeStruct(w, Everything, entry.value);
      w.writeMessageEnd();
    });
    const link = new LinkBuffer();
    // Blocks of odd sizes, as socket reads deliver them.
    for (let at = 0, size = 1; at < message.length; at += size, size = (size * 7) % 61 + 1) link.append(message.subarray(at, at + size));
    const chunks = link.nextChunks(message.length);
    expect(chunks.length).toBeGreaterThan(5);
    const reader = make(protocol, chunks);
    expect(reader.readMessageBegin()).toEqual({ name: 'everything', type: MessageType.CALL, seqid: 12 });
    expect(readStruct(reader, Everything)).toEqual(normalize(Everything, entry.value));
    reader.readMessageEnd();
    expect(reader.remaining()).toBe(0);
  });

  test('multi-byte characters split between views decode correctly', () => {
    const text = '😀é日'.repeat(20);
    const message = encodeOurs(protocol, (w) => w.writeString(text));
    for (let cutAt = 1; cutAt < message.length; cutAt++) {
      expect(make(protocol, [message.subarray(0, cutAt), message.subarray(cutAt)]).readString()).toBe(text);
    }
  });

  test('every value type straddling every boundary, with empty views in between', () => {
    const All = T.struct('All', [
      [1, 'a', T.i16],
      [2, 'b', T.i32],
      [3, 'c', T.i64],
      [4, 'd', T.double],
      [5, 'e', T.uuid],
      [6, 'f', T.string],
      [7, 'g', T.list(T.i64)],
      [8, 'h', T.bool],
      [9, 'i', T.map(T.string, T.double)],
    ]);
    const value = {
      a: -300,
      b: 123456789,
      c: -(2n ** 62n),
      d: -1.25,
      e: 'deadbeef-0000-4000-8000-00000000cafe',
      f: 'hello views',
      g: [1n, -(2n ** 40n), 2n ** 63n - 1n],
      h: true,
      i: [['x', 0.5]],
    };
    const message = encodeOurs(protocol, (w) => writeStruct(w, All, value));
    for (let cutAt = 0; cutAt <= message.length; cutAt++) {
      const views = [message.subarray(0, cutAt), new Uint8Array(0), message.subarray(cutAt)];
      expect(readStruct(make(protocol, views), All)).toEqual(value);
    }
    const bytewise = Array.from(message, (b) => Uint8Array.of(b));
    expect(readStruct(make(protocol, bytewise), All)).toEqual(value);
  });

  test('views that are plain Uint8Arrays at odd offsets of a larger ArrayBuffer (i64 and doubles included)', () => {
    const Numbers = T.struct('Numbers', [
      [1, 'big', T.i64],
      [2, 'small', T.i64],
      [3, 'real', T.double],
      [4, 'blob', Blob],
    ]);
    const value = { big: -(2n ** 62n) - 3n, small: -5n, real: Math.PI, blob: { name: 'blob', data: ALL_BYTES } };
    const encoded = encodeOurs(protocol, (w) => writeStruct(w, Numbers, value));
    for (const offset of [0, 1, 7]) {
      const backing = new ArrayBuffer(encoded.length + 20);
      const view = new Uint8Array(backing, offset, encoded.length);
      view.set(encoded);
      expect(readStruct(make(protocol, view), Numbers)).toEqual(value);
      const half = encoded.length >> 1;
      expect(readStruct(make(protocol, [view.subarray(0, half), new Uint8Array(backing, offset + half, encoded.length - half)]), Numbers)).toEqual(value);
    }
  });

  test('reset() reuses a reader for the next message; remaining() counts down', () => {
    const reader = readerOurs(protocol, new Uint8Array(0));
    expect(reader.remaining()).toBe(0);
    for (let round = 0; round < 3; round++) {
      reader.reset(round === 1 ? [bytes.subarray(0, 5), bytes.subarray(5)] : bytes);
      expect(reader.remaining()).toBe(bytes.length);
      expect(readStruct(reader, Blob).name).toBe('blob');
      expect(reader.remaining()).toBe(0);
    }
  });

  test('reset() in the middle of a struct starts clean (nesting and Compact field ids)', () => {
    const reader = readerOurs(protocol, bytes, { recursionLimit: 2 });
    reader.readStructBegin();
    reader.readFieldBegin();
    reader.reset(bytes);
    expect(readStruct(reader, Blob).name).toBe('blob');
  });

  test('an empty source has nothing to read', () => {
    const reader = make(protocol, []);
    expect(reader.remaining()).toBe(0);
    expect(() => reader.readFieldBegin()).toThrow(/unexpected end of input: field header needs 1 bytes at offset 0, 0 remain/);
    expect(() => reader.skip(TType.STRUCT)).toThrow(/unexpected end of input/);
  });
});
