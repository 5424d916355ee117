import { spawnSync } from 'node:child_process';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findDefinition, loadSchema, resolveTypedef, type Schema, type StructDefinition, type TypeRef } from '@thriftpoll/codegen';
import { binaryProtocol, compactProtocol, GrowableBuffer, type MethodDescriptor, type Protocol, type ProtocolWriter } from '@thriftpoll/protocol';
import * as Common from './golden/interop/common';
import * as T from './golden/interop/types';
import * as U from './golden/uuid/ids';
import { valueArbitraries } from './arbitraries';
import { fixture, tempDir } from './helpers';

/**
 * Interop with Apache Thrift through generated code on both sides: thriftpoll's generated TypeScript (the golden
 * modules) against the JavaScript that Debian's `thrift` compiler generates (`thrift --gen js:node`) for the same
 * IDL, running on Apache's npm `thrift` runtime. Both directions, Binary and Compact, byte for byte where the
 * encodings must agree. Apache's known bugs are asserted as they are, in their own tests below.
 */

// The npm runtime and its i64 type, loaded the way Apache's generated code loads them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const thrift = require('thrift') as ApacheThrift;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Int64 = require('node-int64') as Int64Class;

interface ApacheProtocol {
  readStructBegin(): void;
  readFieldBegin(): { ftype: number; fid: number };
  readUuid(): string;
  skip(type: number): void;
}
interface ApacheStruct {
  read(input: ApacheProtocol): void;
  write(output: unknown): void;
  [field: string]: unknown;
}
type ApacheClass = new (args?: Record<string, unknown>) => ApacheStruct;
interface ApacheTransport {
  inBuf: Buffer;
  readCursor: number;
  writeCursor: number;
  flush(): void;
}
interface ApacheThrift {
  TBufferedTransport: new (buffer?: Buffer, onFlush?: (msg: Buffer) => void) => ApacheTransport;
  TBinaryProtocol: new (trans: ApacheTransport) => ApacheProtocol;
  TCompactProtocol: new (trans: ApacheTransport) => ApacheProtocol;
}
interface Int64Value {
  toOctetString(): string;
}
type Int64Class = new (value: string | number) => Int64Value;

const IDL = fixture('interop', 'types.thrift');
const schema: Schema = loadSchema([IDL]).schema;

let scratch: { dir: string; remove: () => void };
/** Apache's generated modules, by our module name (`common`, `types`) and service name (`Catalog`). */
const apache: Record<string, Record<string, ApacheClass>> = {};

