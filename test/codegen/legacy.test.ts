import {
  binaryProtocol,
  compactProtocol,
  deserialize,
  GrowableBuffer,
  serialize,
  TProtocolException,
  TType,
  type Protocol,
  type StructCodec,
} from '@thriftpoll/protocol';
import * as W from './golden/legacy/warehouse';

/**
 * The generated code of fixtures/legacy/warehouse.thrift, run: forms that long-lived public IDLs carry and that
 * small hand-written fixtures tend to miss (containers as map keys next to container values, typedef chains).
 */

const PROTOCOLS: readonly [string, Protocol][] = [
  ['binary', binaryProtocol],
  ['compact', compactProtocol],
];

function roundTrip<V>(codec: StructCodec<V>, value: V, protocol: Protocol): V {
  return deserialize(codec, serialize(codec, value, protocol), protocol);
}

const top: W.Shelf = { label: 'top', level: 3 };
const low: W.Shelf = { label: 'low', level: 0 };

function inventory(): W.Inventory {
  return W.Inventory.create({
    by_path: new Map([
      [['a', 'b'], 'ab'],
      [[], 'root'],
    ]),
    nested: new Map([
      [new Set([1, 2]), new Map([[7, new Set([[new Map([[top, 'x']])], []])]])],
      [new Set<number>(), new Map()],
    ]),
    shelves: new Set([top, low]),
    stock: new Map([
      [top, [1n, -9223372036854775808n]],
      [low, []],
    ]),
    both: new Map([
      [new Map([['k', 1]]), [new Map([[2, 'v']]), new Map()]],
      [new Map(), []],
    ]),
    listed: [new Map([[[1, 2], new Set(['s'])]]), new Map()],
  });
}

describe.each(PROTOCOLS)('legacy IDL forms over %s', (_name, protocol) => {
  test('maps whose keys and values are both containers round-trip exactly', () => {
    const value = inventory();
    const back = roundTrip(W.Inventory, value, protocol);
    expect(back).toEqual(value);
    const [key, inner] = [...back.both!][0];
    expect(key).toBeInstanceOf(Map);
    expect(inner[0]).toBeInstanceOf(Map);
    expect([...back.nested!.keys()][0]).toBeInstanceOf(Set);
    expect([...back.by_path!.keys()]).toEqual([['a', 'b'], []]);
  });

  test('structs as set elements and map keys round-trip', () => {
    const back = roundTrip(W.Inventory, W.Inventory.create({ shelves: new Set([top]), stock: new Map([[low, [5n]]]) }), protocol);
    expect([...back.shelves!]).toEqual([top]);
    expect([...back.stock!]).toEqual([[low, [5n]]]);
  });

  test('sparse and large field ids round-trip', () => {
    const value: W.Counts = { sparse_one: 1, sparse_hundred: 100, far_true: true, far_list: [4000] };
    expect(roundTrip(W.Counts, value, protocol)).toEqual(value);
  });
});

test('typedef chains alias the type and the codec', () => {
  expect(W.ShelfRef).toBe(W.Shelf);
  expect(W.ShelfAlias).toBe(W.Shelf);
  expect(W.BinAlias).toBe(W.Shelf);
  expect(W.GradeAlias).toBe(W.Grade);
  const shelf: W.BinAlias = W.BinAlias.create({ label: 'x' });
  expect(shelf).toEqual({ label: 'x', level: undefined });
});

describe('required fields that have a default', () => {
  test('create() fills the default; encode writes it', () => {
    const location = W.Location.create({ aisle: 'A1' });
    expect(location).toEqual({ aisle: 'A1', bay: 1, checked_at: 0n, bin: undefined, grade: W.Grade.SILVER });
    expect(deserialize(W.Location, serialize(W.Location, location))).toEqual(location);
  });

  test.each(PROTOCOLS)('absent on the wire is still an error on decode over %s (the default is not a value received)', (_name, protocol) => {
    const out = new GrowableBuffer();
    const writer = protocol.createWriter(out);
    writer.writeStructBegin('Location');
    writer.writeFieldBegin(TType.STRING, 1);
    writer.writeString('A1');
    writer.writeFieldEnd();
    writer.writeFieldStop();
    writer.writeStructEnd();
    writer.commit();
    const onlyAisle = out.toBuffer();
    expect(() => deserialize(W.Location, onlyAisle, protocol)).toThrow(TProtocolException);
    expect(() => deserialize(W.Location, onlyAisle, protocol)).toThrow(/Location\.bay \(field 2\) is required but was not in the input/);
  });
});
