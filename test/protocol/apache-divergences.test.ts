import { MessageType, TApplicationException, TApplicationExceptionType, TType } from '@thriftpoll/protocol';
import { ApacheReader, ApacheWriter, apache, encodeApache, encodeOurs, readerOurs } from './support/apache';
import type { ProtocolName } from './support/apache';
import { T, readStruct, writeStruct } from './support/schema';

/**
 * Where Apache's npm `thrift` (0.24) is wrong, thriftpoll follows the spec. Each case asserts both: thriftpoll's
 * correct behaviour, and Apache's actual (wrong) behaviour, so that a fix in Apache shows up as a failing test
 * here rather than going unnoticed.
 */
const protocols: ProtocolName[] = ['binary', 'compact'];
const DoubleField = T.struct('D', [[1, 'v', T.double]]);

describe('-0.0', () => {
  test.each(protocols)('%s: thriftpoll keeps the sign bit; Apache writes +0.0', (protocol) => {
    const ours = encodeOurs(protocol, (w) => writeStruct(w, DoubleField, { v: -0 }));
    const theirs = encodeApache(protocol, (w) => writeStruct(w, DoubleField, { v: -0 }));
    const signByte = protocol === 'binary' ? 3 : 8; // big-endian after a 3-byte header; little-endian after 1 byte
    expect(ours[signByte]).toBe(0x80);
    expect(theirs[signByte]).toBe(0x00);
    expect(ours.length).toBe(theirs.length);

    // Apache reads -0.0 correctly; it is only its writer that drops the sign.
    expect(Object.is(readStruct(new ApacheReader(protocol, ours), DoubleField).v, -0)).toBe(true);
    expect(Object.is(readStruct(readerOurs(protocol, theirs), DoubleField).v, 0)).toBe(true);
  });
});

describe('powers of two that Apache encodes as half their value', () => {
  // Apache computes the exponent with Math.log(v) / Math.LN2, which rounds down for these exact powers of two.
  const values = [2 ** -29, 2 ** -31, 2 ** -39, 2 ** -1021];

  test.each(protocols)('%s: thriftpoll writes IEEE 754 bits; Apache writes v/2', (protocol) => {
    for (const v of values) {
      const ours = encodeOurs(protocol, (w) => writeStruct(w, DoubleField, { v }));
      const theirs = encodeApache(protocol, (w) => writeStruct(w, DoubleField, { v }));
      const bits = Buffer.alloc(8);
      if (protocol === 'binary') bits.writeDoubleBE(v);
      else bits.writeDoubleLE(v);
      const at = protocol === 'binary' ? 3 : 1;
      expect(ours.subarray(at, at + 8).equals(bits)).toBe(true);
      expect(theirs.equals(ours)).toBe(false);

      expect(readStruct(readerOurs(protocol, ours), DoubleField).v).toBe(v);
      expect(readStruct(readerOurs(protocol, theirs), DoubleField).v).toBe(v / 2);
      expect(readStruct(new ApacheReader(protocol, ours), DoubleField).v).toBe(v);
    }
  });
});

describe('Compact bools inside containers', () => {
  const Bools = T.struct('Bools', [
    [1, 'list', T.list(T.bool)],
    [2, 'set', T.set(T.bool)],
    [3, 'map', T.map(T.bool, T.bool)],
  ]);
  const value = { list: [true, false, true], set: [true], map: [[true, false], [false, true]] };

  test('both libraries write the same bytes (element type 1, elements 1/2)', () => {
    const ours = encodeOurs('compact', (w) => writeStruct(w, Bools, value));
    const theirs = encodeApache('compact', (w) => writeStruct(w, Bools, value));
    expect(ours.equals(theirs)).toBe(true);
    // list header: 3 elements of type 1 (bool), then true, false, true.
    expect(ours.subarray(1, 5).toString('hex')).toBe('31010201');
  });

  test('thriftpoll reads them back; Apache reads every element as false', () => {
    const bytes = encodeApache('compact', (w) => writeStruct(w, Bools, value));
    expect(readStruct(readerOurs('compact', bytes), Bools)).toEqual(value);
    expect(readStruct(new ApacheReader('compact', bytes), Bools)).toEqual({
      list: [false, false, false],
      set: [false],
      map: [
        [false, false],
        [false, false],
      ],
    });
  });

  test('thriftpoll accepts the spec form too: element type 2 and false as 0', () => {
    // 0x19: field 1, LIST; 0x32: 3 elements of type 2 (bool); elements 1, 0, 2 (true, false, false); stop.
    const bytes = Buffer.from('193201000200', 'hex');
    expect(readStruct(readerOurs('compact', bytes), T.struct('L', [[1, 'list', T.list(T.bool)]]))).toEqual({ list: [true, false, false] });
  });
});