beforeAll(() => {
  const version = spawnSync('thrift', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(
      "Apache interop needs Debian's thrift compiler (`thrift` on PATH, package thrift-compiler; .ci/run installs it): " +
        `running 'thrift --version' failed: ${version.error?.message ?? version.stderr}`,
    );
  }
  scratch = tempDir('codegen-apache');
  const run = spawnSync('thrift', ['--gen', 'js:node', '-r', '-out', scratch.dir, IDL], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`thrift --gen js:node failed (exit ${run.status}): ${run.stderr}`);
  // Apache's generated code requires 'thrift' and 'node-int64' by name; point it at this repository's copies.
  for (const file of fs.readdirSync(scratch.dir)) {
    const p = path.join(scratch.dir, file);
    const text = fs.readFileSync(p, 'utf8')
      .replace(/require\('thrift'\)/g, `require(${JSON.stringify(require.resolve('thrift'))})`)
      .replace(/require\('node-int64'\)/g, `require(${JSON.stringify(require.resolve('node-int64'))})`);
    // Service modules keep their <method>_args/_result classes private; export them so that tests can use them.
    const privates = [...text.matchAll(/^var (\w+_(?:args|result)) = function/gm)].map((m) => m[1]);
    fs.writeFileSync(p, text + privates.map((name) => `\nmodule.exports.${name} = ${name};`).join(''));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (file: string) => require(path.join(scratch.dir, file)) as Record<string, ApacheClass>;
  apache.common = load('common_types.js');
  apache.types = load('types_types.js');
  apache.Catalog = load('Catalog.js');
});
afterAll(() => scratch?.remove());

// ---- Apache's transports, in memory ---------------------------------------------------------------------------

const PROTOCOLS: readonly [string, Protocol, (t: ApacheTransport) => ApacheProtocol][] = [
  ['binary', binaryProtocol, (t) => new thrift.TBinaryProtocol(t)],
  ['compact', compactProtocol, (t) => new thrift.TCompactProtocol(t)],
];

/** An Apache protocol reading `bytes` (copied) from an in-memory transport. */
function apacheInput(make: (t: ApacheTransport) => ApacheProtocol, bytes: Buffer): ApacheProtocol {
  const transport = new thrift.TBufferedTransport();
  transport.inBuf = Buffer.from(bytes);
  transport.readCursor = 0;
  transport.writeCursor = bytes.length;
  return make(transport);
}

function apacheRead(make: (t: ApacheTransport) => ApacheProtocol, bytes: Buffer, into: ApacheStruct): ApacheStruct {
  into.read(apacheInput(make, bytes));
  return into;
}

function apacheWrite(make: (t: ApacheTransport) => ApacheProtocol, value: ApacheStruct): Buffer {
  let out = Buffer.alloc(0);
  const transport = new thrift.TBufferedTransport(undefined, (msg) => {
    out = Buffer.from(msg);
  });
  value.write(make(transport));
  transport.flush();
  return out;
}

function ours(protocol: Protocol, write: (w: ProtocolWriter) => void): Buffer {
  const out = new GrowableBuffer();
  const w = protocol.createWriter(out);
  write(w);
  w.commit();
  return out.toBuffer();
}

// ---- value conversion, driven by the schema model ---------------------------------------------------------

function structDef(type: TypeRef): StructDefinition {
  const t = resolveTypedef(type);
  const def = t.kind === 'struct' || t.kind === 'union' || t.kind === 'exception' ? findDefinition(schema, t) : undefined;
  if (!def || (def.kind !== 'struct' && def.kind !== 'union' && def.kind !== 'exception')) throw new Error(`not a struct type: ${JSON.stringify(type)}`);
  return def;
}

function apacheClass(type: TypeRef): ApacheClass {
  const t = resolveTypedef(type) as { file: string; name: string };
  return apache[t.file][t.name];
}

function int64(value: bigint): Int64Value {
  return new Int64(BigInt.asUintN(64, value).toString(16).padStart(16, '0'));
}

function bigintOf(value: Int64Value): bigint {
  return BigInt.asIntN(64, BigInt(`0x${value.toOctetString()}`));
}

/**
 * A field of a struct or exception value. An exception's `message` is set only when it is the object's own
 * property: `Error.prototype.message` ('') is not a value.
 */
function fieldValue(record: Record<string, unknown>, name: string): unknown {
  if (name === 'message' && record instanceof Error && !Object.prototype.hasOwnProperty.call(record, 'message')) return undefined;
  return record[name];
}

/** A thriftpoll value as the object Apache's generated code writes. */
function toApache(type: TypeRef, value: unknown): unknown {
  const t = resolveTypedef(type);
  switch (t.kind) {
    case 'i64':
      return int64(value as bigint);
    case 'binary':
      return Buffer.from(value as Uint8Array);
    case 'list':
      return (value as unknown[]).map((e) => toApache(t.elem, e));
    case 'set':
      return [...(value as Set<unknown>)].map((e) => toApache(t.elem, e));
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value as Map<unknown, unknown>) out[String(k)] = toApache(t.value, v);
      return out;
    }
    case 'struct':
    case 'union':
    case 'exception': {
      const obj = new (apacheClass(t))();
      const record = value as Record<string, unknown>;
      for (const f of structDef(t).fields) {
        const v = fieldValue(record, f.name);
        if (v !== undefined && v !== null) obj[f.name] = toApache(f.type, v);
      }
      return obj;
    }
    default:
      return value;
  }
}

