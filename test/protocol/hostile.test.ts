import * as fc from 'fast-check';
import {
  BinaryReader,
  CompactReader,
  MAX_RECURSION_LIMIT,
  MessageType,
  TProtocolException,
  TProtocolExceptionType,
  TType,
} from '@thriftpoll/protocol';
import type { ProtocolReader, ReaderOptions } from '@thriftpoll/protocol';
import { encodeOurs, readerOurs } from './support/apache';
import type { ProtocolName } from './support/apache';
import { Everything, corpus } from './support/corpus';
import { T, readStruct, writeStruct } from './support/schema';
import type { StructDesc } from './support/schema';
import { hexBytes, protocolError } from './support/expect';

/**
 * Hostile input: every malformed message ends in a TProtocolException with the right code, without reading past
 * the input, allocating for lengths that were not received, recursing without bound or looping.
 */
const protocols: ProtocolName[] = ['binary', 'compact'];

function make(protocol: ProtocolName, hex: string, options?: ReaderOptions): ProtocolReader {
  return protocol === 'binary' ? new BinaryReader(hexBytes(hex), options) : new CompactReader(hexBytes(hex), options);
}

function expectError(fn: () => unknown, type: TProtocolExceptionType, message?: RegExp): void {
  const error = protocolError(fn);
  expect(TProtocolExceptionType[error.type]).toBe(TProtocolExceptionType[type]);
  if (message !== undefined) expect(error.message).toMatch(message);
}

/** What running out of input looks like: a truncated fixed-width value, or a length the rest cannot hold. */
function expectTruncated(fn: () => unknown): void {
  const error = protocolError(fn);
  if (error.type === TProtocolExceptionType.INVALID_DATA) expect(error.message).toMatch(/unexpected end of input/);
  else {
    expect(error.type).toBe(TProtocolExceptionType.SIZE_LIMIT);
    expect(error.message).toMatch(/remain/);
  }
}

/** Reads a message with a recursive generic decoder: the shape generated code has. */
function decodeMessage(reader: ProtocolReader, desc: StructDesc): void {
  reader.readMessageBegin();
  readStruct(reader, desc);
  reader.readMessageEnd();
}

/** Splits into views of `size` bytes (a frame spread over LinkBuffer blocks). */
function split(data: Uint8Array, size: number): Uint8Array[] {
  const views: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += size) views.push(data.subarray(at, at + size));
  return views;
}

describe.each(protocols)('%s: truncated input at every byte offset', (protocol) => {
  const entry = corpus().find((e) => e.name === 'Everything');
  if (entry === undefined) throw new Error('corpus has no Everything entry');
  const messages: [string, Buffer][] = [
    ['CALL with every type', encodeOurs(protocol, (w) => {
      w.writeMessageBegin('everything', MessageType.CALL, 9);
      writeStruct(w, entry.desc, entry.value);
      w.writeMessageEnd();
    })],
    ['REPLY with a long string', encodeOurs(protocol, (w) => {
      w.writeMessageBegin('r', MessageType.REPLY, -3);
      writeStruct(w, T.struct('R', [[0, 'success', T.string]]), { success: 'x'.repeat(300) });
      w.writeMessageEnd();
    })],
  ];

  test.each(messages)('%s', (_name, message) => {
    const desc = _name.startsWith('CALL') ? entry.desc : T.struct('R', [[0, 'success', T.string]]);
    for (let length = 0; length < message.length; length++) {
      const prefix = message.subarray(0, length);
      expectTruncated(() => decodeMessage(readerOurs(protocol, prefix), desc));
      expectTruncated(() => decodeMessage(readerOurs(protocol, split(prefix, 3)), desc));
      expectTruncated(() => {
        const reader = readerOurs(protocol, prefix);
        reader.readMessageBegin();
        reader.skip(TType.STRUCT);
      });
    }
    // The whole message decodes (the loop above really exercised prefixes of a valid message).
    decodeMessage(readerOurs(protocol, message), desc);
  });
});

