import {
  CompactReader,
  CompactWriter,
  GrowableBuffer,
  MessageType,
  TProtocolExceptionType,
  TType,
} from '@thriftpoll/protocol';
import type { ProtocolWriter } from '@thriftpoll/protocol';
import { hexBytes, protocolError } from './support/expect';

/** Golden vectors for the Compact protocol, written out from the spec (doc/specs/thrift-compact-protocol.md). */
function encode(fill: (w: ProtocolWriter) => void): string {
  const out = new GrowableBuffer();
  const writer = new CompactWriter(out);
  fill(writer);
  writer.commit();
  return out.view().toString('hex');
}

function reader(hex: string): CompactReader {
  return new CompactReader(hexBytes(hex));
}

describe('Compact integers: zigzag varints', () => {
  test.each<[number, string]>([
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [-2, '03'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [-25200, 'df8903'], // zigzag 50399, the spec's varint example
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ])('i32 %i is %s', (value, hex) => {
    expect(encode((w) => w.writeI32(value))).toBe(hex);
    expect(reader(hex).readI32()).toBe(value);
  });

  test.each<[number, string]>([
    [0, '00'],
    [-1, '01'],
    [32767, 'feff03'],
    [-32768, 'ffff03'],
  ])('i16 %i is %s', (value, hex) => {
    expect(encode((w) => w.writeI16(value))).toBe(hex);
    expect(reader(hex).readI16()).toBe(value);
  });

  test.each<[bigint, string]>([
    [0n, '00'],
    [-1n, '01'],
    [1n, '02'],
    [2n ** 31n, '8080808010'],
    [-(2n ** 31n) - 1n, '8180808010'],
    [2n ** 53n + 1n, '8280808080808020'],
    [1732357800123n, 'f6829289eb64'],
    [2n ** 63n - 1n, 'feffffffffffffffff01'],
    [-(2n ** 63n), 'ffffffffffffffffff01'],
  ])('i64 %s is %s', (value, hex) => {
    expect(encode((w) => w.writeI64(value))).toBe(hex);
    expect(reader(hex).readI64()).toBe(value);
  });

  test('byte is one raw byte; doubles are little-endian', () => {
    expect(encode((w) => w.writeByte(-2))).toBe('fe');
    expect(encode((w) => w.writeDouble(1))).toBe('000000000000f03f');
    expect(encode((w) => w.writeDouble(-0))).toBe('0000000000000080');
    expect(reader('000000000000f03f').readDouble()).toBe(1);
    expect(Object.is(reader('0000000000000080').readDouble(), -0)).toBe(true);
    expect(reader('000000000000f8ff').readDouble()).toBeNaN();
    expect(reader('000000000000f0ff').readDouble()).toBe(-Infinity);
  });

  test('a 5-byte varint keeps the low 32 bits; a longer one is INVALID_DATA', () => {
    expect(reader('ffffffff7f').readI32()).toBe(-2147483648);
    const error = protocolError(() => reader('ffffffffff01').readI32());
    expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
    expect(error.message).toMatch(/varint32 longer than 5 bytes/);
    const long = protocolError(() => reader('ffffffffffffffffffff01').readI64());
    expect(long.message).toMatch(/varint64 longer than 10 bytes/);
  });

  test('an i16 outside its range is INVALID_DATA', () => {
    const error = protocolError(() => reader('808004').readI16());
    expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
    expect(error.message).toMatch(/i16 value 32768 is out of range/);
  });
});

describe('Compact strings, binary, uuid', () => {
  test('varint length prefix, UTF-8 bytes', () => {
    expect(encode((w) => w.writeString('héllo'))).toBe('06' + '68c3a96c6c6f');
    expect(encode((w) => w.writeString(''))).toBe('00');
    expect(encode((w) => w.writeBinary(Uint8Array.of(1, 2, 3)))).toBe('03010203');
    expect(encode((w) => w.writeUuid('00112233-4455-6677-8899-aabbccddeeff'))).toBe('00112233445566778899aabbccddeeff');
  });

  test('length prefixes at the varint boundaries, for ASCII and multi-byte text', () => {
    for (const [text, bytes] of [
      ['a'.repeat(127), 127],
      ['a'.repeat(128), 128],
      ['é'.repeat(63), 126],
      ['é'.repeat(64), 128],
      ['日'.repeat(42), 126],
      ['日'.repeat(43), 129],
      ['a'.repeat(16383), 16383],
      ['a'.repeat(16384), 16384],
      ['é'.repeat(5000), 10000],
      ['日'.repeat(5462), 16386],
    ] as const) {
      const hex = encode((w) => w.writeString(text));
      const prefix = bytes < 0x80 ? 1 : bytes < 0x4000 ? 2 : 3;
      expect(hex.length / 2).toBe(prefix + bytes);
      expect(reader(hex).readString()).toBe(text);
    }
  });
});

describe('Compact field headers', () => {
  test('short form for deltas 1..15, long form otherwise (zigzag i16 id)', () => {
    const hex = encode((w) => {
      w.writeStructBegin('S');
      w.writeFieldBegin(TType.I32, 1);
      w.writeI32(0);
      w.writeFieldBegin(TType.I32, 16);
      w.writeI32(0);
      w.writeFieldBegin(TType.I32, 33);
      w.writeI32(0);
      w.writeFieldBegin(TType.I32, 5);
      w.writeI32(0);
      w.writeFieldBegin(TType.I32, -1);
      w.writeI32(0);
      w.writeFieldBegin(TType.STRUCT, 32767);
      w.writeStructBegin('Inner');
      w.writeFieldBegin(TType.BYTE, 2);
      w.writeByte(9);
      w.writeFieldStop();
      w.writeStructEnd();
      w.writeFieldBegin(TType.I32, 32766);
      w.writeI32(0);
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expect(hex).toBe(
      '1500' + // id 1: delta 1, I32
        'f500' + // id 16: delta 15
        '054200' + // id 33: delta 17, long form, zigzag(33) = 0x42
        '050a00' + // id 5: going down, long form
        '050100' + // id -1
        '0cfeff03' + '2309' + '00' + // id 32767: STRUCT, long form; inner struct counts from 0 again
        '05fcff0300' + // id 32766 after the inner struct: the outer struct's last id (32767) is restored
        '00',
    );
    const r = reader(hex);
    r.readStructBegin();
    const seen: number[] = [];
    for (;;) {
      const field = r.readFieldBegin();
      if (field.type === TType.STOP) break;
      seen.push(field.id);
      r.skip(field.type);
    }
    r.readStructEnd();
    expect(seen).toEqual([1, 16, 33, 5, -1, 32767, 32766]);
    expect(r.remaining()).toBe(0);
  });

  test('bool fields carry their value in the type nibble', () => {
    const hex = encode((w) => {
      w.writeStructBegin('S');
      w.writeFieldBegin(TType.BOOL, 1);
      w.writeBool(true);
      w.writeFieldBegin(TType.BOOL, 2);
      w.writeBool(false);
      w.writeFieldBegin(TType.BOOL, 100);
      w.writeBool(true);
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expect(hex).toBe('11' + '12' + '01c801' + '00');
    const r = reader(hex);
    r.readStructBegin();
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.BOOL, id: 1 });
    expect(r.readBool()).toBe(true);
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.BOOL, id: 2 });
    expect(r.readBool()).toBe(false);
    expect({ ...r.readFieldBegin() }).toEqual({ type: TType.BOOL, id: 100 });
    expect(r.readBool()).toBe(true);
    expect(r.readFieldBegin().type).toBe(TType.STOP);
  });

  test('a delta past id 32767 is INVALID_DATA', () => {
    const error = protocolError(() => {
      const r = reader('05feff03 00 15');
      r.readStructBegin();
      r.readFieldBegin();
      r.readI32();
      r.readFieldBegin();
    });
    expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
    expect(error.message).toMatch(/field id 32768 \(previous 32767 \+ delta 1\)/);
  });

  test('type nibbles 14 and 15 are INVALID_DATA', () => {
    for (const hex of ['1e', '1f', '0e02', '0f02']) {
      const error = protocolError(() => reader(hex).readFieldBegin());
      expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
      expect(error.message).toMatch(/unknown Compact type 1[45]/);
    }
  });
});

describe('Compact containers', () => {
  test('list/set headers: size in the high nibble up to 14, then 0xf + varint', () => {
    expect(encode((w) => w.writeListBegin(TType.I32, 0))).toBe('05');
    expect(encode((w) => w.writeListBegin(TType.I32, 14))).toBe('e5');
    expect(encode((w) => w.writeListBegin(TType.I32, 15))).toBe('f50f');
    expect(encode((w) => w.writeSetBegin(TType.STRING, 300))).toBe('f8ac02');
    expect(encode((w) => w.writeListBegin(TType.BOOL, 2))).toBe('21');
    expect(encode((w) => w.writeListBegin(TType.UUID, 1))).toBe('1d');
    expect(reader('e5' + '00'.repeat(14)).readListBegin()).toEqual({ elemType: TType.I32, size: 14 });
    expect(reader('f50f' + '00'.repeat(15)).readListBegin()).toEqual({ elemType: TType.I32, size: 15 });
    // The long form with a small size is unusual but valid.
    expect(reader('f503000000').readListBegin()).toEqual({ elemType: TType.I32, size: 3 });
  });

  test('maps: one zero byte when empty, else varint size and key/value nibbles', () => {
    expect(encode((w) => w.writeMapBegin(TType.STRING, TType.I32, 0))).toBe('00');
    expect(encode((w) => w.writeMapBegin(TType.STRING, TType.I32, 1))).toBe('0185');
    expect(encode((w) => w.writeMapBegin(TType.I64, TType.STRUCT, 200))).toBe('c8016c');
    expect(reader('00').readMapBegin()).toEqual({ keyType: TType.STOP, valueType: TType.STOP, size: 0 });
    expect(reader('0185 0161 02').readMapBegin()).toEqual({ keyType: TType.STRING, valueType: TType.I32, size: 1 });
  });

  test('bool elements are 1 (true) and 2 (false); 0 also reads as false', () => {
    expect(encode((w) => [true, false].forEach((b) => w.writeBool(b)))).toBe('0102');
    const r = reader('010200');
    expect([r.readBool(), r.readBool(), r.readBool()]).toEqual([true, false, false]);
  });

  test('element type 2 is accepted as bool, as is 1', () => {
    expect(reader('12 01').readListBegin().elemType).toBe(TType.BOOL);
    expect(reader('11 01').readListBegin().elemType).toBe(TType.BOOL);
    expect(reader('01 21 0102').readMapBegin()).toEqual({ keyType: TType.BOOL, valueType: TType.BOOL, size: 1 });
  });
});

describe('Compact message headers', () => {
  test.each<[MessageType, string]>([
    [MessageType.CALL, '21'],
    [MessageType.REPLY, '41'],
    [MessageType.EXCEPTION, '61'],
    [MessageType.ONEWAY, '81'],
  ])('type %i: 0x82, (type << 5) | 1, varint seqid, name', (type, byte) => {
    const hex = encode((w) => w.writeMessageBegin('echo', type, 300));
    expect(hex).toBe('82' + byte + 'ac02' + '04' + '6563686f');
    expect(reader(hex).readMessageBegin()).toEqual({ name: 'echo', type, seqid: 300 });
  });

  test('negative seqids take five bytes and read back negative', () => {
    const hex = encode((w) => w.writeMessageBegin('m', MessageType.CALL, -1));
    expect(hex).toBe('8221' + 'ffffffff0f' + '016d');
    expect(reader(hex).readMessageBegin().seqid).toBe(-1);
  });

  test('a wrong protocol id or version is BAD_VERSION', () => {
    const binary = protocolError(() => reader('80010001 00000001 61 00000001').readMessageBegin());
    expect(binary.type).toBe(TProtocolExceptionType.BAD_VERSION);
    expect(binary.message).toMatch(/bad Compact protocol id 0x80 at offset 0: expected 0x82 \(0x80 starts a strict Binary message\)/);
    const version = protocolError(() => reader('8222 01 0161').readMessageBegin());
    expect(version.type).toBe(TProtocolExceptionType.BAD_VERSION);
    expect(version.message).toMatch(/bad Compact version 2/);
  });

  test.each([0, 5, 7])('message type %i is INVALID_DATA', (type) => {
    const error = protocolError(() => reader(`82${((type << 5) | 1).toString(16).padStart(2, '0')} 01 0161`).readMessageBegin());
    expect(error.type).toBe(TProtocolExceptionType.INVALID_DATA);
  });
});