/**
 * Any value (thriftpoll's or Apache's) in one comparable form: i64 as bigint, sets as Sets, maps as Maps with
 * typed keys, structs as plain objects of their set fields, binary as Buffers.
 */
function canonical(type: TypeRef, value: unknown): unknown {
  const t = resolveTypedef(type);
  switch (t.kind) {
    case 'i64':
      return typeof value === 'bigint' ? value : bigintOf(value as Int64Value);
    case 'binary':
      return Buffer.from(value as Uint8Array);
    case 'list':
      return (value as unknown[]).map((e) => canonical(t.elem, e));
    case 'set':
      return new Set([...(value as Iterable<unknown>)].map((e) => canonical(t.elem, e)));
    case 'map': {
      const entries: [unknown, unknown][] = value instanceof Map ? [...value] : Object.entries(value as object);
      const keyKind = resolveTypedef(t.key).kind;
      // Apache's maps are objects: their keys are strings.
      const key = (k: unknown): unknown =>
        typeof k !== 'string' ? canonical(t.key, k) : keyKind === 'i32' || keyKind === 'i16' || keyKind === 'i8' ? Number(k) : keyKind === 'i64' ? BigInt(k) : k;
      return new Map(entries.map(([k, v]) => [key(k), canonical(t.value, v)]));
    }
    case 'struct':
    case 'union':
    case 'exception': {
      const out: Record<string, unknown> = {};
      const record = value as Record<string, unknown>;
      for (const f of structDef(t).fields) {
        const v = fieldValue(record, f.name);
        if (v !== undefined && v !== null) out[f.name] = canonical(f.type, v);
      }
      return out;
    }
    default:
      return value;
  }
}

function typeOf(name: string, file = 'types'): TypeRef {
  const def = findDefinition(schema, { file, name });
  if (!def) throw new Error(`no ${file}.${name}`);
  return { kind: def.kind as 'struct', file, name };
}

// ---- the values -------------------------------------------------------------------------------------------

/** Everything Apache handles correctly (its known bugs are tested separately below). */
function sample(): T.Everything {
  return T.Everything.create({
    prims: {
      b: true,
      i8v: -128,
      i16v: -32768,
      i32v: 2147483647,
      i64v: -9223372036854775808n,
      d: 1.0000000000000002,
      s: 'héllo, 世界 🌍 \u0000 end',
      bin: Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    },
    containers: T.Containers.create({
      ints: [0, -1, 2147483647, -2147483648],
      names: new Set(['a', 'b', '']),
      counts: new Map([
        ['max', 9223372036854775807n],
        ['min', -9223372036854775808n],
        ['small', 1n],
      ]),
      matrix: [[1, -2], [], [127]],
      paths: new Map([
        [1, [{ x: 1.5, y: -2.25 }]],
        [7, [{ x: 1e300, y: -1e-300 }, { x: 0, y: 0 }]],
      ]),
      statuses: new Set([Common.Status.ACTIVE, Common.Status.LEGACY, Common.Status.DELETED]),
      blobs: [Buffer.alloc(0), Buffer.from([0, 255])],
      nested: new Map([['outer', new Map([['inner', 2.5]])]]),
      tags: ['x', 'y'],
      places: new Map([['home', { x: 0.5, y: 0.25 }]]),
      prims: [
        { b: false, i8v: 1, i16v: 2, i32v: 3, i64v: 4n, d: 5, s: '6', bin: Buffer.from('7') },
        { b: true, i8v: -1, i16v: -2, i32v: -3, i64v: 2n ** 53n + 1n, d: -5.5, s: '', bin: Buffer.alloc(0) },
      ],
    }),
    shape: { polygon: [{ x: 1, y: 2 }, { x: 3, y: 4 }] },
    defaults: T.Defaults.create({ req: 'required', opt: 'given', maybe: { x: 9, y: 8 } }),
    lastError: new T.NotFound({ message: 'gone', id: 42n }),
    updatedAt: 1700000000000n,
  });
}

const EVERYTHING = () => typeOf('Everything');

