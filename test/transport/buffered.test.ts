import fc from 'fast-check';
import { LinkBuffer } from '@thriftpoll/netpoll';
import { ProtocolId, TProtocolException, TType, compactProtocol } from '@thriftpoll/protocol';
import {
  BinaryMessageScanner,
  BufferSink,
  BufferedDecoder,
  BufferedEncoder,
  CompactMessageScanner,
  Metadata,
  TransportError,
  createEncoder,
} from '@thriftpoll/transport';
import { CountingReader, bytesOf, decodeAll, dribble, expectBytes, hex, readerOf } from './helpers/bytes';
import { BINARY_ECHO, COMPACT_ECHO } from './helpers/messages';
import { T } from '../protocol/support/schema';
import { encodeMessage, structArbitrary } from './helpers/values';

function expectProtocolError(fn: () => unknown, code: string, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TProtocolException);
  expect((caught as TProtocolException).code).toBe(code);
  expect((caught as Error).message).toMatch(message);
}

describe('BufferedDecoder: golden messages', () => {
  test.each([
    ['binary', BINARY_ECHO, ProtocolId.BINARY],
    ['compact', COMPACT_ECHO, ProtocolId.COMPACT],
  ])('%s: ends exactly where the message ends, pipelined messages one at a time', (_name, message, protocol) => {
    const decoder = new BufferedDecoder();
    const reader = readerOf(Buffer.concat([message, message, message.subarray(0, 5)]));
    const messages = decodeAll(decoder, reader);
    expect(messages).toHaveLength(2);
    for (const m of messages) {
      expect(m.transport).toBe('buffered');
      expect(m.protocol).toBe(protocol);
      expect(m.seqid).toBeUndefined();
      expect(m.headers.isEmpty()).toBe(true);
      expect(m.payloadLength).toBe(message.length);
      expect(m.wireLength).toBe(message.length);
      expectBytes(bytesOf(m.payload), message);
    }
    // The cut third message is kept (scanned bytes move to the decoder's own copy) and reported at close.
    expect(decoder.wanted).toBeGreaterThanOrEqual(1);
    expect(() => decoder.finish(reader)).toThrow(/after 5 bytes of an incomplete buffered/);
  });

  test('a message buffered in one block is handed out as one zero-copy view of that block', () => {
    const block = Buffer.concat([BINARY_ECHO, COMPACT_ECHO]);
    const reader = new LinkBuffer();
    reader.append(block);
    const [first, second] = decodeAll(new BufferedDecoder(), reader);
    expect(first.payload).toBeInstanceOf(Uint8Array);
    expect((first.payload as Uint8Array).buffer).toBe(block.buffer);
    expect((second.payload as Uint8Array).byteOffset).toBe(block.byteOffset + BINARY_ECHO.length);
    expect(second.protocol).toBe(ProtocolId.COMPACT);
  });

  test('a message spread over blocks is a list of views of those blocks, without copies', () => {
    const blocks = [BINARY_ECHO.subarray(0, 3), BINARY_ECHO.subarray(3, 9), BINARY_ECHO.subarray(9, 17), BINARY_ECHO.subarray(17)];
    const reader = new LinkBuffer();
    const owned = blocks.map((block) => new Uint8Array(block)); // each in its own ArrayBuffer
    for (const block of owned) reader.append(block);
    const [message] = decodeAll(new BufferedDecoder(), reader);
    const views = message.payload as Uint8Array[];
    expect(views.map((v) => v.length)).toEqual([3, 6, 8, BINARY_ECHO.length - 17]);
    views.forEach((view, i) => expect(view.buffer).toBe(owned[i].buffer));
    expectBytes(bytesOf(message.payload), BINARY_ECHO);
  });

  test('views that continue each other in memory are merged into one', () => {
    const memory = Buffer.from(BINARY_ECHO);
    const reader = new LinkBuffer();
    reader.append(memory.subarray(0, 5)); // as an engine appends successive reads into one block
    reader.append(memory.subarray(5));
    const [message] = decodeAll(new BufferedDecoder(), reader);
    expect(message.payload).toBeInstanceOf(Uint8Array);
    expect((message.payload as Uint8Array).buffer).toBe(memory.buffer);
  });

  test('non-strict Binary headers (name length first) are accepted unless strictRead', () => {
    // name length 4, "echo", type CALL, seqid 9, field 1 i32 = 5, STOP
    const nonStrict = hex('00 00 00 04 65 63 68 6f 01 00 00 00 09 | 08 00 01 00 00 00 05 | 00');
    const [message] = decodeAll(new BufferedDecoder(), readerOf(Buffer.concat([nonStrict, BINARY_ECHO])));
    expectBytes(bytesOf(message.payload), nonStrict);
    expectProtocolError(
      () => new BufferedDecoder({ strictRead: true }).decode(readerOf(nonStrict)),
      'BAD_VERSION',
      /non-strict \(starts with name length 4\) but strictRead requires a 0x8001 version/,
    );
  });

  test('every split point of a message gives the same message', () => {
    const desc = T.struct('S', [
      [1, 'lists', T.map(T.string, T.list(T.i64))],
      [2, 'flag', T.bool],
      [300, 'reals', T.set(T.struct('Real', [[1, 'real', T.double]]))],
      [4, 'id', T.uuid],
    ]);
    const value = {
      lists: [
        ['a', [1n, -2n, 2n ** 40n]],
        ['ü', []],
      ],
      flag: true,
      reals: [{ real: 1.5 }, {}, { real: -0 }],
      id: '00112233-4455-6677-8899-aabbccddeeff',
    };
    for (const protocol of [ProtocolId.BINARY, ProtocolId.COMPACT]) {
      const message = encodeMessage(protocol, desc, value);
      for (let cut = 0; cut <= message.length; cut++) {
        const decoder = new BufferedDecoder();
        const reader = new LinkBuffer();
        reader.append(message.subarray(0, cut));
        const early = decoder.decode(reader);
        if (cut < message.length) {
          expect(early).toBeUndefined();
          reader.release(); // a server releases between calls: the decoder must not depend on old views
          reader.append(Buffer.from(message.subarray(cut)));
          const late = decoder.decode(reader);
          expect(late).toBeDefined();
          expectBytes(bytesOf(late!.payload), message);
        } else {
          expectBytes(bytesOf(early!.payload), message);
        }
        expect(reader.len()).toBe(0);
      }
    }
  });
});

