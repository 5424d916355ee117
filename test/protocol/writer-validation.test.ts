import { GrowableBuffer, TProtocolException, TType } from '@thriftpoll/protocol';
import type { ProtocolWriter } from '@thriftpoll/protocol';
import { PROTOCOLS, readerOurs } from './support/apache';
import type { ProtocolName } from './support/apache';

/**
 * Writers check values before writing them: a wrong type or an out-of-range number is a TProtocolException
 * naming the value, and nothing of that value reaches the output.
 */
const protocols: ProtocolName[] = ['binary', 'compact'];

function refuse(protocol: ProtocolName, write: (w: ProtocolWriter) => void): TProtocolException {
  const out = new GrowableBuffer();
  const writer = PROTOCOLS[protocol].ours.createWriter(out);
  writer.writeByte(7); // something before the bad value
  let error: unknown;
  try {
    write(writer);
  } catch (e) {
    error = e;
  }
  writer.commit();
  expect([...out.view()]).toEqual([7]);
  if (!(error instanceof TProtocolException)) throw new Error(`expected a TProtocolException, got ${String(error)}`);
  return error;
}

describe.each(protocols)('%s writer', (protocol) => {
  test.each<[string, (w: ProtocolWriter) => void, string, RegExp]>([
    ['i32 1.5', (w) => w.writeI32(1.5), 'INVALID_DATA', /i32 value must be an integer in \[-2147483648, 2147483647\], got number 1.5/],
    ['i32 2^31', (w) => w.writeI32(2 ** 31), 'INVALID_DATA', /got number 2147483648/],
    ['i32 NaN', (w) => w.writeI32(NaN), 'INVALID_DATA', /got number NaN/],
    ['i32 "5"', (w) => w.writeI32('5' as never), 'INVALID_DATA', /got string "5"/],
    ['i32 undefined', (w) => w.writeI32(undefined as never), 'INVALID_DATA', /got undefined/],
    ['i16 32768', (w) => w.writeI16(32768), 'INVALID_DATA', /i16 value must be an integer in \[-32768, 32767\]/],
    ['byte 128', (w) => w.writeByte(128), 'INVALID_DATA', /byte value must be an integer in \[-128, 127\], got number 128/],
    ['byte -129', (w) => w.writeByte(-129), 'INVALID_DATA', /got number -129/],
    ['i64 2^63', (w) => w.writeI64(2n ** 63n), 'INVALID_DATA', /i64 value must be a bigint in \[-2\^63, 2\^63-1\], got bigint 9223372036854775808n/],
    ['i64 -2^63-1', (w) => w.writeI64(-(2n ** 63n) - 1n), 'INVALID_DATA', /got bigint -9223372036854775809n/],
    ['i64 number', (w) => w.writeI64(5 as never), 'INVALID_DATA', /got number 5/],
    ['double string', (w) => w.writeDouble('1' as never), 'INVALID_DATA', /double value must be a number, got string "1"/],
    ['string number', (w) => w.writeString(5 as never), 'INVALID_DATA', /string value must be a string, got number 5/],
    ['binary string', (w) => w.writeBinary('ab' as never), 'INVALID_DATA', /binary value must be a Uint8Array, got string "ab"/],
    ['uuid malformed', (w) => w.writeUuid('not-a-uuid'), 'INVALID_DATA', /uuid must be a string of 36 characters/],
    ['field id 32768', (w) => w.writeFieldBegin(TType.I32, 32768), 'INVALID_DATA', /field id value must be an integer in \[-32768, 32767\]/],
    ['field type 5', (w) => w.writeFieldBegin(5 as TType, 1), 'INVALID_DATA', /field type must be a value TType \(BOOL..UUID\), got unknown\(5\)/],
    ['field type STOP', (w) => w.writeFieldBegin(TType.STOP, 1), 'INVALID_DATA', /got STOP\(0\)/],
    ['list size -1', (w) => w.writeListBegin(TType.I32, -1), 'NEGATIVE_SIZE', /list size must not be negative, got -1/],
    ['set size 2^31', (w) => w.writeSetBegin(TType.I32, 2 ** 31), 'INVALID_DATA', /set size value must be an integer in \[0, 2147483647\]/],
    ['map size 1.5', (w) => w.writeMapBegin(TType.I32, TType.I32, 1.5), 'INVALID_DATA', /map size value must be an integer/],
    ['map key type VOID', (w) => w.writeMapBegin(TType.VOID, TType.I32, 1), 'INVALID_DATA', /map key type must be a value TType/],
    ['list element type 99', (w) => w.writeListBegin(99 as TType, 1), 'INVALID_DATA', /list element type must be a value TType/],
    ['message type 5', (w) => w.writeMessageBegin('m', 5 as never, 1), 'INVALID_DATA', /message type 5 is not CALL\(1\), REPLY\(2\), EXCEPTION\(3\) or ONEWAY\(4\)/],
    ['message seqid 2^31', (w) => w.writeMessageBegin('m', 1, 2 ** 31), 'INVALID_DATA', /seqid value must be an integer/],
    ['message name', (w) => w.writeMessageBegin(null as never, 1, 1), 'INVALID_DATA', /message name value must be a string, got null/],
  ])('%s', (_name, write, code, message) => {
    const error = refuse(protocol, write);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  test('-0 is a valid integer zero', () => {
    const out = new GrowableBuffer();
    const writer = PROTOCOLS[protocol].ours.createWriter(out);
    writer.writeI32(-0);
    writer.commit();
    expect([...out.view()]).toEqual(protocol === 'binary' ? [0, 0, 0, 0] : [0]);
  });
});

test('compact: writeStructEnd() without writeStructBegin() is refused', () => {
  const writer = PROTOCOLS.compact.ours.createWriter(new GrowableBuffer());
  expect(() => writer.writeStructEnd()).toThrow('writeStructEnd() without a matching writeStructBegin()');
});

test('compact: a BOOL field header without writeBool() is refused at the next field or stop', () => {
  const writer = PROTOCOLS.compact.ours.createWriter(new GrowableBuffer());
  writer.writeStructBegin('s');
  writer.writeFieldBegin(TType.BOOL, 3);
  expect(() => writer.writeFieldBegin(TType.I32, 4)).toThrow('writeFieldBegin() after writeFieldBegin(BOOL, 3) without writeBool(): Compact writes a bool field\'s header with its value');
  writer.writeFieldBegin(TType.BOOL, 5);
  expect(() => writer.writeFieldStop()).toThrow(/writeFieldStop\(\) after writeFieldBegin\(BOOL, 5\)/);
});

test('compact reader: a bool field whose value was never read does not leak into a later bool', () => {
  // field 1 BOOL true (0x11), field 2 LIST<bool> of 1 element (0x19 0x11) holding false (0x02), stop
  const reader = readerOurs('compact', Buffer.from('11191102' + '00', 'hex'));
  reader.readStructBegin();
  reader.readFieldBegin(); // the caller ignores the bool value
  reader.readFieldBegin();
  reader.readListBegin();
  expect(reader.readBool()).toBe(false);
});