// ---- tests ------------------------------------------------------------------------------------------------

describe.each(PROTOCOLS)('thriftpoll <-> Apache over %s', (_name, protocol, apacheProtocol) => {
  test('thriftpoll encodes, Apache decodes: the same values', () => {
    const value = sample();
    const decoded = apacheRead(apacheProtocol, ours(protocol, (w) => T.Everything.encode(w, value)), new (apacheClass(EVERYTHING()))());
    expect(canonical(EVERYTHING(), decoded)).toEqual(canonical(EVERYTHING(), value));
  });

  test('Apache encodes, thriftpoll decodes: the same values', () => {
    const value = sample();
    const bytes = apacheWrite(apacheProtocol, toApache(EVERYTHING(), value) as ApacheStruct);
    const decoded = T.Everything.decode(protocol.createReader(bytes));
    expect(canonical(EVERYTHING(), decoded)).toEqual(canonical(EVERYTHING(), value));
    expect(decoded.lastError).toBeInstanceOf(T.NotFound);
  });

  test('both write the same bytes for the same value', () => {
    const value = sample();
    const mine = ours(protocol, (w) => T.Everything.encode(w, value));
    const theirs = apacheWrite(apacheProtocol, toApache(EVERYTHING(), value) as ApacheStruct);
    expect(mine.equals(theirs)).toBe(true);
  });

  test('every union member, both ways', () => {
    const shapes: T.Shape[] = [{ point: { x: 1, y: 2 } }, { radius: 2.5 }, { label: 'l' }, { polygon: [] }];
    for (const shape of shapes) {
      const type = typeOf('Shape');
      const theirs = apacheRead(apacheProtocol, ours(protocol, (w) => T.Shape.encode(w, shape)), new (apacheClass(type))());
      expect(canonical(type, theirs)).toEqual(canonical(type, shape));
      const back = T.Shape.decode(protocol.createReader(apacheWrite(apacheProtocol, toApache(type, shape) as ApacheStruct)));
      expect(back).toEqual(shape);
    }
  });

  test('defaults: Apache fills the same IDL defaults for fields thriftpoll leaves out, and the reverse', () => {
    const type = typeOf('Defaults');
    // thriftpoll writes only what is set; Apache's constructor applies its defaults before read.
    const sparse = { req: 'r' } as T.Defaults;
    const theirs = apacheRead(apacheProtocol, ours(protocol, (w) => T.Defaults.encode(w, sparse)), new (apacheClass(type))());
    expect(theirs.num).toBe(7);
    expect(theirs.status).toBe(Common.Status.ACTIVE);
    expect(theirs.listDefault).toEqual([1, 2, 3]);
    // Apache writes its defaults; thriftpoll reads them as set values, equal to its own defaults.
    const fromApache = T.Defaults.decode(protocol.createReader(apacheWrite(apacheProtocol, new (apacheClass(type))({ req: 'r' }))));
    expect(fromApache).toEqual(T.Defaults.create({ req: 'r' }));
  });

  test('presence survives thriftpoll -> Apache -> thriftpoll: absent stays absent, empty stays empty, NaN stays NaN', () => {
    // Unset default-requiredness and optional fields at every level, empty and absent containers side by side.
    const value: T.Everything = {
      prims: { b: false, i8v: 0, i16v: 0, i32v: 0, i64v: 0n, d: Number.NaN, s: '', bin: Buffer.alloc(0) },
      containers: { ints: [], counts: new Map(), nested: new Map([['n', new Map([['nan', Number.NaN]])]]), tags: [] },
      defaults: T.Defaults.create({ req: 'r' }),
      lastError: new T.NotFound({ id: 5n }),
    };
    const mine = ours(protocol, (w) => T.Everything.encode(w, value));
    const theirs = apacheRead(apacheProtocol, mine, new (apacheClass(EVERYTHING()))());
    // Apache (like Python) keeps what was absent as null, and empty containers as empty ones.
    const containers = theirs.containers as ApacheStruct;
    expect([containers.names, containers.matrix, containers.byId, containers.prims]).toEqual([null, null, null, null]);
    expect([containers.ints, containers.counts, containers.tags]).toEqual([[], {}, []]);
    expect([theirs.shape, theirs.updatedAt, (theirs.defaults as ApacheStruct).plain, (theirs.lastError as ApacheStruct).message]).toEqual([null, null, null, null]);
    // Apache writes back exactly the bytes it read: nothing absent became a value on either side.
    const back = apacheWrite(apacheProtocol, theirs);
    expect(back.equals(mine)).toBe(true);
    const decoded = T.Everything.decode(protocol.createReader(back));
    expect(decoded.containers?.names).toBeUndefined();
    expect(decoded.containers?.ints).toEqual([]);
    expect(decoded.defaults?.plain).toBeUndefined();
    expect(decoded.updatedAt).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(decoded.lastError, 'message')).toBe(false);
    expect(Number.isNaN(decoded.prims.d)).toBe(true);
    expect(Number.isNaN(decoded.containers?.nested?.get('n')?.get('nan'))).toBe(true);
    expect(ours(protocol, (w) => T.Everything.encode(w, decoded)).equals(mine)).toBe(true);
  });

  test('presence survives Apache -> thriftpoll -> Apache: Apache\'s nulls come back as nulls', () => {
    const type = typeOf('Containers');
    const sparse = new (apacheClass(type))({ ints: [], names: null, counts: {} });
    const theirs = apacheWrite(apacheProtocol, sparse);
    const decoded = T.Containers.decode(protocol.createReader(theirs));
    expect(decoded).toEqual({ ints: [], counts: new Map() });
    expect(Object.entries(decoded).filter(([, v]) => v !== undefined).map(([k]) => k)).toEqual(['ints', 'counts']);
    const mine = ours(protocol, (w) => T.Containers.encode(w, decoded));
    expect(mine.equals(theirs)).toBe(true);
    const again = apacheRead(apacheProtocol, mine, new (apacheClass(type))());
    expect([again.ints, again.names, again.counts, again.matrix]).toEqual([[], null, {}, null]);
  });

  test('service args and results, through both sides\' generated service code', () => {
    const get = T.Catalog.methods.get as MethodDescriptor<[bigint, string], T.Everything>;
    const ArgsClass = apache.Catalog.Catalog_get_args;
    const ResultClass = apache.Catalog.Catalog_get_result;
    // Args: same bytes, and each side reads the other's.
    const mine = ours(protocol, (w) => get.writeArgs(w, [-7n, 'fr']));
    const theirs = apacheWrite(apacheProtocol, new ArgsClass({ id: int64(-7n), locale: 'fr' }));
    expect(mine.equals(theirs)).toBe(true);
    const apacheArgs = apacheRead(apacheProtocol, mine, new ArgsClass());
    expect([bigintOf(apacheArgs.id as Int64Value), apacheArgs.locale]).toEqual([-7n, 'fr']);
    expect(get.readArgs(protocol.createReader(theirs))).toEqual([-7n, 'fr']);

    // Success result.
    const value = sample();
    const result = apacheRead(apacheProtocol, ours(protocol, (w) => get.writeResult(w, value)), new ResultClass());
    expect(canonical(EVERYTHING(), result.success)).toEqual(canonical(EVERYTHING(), value));
    const success = apacheWrite(apacheProtocol, new ResultClass({ success: toApache(EVERYTHING(), value) }));
    expect(canonical(EVERYTHING(), get.readResult(protocol.createReader(success)))).toEqual(canonical(EVERYTHING(), value));

    // Declared exceptions: thriftpoll's writeException is read by Apache into the right field...
    const invalid = new T.Invalid({ code: 422, reason: 'nope' });
    const withError = apacheRead(apacheProtocol, ours(protocol, (w) => get.writeException(w, invalid)), new ResultClass());
    expect(withError.success).toBeNull();
    expect(canonical(typeOf('Invalid'), withError.invalid)).toEqual({ code: 422, reason: 'nope' });
    // ...and Apache's exception result makes thriftpoll's readResult throw the generated class.
    const apacheError = apacheWrite(apacheProtocol, new ResultClass(toApache(typeOf('NotFound'), new T.NotFound({ message: 'm', id: 3n })) as Record<string, unknown>));
    let thrown: unknown;
    try {
      get.readResult(protocol.createReader(apacheError));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(T.NotFound);
    expect(thrown).toEqual(new T.NotFound({ message: 'm', id: 3n }));
  });
});

