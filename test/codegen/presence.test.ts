import * as fc from 'fast-check';
import { loadSchema, type TypeRef } from '@thriftpoll/codegen';
import { binaryProtocol, compactProtocol, deserialize, serialize, type Protocol, type StructCodec } from '@thriftpoll/protocol';
import { valueArbitraries } from './arbitraries';
import * as Common from './golden/interop/common';
import * as T from './golden/interop/types';
import * as Ids from './golden/uuid/ids';
import { fixture } from './helpers';
import { setFields } from '../support/set-fields';

/**
 * Presence, as a property: for every IDL-valid value (absent fields, empty containers, -0, NaN, every enum value,
 * the whole i64 range), decode(encode(v)) is v, and encode(decode(bytes)) is bytes, over Binary and Compact.
 * The values come from the schema model of the interop and uuid IDLs (see arbitraries.ts).
 */

const schema = loadSchema([fixture('interop', 'types.thrift'), fixture('uuid', 'ids.thrift')]).schema;
const arbitraries = valueArbitraries(schema, { common: Common, types: T, ids: Ids });

const PROTOCOLS: readonly [string, Protocol][] = [
  ['binary', binaryProtocol],
  ['compact', compactProtocol],
];

const CASES: readonly [string, TypeRef, StructCodec<unknown>][] = [
  ['Everything', { kind: 'struct', file: 'types', name: 'Everything' }, T.Everything as StructCodec<unknown>],
  ['Containers', { kind: 'struct', file: 'types', name: 'Containers' }, T.Containers as StructCodec<unknown>],
  ['Shape', { kind: 'union', file: 'types', name: 'Shape' }, T.Shape as StructCodec<unknown>],
  ['Defaults', { kind: 'struct', file: 'types', name: 'Defaults' }, T.Defaults as StructCodec<unknown>],
  ['NotFound', { kind: 'exception', file: 'types', name: 'NotFound' }, T.NotFound as StructCodec<unknown>],
  ['Invalid', { kind: 'exception', file: 'types', name: 'Invalid' }, T.Invalid as StructCodec<unknown>],
  ['Tracked', { kind: 'struct', file: 'ids', name: 'Tracked' }, Ids.Tracked as StructCodec<unknown>],
];

describe.each(PROTOCOLS)('presence over %s', (_name, protocol) => {
  test.each(CASES)('%s: decode(encode(v)) is v and encode(decode(bytes)) is bytes', (_type, type, codec) => {
    fc.assert(
      fc.property(arbitraries.of(type), (value) => {
        const bytes = serialize(codec, value, protocol);
        const back = deserialize(codec, bytes, protocol);
        expect(setFields(back)).toEqual(setFields(value));
        expect(serialize(codec, back, protocol)).toEqual(bytes);
      }),
      { numRuns: 150 },
    );
  });

  test('the empty struct stays one byte: nothing absent turns into a value', () => {
    const empty = serialize(T.Containers, {}, protocol);
    expect(empty).toEqual(Buffer.from([0]));
    const decoded = deserialize(T.Containers, empty, protocol);
    expect(setFields(decoded)).toEqual({});
    expect(serialize(T.Containers, decoded, protocol)).toEqual(empty);
  });

  test('empty containers and absent containers stay apart', () => {
    const value: T.Containers = { ints: [], names: new Set(), counts: new Map() };
    const back = deserialize(T.Containers, serialize(T.Containers, value, protocol), protocol);
    expect(back.ints).toEqual([]);
    expect(back.names).toEqual(new Set());
    expect(back.counts).toEqual(new Map());
    expect(back.matrix).toBeUndefined();
    expect(back.byId).toBeUndefined();
  });
});