describe('BufferedDecoder: property — the exact end of any message, in any split', () => {
  test.each([
    ['binary', ProtocolId.BINARY],
    ['compact', ProtocolId.COMPACT],
  ])('%s', (_name, protocol) => {
    fc.assert(
      fc.property(
        structArbitrary,
        structArbitrary,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.integer({ min: 1, max: 9 }),
        (first, second, cutSeeds, step) => {
          const a = encodeMessage(protocol, first.desc, first.value, 'first', 1);
          const b = encodeMessage(protocol, second.desc, second.value, 'second', 2);
          const stream = Buffer.concat([a, b]);
          // Random block boundaries, all in one call.
          const cuts = cutSeeds.map((seed) => seed % (stream.length + 1)).sort((x, y) => x - y);
          const messages = decodeAll(new BufferedDecoder(), readerOf(stream, cuts));
          expect(messages.map((m) => bytesOf(m.payload))).toEqual([a, b]);
          // The same bytes dribbled in `step`-byte reads, released between calls.
          const dribbled = dribble(new BufferedDecoder(), stream, step);
          expect(dribbled.messages.map((m) => m.bytes)).toEqual([a, b]);
          expect(dribbled.wanted.every((w) => w >= 1)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('BufferedDecoder: slow peers and large messages', () => {
  function manyFields(protocol: ProtocolId, count: number): Buffer {
    const strings = Array.from({ length: count }, (_, i) => `item-${i}`);
    return encodeMessage(protocol, T.struct('S', [[1, 'items', T.list(T.string)]]), { items: strings });
  }

  test.each([
    ['binary', ProtocolId.BINARY],
    ['compact', ProtocolId.COMPACT],
  ])('%s: one byte per read costs O(n): each byte is looked at a bounded number of times', (_name, protocol) => {
    const message = manyFields(protocol, 4000);
    const reader = new CountingReader(new LinkBuffer());
    const decoder = new BufferedDecoder();
    let result;
    let early = 0;
    for (let i = 0; i < message.length; i++) {
      reader.inner.append(message.subarray(i, i + 1));
      result = decoder.decode(reader);
      if (result !== undefined && i < message.length - 1) early++;
      reader.release();
    }
    expect(early).toBe(0);
    expect(result).toBeDefined();
    expectBytes(bytesOf(result!.payload), message);
    // Rescanning from the start on every byte would look at ~n^2/2 bytes (~1.6e9 here).
    expect(reader.peeked).toBeLessThan(message.length * 12);
  });

  test('a long string body is consumed unseen and `wanted` asks for all of it at once', () => {
    const big = 'x'.repeat(1_000_000);
    const message = encodeMessage(ProtocolId.BINARY, T.struct('S', [[1, 'text', T.string]]), { text: big });
    const reader = new CountingReader(new LinkBuffer());
    const decoder = new BufferedDecoder();
    reader.inner.append(message.subarray(0, 1000));
    expect(decoder.decode(reader)).toBeUndefined();
    // 1000 bytes read: the header (~21 bytes) and 979 string bytes; the string's remaining bytes and the STOP follow.
    const headerBytes = message.length - big.length - 1;
    expect(decoder.wanted).toBe(big.length - (1000 - headerBytes));
    reader.release();
    reader.inner.append(message.subarray(1000));
    const result = decoder.decode(reader);
    expectBytes(bytesOf(result!.payload), message);
    expect(reader.peeked).toBeLessThan(10_000);
  });

  test('a partly received message survives reader.release() between calls (held privately)', () => {
    const message = manyFields(ProtocolId.COMPACT, 50);
    const reader = new LinkBuffer();
    const decoder = new BufferedDecoder();
    reader.append(Buffer.from(message.subarray(0, 100)));
    expect(decoder.decode(reader)).toBeUndefined();
    expect(reader.len()).toBeLessThan(12); // scanned bytes moved out; at most a cut token stays
    reader.release();
    reader.append(Buffer.from(message.subarray(100)));
    const result = decoder.decode(reader)!;
    expectBytes(bytesOf(result.payload), message);
    expect(result.payloadLength).toBe(message.length);
  });

  test('finish(): clean end is fine, a cut message is TRUNCATED', () => {
    const decoder = new BufferedDecoder();
    const reader = readerOf(BINARY_ECHO);
    decodeAll(decoder, reader);
    expect(() => decoder.finish(reader)).not.toThrow();
    reader.append(BINARY_ECHO.subarray(0, 10));
    expect(decoder.decode(reader)).toBeUndefined();
    expect(() => decoder.finish(reader)).toThrow(
      expect.objectContaining({ code: 'TRUNCATED', message: expect.stringMatching(/after 10 bytes of an incomplete buffered binary message/) }),
    );
  });
});

describe('BufferedDecoder: hostile input', () => {
  const header = '80 01 00 01 00 00 00 01 61 00 00 00 01'; // CALL "a" seqid 1

  test.each([
    ['binary string length 0x7fffffff', `${header} 0b 00 01 7f ff ff ff`, /^buffered binary string length 2147483647 needs at least 2147483647 bytes, but only \d+ remain within maxMessageSize 104857600$/],
    ['binary list of 1e9 i64 in 5 bytes', `${header} 0f 00 01 0a 3b 9a ca 00`, /binary list size 1000000000 needs at least 8000000000 bytes/],
    ['binary map of 2^31-1 entries', `${header} 0d 00 01 0b 0b 7f ff ff ff`, /binary map size 2147483647 needs at least 17179869176 bytes/],
    ['compact huge list in a few bytes', '82 21 01 01 61 19 f6 ff ff ff ff 07', /compact list size 2147483647 needs at least/],
  ])('%s: MESSAGE_TOO_LARGE before anything of it is buffered, with the message head for an answer', (_name, bytes, message) => {
    const input = hex(bytes);
    let error: unknown;
    try {
      new BufferedDecoder().decode(readerOf(input));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('MESSAGE_TOO_LARGE');
    expect((error as Error).message).toMatch(message);
    expect((error as TransportError).cause).toBeInstanceOf(TProtocolException);
    expect(Buffer.from((error as TransportError).messageHead!)).toEqual(input);
  });

  test.each([
    ['negative string length', `${header} 0b 00 01 ff ff ff fe`, 'NEGATIVE_SIZE', /string length -2 is negative/],
    ['negative list size', `${header} 0f 00 01 08 80 00 00 00`, 'NEGATIVE_SIZE', /list size -2147483648 is negative/],
    ['unknown field type', `${header} 13 00 01`, 'INVALID_DATA', /unknown type id 19/],
    ['unknown list element type', `${header} 0f 00 01 07 00 00 00 01`, 'INVALID_DATA', /list element has unknown type id 7/],
    ['bad version', '80 02 00 01', 'BAD_VERSION', /version 0x8002 is not 0x8001/],
    ['bad message type', '80 01 00 09', 'INVALID_DATA', /message type 9 is not CALL/],
    ['negative name length', '80 01 00 01 ff ff ff ff', 'NEGATIVE_SIZE', /method name length -1 is negative/],
  ])('binary %s', (_name, bytes, code, message) => {
    expectProtocolError(() => new BufferedDecoder().decode(readerOf(hex(bytes))), code, message);
  });

  test.each([
    ['bad protocol version', '82 22', 'BAD_VERSION', /version 2 is not 1/],
    ['overlong varint', '82 21 ff ff ff ff ff ff', 'INVALID_DATA', /seqid varint runs longer than 5 bytes/],
    ['negative binary length', '82 21 01 01 61 18 ff ff ff ff 0f', 'NEGATIVE_SIZE', /binary length -1 is negative/],
    ['unknown field type nibble', '82 21 01 01 61 1e', 'INVALID_DATA', /unknown type nibble 14/],
    ['unknown map key type', '82 21 01 01 61 1b 01 e5', 'INVALID_DATA', /map key has unknown type nibble 14/],
  ])('compact %s', (_name, bytes, code, message) => {
    expectProtocolError(() => new BufferedDecoder().decode(readerOf(hex(bytes))), code, message);
  });

  test('nesting beyond recursionLimit (10,000 nested structs) is DEPTH_LIMIT, without recursion', () => {
    const nested = Buffer.concat([hex(header), Buffer.alloc(30_000, 0).fill(hex('0c 00 01'))]);
    expectProtocolError(() => new BufferedDecoder().decode(readerOf(nested)), 'DEPTH_LIMIT', /recursionLimit 64/);
    const compactNested = Buffer.concat([hex('82 21 01 01 61'), Buffer.alloc(10_000, 0x1c)]);
    expectProtocolError(() => new BufferedDecoder({ recursionLimit: 10 }).decode(readerOf(compactNested)), 'DEPTH_LIMIT', /recursionLimit 10/);
  });

  test('a message growing past maxMessageSize is refused while it arrives', () => {
    // Endless i32 fields: never complete, must be cut off at the limit.
    const decoder = new BufferedDecoder({ maxMessageSize: 10_000 });
    const reader = new LinkBuffer();
    reader.append(hex(header));
    let error: unknown;
    for (let i = 0; i < 2000 && error === undefined; i++) {
      reader.append(hex('08 00 01 00 00 00 07'));
      try {
        decoder.decode(reader);
      } catch (e) {
        error = e;
      }
      reader.release();
    }
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('MESSAGE_TOO_LARGE');
    expect((error as Error).message).toMatch(/^buffered message exceeds maxMessageSize 10000 bytes \(\d+ bytes scanned and not complete\)$/);
    // The head of the refused message (from the decoder's private copy) still names the call.
    expect(Buffer.from((error as TransportError).messageHead!.subarray(0, 13))).toEqual(hex(header));
  });

  test('failures are sticky: the decoder keeps refusing', () => {
    const decoder = new BufferedDecoder();
    const reader = readerOf(hex('80 02 00 01'));
    expect(() => decoder.decode(reader)).toThrow(TProtocolException);
    expect(() => decoder.decode(readerOf(BINARY_ECHO))).toThrow(/0x8002/);
  });

  test('a pinned protocol refuses the other one', () => {
    expectProtocolError(
      () => new BufferedDecoder({ protocol: ProtocolId.COMPACT }).decode(readerOf(BINARY_ECHO)),
      'BAD_VERSION',
      /starts with 0x80, expected protocol id 0x82/,
    );
  });

  test('options are validated where they enter', () => {
    expect(() => new BufferedDecoder({ maxMessageSize: 0 })).toThrow(/BufferedDecoder: maxMessageSize must be an integer in \[1, MAX_SAFE_INTEGER\], got number 0/);
    expect(() => new BufferedDecoder({ recursionLimit: 1.5 })).toThrow(/recursionLimit must be an integer in \[1, 10000\], got number 1.5/);
    expect(() => new BufferedDecoder({ strictRead: 'yes' as unknown as boolean })).toThrow(/strictRead must be a boolean, got string "yes"/);
    expect(() => new BufferedDecoder({ protocol: 1 as ProtocolId })).toThrow(/protocol must be ProtocolId.BINARY \(0\) or ProtocolId.COMPACT \(2\), got number 1/);
  });
});

describe('scanners on their own', () => {
  test('report what they need and resume mid-token', () => {
    const scanner = new CompactMessageScanner({ maxMessageSize: 1000, recursionLimit: 8 });
    // seqid varint cut after its first byte
    const bytes = hex('82 21 81');
    expect(scanner.scan(bytes, 0, 3)).toBe(2);
    expect(scanner.needed).toBe(2);
    expect(scanner.scan(hex('82 21 81 01'), 2, 4)).toBe(4); // resumed: the varint completes
    expect(scanner.skipping).toBe(0);
    const binary = new BinaryMessageScanner({ maxMessageSize: 1000, recursionLimit: 8 }, false);
    // version, name length, then name (4) + seqid (4) are skipped blindly: 6 of those 8 are present.
    expect(binary.scan(BINARY_ECHO, 0, 14)).toBe(14);
    expect(binary.skipping).toBe(2);
    expect(binary.needed).toBe(2);
    binary.advance(2);
    expect(binary.scan(BINARY_ECHO, 16, BINARY_ECHO.length)).toBe(BINARY_ECHO.length);
    expect(binary.done).toBe(true);
    expect(binary.scanned).toBe(BINARY_ECHO.length);
  });
});

test('a Compact field header with type nibble 0 is a STOP whatever its delta, as the Compact reader (and Apache\'s) reads it', () => {
  // COMPACT_ECHO with its STOP written as 0x10 (delta 1, type 0).
  const message = hex('82 21 01 04 65 63 68 6f | 18 02 68 69 | 10');
  const reader = compactProtocol.createReader(message);
  reader.readMessageBegin();
  reader.skip(TType.STRUCT);
  expect(reader.remaining()).toBe(0);
  const decoded = decodeAll(new BufferedDecoder(), readerOf(message));
  expect(decoded.map((m) => [m.protocol, m.payloadLength])).toEqual([[ProtocolId.COMPACT, message.length]]);
});

describe('BufferedEncoder', () => {
  test('writes the payload as it is, and counts it', () => {
    const out = new BufferSink();
    const encoder = new BufferedEncoder(out);
    encoder.begin();
    const region = encoder.sink.reserve(BINARY_ECHO.length);
    region.set(BINARY_ECHO);
    encoder.sink.commit(BINARY_ECHO.length);
    expect(encoder.end()).toBe(BINARY_ECHO.length);
    expect(out.take()).toEqual(BINARY_ECHO);
  });

  test('refuses payload bytes outside begin()/end()', () => {
    const encoder = createEncoder('buffered', new BufferSink());
    expect(() => encoder.sink.reserve(4)).toThrow(expect.objectContaining({ code: 'ENCODER_STATE' }));
    expect(() => encoder.end()).toThrow(/end\(\) called without begin\(\)/);
  });

  test('abort() takes a half-written message back out of the output', () => {
    const out = new BufferSink();
    out.write(hex('01 02'));
    const encoder = new BufferedEncoder(out);
    encoder.begin();
    encoder.sink.reserve(3).set([9, 9, 9]);
    encoder.sink.commit(3);
    encoder.abort();
    expect(out.take()).toEqual(hex('01 02'));
  });

  test('metadata cannot travel: dropped with one process warning, counted; policy error throws before writing', () => {
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const out = new BufferSink();
      const encoder = new BufferedEncoder(out);
      encoder.begin({ headers: Metadata.from({ trace: '1' }) });
      encoder.end();
      encoder.begin({ headers: Metadata.from({ trace: '2' }) });
      encoder.end();
      expect(encoder.droppedMetadata).toBe(2);
      expect(emitWarning).toHaveBeenCalledTimes(1);
      expect(emitWarning).toHaveBeenCalledWith(
        expect.stringMatching(/buffered transport cannot carry metadata \(1 entries\); it was dropped/),
        { code: 'THRIFTPOLL_METADATA_DROPPED' },
      );

      const strict = new BufferedEncoder(out, { droppedMetadata: 'error' });
      expect(() => strict.begin({ headers: Metadata.from({ a: 'b' }) })).toThrow(
        expect.objectContaining({ code: 'METADATA_DROPPED', message: expect.stringMatching(/use the THeader or TTHeader transport/) }),
      );
      expect(out.length).toBe(0);
      expect(strict.sink.reserve.bind(strict.sink, 1)).toThrow(TransportError);
    } finally {
      emitWarning.mockRestore();
    }
  });
});