/**
 * `value` without what Apache is known to get wrong (tested below): -0.0 (written as +0.0), map<i64, ...> keys
 * (corrupted over Binary; large ones over Compact), over Compact the bools inside containers it reads.
 */
function withoutApacheBugs(value: T.Everything, protocol: Protocol): T.Everything {
  const fix = (v: unknown): unknown => {
    if (typeof v === 'number') return Object.is(v, -0) ? 0 : v;
    if (Array.isArray(v)) return v.map(fix);
    if (v instanceof Set) return new Set([...v].map(fix));
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [fix(k), fix(x)]));
    if (v instanceof T.NotFound) return v; // a string and an i64: nothing to fix
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]));
  };
  const fixed = fix(value) as T.Everything;
  if (fixed.containers) fixed.containers = { ...fixed.containers, byId: undefined };
  if (protocol === compactProtocol && fixed.containers) fixed.containers = { ...fixed.containers, flags: undefined };
  return fixed;
}

describe.each(PROTOCOLS)('presence as a property, thriftpoll and Apache\'s generated code over %s', (_name, protocol, apacheProtocol) => {
  const arbitrary = valueArbitraries(schema, { common: Common, types: T }).of(EVERYTHING());

  test('for every IDL value, Apache writes as many bytes as thriftpoll, and each side reads the other\'s back to the same value', () => {
    fc.assert(
      fc.property(arbitrary, (generated) => {
        const value = withoutApacheBugs(generated as T.Everything, protocol);
        const mine = ours(protocol, (w) => T.Everything.encode(w, value));
        const theirs = apacheWrite(apacheProtocol, toApache(EVERYTHING(), value) as ApacheStruct);
        // The same size: neither side writes a field the other left unset (the bytes may differ only in the order
        // of map entries: Apache's maps are objects, which put integer keys first, in ascending order).
        expect(theirs.length).toBe(mine.length);
        const decoded = T.Everything.decode(protocol.createReader(theirs));
        expect(canonical(EVERYTHING(), decoded)).toEqual(canonical(EVERYTHING(), value));
        // encode(decode(bytes)) is bytes for what a conforming encoder wrote.
        expect(ours(protocol, (w) => T.Everything.encode(w, decoded)).equals(theirs)).toBe(true);
        const apacheDecoded = apacheRead(apacheProtocol, mine, new (apacheClass(EVERYTHING()))());
        expect(canonical(EVERYTHING(), apacheDecoded)).toEqual(canonical(EVERYTHING(), value));
      }),
      { numRuns: 60 },
    );
  });
});

