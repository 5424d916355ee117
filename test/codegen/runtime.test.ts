import {
  binaryProtocol,
  compactProtocol,
  deserialize,
  GrowableBuffer,
  serialize,
  TApplicationException,
  TApplicationExceptionType,
  ThriftError,
  TProtocolException,
  TProtocolExceptionType,
  TType,
  type CallOptions,
  type Invoker,
  type MethodDescriptor,
  type Protocol,
  type ProtocolWriter,
  type ServerCallContext,
  type StructCodec,
} from '@thriftpoll/protocol';
import * as Common from './golden/interop/common';
import * as T from './golden/interop/types';
import * as N from './golden/interop-number/types';
import * as Z from './golden/interop-zero-values/types';
import * as ZCommon from './golden/interop-zero-values/common';
import * as Echo from './golden/echo/echo';
import * as Names from './golden/names/names';
import * as Ids from './golden/uuid/ids';

/**
 * The generated code, run: the golden modules (byte-identical to what the generator emits, see generate.test.ts)
 * encode and decode through the real Binary and Compact protocols.
 */

const PROTOCOLS: readonly [string, Protocol][] = [
  ['binary', binaryProtocol],
  ['compact', compactProtocol],
];

function roundTrip<V>(codec: StructCodec<V>, value: V, protocol: Protocol): V {
  return deserialize(codec, serialize(codec, value, protocol), protocol);
}

/** Bytes written by `write` with a fresh writer of `protocol`. */
function bytes(protocol: Protocol, write: (w: ProtocolWriter) => void): Buffer {
  const out = new GrowableBuffer();
  const writer = protocol.createWriter(out);
  write(writer);
  writer.commit();
  return out.toBuffer();
}

function expectProtocolError(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TProtocolException);
  expect((caught as TProtocolException).type).toBe(TProtocolExceptionType.INVALID_DATA);
  expect((caught as Error).message).toMatch(message);
}

// Readers return Buffers (a Uint8Array subclass); expected values use Buffers so that toEqual compares bytes.
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function fullValue(): T.Everything {
  return T.Everything.create({
    prims: {
      b: true,
      i8v: -128,
      i16v: 32767,
      i32v: -2147483648,
      i64v: -9223372036854775808n,
      d: -0,
      s: 'héllo, 世界 🌍',
      bin: ALL_BYTES,
    },
    containers: T.Containers.create({
      ints: [0, -1, 2147483647],
      names: new Set(['a', 'b', '']),
      counts: new Map([
        ['max', 9223372036854775807n],
        ['min', -9223372036854775808n],
      ]),
      matrix: [[1, -2], [], [127]],
      paths: new Map([[7, [{ x: 1.5, y: NaN }, { x: Infinity, y: -Infinity }]]]),
      statuses: new Set([Common.Status.ACTIVE, Common.Status.LEGACY]),
      blobs: [Buffer.alloc(0), Buffer.from([0, 255])],
      nested: new Map([['outer', new Map([['inner', 2.5]])]]),
      flags: [true, false, true],
      tags: ['x', 'y'],
      places: new Map([['home', { x: 0, y: 0 }]]),
      prims: [],
    }),
    shape: { polygon: [{ x: 1, y: 2 }] },
    defaults: T.Defaults.create({ req: 'required' }),
    lastError: new T.NotFound({ message: 'gone', id: 42n }),
    updatedAt: 1700000000000n,
  });
}

