import {
  BinaryReader,
  BinaryWriter,
  GrowableBuffer,
  MessageType,
  TProtocolExceptionType,
  TType,
} from '@thriftpoll/protocol';
import type { ProtocolWriter, WriterOptions } from '@thriftpoll/protocol';
import { hexBytes, protocolError } from './support/expect';

/** Golden vectors for the Binary protocol, written out from the spec (doc/specs/thrift-binary-protocol.md). */
function encode(fill: (w: ProtocolWriter) => void, options?: WriterOptions): string {
  const out = new GrowableBuffer();
  const writer = new BinaryWriter(out, options);
  fill(writer);
  writer.commit();
  return out.view().toString('hex');
}

function reader(hex: string, options?: ConstructorParameters<typeof BinaryReader>[1]): BinaryReader {
  return new BinaryReader(hexBytes(hex), options);
}

describe('Binary encodings', () => {
  test.each<[string, (w: ProtocolWriter) => void, string]>([
    ['bool true', (w) => w.writeBool(true), '01'],
    ['bool false', (w) => w.writeBool(false), '00'],
    ['byte -1', (w) => w.writeByte(-1), 'ff'],
    ['byte 127', (w) => w.writeByte(127), '7f'],
    ['i16 -2', (w) => w.writeI16(-2), 'fffe'],
    ['i16 0x1234', (w) => w.writeI16(0x1234), '1234'],
    ['i32 0x01020304', (w) => w.writeI32(0x01020304), '01020304'],
    ['i32 -2147483648', (w) => w.writeI32(-2147483648), '80000000'],
    ['i64 -2', (w) => w.writeI64(-2n), 'fffffffffffffffe'],
    ['i64 2^63-1', (w) => w.writeI64(2n ** 63n - 1n), '7fffffffffffffff'],
    ['i64 -2^63', (w) => w.writeI64(-(2n ** 63n)), '8000000000000000'],
    ['i64 2^32+5', (w) => w.writeI64(2n ** 32n + 5n), '0000000100000005'],
    ['double 1.0', (w) => w.writeDouble(1), '3ff0000000000000'],
    ['double -0.0', (w) => w.writeDouble(-0), '8000000000000000'],
    ['double +Infinity', (w) => w.writeDouble(Infinity), '7ff0000000000000'],
    ['double -Infinity', (w) => w.writeDouble(-Infinity), 'fff0000000000000'],
    ['double NaN', (w) => w.writeDouble(NaN), '7ff8000000000000'],
    ['string "héllo"', (w) => w.writeString('héllo'), '00000006' + '68c3a96c6c6f'],
    ['string ""', (w) => w.writeString(''), '00000000'],
    ['string with a lone surrogate', (w) => w.writeString('a\ud800'), '00000004' + '61efbfbd'],
    ['binary 00 ff', (w) => w.writeBinary(Uint8Array.of(0, 0xff)), '00000002' + '00ff'],
    ['uuid', (w) => w.writeUuid('00112233-4455-6677-8899-AABBCCDDEEFF'), '00112233445566778899aabbccddeeff'],
    ['field header STRING 1', (w) => w.writeFieldBegin(TType.STRING, 1), '0b0001'],
    ['field header I32 -1', (w) => w.writeFieldBegin(TType.I32, -1), '08ffff'],
    ['field stop', (w) => w.writeFieldStop(), '00'],
    ['list<i32> of 3', (w) => w.writeListBegin(TType.I32, 3), '08' + '00000003'],
    ['set<string> of 2', (w) => w.writeSetBegin(TType.STRING, 2), '0b' + '00000002'],
    ['map<string,i64> of 1', (w) => w.writeMapBegin(TType.STRING, TType.I64, 1), '0b0a' + '00000001'],
    ['uuid list header', (w) => w.writeListBegin(TType.UUID, 1), '10' + '00000001'],
  ])('%s', (_name, fill, hex) => {
    expect(encode(fill)).toBe(hex);
  });

  test('strict message header: 0x8001 | type, name, seqid', () => {
    const hex = encode((w) => w.writeMessageBegin('echo', MessageType.CALL, 42));
    expect(hex).toBe('80010001' + '00000004' + '6563686f' + '0000002a');
    expect(encode((w) => w.writeMessageBegin('e', MessageType.ONEWAY, -1))).toBe('80010004' + '00000001' + '65' + 'ffffffff');
  });

  test('non-strict message header (strictWrite: false): name, type byte, seqid', () => {
    const hex = encode((w) => w.writeMessageBegin('echo', MessageType.REPLY, 7), { strictWrite: false });
    expect(hex).toBe('00000004' + '6563686f' + '02' + '00000007');
  });
});