describe("Apache's known bugs (what-users-ask.md), asserted as they are; thriftpoll follows the spec", () => {
  const binary = PROTOCOLS[0][2];
  const compact = PROTOCOLS[1][2];
  const pointType = () => typeOf('Point', 'common');

  test.each(PROTOCOLS)('%s: Apache reads -0.0 from thriftpoll correctly, but writes -0.0 as +0.0', (name, protocol, apacheProtocol) => {
    const mine = ours(protocol, (w) => Common.Point.encode(w, { x: -0, y: 0 }));
    // IEEE 754 -0.0: big-endian in Binary (after the 3-byte field header), little-endian in Compact (after 1 byte).
    const double = name === 'binary' ? mine.subarray(3, 11) : mine.subarray(1, 9);
    expect(double.toString('hex')).toBe(name === 'binary' ? '8000000000000000' : '0000000000000080');
    const theirs = apacheRead(apacheProtocol, mine, new (apacheClass(pointType()))());
    expect(Object.is(theirs.x, -0)).toBe(true);
    const back = Common.Point.decode(protocol.createReader(apacheWrite(apacheProtocol, theirs)));
    expect(Object.is(back.x, 0)).toBe(true); // the sign is lost on Apache's side
  });

  test('Compact: Apache reads every bool inside a container as false; thriftpoll reads Apache\'s correctly', () => {
    const type = typeOf('Containers');
    const value = T.Containers.create({ flags: [true, false, true] });
    const mine = ours(compactProtocol, (w) => T.Containers.encode(w, value));
    expect(apacheRead(compact, mine, new (apacheClass(type))()).flags).toEqual([false, false, false]);
    const back = T.Containers.decode(compactProtocol.createReader(apacheWrite(compact, toApache(type, value) as ApacheStruct)));
    expect(back.flags).toEqual([true, false, true]);
    // Binary has no such problem.
    expect(apacheRead(binary, ours(binaryProtocol, (w) => T.Containers.encode(w, value)), new (apacheClass(type))()).flags).toEqual([true, false, true]);
  });

  test('Binary: Apache corrupts the map<i64, ...> keys it writes (it parses its own decimal key strings as hex)', () => {
    const type = typeOf('Containers');
    const value = T.Containers.create({ byId: new Map([[1n, 'one'], [2n ** 40n + 1n, 'big'], [-5n, 'neg']]) });
    for (const [, protocol, apacheProtocol] of PROTOCOLS) {
      // Apache reads thriftpoll's keys right (as the decimal strings of its object keys)...
      const theirs = apacheRead(apacheProtocol, ours(protocol, (w) => T.Containers.encode(w, value)), new (apacheClass(type))());
      expect(theirs.byId).toEqual({ '1': 'one', '1099511627777': 'big', '-5': 'neg' });
      // ...and writes them back wrong over Binary, right over Compact.
      const back = T.Containers.decode(protocol.createReader(apacheWrite(apacheProtocol, theirs)));
      const keys = [...back.byId!.keys()];
      if (protocol === binaryProtocol) expect(keys).toEqual([1n, 0x1099511627777n, 0xfffffffbn]);
      else expect(keys).toEqual([1n, 1099511627777n, -5n]);
    }
  });
});