describe('negative seqids in Compact', () => {
  test.each([-1, -2147483648, -123456])('seqid %i: same bytes; thriftpoll reads it back, Apache reads it unsigned', (seqid) => {
    const fill = (w: import('@thriftpoll/protocol').ProtocolWriter) => {
      w.writeMessageBegin('m', MessageType.CALL, seqid);
      w.writeStructBegin('args');
      w.writeFieldStop();
      w.writeStructEnd();
      w.writeMessageEnd();
    };
    const ours = encodeOurs('compact', fill);
    const theirs = encodeApache('compact', fill);
    expect(ours.equals(theirs)).toBe(true);
    expect(ours.length).toBe(2 + 5 + 2 + 1); // header, 5-byte varint seqid, name, empty struct
    expect(readerOurs('compact', ours).readMessageBegin().seqid).toBe(seqid);
    expect(new ApacheReader('compact', ours).readMessageBegin().seqid).toBe(seqid >>> 0);
  });

  test('Binary has no such problem', () => {
    const fill = (w: import('@thriftpoll/protocol').ProtocolWriter) => {
      w.writeMessageBegin('m', MessageType.REPLY, -7);
      w.writeMessageEnd();
    };
    const ours = encodeOurs('binary', fill);
    expect(ours.equals(encodeApache('binary', fill))).toBe(true);
    expect(new ApacheReader('binary', ours).readMessageBegin().seqid).toBe(-7);
  });
});

describe('TApplicationException', () => {
  test.each(protocols)('%s: thriftpoll sends the type; Apache never does', (protocol) => {
    const ours = encodeOurs(protocol, (w) => new TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, 'no such method').write(w));

    const apacheError = new apache.Thrift.TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, 'no such method');
    expect(apacheError.type).toBe(TApplicationExceptionType.UNKNOWN_METHOD);
    const writer = new ApacheWriter(protocol);
    apacheError.write(writer.protocol);
    writer.commit();
    const theirs = writer.bytes();

    // Apache writes only field 1: its write() tests `this.code`, which it never sets.
    const fields = (bytes: Buffer) => {
      const reader = readerOurs(protocol, bytes);
      const ids: number[] = [];
      reader.readStructBegin();
      for (;;) {
        const field = reader.readFieldBegin();
        if (field.type === TType.STOP) break;
        ids.push(field.id);
        reader.skip(field.type);
      }
      return ids;
    };
    expect(fields(ours)).toEqual([1, 2]);
    expect(fields(theirs)).toEqual([1]);

    // Apache reads the type that thriftpoll sends...
    const received = new apache.Thrift.TApplicationException();
    received.read(new ApacheReader(protocol, ours).protocol);
    expect(received.type).toBe(TApplicationExceptionType.UNKNOWN_METHOD);
    expect(received.message).toBe('no such method');
    // ...while thriftpoll, reading Apache's, can only report UNKNOWN.
    const decoded = TApplicationException.read(readerOurs(protocol, theirs));
    expect(decoded.type).toBe(TApplicationExceptionType.UNKNOWN);
    expect(decoded.message).toBe('no such method');
  });
});

describe('non-strict Binary message names', () => {
  test("Apache returns the name of a non-strict header as a Buffer; thriftpoll as a string", () => {
    const bytes = encodeOurs(
      'binary',
      (w) => {
        w.writeMessageBegin('legacy', MessageType.CALL, 1);
        w.writeMessageEnd();
      },
      { strictWrite: false },
    );
    expect(readerOurs('binary', bytes).readMessageBegin().name).toBe('legacy');
    const name: unknown = new ApacheReader('binary', bytes).readMessageBegin().name;
    expect(Buffer.isBuffer(name)).toBe(true);
    expect(String(name)).toBe('legacy');
  });
});