describe('Binary decoding', () => {
  test('scalars read back', () => {
    const r = reader('01 00 2a ff fffe 01020304 fffffffffffffffe 3ff0000000000000 8000000000000000 7ff8000000000000');
    expect(r.readBool()).toBe(true);
    expect(r.readBool()).toBe(false);
    expect(r.readBool()).toBe(true); // any non-zero byte is true, as Apache's C++ and Node readers have it
    expect(r.readByte()).toBe(-1);
    expect(r.readI16()).toBe(-2);
    expect(r.readI32()).toBe(0x01020304);
    expect(r.readI64()).toBe(-2n);
    expect(r.readDouble()).toBe(1);
    expect(Object.is(r.readDouble(), -0)).toBe(true);
    expect(r.readDouble()).toBeNaN();
    expect(r.remaining()).toBe(0);
  });

  test('i64 over its whole range, small and large', () => {
    for (const value of [0n, 1n, -1n, 2n ** 30n - 1n, -(2n ** 30n), 2n ** 30n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n]) {
      const hex = BigInt.asUintN(64, value).toString(16).padStart(16, '0');
      expect(reader(hex).readI64()).toBe(value);
      expect(encode((w) => w.writeI64(value))).toBe(hex);
    }
  });

  test('i64 on both sides of the sign-extended i32 range (the high word is the low word\'s sign)', () => {
    const values = [2n ** 31n - 1n, -(2n ** 31n), 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), -(2n ** 32n) + 1n];
    for (const value of values) {
      const hex = BigInt.asUintN(64, value).toString(16).padStart(16, '0');
      expect(reader(hex).readI64()).toBe(value);
      // The same value split across two views takes the gathering path.
      const bytes = hexBytes(hex);
      expect(new BinaryReader([bytes.subarray(0, 3), bytes.subarray(3)]).readI64()).toBe(value);
    }
  });

  test('short strings of every length decode as Buffer#toString does, whatever byte is not ASCII', () => {
    // Lengths on both sides of the 16-byte short-string path; each position in turn holds a byte >= 0x80
    // (a lone continuation byte, an invalid byte, or the lead of a valid 2-byte sequence).
    for (let length = 0; length <= 20; length++) {
      const ascii = Buffer.alloc(length);
      for (let i = 0; i < length; i++) ascii[i] = 0x20 + ((i * 7) % 0x5f);
      const cases = [ascii];
      for (let at = 0; at < length; at++) {
        for (const high of [0x80, 0xff, 0xc3]) {
          const bytes = Buffer.from(ascii);
          bytes[at] = high;
          if (high === 0xc3 && at + 1 < length) bytes[at + 1] = 0xa9;
          cases.push(bytes);
        }
      }
      for (const bytes of cases) {
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(length);
        const r = new BinaryReader(Buffer.concat([prefix, bytes]));
        expect(r.readString()).toBe(bytes.toString('utf8'));
        expect(r.remaining()).toBe(0);
      }
    }
  });

  test('strings, binary and uuid', () => {
    const r = reader('00000006 68c3a96c6c6f 00000000 00000002 00ff 00112233445566778899aabbccddeeff');
    expect(r.readString()).toBe('héllo');
    expect(r.readString()).toBe('');
    const bytes = r.readBinary();
    expect(Buffer.from(bytes).toString('hex')).toBe('00ff');
    expect(r.readUuid()).toBe('00112233-4455-6677-8899-aabbccddeeff');
  });

  test('invalid UTF-8 decodes with replacement characters, like Buffer#toString', () => {
    expect(reader('00000003 61ff62').readString()).toBe('a\ufffdb');
    expect(reader('00000011 ' + '61'.repeat(16) + 'c3').readString()).toBe('a'.repeat(16) + '\ufffd');
  });

  test('struct with fields, containers and stop', () => {
    const r = reader('0f 0001 08 00000002 00000001 00000002   0d 0002 0b 0a 00000001 00000001 61 0000000000000005   00');
    r.readStructBegin();
    let field = r.readFieldBegin();
    expect({ ...field }).toEqual({ type: TType.LIST, id: 1 });
    expect(r.readListBegin()).toEqual({ elemType: TType.I32, size: 2 });
    expect([r.readI32(), r.readI32()]).toEqual([1, 2]);
    r.readListEnd();
    r.readFieldEnd();
    field = r.readFieldBegin();
    expect({ ...field }).toEqual({ type: TType.MAP, id: 2 });
    expect(r.readMapBegin()).toEqual({ keyType: TType.STRING, valueType: TType.I64, size: 1 });
    expect(r.readString()).toBe('a');
    expect(r.readI64()).toBe(5n);
    r.readMapEnd();
    r.readFieldEnd();
    expect(r.readFieldBegin().type).toBe(TType.STOP);
    r.readStructEnd();
    expect(r.remaining()).toBe(0);
  });

  test('readFieldBegin() returns one reused header object', () => {
    const r = reader('08 0001 00000001 08 0002 00000002 00');
    const first = r.readFieldBegin();
    r.readI32();
    const second = r.readFieldBegin();
    expect(second).toBe(first);
    expect(second.id).toBe(2);
  });

  test('an empty container may carry type 0 (STOP); a non-empty one may not', () => {
    expect(reader('00 00000000').readListBegin()).toEqual({ elemType: TType.STOP, size: 0 });
    expect(reader('00 00 00000000').readMapBegin().size).toBe(0);
    const error = protocolError(() => reader('00 00000001 00').readListBegin());
    expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
    expect(error.message).toMatch(/list\/set element has unknown type STOP\(0\)/);
  });

  describe('message headers', () => {
    test('strict header', () => {
      expect(reader('80010002 00000004 6563686f 0000002a').readMessageBegin()).toEqual({ name: 'echo', type: MessageType.REPLY, seqid: 42 });
    });

    test('non-strict header is read unless strictRead', () => {
      const hex = '00000004 6563686f 03 ffffffff';
      expect(reader(hex).readMessageBegin()).toEqual({ name: 'echo', type: MessageType.EXCEPTION, seqid: -1 });
      const error = protocolError(() => reader(hex, { strictRead: true }).readMessageBegin());
      expect(error.type).toBe(TProtocolExceptionType.BAD_VERSION);
      expect(error.message).toMatch(/missing Binary version header.*strictRead.*0x00000004/);
    });

    test('a wrong version is BAD_VERSION and names what was seen', () => {
      const error = protocolError(() => reader('80020001 00000001 61 00000001').readMessageBegin());
      expect(error.type).toBe(TProtocolExceptionType.BAD_VERSION);
      expect(error.code).toBe('BAD_VERSION');
      expect(error.message).toMatch(/0x80020001.*expected version 0x8001/);
    });

    test('a Compact message is recognised in the error', () => {
      const error = protocolError(() => reader('82210104 6563686f 00').readMessageBegin());
      expect(error.type).toBe(TProtocolExceptionType.BAD_VERSION);
      expect(error.message).toMatch(/0x82 starts a Compact message/);
    });

    test('an HTTP request is named in the error', () => {
      const error = protocolError(() => new BinaryReader(Buffer.from('GET / HTTP/1.1\r\n\r\n')).readMessageBegin());
      expect(error.type).toBe(TProtocolExceptionType.SIZE_LIMIT);
      expect(error.message).toMatch(/0x47455420 \("GET "\) is neither a strict header/);
    });

    test.each([0, 5, 7, 0xff])('message type %i is INVALID_DATA', (type) => {
      const error = protocolError(() => reader(`800100${type.toString(16).padStart(2, '0')} 00000001 61 00000001`).readMessageBegin());
      expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
      expect(error.message).toMatch(new RegExp(`message type ${type} is not CALL`));
    });
  });
});