describe('uuid (Debian thrift 0.17 has no uuid type; checked against the npm runtime\'s readUuid)', () => {
  test.each(PROTOCOLS)('thriftpoll writes 16 bytes that Apache reads back as the same canonical string over %s', (_name, protocol, apacheProtocol) => {
    const value = U.Tracked.create({ id: 'A1B2C3D4-0000-4000-8000-00000000000F' });
    const bytes = ours(protocol, (w) => U.Tracked.encode(w, value));
    const input = apacheInput(apacheProtocol, bytes);
    input.readStructBegin();
    const field = input.readFieldBegin();
    expect(field).toMatchObject({ ftype: 16, fid: 1 });
    expect(input.readUuid()).toBe('a1b2c3d4-0000-4000-8000-00000000000f');
    expect(U.Tracked.decode(protocol.createReader(bytes)).id).toBe('a1b2c3d4-0000-4000-8000-00000000000f');
  });

  test.each(PROTOCOLS)('Apache (real `uuid` package) refuses 16 bytes that are not an RFC 9562 UUID; thriftpoll reads any over %s', (_name, protocol, apacheProtocol) => {
    // Thrift's uuid is any 16 bytes; the `uuid` package Apache delegates to only stringifies RFC 9562 ones.
    const value = U.Tracked.create({ id: '11111111-1111-1111-1111-111111111111' });
    const bytes = ours(protocol, (w) => U.Tracked.encode(w, value));
    const input = apacheInput(apacheProtocol, bytes);
    input.readStructBegin();
    input.readFieldBegin();
    expect(() => input.readUuid()).toThrow(/Stringified UUID is invalid/);
    expect(U.Tracked.decode(protocol.createReader(bytes)).id).toBe('11111111-1111-1111-1111-111111111111');
  });
});
