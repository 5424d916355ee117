import * as fc from 'fast-check';
import { findDefinition, resolveTypedef, type Field, type Schema, type StructDefinition, type TypeRef } from '@thriftpoll/codegen';

/**
 * fast-check arbitraries for IDL-shaped values, driven by the schema model: every value is one that the IDL
 * allows (enum values only, i64 over its whole range, doubles including -0, NaN and infinities, empty and non-empty
 * containers), and every field that may be absent (optional or default requiredness, without an IDL default) is
 * absent in some runs. Property names are the IDL names (the IDLs used have no names that need escaping). Fields with an IDL default are always set: an absent one decodes as the default (Apache's
 * rule), so it would not come back as it went in.
 *
 * `codecs` gives the generated modules by IDL module name; exceptions are built with their generated classes.
 */
export type GeneratedModules = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

type ExceptionClass = new (init: Record<string, unknown>) => object;

export interface ValueArbitraries {
  of(type: TypeRef): fc.Arbitrary<unknown>;
}

const MAX_ELEMENTS = 4;

export function valueArbitraries(schema: Schema, codecs: GeneratedModules): ValueArbitraries {
  const cache = new Map<string, fc.Arbitrary<unknown>>();

  function structDefinition(type: { file: string; name: string }): StructDefinition {
    const def = findDefinition(schema, type);
    if (!def || (def.kind !== 'struct' && def.kind !== 'union' && def.kind !== 'exception')) throw new Error(`not a struct type: ${type.file}.${type.name}`);
    return def;
  }

  function fieldArbitrary(f: Field): fc.Arbitrary<unknown> {
    const value = of(f.type);
    const mayBeAbsent = f.requiredness !== 'required' && f.default === undefined;
    return mayBeAbsent ? fc.option(value, { nil: undefined, freq: 3 }) : value;
  }

  function structArbitrary(type: { kind: 'struct' | 'union' | 'exception'; file: string; name: string }): fc.Arbitrary<unknown> {
    const key = `${type.file}.${type.name}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const def = structDefinition(type);
    let arb: fc.Arbitrary<unknown>;
    if (def.kind === 'union') {
      arb = fc.oneof(...def.fields.map((f) => of(f.type).map((v) => ({ [f.name]: v }))));
    } else {
      const fields: Record<string, fc.Arbitrary<unknown>> = {};
      for (const f of def.fields) fields[f.name] = fieldArbitrary(f);
      const record = fc.record(fields);
      if (def.kind === 'exception') {
        const Class = codecs[type.file]?.[type.name] as ExceptionClass | undefined;
        if (typeof Class !== 'function') throw new Error(`no generated class for exception ${key}`);
        // Leave absent fields out of the init entirely: an absent `message` must not become an own property.
        arb = record.map((r) => new Class(Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))));
      } else {
        arb = record;
      }
    }
    cache.set(key, arb);
    return arb;
  }

  function of(type: TypeRef): fc.Arbitrary<unknown> {
    const t = resolveTypedef(type);
    switch (t.kind) {
      case 'bool':
        return fc.boolean();
      case 'i8':
        return fc.integer({ min: -128, max: 127 });
      case 'i16':
        return fc.integer({ min: -32768, max: 32767 });
      case 'i32':
        return fc.integer({ min: -2147483648, max: 2147483647 });
      case 'i64':
        return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
      case 'double':
        return fc.oneof(fc.double(), fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, Number.MIN_VALUE));
      case 'string':
      case 'senum':
        return fc.oneof(fc.string({ maxLength: 8 }), fc.fullUnicodeString({ maxLength: 8 }));
      case 'binary':
        return fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a));
      case 'uuid':
        return fc.uuid();
      case 'enum': {
        const def = findDefinition(schema, t);
        if (!def || def.kind !== 'enum') throw new Error(`not an enum: ${t.file}.${t.name}`);
        return fc.constantFrom(...def.values.map((v) => v.value));
      }
      case 'list':
        return fc.array(of(t.elem), { maxLength: MAX_ELEMENTS });
      case 'set':
        return fc.array(of(t.elem), { maxLength: MAX_ELEMENTS }).map((a) => new Set(a));
      case 'map':
        return fc.array(fc.tuple(of(t.key), of(t.value)), { maxLength: MAX_ELEMENTS }).map((e) => new Map(e));
      case 'struct':
      case 'union':
      case 'exception':
        return structArbitrary(t);
      default:
        throw new Error(`no arbitrary for type ${JSON.stringify(t)}`);
    }
  }

  return { of };
}