describe.each(protocols)('%s: random and mutated bytes', (protocol) => {
  let largest = 0;
  let spy: jest.SpyInstance;
  beforeEach(() => {
    largest = 0;
    const real = Buffer.allocUnsafe;
    spy = jest.spyOn(Buffer, 'allocUnsafe').mockImplementation((size: number) => {
      largest = Math.max(largest, size);
      return real(size);
    });
  });
  afterEach(() => spy.mockRestore());

  /** Decodes hostile bytes three ways; anything thrown must be a TProtocolException. */
  function survive(data: Uint8Array): void {
    largest = 0;
    const attempts: ((r: ProtocolReader) => void)[] = [
      (r) => decodeMessage(r, Everything),
      (r) => {
        r.readMessageBegin();
        r.skip(TType.STRUCT);
      },
      (r) => r.skip(TType.STRUCT),
    ];
    for (const attempt of attempts) {
      for (const source of [data, split(data, 7)]) {
        try {
          attempt(readerOurs(protocol, source));
        } catch (error) {
          if (!(error instanceof TProtocolException)) throw error;
        }
      }
    }
    // Nothing is allocated beyond the size of the input: lengths that were not received are refused first.
    expect(largest).toBeLessThanOrEqual(data.length);
  }

  test('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (data) => survive(data)),
      { numRuns: 1500 },
    );
  });

  test('random bytes after a valid message header', () => {
    const header = encodeOurs(protocol, (w) => w.writeMessageBegin('m', MessageType.CALL, 1));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => survive(Buffer.concat([header, data]))),
      { numRuns: 1500 },
    );
  });

  test('valid messages with bytes overwritten', () => {
    const entries = corpus().filter((e) => e.name === 'Everything' || e.name.startsWith('nested') || e.name.startsWith('sparse'));
    const messages = entries.map((entry) =>
      encodeOurs(protocol, (w) => {
        w.writeMessageBegin('m', MessageType.CALL, 1);
        writeStruct(w, entry.desc, entry.value);
        w.writeMessageEnd();
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...messages),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (message, edits) => {
          const data = Buffer.from(message);
          for (const [at, value] of edits) data[at % data.length] = value;
          survive(data);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('declared sizes larger than the input', () => {
  test.each<[string, ProtocolName, string, (r: ProtocolReader) => unknown, RegExp]>([
    ['binary string beyond stringLengthLimit', 'binary', '7fffffff 61', (r) => r.readString(), /string length 2147483647 exceeds stringLengthLimit 104857600/],
    ['binary string beyond the input', 'binary', '000003e8 616263', (r) => r.readString(), /string length 1000 exceeds the 3 bytes remaining at offset 4/],
    ['binary binary beyond the input', 'binary', '00100000 00', (r) => r.readBinary(), /binary length 1048576 exceeds the 1 bytes remaining/],
    ['binary list<i64> of 10^9', 'binary', '0a 3b9aca00 0000000000000001 00000000', (r) => r.readListBegin(), /list\/set size 1000000000 needs at least 8000000000 bytes, 12 remain/],
    ['binary set<struct> of 2^31-1', 'binary', '0c 7fffffff 00 00 00', (r) => r.readSetBegin(), /list\/set size 2147483647 needs at least 2147483647 bytes, 3 remain/],
    ['binary map<string,string> of 10^6', 'binary', '0b0b 000f4240 00000000', (r) => r.readMapBegin(), /map size 1000000 needs at least 8000000 bytes, 4 remain/],
    ['compact string of 2^31-1', 'compact', 'ffffffff07 61', (r) => r.readString(), /string length 2147483647 exceeds stringLengthLimit/],
    ['compact string beyond the input', 'compact', 'e807 6162', (r) => r.readString(), /string length 1000 exceeds the 2 bytes remaining/],
    ['compact list<i32> of 2^31-1', 'compact', 'f5 ffffffff07 00 00', (r) => r.readListBegin(), /list\/set size 2147483647 needs at least 2147483647 bytes, 2 remain/],
    ['compact list<double> of 100', 'compact', 'f7 64 0000000000000000', (r) => r.readListBegin(), /list\/set size 100 needs at least 800 bytes, 8 remain/],
    ['compact map<uuid,uuid> of 10', 'compact', '0a dd 00', (r) => r.readMapBegin(), /map size 10 needs at least 320 bytes, 1 remain/],
    ['compact map of 2^31-1', 'compact', 'ffffffff07 88 00', (r) => r.readMapBegin(), /map size 2147483647 needs at least 4294967294 bytes, 1 remain/],
  ])('%s is SIZE_LIMIT, refused before anything is allocated', (_name, protocol, hex, read, message) => {
    expectError(() => read(make(protocol, hex)), TProtocolExceptionType.SIZE_LIMIT, message);
  });

  test.each(protocols)('%s: the configured limits apply', (protocol) => {
    const limited = { stringLengthLimit: 3, containerLengthLimit: 2 };
    const string = protocol === 'binary' ? '00000004 61626364' : '04 61626364';
    expectError(() => make(protocol, string, limited).readString(), TProtocolExceptionType.SIZE_LIMIT, /string length 4 exceeds stringLengthLimit 3/);
    expectError(() => make(protocol, string, limited).readBinary(), TProtocolExceptionType.SIZE_LIMIT, /binary length 4 exceeds stringLengthLimit 3/);
    const list = protocol === 'binary' ? '03 00000003 010203' : '33 010203';
    expectError(() => make(protocol, list, limited).readListBegin(), TProtocolExceptionType.SIZE_LIMIT, /list\/set size 3 exceeds containerLengthLimit 2/);
    const map = protocol === 'binary' ? '0303 00000003 010203040506' : '03 33 010203040506';
    expectError(() => make(protocol, map, limited).readMapBegin(), TProtocolExceptionType.SIZE_LIMIT, /map size 3 exceeds containerLengthLimit 2/);
    // At the limit is fine.
    expect(make(protocol, protocol === 'binary' ? '00000003 616263' : '03 616263', limited).readString()).toBe('abc');
  });

  test.each(protocols)('%s: the message name is a string like any other', (protocol) => {
    const hex = protocol === 'binary' ? '80010001 7ffffff0 61' : '8221 00 f0ffffff07 61';
    expectError(() => make(protocol, hex).readMessageBegin(), TProtocolExceptionType.SIZE_LIMIT, /string length 2147483632 exceeds/);
  });

  test.each(protocols)('%s: 10,000 hostile headers allocate nothing and memory stays flat', (protocol) => {
    const inputs =
      protocol === 'binary'
        ? ['7ffffff0 00', '0b 7ffffff0 00000001', '0c0c 7ffffff0 00', '0f 7fffffff 00000000']
        : ['f0ffffff07 00', 'fb f0ffffff07 00', 'f0ffffff07 cc 00', 'fc ffffffff07 00'];
    const readers = [(r: ProtocolReader) => r.readString(), (r: ProtocolReader) => r.skip(TType.LIST), (r: ProtocolReader) => r.skip(TType.MAP), (r: ProtocolReader) => r.skip(TType.SET)];
    const before = process.memoryUsage().arrayBuffers;
    const reader = readerOurs(protocol, new Uint8Array(0));
    for (let i = 0; i < 10_000; i++) {
      const k = i % 4;
      reader.reset(hexBytes(inputs[k]));
      expectError(() => readers[k](reader), TProtocolExceptionType.SIZE_LIMIT);
    }
    // Each input declares up to 2 GiB; 10,000 of them would be 20 TiB if anything were allocated up front.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('negative sizes', () => {
  test.each<[string, ProtocolName, string, (r: ProtocolReader) => unknown, RegExp]>([
    ['binary string', 'binary', 'ffffffff', (r) => r.readString(), /negative string size -1 at offset 4/],
    ['binary binary', 'binary', '80000000', (r) => r.readBinary(), /negative binary size -2147483648/],
    ['binary list', 'binary', '08 ffffffff', (r) => r.readListBegin(), /negative list\/set size -1/],
    ['binary set', 'binary', '0b fffffffe', (r) => r.readSetBegin(), /negative list\/set size -2/],
    ['binary map', 'binary', '0b08 ffffffff', (r) => r.readMapBegin(), /negative map size -1/],
    ['binary skipped string', 'binary', 'ffffffff', (r) => r.skip(TType.STRING), /negative string size -1/],
    ['binary non-strict message name', 'binary', '7fffffff', (r) => r.readMessageBegin(), /./],
    ['compact string', 'compact', 'ffffffff0f', (r) => r.readString(), /negative string size -1/],
    ['compact binary', 'compact', '8080808008', (r) => r.readBinary(), /negative binary size -2147483648/],
    ['compact list (long form)', 'compact', 'f5 ffffffff0f', (r) => r.readListBegin(), /negative list\/set size -1/],
    ['compact map', 'compact', 'ffffffff0f 55', (r) => r.readMapBegin(), /negative map size -1/],
    ['compact message name', 'compact', '8221 00 ffffffff0f', (r) => r.readMessageBegin(), /negative string size -1/],
  ])('%s', (name, protocol, hex, read, message) => {
    const type = name.includes('non-strict') ? TProtocolExceptionType.SIZE_LIMIT : TProtocolExceptionType.NEGATIVE_SIZE;
    expectError(() => read(make(protocol, hex)), type, message);
  });
});

describe('invalid type ids', () => {
  test.each([1, 5, 7, 9, 17, 0x80, 0xff])('binary field type %i is INVALID_DATA', (type) => {
    expectError(() => make('binary', `${type.toString(16).padStart(2, '0')} 0001 00000000`).readFieldBegin(), TProtocolExceptionType.INVALID_DATA, /field 1 has unknown type/);
  });

  test.each<[ProtocolName, string, (r: ProtocolReader) => unknown, RegExp]>([
    ['binary', '05 00000001 00', (r) => r.readListBegin(), /list\/set element has unknown type unknown\(5\)/],
    ['binary', '11 00000001 00', (r) => r.readSetBegin(), /unknown\(17\)/],
    ['binary', '11 08 00000001 0000000000', (r) => r.readMapBegin(), /map key has unknown type/],
    ['binary', '08 01 00000001 0000000000', (r) => r.readMapBegin(), /map value has unknown type VOID\(1\)/],
    ['compact', '20 0000', (r) => r.readListBegin(), /list\/set element has unknown Compact type 0/],
    ['compact', '2e 0000', (r) => r.readListBegin(), /unknown Compact type 14/],
    ['compact', '2f 0000', (r) => r.readSetBegin(), /unknown Compact type 15/],
    ['compact', '01 e5 0000', (r) => r.readMapBegin(), /map key has unknown Compact type 14/],
    ['compact', '01 50 0000', (r) => r.readMapBegin(), /map value has unknown Compact type 0/],
  ])('%s %s', (protocol, hex, read, message) => {
    expectError(() => read(make(protocol, hex)), TProtocolExceptionType.INVALID_DATA, message);
  });

  test.each(protocols)('%s: skip() refuses STOP, VOID and unknown ids', (protocol) => {
    for (const type of [0, 1, 5, 7, 9, 17, 99, -1]) {
      expectError(() => make(protocol, '00000000').skip(type as TType), TProtocolExceptionType.INVALID_DATA, /cannot skip a value of type/);
    }
  });
});

describe('deep nesting', () => {
  const DEPTH = 10_000;
  const nests: Record<ProtocolName, Record<string, [string, string, TType]>> = {
    binary: {
      structs: ['0c0001', '00', TType.STRUCT],
      lists: ['0f00000001', '0800000000', TType.LIST],
      sets: ['0e00000001', '0800000000', TType.SET],
      maps: ['0b0d00000001 0000000161', '0b0b00000000', TType.MAP],
    },
    compact: {
      structs: ['1c', '00', TType.STRUCT],
      lists: ['19', '05', TType.LIST],
      sets: ['1a', '05', TType.SET],
      maps: ['018b 0161', '00', TType.MAP],
    },
  };

  describe.each(protocols)('%s', (protocol) => {
    test.each(Object.keys(nests[protocol]))('%s nested 10,000 deep: DEPTH_LIMIT from skip()', (kind) => {
      const [open, innermost, type] = nests[protocol][kind];
      const hex = open.replace(/\s+/g, '').repeat(DEPTH) + innermost + (kind === 'structs' ? '00'.repeat(DEPTH) : '');
      const reader = make(protocol, hex);
      if (type === TType.STRUCT) {
        expectError(() => reader.skip(TType.STRUCT), TProtocolExceptionType.DEPTH_LIMIT, /nests deeper than recursionLimit 64/);
      } else {
        expectError(() => reader.skip(type), TProtocolExceptionType.DEPTH_LIMIT, /nests deeper than recursionLimit 64/);
      }
    });

    test('structs nested 10,000 deep: DEPTH_LIMIT from a recursive decoder', () => {
      const Node: StructDesc = { kind: 'struct', name: 'Node', fields: [] };
      Node.fields.push({ id: 1, name: 'child', type: Node });
      const hex = nests[protocol].structs[0].repeat(DEPTH) + '00'.repeat(DEPTH + 1);
      expectError(() => readStruct(make(protocol, hex), Node), TProtocolExceptionType.DEPTH_LIMIT, /struct at offset \d+ nests deeper than recursionLimit 64/);
    });

    test('the limit is exact and configurable, up to MAX_RECURSION_LIMIT without exhausting the stack', () => {
      const [open, , ] = nests[protocol].structs;
      const nested = (depth: number) => open.repeat(depth - 1) + '00'.repeat(depth);
      for (const [limit, depth, ok] of [
        [3, 3, true],
        [3, 4, false],
        [64, 64, true],
        [64, 65, false],
        [MAX_RECURSION_LIMIT, MAX_RECURSION_LIMIT, true],
        [MAX_RECURSION_LIMIT, MAX_RECURSION_LIMIT + 1, false],
      ] as const) {
        const reader = make(protocol, nested(depth), { recursionLimit: limit });
        if (ok) {
          reader.skip(TType.STRUCT);
          expect(reader.remaining()).toBe(0);
        } else {
          expectError(() => reader.skip(TType.STRUCT), TProtocolExceptionType.DEPTH_LIMIT);
        }
      }
    });
  });
});

describe('other malformed input', () => {
  test('compact varints that never end', () => {
    expectError(() => make('compact', 'ff'.repeat(20)).readI32(), TProtocolExceptionType.INVALID_DATA, /varint32 longer than 5 bytes/);
    expectError(() => make('compact', 'ff'.repeat(20)).readI64(), TProtocolExceptionType.INVALID_DATA, /varint64 longer than 10 bytes/);
    expectError(() => make('compact', 'ff'.repeat(20)).skip(TType.I64), TProtocolExceptionType.INVALID_DATA, /varint64 longer than 10 bytes/);
    expectError(() => make('compact', 'ffff').readI64(), TProtocolExceptionType.INVALID_DATA, /unexpected end of input: varint/);
  });

  test('errors carry the code name and are ThriftErrors', () => {
    const error = protocolError(() => make('binary', 'ffffffff').readString());
    expect(error.code).toBe('NEGATIVE_SIZE');
    expect(error.name).toBe('TProtocolException');
    expect(error).toBeInstanceOf(Error);
  });
});
