import * as fc from 'fast-check';
import { TType } from '@thriftpoll/protocol';
import { ApacheReader, PROTOCOLS, encodeApache, encodeOurs, nativeRequire, readerOurs } from './support/apache';
import type { ProtocolName } from './support/apache';
import { structWithValue } from './support/arbitraries';
import { normalize, readStruct, writeStruct } from './support/schema';
import type { TypeDesc } from './support/schema';
import { StingySink } from './support/sinks';

/**
 * Property-based tests over generated struct shapes and values: thriftpoll round-trips everything exactly, over
 * any split of the input into views; and agrees with Apache's npm `thrift` byte for byte, both ways.
 */
const protocols: ProtocolName[] = ['binary', 'compact'];
const DEPTH = 3;

/** Cuts `data` at the given points (duplicates give empty views, as a LinkBuffer can hold). */
function cut(data: Buffer, points: number[]): Uint8Array[] {
  const sorted = points.map((p) => p % (data.length + 1)).sort((a, b) => a - b);
  const views: Uint8Array[] = [];
  let from = 0;
  for (const at of sorted) {
    views.push(data.subarray(from, at));
    from = at;
  }
  views.push(data.subarray(from));
  return views;
}

describe.each(protocols)('%s', (protocol) => {
  test('round trip: decode(encode(v)) is v, over one view or any split into views', () => {
    fc.assert(
      fc.property(structWithValue(DEPTH), fc.array(fc.nat(), { maxLength: 12 }), ({ desc, value }, points) => {
        const bytes = encodeOurs(protocol, (w) => writeStruct(w, desc, value));
        const expected = normalize(desc, value);
        const whole = readerOurs(protocol, bytes);
        expect(readStruct(whole, desc)).toEqual(expected);
        expect(whole.remaining()).toBe(0);
        const views = readerOurs(protocol, cut(bytes, points));
        expect(readStruct(views, desc)).toEqual(expected);
        expect(views.remaining()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  test('skip() consumes exactly one struct, whatever its shape', () => {
    fc.assert(
      fc.property(structWithValue(DEPTH), ({ desc, value }) => {
        const bytes = encodeOurs(protocol, (w) => {
          writeStruct(w, desc, value);
          w.writeI32(-77);
        });
        const reader = readerOurs(protocol, bytes);
        reader.skip(TType.STRUCT);
        expect(reader.readI32()).toBe(-77);
        expect(reader.remaining()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  test('writing through small sink regions gives the same bytes as one growing buffer', () => {
    fc.assert(
      fc.property(structWithValue(DEPTH), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 5 }), ({ desc, value }, extras) => {
        const whole = encodeOurs(protocol, (w) => writeStruct(w, desc, value));
        const sink = new StingySink(extras);
        const writer = PROTOCOLS[protocol].ours.createWriter(sink);
        writeStruct(writer, desc, value);
        writer.commit();
        expect(sink.bytes().equals(whole)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

/** Apache's double encoder is wrong for -0.0 and some powers of two (see apache-divergences.test.ts). */
const apacheBinary = nativeRequire('thrift/lib/nodejs/lib/thrift/binary') as { writeDouble(buf: Buffer, v: number): Buffer };
function apacheSafeDouble(v: number): number {
  const exact = Buffer.alloc(8);
  exact.writeDoubleBE(v);
  return apacheBinary.writeDouble(Buffer.alloc(8), v).equals(exact) ? v : 0.5;
}

/** What Apache's Compact reader returns: bools inside containers always read as false (a known Apache bug). */
function asApacheReadsIt(protocol: ProtocolName, desc: TypeDesc, value: unknown, inContainer = false): unknown {
  switch (desc.kind) {
    case 'bool':
      return protocol === 'compact' && inContainer ? false : value;
    case 'list':
    case 'set':
      return (value as unknown[]).map((item) => asApacheReadsIt(protocol, desc.elem, item, true));
    case 'map':
      return (value as [unknown, unknown][]).map(([k, v]) => [asApacheReadsIt(protocol, desc.key, k, true), asApacheReadsIt(protocol, desc.value, v, true)]);
    case 'struct': {
      const out: Record<string, unknown> = {};
      const struct = value as Record<string, unknown>;
      for (const field of desc.fields) if (field.name in struct) out[field.name] = asApacheReadsIt(protocol, field.type, struct[field.name]);
      return out;
    }
    default:
      return normalize(desc, value);
  }
}

describe.each(protocols)('%s against Apache', (protocol) => {
  const values = structWithValue(DEPTH, { double: apacheSafeDouble });

  test('thriftpoll and Apache encode every value to the same bytes', () => {
    fc.assert(
      fc.property(values, ({ desc, value }) => {
        const ours = encodeOurs(protocol, (w) => writeStruct(w, desc, value));
        const theirs = encodeApache(protocol, (w) => writeStruct(w, desc, value));
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
      }),
      { numRuns: 300 },
    );
  });

  test('thriftpoll decodes what Apache encodes', () => {
    fc.assert(
      fc.property(values, ({ desc, value }) => {
        const theirs = encodeApache(protocol, (w) => writeStruct(w, desc, value));
        expect(readStruct(readerOurs(protocol, theirs), desc)).toEqual(normalize(desc, value));
      }),
      { numRuns: 200 },
    );
  });

  test('Apache decodes what thriftpoll encodes (bools in Compact containers aside)', () => {
    fc.assert(
      fc.property(values, ({ desc, value }) => {
        const ours = encodeOurs(protocol, (w) => writeStruct(w, desc, value));
        expect(readStruct(new ApacheReader(protocol, ours), desc)).toEqual(asApacheReadsIt(protocol, desc, value));
      }),
      { numRuns: 200 },
    );
  });
});