describe.each(PROTOCOLS)('generated codecs over %s', (_name, protocol) => {
  test('every type round-trips exactly (i64 extremes, -0, NaN, infinities, all byte values, unicode, nesting)', () => {
    const value = fullValue();
    const back = roundTrip(T.Everything, value, protocol);
    expect(back).toEqual(value);
    expect(Object.is(back.prims.d, -0)).toBe(true);
    expect(back.lastError).toBeInstanceOf(T.NotFound);
    expect(back.containers!.names).toBeInstanceOf(Set);
    expect(back.containers!.counts).toBeInstanceOf(Map);
    expect(back.prims.bin).toBeInstanceOf(Uint8Array);
  });

  test('each union member round-trips, and only that member is set', () => {
    const members: T.Shape[] = [{ point: { x: 1, y: 2 } }, { radius: 0 }, { label: '' }, { polygon: [] }];
    for (const shape of members) {
      const back = roundTrip(T.Shape, shape, protocol);
      expect(back).toEqual(shape);
      expect(Object.keys(back)).toEqual(Object.keys(shape));
    }
  });

  test('absent fields decode to their IDL defaults, or stay undefined; encoding writes back only what was read', () => {
    // Only the required field on the wire.
    const wire = bytes(protocol, (w) => {
      w.writeStructBegin('Defaults');
      w.writeFieldBegin(TType.STRING, 3);
      w.writeString('r');
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
    });
    const d = deserialize(T.Defaults, wire, protocol);
    expect(d).toEqual({
      opt: undefined,
      plain: undefined,
      req: 'r',
      num: 7,
      optDefault: 100n,
      status: Common.Status.ACTIVE,
      listDefault: [1, 2, 3],
      mapDefault: new Map([['k', 'v']]),
      origin: { x: 1.5, y: -2 },
      maybe: undefined,
      ratio: 0.5,
      flag: true,
      at: 1700000000000n,
    });
    expect(Object.keys(d).filter((k) => d[k as keyof T.Defaults] === undefined)).toEqual(['opt', 'plain', 'maybe']);
    // Nothing but the required field and the defaults comes back: no zero values appear.
    const again = deserialize(T.Defaults, serialize(T.Defaults, d, protocol), protocol);
    expect(again).toEqual(d);
    const empty = deserialize(T.Containers, bytes(protocol, (w) => (w.writeStructBegin('Containers'), w.writeFieldStop(), w.writeStructEnd())), protocol);
    expect(Object.values(empty).every((v) => v === undefined)).toBe(true);
    expect(serialize(T.Containers, empty, protocol)).toEqual(Buffer.from([0]));
  });

  test('--zero-values: absent fields decode to their IDL defaults or zero values (Kitex style); optional ones stay undefined', () => {
    const wire = bytes(protocol, (w) => {
      w.writeStructBegin('Defaults');
      w.writeFieldBegin(TType.STRING, 3);
      w.writeString('r');
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expect(deserialize(Z.Defaults, wire, protocol)).toEqual({
      opt: undefined,
      plain: '',
      req: 'r',
      num: 7,
      optDefault: 100n,
      status: ZCommon.Status.ACTIVE,
      listDefault: [1, 2, 3],
      mapDefault: new Map([['k', 'v']]),
      origin: { x: 1.5, y: -2 },
      maybe: undefined,
      ratio: 0.5,
      flag: true,
      at: 1700000000000n,
    });
    const empty = deserialize(Z.Containers, Buffer.from([0]), protocol);
    expect(empty.ints).toEqual([]);
    expect(empty.counts).toEqual(new Map());
  });

  test('unknown field ids and fields of an unexpected wire type are skipped', () => {
    const wire = bytes(protocol, (w) => {
      w.writeStructBegin('Point');
      w.writeFieldBegin(TType.LIST, 99); // unknown id, a container to skip
      w.writeListBegin(TType.STRUCT, 1);
      w.writeStructBegin('X');
      w.writeFieldBegin(TType.STRING, 1);
      w.writeString('ignored');
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
      w.writeListEnd();
      w.writeFieldEnd();
      w.writeFieldBegin(TType.STRING, 1); // known id, wrong type: skipped, so x stays missing...
      w.writeString('not a double');
      w.writeFieldEnd();
      w.writeFieldBegin(TType.DOUBLE, 1); // ...until the right type comes
      w.writeDouble(3.5);
      w.writeFieldEnd();
      w.writeFieldBegin(TType.DOUBLE, 2);
      w.writeDouble(-1);
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expect(deserialize(Common.Point, wire, protocol)).toEqual({ x: 3.5, y: -1 });
  });

  test('a container whose elements have the wrong wire type is rejected, naming the field', () => {
    const wire = bytes(protocol, (w) => {
      w.writeStructBegin('Containers');
      w.writeFieldBegin(TType.LIST, 1);
      w.writeListBegin(TType.STRING, 1);
      w.writeString('1');
      w.writeListEnd();
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expectProtocolError(() => deserialize(T.Containers, wire, protocol), /Containers\.ints: expected list<i32> elements of type I32, got STRING/);
  });

  test('a missing required field fails decode with a TProtocolException naming it', () => {
    const wire = bytes(protocol, (w) => {
      w.writeStructBegin('Point');
      w.writeFieldBegin(TType.DOUBLE, 2);
      w.writeDouble(1);
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expectProtocolError(() => deserialize(Common.Point, wire, protocol), /^Point\.x \(field 1\) is required but was not in the input$/);
  });

  test('a union with no member or two members on the wire fails decode', () => {
    const none = bytes(protocol, (w) => {
      w.writeStructBegin('Shape');
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expectProtocolError(() => deserialize(T.Shape, none, protocol), /union Shape must have exactly one field set, found 0/);
    const two = bytes(protocol, (w) => {
      w.writeStructBegin('Shape');
      w.writeFieldBegin(TType.DOUBLE, 2);
      w.writeDouble(1);
      w.writeFieldEnd();
      w.writeFieldBegin(TType.STRING, 3);
      w.writeString('x');
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expectProtocolError(() => deserialize(T.Shape, two, protocol), /union Shape must have exactly one field set, found 2/);
  });

  test('an enum value the IDL does not know is kept as its number', () => {
    const wire = bytes(protocol, (w) => {
      w.writeStructBegin('Defaults');
      w.writeFieldBegin(TType.STRING, 3);
      w.writeString('r');
      w.writeFieldEnd();
      w.writeFieldBegin(TType.I32, 6);
      w.writeI32(12345);
      w.writeFieldEnd();
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expect(deserialize(T.Defaults, wire, protocol).status).toBe(12345);
  });
});

describe('encode checks', () => {
  test('a missing required field fails encode with a TProtocolException naming it', () => {
    const bad = { x: 1 } as unknown as Common.Point;
    expectProtocolError(() => serialize(Common.Point, bad), /^Point\.y \(field 2\) is required but missing$/);
  });

  test('a union must have exactly one member set', () => {
    expectProtocolError(() => serialize(T.Shape, {} as T.Shape), /union Shape must have exactly one field set, found 0/);
    expectProtocolError(() => serialize(T.Shape, { radius: 1, label: 'x' } as unknown as T.Shape), /found 2/);
    // undefined and null members count as unset.
    expect(deserialize(T.Shape, serialize(T.Shape, { radius: 1, label: undefined }))).toEqual({ radius: 1 });
  });

  test('optional and default fields that are undefined or null are not written', () => {
    const a = serialize(T.Defaults, { req: 'r' } as T.Defaults);
    const b = serialize(T.Defaults, { req: 'r', opt: null, num: undefined } as unknown as T.Defaults);
    expect(b).toEqual(a);
    // Only field 3 and the stop byte: 1+2 header, 4 length, 1 char, 1 stop.
    expect(a.length).toBe(9);
  });

  test('Binary output is the Thrift encoding, byte for byte', () => {
    expect(serialize(Common.Point, { x: 1, y: -2 })).toEqual(
      Buffer.from([0x04, 0x00, 0x01, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x04, 0x00, 0x02, 0xc0, 0x00, 0, 0, 0, 0, 0, 0, 0x00]),
    );
  });
});

describe('create()', () => {
  test('fills defaults, keeps what is given, leaves fields without a default undefined', () => {
    const d = T.Defaults.create({ req: 'r', num: 1 });
    expect(d.num).toBe(1);
    expect(d.plain).toBeUndefined();
    expect(d.optDefault).toBe(100n);
    expect(d.opt).toBeUndefined();
    expect(d.maybe).toBeUndefined();
    expect(d.status).toBe(Common.Status.ACTIVE);
  });

  test('default containers and structs are fresh objects every time', () => {
    const a = T.Defaults.create({ req: 'a' });
    const b = T.Defaults.create({ req: 'b' });
    a.listDefault!.push(4);
    a.origin!.x = 99;
    expect(b.listDefault).toEqual([1, 2, 3]);
    expect(b.origin).toEqual({ x: 1.5, y: -2 });
    const decoded = deserialize(T.Defaults, serialize(T.Defaults, { req: 'c' } as T.Defaults));
    expect(decoded.listDefault).toEqual([1, 2, 3]);
  });

  test('structs without required fields take no argument', () => {
    const created = T.Containers.create();
    expect(Object.keys(created)).toHaveLength(13);
    expect(Object.values(created).every((v) => v === undefined)).toBe(true);
    expect(Z.Containers.create()).toEqual({
      ints: [],
      names: new Set(),
      counts: new Map(),
      matrix: [],
      byId: new Map(),
      paths: new Map(),
      statuses: new Set(),
      blobs: [],
      nested: new Map(),
      flags: [],
      tags: [],
      places: new Map(),
      prims: [],
    });
  });
});

describe('exceptions', () => {
  test('are classes extending ThriftError, catchable with instanceof', () => {
    const e = new T.NotFound({ message: 'no such item', id: 7n });
    expect(e).toBeInstanceOf(T.NotFound);
    expect(e).toBeInstanceOf(ThriftError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('NotFound');
    expect(e.message).toBe('no such item');
    expect(e.id).toBe(7n);
    expect(e.stack).toContain('NotFound');
    expect(T.NotFound.create({ id: 1n })).toEqual(new T.NotFound({ id: 1n }));
  });

  test('without a message field, the message lists the fields that are set (String(e), logs and stacks show them)', () => {
    const e = new T.Invalid({ code: 3 });
    expect(e.message).toBe('code=3');
    expect(String(e)).toBe('Invalid: code=3');
    expect(e.reason).toBeUndefined();
    const decoded = roundTrip(T.Invalid, new T.Invalid({ code: 4, reason: 'Cannot divide by 0' }), compactProtocol);
    expect(String(decoded)).toBe('Invalid: code=4 reason="Cannot divide by 0"');
    expect(decoded.stack).toMatch(/^Invalid: code=4 reason="Cannot divide by 0"\n/);
  });

  test('a string message field keeps its presence: absent stays absent through decode and encode', () => {
    for (const [, protocol] of PROTOCOLS) {
      const absent = roundTrip(T.NotFound, new T.NotFound({ id: 1n }), protocol);
      expect(Object.prototype.hasOwnProperty.call(absent, 'message')).toBe(false);
      expect(String(absent)).toBe('NotFound');
      expect(serialize(T.NotFound, absent, protocol)).toEqual(serialize(T.NotFound, new T.NotFound({ id: 1n }), protocol));
      const empty = roundTrip(T.NotFound, new T.NotFound({ message: '' }), protocol);
      expect(Object.prototype.hasOwnProperty.call(empty, 'message')).toBe(true);
      expect(empty.id).toBeUndefined();
    }
  });

  test('round-trip through both protocols as structs', () => {
    for (const [, protocol] of PROTOCOLS) {
      const back = roundTrip(T.Invalid, new T.Invalid({ code: -1, reason: 'bad' }), protocol);
      expect(back).toBeInstanceOf(T.Invalid);
      expect(back.code).toBe(-1);
      expect(back.reason).toBe('bad');
    }
  });

  test('fields named like Error members are escaped, and a non-string message field does not replace Error.message', () => {
    const f = new Names.Failure({ name_: 'n', stack_: 's', message_: 5, cause_: 'c', toString_: 't' });
    expect(f.name).toBe('Failure');
    // The message names the fields as the IDL does.
    expect(f.message).toBe('name="n" stack="s" message=5 cause="c" toString="t"');
    expect(String(f)).toBe(`Failure: ${f.message}`);
    const back = roundTrip(Names.Failure, f, binaryProtocol);
    expect([back.name_, back.stack_, back.message_, back.cause_, back.toString_]).toEqual(['n', 's', 5, 'c', 't']);
  });
});

describe('enums and constants', () => {
  test('enums have their exact values and a reverse name lookup', () => {
    expect(Common.Status.DELETED).toBe(6);
    expect(Common.Status.LEGACY).toBe(-2);
    expect(Common.Status[5]).toBe('SUSPENDED');
    expect(Common.Status[-2]).toBe('LEGACY');
  });

  test('constants have their exact values and types', () => {
    expect(T.ANSWER).toBe(42);
    expect(T.AVOGADRO).toBe(6.02214076e23);
    expect(T.GREETING).toBe('hi "there"\n');
    expect(T.LIVE).toEqual([Common.Status.ACTIVE, Common.Status.SUSPENDED]);
    expect(T.LIMITS).toEqual(new Map([['small', 1], ['large', 1000]]));
    expect(T.ORIGIN).toEqual({ x: 0, y: 0 });
  });

  test('typedefs of structs alias the codec too', () => {
    expect(Names.Error_).toBe(Names.Object_);
    const value: Names.Error_ = Names.Error_.create({ maps: [Names.Map_.new] });
    expect(roundTrip(Names.Error_, value, binaryProtocol)).toEqual(value);
  });
});

test('a top-level definition named `then` is escaped, so awaiting a dynamic import() gets the module', async () => {
  const loaded = await import('./golden/names/names');
  expect(loaded.Greeter).toBe(Names.Greeter);
  expect(new Names.then_({ then: 'x' })).toBeInstanceOf(ThriftError);
  expect(new Names.then_({ then: 'x' }).then).toBe('x');
});

describe('--int64 number', () => {
  test('i64 fields are numbers and round-trip when they are safe integers', () => {
    const p: N.Primitives = { b: false, i8v: 0, i16v: 0, i32v: 0, i64v: -9007199254740991, d: 0, s: '', bin: Buffer.alloc(0) };
    for (const [, protocol] of PROTOCOLS) expect(roundTrip(N.Primitives, p, protocol)).toEqual(p);
    expect(N.Defaults.create({ req: 'r' }).at).toBe(1700000000000);
  });

  test('a decoded i64 beyond 2^53 is an error, not a rounded number', () => {
    const wire = serialize(T.Primitives, { b: false, i8v: 0, i16v: 0, i32v: 0, i64v: 2n ** 53n + 1n, d: 0, s: '', bin: new Uint8Array(0) });
    expectProtocolError(() => deserialize(N.Primitives, wire), /9007199254740993/);
  });

  test('encoding a non-integer or unsafe number as i64 is an error', () => {
    const p: N.Primitives = { b: false, i8v: 0, i16v: 0, i32v: 0, i64v: 1.5, d: 0, s: '', bin: Buffer.alloc(0) };
    expectProtocolError(() => serialize(N.Primitives, p), /safe integer/);
    expectProtocolError(() => serialize(N.Primitives, { ...p, i64v: 2 ** 60 }), /safe integer/);
  });
});

describe('uuid', () => {
  test.each(PROTOCOLS)('uuids round-trip over %s as canonical lower-case strings, in fields and containers', (_name, protocol) => {
    const value = Ids.Tracked.create({
      id: '123E4567-E89B-12D3-A456-426614174000',
      related: [Ids.NIL, 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
      names: new Map([['00000000-0000-0000-0000-000000000001', 'one']]),
      seen: new Set(['abcdefab-cdef-abcd-efab-cdefabcdefab']),
    });
    const back = roundTrip(Ids.Tracked, value, protocol);
    expect(back).toEqual({ ...value, id: '123e4567-e89b-12d3-a456-426614174000' });
  });

  test('a uuid field with default requiredness stays undefined when absent; the IDL default is lower-cased', () => {
    const t = Ids.Tracked.create({ id: Ids.EXAMPLE });
    expect(t.parent).toBeUndefined();
    expect(t.fallback).toBe('123e4567-e89b-12d3-a456-426614174000');
    expect(Ids.EXAMPLE).toBe('123e4567-e89b-12d3-a456-426614174000');
  });

  test('a string that is not a uuid cannot be encoded', () => {
    expect(() => serialize(Ids.Tracked, Ids.Tracked.create({ id: 'not-a-uuid' }))).toThrow(TProtocolException);
  });
});

/** Encodes a method's args (or result) and hands the bytes to the other side, like a transport would. */
function through<R>(protocol: Protocol, write: (w: ProtocolWriter) => void, read: (bytes: Buffer) => R): R {
  return read(bytes(protocol, write));
}

describe('service descriptors', () => {
  test('a service lists its own and inherited methods by wire name, with a null prototype', () => {
    expect(T.Catalog.name).toBe('Catalog');
    expect(T.Catalog.parent).toBe(T.Base);
    expect(Object.keys(T.Catalog.methods)).toEqual(['ping', 'version', 'get', 'put', 'touch', 'shapes', 'counts', 'echoPrims']);
    expect(T.Catalog.methods.ping).toBe(T.Base.methods.ping);
    expect(T.Catalog.methods.ping.serviceName).toBe('Base');
    expect(T.Catalog.methods.get.serviceName).toBe('Catalog');
    expect(T.Catalog.methods.touch.oneway).toBe(true);
    expect(T.Catalog.methods.get.oneway).toBe(false);
    expect(T.Catalog.methods['toString']).toBeUndefined();
    expect(T.Catalog.methods['__proto__']).toBeUndefined();
    expect(Object.isFrozen(T.Catalog.methods)).toBe(true);
  });

  test.each(PROTOCOLS)('args and results round-trip over %s', (_name, protocol) => {
    const get = T.Catalog.methods.get as MethodDescriptor<[bigint, string], T.Everything>;
    expect(get.name).toBe('get');
    const args = through(protocol, (w) => get.writeArgs(w, [5n, 'fr']), (b) => get.readArgs(protocol.createReader(b)));
    expect(args).toEqual([5n, 'fr']);
    const value = fullValue();
    expect(through(protocol, (w) => get.writeResult(w, value), (b) => get.readResult(protocol.createReader(b)))).toEqual(value);
  });

  test('declared exceptions travel in the result and are thrown as their classes', () => {
    const get = T.Catalog.methods.get as MethodDescriptor<[bigint, string], T.Everything>;
    const error = new T.Invalid({ code: 2, reason: 'locale' });
    const wire = bytes(binaryProtocol, (w) => expect(get.writeException(w, error)).toBe(true));
    let thrown: unknown;
    try {
      get.readResult(binaryProtocol.createReader(wire));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(T.Invalid);
    expect(thrown).toEqual(error);
  });

  test('an undeclared error is not written', () => {
    const put = T.Catalog.methods.put;
    const out = new GrowableBuffer();
    const w = binaryProtocol.createWriter(out);
    expect(put.writeException(w, new Error('boom'))).toBe(false);
    expect(put.writeException(w, new T.NotFound({ id: 1n }))).toBe(false); // declared by get, not by put
    expect(put.writeException(w, 'a string')).toBe(false);
    w.commit();
    expect(out.length).toBe(0);
  });

  test('a result with neither success nor exception is TApplicationException(MISSING_RESULT)', () => {
    const get = T.Catalog.methods.get;
    const empty = bytes(binaryProtocol, (w) => {
      w.writeStructBegin('get_result');
      w.writeFieldStop();
      w.writeStructEnd();
    });
    let thrown: unknown;
    try {
      get.readResult(binaryProtocol.createReader(empty));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(TApplicationException);
    expect((thrown as TApplicationException).type).toBe(TApplicationExceptionType.MISSING_RESULT);
    expect((thrown as Error).message).toMatch(/Catalog\.get returned no result/);
  });

  test('void methods read an empty result as success', () => {
    const put = T.Catalog.methods.put;
    const wire = bytes(binaryProtocol, (w) => put.writeResult(w, undefined));
    expect(put.readResult(binaryProtocol.createReader(wire))).toBeUndefined();
  });

  test('struct arguments must be present on both sides', () => {
    const put = T.Catalog.methods.put as MethodDescriptor<[T.Everything], void>;
    expectProtocolError(() => bytes(binaryProtocol, (w) => put.writeArgs(w, [undefined as unknown as T.Everything])), /^Catalog\.put argument item \(field 1\) is required but missing$/);
    const empty = bytes(binaryProtocol, (w) => {
      w.writeStructBegin('put_args');
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expectProtocolError(() => put.readArgs(binaryProtocol.createReader(empty)), /^Catalog\.put argument item \(field 1\) is required but was not in the input$/);
  });

  test('absent scalar arguments are undefined in the handler (zero values with --zero-values)', () => {
    const empty = bytes(binaryProtocol, (w) => {
      w.writeStructBegin('get_args');
      w.writeFieldStop();
      w.writeStructEnd();
    });
    expect(T.Catalog.methods.get.readArgs(binaryProtocol.createReader(empty))).toEqual([undefined, undefined]);
    expect(Z.Catalog.methods.get.readArgs(binaryProtocol.createReader(empty))).toEqual([0n, '']);
  });
});

/**
 * A client and a handler wired together in memory through the descriptors, the way the RPC runtime uses them:
 * the client's invoker writes the args, the "server" reads them, calls the handler by propertyName, and writes
 * the result or the declared exception, which the client reads back.
 */
function loopbackInvoker(protocol: Protocol, handler: object, calls: { method: string; options?: CallOptions }[]): Invoker {
  const context: ServerCallContext = {
    service: 'Catalog',
    method: '',
    seqid: 1,
    requestHeaders: {},
    responseHeaders: {},
    deadline: undefined,
    signal: new AbortController().signal,
    peer: 'memory',
  };
  return {
    async invoke<A extends readonly unknown[], R>(method: MethodDescriptor<A, R>, args: A, options?: CallOptions): Promise<R> {
      calls.push({ method: method.name, options });
      const request = bytes(protocol, (w) => method.writeArgs(w, args));
      const serverArgs = method.readArgs(protocol.createReader(request));
      const fn = (handler as Record<string, (...a: unknown[]) => unknown>)[method.propertyName];
      let reply: Buffer;
      try {
        const value = (await fn.call(handler, ...serverArgs, { ...context, method: method.name })) as R;
        reply = bytes(protocol, (w) => method.writeResult(w, value));
      } catch (e) {
        const out = new GrowableBuffer();
        const w = protocol.createWriter(out);
        if (!method.writeException(w, e)) throw e;
        w.commit();
        reply = out.toBuffer();
      }
      return method.readResult(protocol.createReader(reply));
    },
  };
}

describe('typed clients and handlers', () => {
  const handler: T.CatalogHandler = {
    ping: () => undefined,
    version: async () => '1.0',
    async get(id, locale, context) {
      if (id === undefined || locale === undefined) throw new T.Invalid({ code: 400, reason: 'id and locale are needed' });
      if (id < 0n) throw new T.Invalid({ code: 400, reason: `bad id for ${context.method}` });
      if (id === 0n) throw new T.NotFound({ message: `no item ${id}`, id });
      return T.Everything.create({ prims: { ...fullValue().prims, s: locale }, updatedAt: id });
    },
    put: () => undefined,
    touch: () => undefined,
    shapes: (filter) => [...(filter ?? [])].map((s) => ({ radius: s })),
    counts: () => new Map([['a', 1n]]),
    echoPrims: (p) => p,
  };

  test.each(PROTOCOLS)('calls go through the descriptors and come back typed over %s', async (_name, protocol) => {
    const calls: { method: string; options?: CallOptions }[] = [];
    const client = T.Catalog.createClient(loopbackInvoker(protocol, handler, calls));
    expect(client).toBeInstanceOf(T.CatalogClient);
    expect(client).toBeInstanceOf(T.BaseClient);
    const item = await client.get(9n, 'de', { timeout: 50, headers: { trace: 'x' } });
    expect(item.prims.s).toBe('de');
    expect(item.updatedAt).toBe(9n);
    expect(await client.version()).toBe('1.0');
    expect(await client.ping()).toBeUndefined();
    expect(await client.shapes(new Set([Common.Status.ACTIVE]))).toEqual([{ radius: 1 }]);
    expect(await client.counts()).toEqual(new Map([['a', 1n]]));
    await expect(client.get(0n, 'en')).rejects.toEqual(new T.NotFound({ message: 'no item 0', id: 0n }));
    await expect(client.get(-1n, 'en')).rejects.toBeInstanceOf(T.Invalid);
    await expect(client.get(-1n, 'en')).rejects.toMatchObject({ code: 400, reason: 'bad id for get' });
    expect(calls[0]).toEqual({ method: 'get', options: { timeout: 50, headers: { trace: 'x' } } });
    expect(calls.map((c) => c.method)).toContain('ping');
  });

  test('escaped method names: the client method and the handler property agree with propertyName', async () => {
    const greeter: Names.GreeterHandler = {
      greet: (class_, options_, context_, invoker) => Names.Promise_.create({ class: `${class_}/${options_}/${context_.value}/${invoker}` }),
      constructor_: () => undefined,
      invoker_: (delete_) => delete_,
      invoke: (value, invoker) => {
        if (invoker === undefined || invoker < 0) throw new Names.value_({ message: 'negative', init: value });
        return Names.reader_.create({ reader: invoker, decode: [value.writer ?? ''] });
      },
    };
    expect(Names.Greeter.methods['constructor'].propertyName).toBe('constructor_');
    const client = Names.Greeter.createClient(loopbackInvoker(binaryProtocol, greeter, []));
    expect((await client.greet('c', 'o', { value: 'v' }, 3)).class).toBe('c/o/v/3');
    await expect(client.constructor_({ let: 1n })).resolves.toBeUndefined();
    const obj = Names.Object_.create({ maps: [Names.Map_.class] });
    expect(await client.invoker_(obj)).toEqual(obj);
    // Types named like the generated methods' parameters (reader, value) are escaped, so codecs still find them.
    const r = Names.reader_.create({ writer: 'w', encode: { x: 1 } });
    expect(await client.invoke(r, 7)).toEqual(Names.reader_.create({ reader: 7, decode: ['w'] }));
    await expect(client.invoke(r, -1)).rejects.toEqual(new Names.value_({ message: 'negative', init: r }));
  });

  test('the echo service', async () => {
    const echo: Echo.EchoServerHandler = { echo: (req) => ({ action: req.action, msg: req.msg }) };
    const client = Echo.EchoServer.createClient(loopbackInvoker(compactProtocol, echo, []));
    expect(await client.echo({ action: 'a', msg: 'x'.repeat(1024) })).toEqual({ action: 'a', msg: 'x'.repeat(1024) });
    expect(Object.keys(Echo.EchoServer.methods)).toEqual(['echo']);
  });
});
