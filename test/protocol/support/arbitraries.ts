import * as fc from 'fast-check';
import { T } from './schema';
import type { FieldDesc, StructDesc, TypeDesc } from './schema';

/**
 * fast-check generators of struct shapes (any nesting of containers and structs, sparse field ids over the whole
 * i16 range) and of values for a shape.
 */
const LEAVES: TypeDesc[] = [T.bool, T.byte, T.i16, T.i32, T.i64, T.double, T.string, T.binary, T.uuid];

export function typeArb(depth: number): fc.Arbitrary<TypeDesc> {
  const leaf = fc.constantFrom(...LEAVES);
  if (depth <= 0) return leaf;
  const inner = typeArb(depth - 1);
  return fc.oneof(
    { arbitrary: leaf, weight: 4 },
    { arbitrary: inner.map((elem) => T.list(elem)), weight: 1 },
    { arbitrary: inner.map((elem) => T.set(elem)), weight: 1 },
    { arbitrary: fc.tuple(inner, inner).map(([key, value]) => T.map(key, value)), weight: 1 },
    { arbitrary: structArb(depth - 1), weight: 1 },
  );
}

export function structArb(depth: number): fc.Arbitrary<StructDesc> {
  return fc
    .uniqueArray(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: -32768, max: 32767 })), { maxLength: 7 })
    .chain((ids) =>
      fc.tuple(...ids.map(() => typeArb(depth))).map((types) => {
        const fields: FieldDesc[] = ids.map((id, i) => ({ id, name: `f${id < 0 ? `m${-id}` : id}`, type: types[i] }));
        return { kind: 'struct', name: 'S', fields } as StructDesc;
      }),
    );
}

export interface ValueOptions {
  /** Maps a generated double to the one to use (e.g. to stay clear of a peer's known encoding bugs). */
  double?: (value: number) => number;
  /** Most elements in one list or set, and most entries in one map (default 18). */
  maxItems?: number;
}

const MAX_ITEMS = 18;

const LONG_STRINGS = ['x'.repeat(200), 'é'.repeat(100), '😀'.repeat(70)];

export function valueArb(desc: TypeDesc, options: ValueOptions = {}): fc.Arbitrary<unknown> {
  switch (desc.kind) {
    case 'bool':
      return fc.boolean();
    case 'byte':
      return fc.integer({ min: -128, max: 127 });
    case 'i16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'i32':
      return fc.oneof(fc.integer(), fc.integer({ min: -200, max: 200 }));
    case 'i64':
      return fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -5000n, max: 5000n }), fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n));
    case 'double': {
      const map = options.double;
      return map === undefined ? fc.double() : fc.double().map(map);
    }
    case 'string':
      return fc.oneof(fc.string({ maxLength: 30 }), fc.fullUnicodeString({ maxLength: 30 }), fc.constantFrom(...LONG_STRINGS));
    case 'binary':
      return fc.uint8Array({ maxLength: 40 });
    case 'uuid':
      return fc.uuid().chain((u) => fc.constantFrom(u, u.toUpperCase()));
    case 'list':
    case 'set':
      return fc.array(valueArb(desc.elem, options), { maxLength: options.maxItems ?? MAX_ITEMS });
    case 'map':
      return fc.array(fc.tuple(valueArb(desc.key, options), valueArb(desc.value, options)), { maxLength: options.maxItems ?? MAX_ITEMS });
    case 'struct': {
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const field of desc.fields) shape[field.name] = valueArb(field.type, options);
      return fc.record(shape, { requiredKeys: [] });
    }
  }
}

/** A struct shape and a value of it. */
export function structWithValue(depth: number, options: ValueOptions = {}): fc.Arbitrary<{ desc: StructDesc; value: Record<string, unknown> }> {
  return structArb(depth).chain((desc) => valueArb(desc, options).map((value) => ({ desc, value: value as Record<string, unknown> })));
}
