import {
  I64_MAX,
  I64_MIN,
  TProtocolException,
  TProtocolExceptionType,
  TType,
  i64ToNumber,
  isUuid,
  type ProtocolReader,
  type ProtocolWriter,
} from '@thriftpoll/protocol';
import { resolveTypedef, type EnumDefinition, type Field, type Schema, type StructDefinition, type TypeRef } from '@thriftpoll/codegen';
import { GenericLoadError, GenericValueError } from './errors';
import { describeJson, isJsonObject, type JsonObject, type JsonValue } from './json';

/*
 * Codecs built from the schema model at run time: one small object per IDL type, composed like the types are.
 * Values are JSON-shaped (see docs/generic.md). Encoding checks every value before writing it and throws a
 * GenericValueError whose path is filled in on the way out (a try/catch per container level costs nothing until
 * something throws, unlike building a path string for every field).
 */

/** How decoded i64 values are given: decimal strings (exact, the protobuf JSON convention) or numbers (range-checked). */
export type Int64Mode = 'string' | 'number';

export interface ValueCodec {
  readonly ttype: TType;
  /** The IDL type, as messages and `--describe` show it: `i32`, `enum Operation`, `list<Work>`. */
  readonly label: string;
  /** The IDL spelling where it differs from `label` (`Work` for `struct Work`), for container labels. */
  readonly typeName?: string;
  /** Writes `value` (no field header). @throws GenericValueError with the path below this value. */
  write(writer: ProtocolWriter, value: unknown): void;
  read(reader: ProtocolReader): JsonValue;
  /** For map keys given as object keys: the key text as this codec's `write` takes it; absent when not allowed. */
  readonly fromKeyText?: (key: string) => unknown;
  /** Decoded maps with these keys are objects (string keys); others are `[[key, value], ...]`. */
  readonly textKeys?: boolean;
}

// Module constants: the package index re-exports these through getters, too slow to read once per field.
const STOP = TType.STOP;
const STRUCT = TType.STRUCT;
const MIN_I64 = I64_MIN;
const MAX_I64 = I64_MAX;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** Decimal text of an i64: through a number when exact (much faster than bigint's toString). */
function i64Text(value: bigint): string {
  return value >= MIN_SAFE && value <= MAX_SAFE ? String(Number(value)) : value.toString();
}

function refuse(expected: string, value: unknown, hint = ''): GenericValueError {
  return new GenericValueError(`expected ${expected}, got ${describeJson(value)}${hint}`);
}

/** Adds a path segment to a value error passing through a container. */
function within(error: unknown, segment: string): unknown {
  return error instanceof GenericValueError ? error.within(segment) : error;
}

const INTEGER_TEXT = /^-?\d{1,20}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*={0,2})$/;
const NON_FINITE: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

function integerKey(key: string): unknown {
  return INTEGER_TEXT.test(key) ? Number(key) : key;
}

function intCodec(
  ttype: TType,
  label: string,
  min: number,
  max: number,
  write: (writer: ProtocolWriter, value: number) => void,
  read: (reader: ProtocolReader) => number,
): ValueCodec {
  const expected = `${label} (an integer from ${min} to ${max})`;
  return {
    ttype,
    label,
    write(writer, value) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw refuse(expected, value);
      write(writer, value);
    },
    read,
    fromKeyText: integerKey,
  };
}

function i64Codec(mode: Int64Mode): ValueCodec {
  const expected = 'i64 (an integer, or a decimal string for any i64: -9223372036854775808 to 9223372036854775807)';
  return {
    ttype: TType.I64,
    label: 'i64',
    write(writer, value) {
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) {
          throw refuse(expected, value, Number.isInteger(value) ? '; a number beyond ±2^53 is not exact: give it as a string' : '');
        }
        writer.writeI64(BigInt(value));
        return;
      }
      const big = typeof value === 'bigint' ? value : typeof value === 'string' && INTEGER_TEXT.test(value) ? BigInt(value) : undefined;
      if (big === undefined || big < MIN_I64 || big > MAX_I64) throw refuse(expected, value);
      writer.writeI64(big);
    },
    read: mode === 'string' ? (reader) => i64Text(reader.readI64()) : (reader) => i64ToNumber(reader.readI64()),
    fromKeyText: (key) => key,
  };
}

function baseCodecs(mode: Int64Mode): Readonly<Record<string, ValueCodec>> {
  return {
    bool: {
      ttype: TType.BOOL,
      label: 'bool',
      write(writer, value) {
        if (typeof value !== 'boolean') throw refuse('bool (true or false)', value);
        writer.writeBool(value);
      },
      read: (reader) => reader.readBool(),
      fromKeyText: (key) => (key === 'true' ? true : key === 'false' ? false : key),
    },
    i8: intCodec(TType.BYTE, 'i8', -128, 127, (w, v) => w.writeByte(v), (r) => r.readByte()),
    i16: intCodec(TType.I16, 'i16', -32768, 32767, (w, v) => w.writeI16(v), (r) => r.readI16()),
    i32: intCodec(TType.I32, 'i32', -2147483648, 2147483647, (w, v) => w.writeI32(v), (r) => r.readI32()),
    i64: i64Codec(mode),
    double: {
      ttype: TType.DOUBLE,
      label: 'double',
      write(writer, value) {
        if (typeof value === 'number') writer.writeDouble(value);
        else if (typeof value === 'string' && value in NON_FINITE) writer.writeDouble(NON_FINITE[value]);
        else throw refuse('double (a number, or "NaN", "Infinity", "-Infinity")', value);
      },
      read(reader) {
        const value = reader.readDouble();
        return Number.isFinite(value) ? value : String(value);
      },
      fromKeyText: (key) => (key in NON_FINITE ? key : key.trim() !== '' && Number.isFinite(Number(key)) ? Number(key) : key),
    },
    string: {
      ttype: TType.STRING,
      label: 'string',
      write(writer, value) {
        if (typeof value !== 'string') throw refuse('string', value);
        writer.writeString(value);
      },
      read: (reader) => reader.readString(),
      fromKeyText: (key) => key,
      textKeys: true,
    },
    binary: {
      ttype: TType.STRING,
      label: 'binary',
      write(writer, value) {
        if (typeof value === 'string' && BASE64.test(value)) writer.writeBinary(Buffer.from(value, 'base64'));
        else if (value instanceof Uint8Array) writer.writeBinary(value);
        else throw refuse('binary (base64 text)', value);
      },
      read: (reader) => {
        const bytes = reader.readBinary();
        return (bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64');
      },
      fromKeyText: (key) => key,
    },
    uuid: {
      ttype: TType.UUID,
      label: 'uuid',
      write(writer, value) {
        if (!isUuid(value)) throw refuse('uuid (text like 123e4567-e89b-12d3-a456-426614174000)', value);
        writer.writeUuid(value);
      },
      read: (reader) => reader.readUuid(),
      fromKeyText: (key) => key,
    },
  };
}

function elementsMismatch(label: string, seen: TType, expected: TType): TProtocolException {
  return new TProtocolException(
    TProtocolExceptionType.INVALID_DATA,
    `${label}: elements of type ${TType[seen] ?? seen} received, ${TType[expected]} expected`,
  );
}

function listCodec(element: ValueCodec, kind: 'list' | 'set'): ValueCodec {
  const label = `${kind}<${element.typeName ?? element.label}>`;
  const isSet = kind === 'set';
  return {
    ttype: isSet ? TType.SET : TType.LIST,
    label,
    write(writer, value) {
      if (!Array.isArray(value)) throw refuse(`${label} (an array)`, value);
      const items = value as readonly unknown[];
      if (isSet) writer.writeSetBegin(element.ttype, items.length);
      else writer.writeListBegin(element.ttype, items.length);
      for (let i = 0; i < items.length; i++) {
        try {
          element.write(writer, items[i]);
        } catch (error) {
          throw within(error, `[${i}]`);
        }
      }
      if (isSet) writer.writeSetEnd();
      else writer.writeListEnd();
    },
    read(reader) {
      const header = isSet ? reader.readSetBegin() : reader.readListBegin();
      const size = header.size;
      if (size > 0 && header.elemType !== element.ttype) throw elementsMismatch(label, header.elemType, element.ttype);
      const items: JsonValue[] = [];
      for (let i = 0; i < size; i++) items.push(element.read(reader));
      if (isSet) reader.readSetEnd();
      else reader.readListEnd();
      return items;
    },
  };
}

function mapCodec(key: ValueCodec, value: ValueCodec): ValueCodec {
  const label = `map<${key.typeName ?? key.label}, ${value.typeName ?? value.label}>`;
  const forms = key.fromKeyText === undefined ? '[[key, value], ...]' : 'an object, or [[key, value], ...]';
  return {
    ttype: TType.MAP,
    label,
    write(writer, map) {
      if (Array.isArray(map)) {
        const entries = map as readonly unknown[];
        writer.writeMapBegin(key.ttype, value.ttype, entries.length);
        for (let i = 0; i < entries.length; i++) {
          const entry = entries[i];
          if (!Array.isArray(entry) || entry.length !== 2) throw refuse('a [key, value] pair', entry).within(`[${i}]`);
          try {
            key.write(writer, entry[0]);
          } catch (error) {
            throw within(error, `[${i}][0]`);
          }
          try {
            value.write(writer, entry[1]);
          } catch (error) {
            throw within(error, `[${i}][1]`);
          }
        }
      } else if (isJsonObject(map)) {
        const fromKeyText = key.fromKeyText;
        if (fromKeyText === undefined) throw refuse(`${label} (${forms}: its keys are not text)`, map);
        const keys = Object.keys(map);
        writer.writeMapBegin(key.ttype, value.ttype, keys.length);
        for (const text of keys) {
          try {
            key.write(writer, fromKeyText(text));
            value.write(writer, map[text]);
          } catch (error) {
            throw within(error, `[${JSON.stringify(text)}]`);
          }
        }
      } else {
        throw refuse(`${label} (${forms})`, map);
      }
      writer.writeMapEnd();
    },
    read(reader) {
      const header = reader.readMapBegin();
      const size = header.size;
      if (size > 0 && header.keyType !== key.ttype) throw elementsMismatch(`${label} keys`, header.keyType, key.ttype);
      if (size > 0 && header.valueType !== value.ttype) throw elementsMismatch(`${label} values`, header.valueType, value.ttype);
      let result: JsonValue;
      if (key.textKeys === true) {
        // No prototype: a key named "__proto__" from the peer is just a key.
        const object = Object.create(null) as Record<string, JsonValue>;
        for (let i = 0; i < size; i++) {
          const k = key.read(reader) as string;
          object[k] = value.read(reader);
        }
        result = object;
      } else {
        const pairs: JsonValue[] = [];
        for (let i = 0; i < size; i++) {
          const k = key.read(reader);
          pairs.push([k, value.read(reader)]);
        }
        result = pairs;
      }
      reader.readMapEnd();
      return result;
    },
  };
}

function enumCodec(definition: EnumDefinition, typeName: string): ValueCodec {
  const label = `enum ${typeName}`;
  const byName = new Map(definition.values.map((v) => [v.name, v.value]));
  const byValue = new Map(definition.values.map((v) => [v.value, v.name]));
  const names = definition.values.map((v) => v.name).join(', ');
  const hint = `; one of ${names || '(no values)'}, or an i32 number`;
  return {
    ttype: TType.I32,
    label,
    typeName,
    write(writer, value) {
      if (typeof value === 'string') {
        const number = byName.get(value);
        if (number === undefined) throw refuse(label, value, hint);
        writer.writeI32(number);
      } else if (typeof value === 'number' && Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) {
        writer.writeI32(value);
      } else {
        throw refuse(label, value, hint);
      }
    },
    // Values this IDL does not name (a newer peer's) are kept as their number.
    read: (reader) => {
      const number = reader.readI32();
      return byValue.get(number) ?? number;
    },
    fromKeyText: (key) => (byName.has(key) ? key : integerKey(key)),
  };
}

/** One field of a struct, union or exception (or of a method's args or result struct). */
export interface FieldCodec {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly codec: ValueCodec;
  /** The name is also an Object.prototype member (`constructor`): read it as an own property only. */
  readonly guarded: boolean;
}

/** Fields given that are `undefined` or `null` count as absent: nothing is written for them. */
function fieldValue(value: JsonObject, field: FieldCodec): unknown {
  if (field.guarded && !Object.prototype.hasOwnProperty.call(value, field.name)) return undefined;
  return (value as Record<string, unknown>)[field.name];
}

/**
 * A struct, union or exception: an object of its fields by IDL name. Absent fields stay absent both ways:
 * nothing is written for them, and they are not set on decoded objects (no defaults are filled in).
 */
export class StructValueCodec implements ValueCodec {
  readonly ttype = STRUCT;
  readonly label: string;
  readonly typeName: string;
  fields: readonly FieldCodec[] = [];
  /** Fields by id, in an array for the usual small positive ids (a Map lookup per field costs more). */
  private byId: (FieldCodec | undefined)[] = [];
  private byIdOther = new Map<number, FieldCodec>();
  private byName = new Map<string, FieldCodec>();
  private required: readonly FieldCodec[] = [];

  constructor(
    readonly kind: 'struct' | 'union' | 'exception',
    /** The IDL name (the struct's, or `<method>_args` / `<method>_result`). */
    readonly name: string,
    /** How messages name the value: `struct Work`, `the arguments of calculate`. */
    label: string = `${kind} ${name}`,
    typeName: string = name,
  ) {
    this.label = label;
    this.typeName = typeName;
  }

  /** @internal Set once, after the codec is cached, so recursive types can refer to it. */
  setFields(fields: readonly FieldCodec[]): void {
    this.fields = fields;
    this.byId = [];
    this.byIdOther = new Map();
    for (const f of fields) {
      if (f.id > 0 && f.id < 256) this.byId[f.id] = f;
      else this.byIdOther.set(f.id, f);
    }
    this.byName = new Map(fields.map((f) => [f.name, f]));
    this.required = fields.filter((f) => f.required);
  }

  encode(writer: ProtocolWriter, value: JsonObject): void {
    this.write(writer, value);
  }

  decode(reader: ProtocolReader): JsonObject {
    return this.read(reader);
  }

  write(writer: ProtocolWriter, value: unknown): void {
    if (!isJsonObject(value)) throw refuse(`${this.label} (an object of its fields by name)`, value);
    const fields = this.fields;
    let given = 0;
    if (this.kind === 'union') this.checkUnion(value);
    writer.writeStructBegin(this.name);
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      const fieldVal = fieldValue(value, field);
      if (fieldVal === undefined || fieldVal === null) {
        if (fieldVal === null) given++;
        if (field.required) throw new GenericValueError(`required field of ${this.label} is missing`, `.${field.name}`);
        continue;
      }
      given++;
      writer.writeFieldBegin(field.codec.ttype, field.id);
      try {
        field.codec.write(writer, fieldVal);
      } catch (error) {
        throw within(error, `.${field.name}`);
      }
      writer.writeFieldEnd();
    }
    if (given !== countKeys(value)) this.checkNames(value);
    writer.writeFieldStop();
    writer.writeStructEnd();
  }

  read(reader: ProtocolReader): JsonObject {
    const out: Record<string, JsonValue> = {};
    const byId = this.byId;
    let set = 0;
    reader.readStructBegin();
    for (;;) {
      const header = reader.readFieldBegin();
      const type = header.type;
      if (type === STOP) break;
      const id = header.id;
      const field = id > 0 && id < 256 ? byId[id] : this.byIdOther.get(id);
      // Unknown ids and known ids with another wire type are skipped, as generated code does.
      if (field !== undefined && field.codec.ttype === type) {
        out[field.name] = field.codec.read(reader);
        set++;
      } else {
        reader.skip(type);
      }
      reader.readFieldEnd();
    }
    reader.readStructEnd();
    if (this.kind === 'union') {
      if (set !== 1) throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `union ${this.name} must have exactly one field set, found ${set}`);
    } else {
      for (const field of this.required) {
        if (!(field.guarded ? Object.prototype.hasOwnProperty.call(out, field.name) : field.name in out)) {
          throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `${this.name}.${field.name} (field ${field.id}) is required but was not in the input`);
        }
      }
    }
    return out;
  }

  private checkUnion(value: JsonObject): void {
    this.checkNames(value);
    const set = this.fields.filter((f) => {
      const v = fieldValue(value, f);
      return v !== undefined && v !== null;
    });
    if (set.length !== 1) {
      const found = set.length === 0 ? 'none' : `${set.length} (${set.map((f) => f.name).join(', ')})`;
      throw new GenericValueError(`${this.label} takes exactly one of ${this.fields.map((f) => f.name).join(', ')}, found ${found}`);
    }
  }

  private checkNames(value: JsonObject): void {
    for (const key of Object.keys(value)) {
      if (!this.byName.has(key)) {
        const known = this.fields.map((f) => f.name).join(', ');
        throw new GenericValueError(`unknown field of ${this.label}; its fields are ${known || '(none)'}`, `.${key}`);
      }
    }
  }
}

function countKeys(value: object): number {
  let n = 0;
  for (const key in value) if ((value as Record<string, unknown>)[key] !== undefined) n++;
  return n;
}

/** Builds and caches the codecs of one schema's types. */
export class CodecBuilder {
  private readonly base: Readonly<Record<string, ValueCodec>>;
  private readonly named = new Map<string, ValueCodec>();

  constructor(
    readonly schema: Schema,
    readonly int64: Int64Mode,
  ) {
    this.base = baseCodecs(int64);
  }

  /** The codec of a type as the schema writes it. `from`: the module the reference appears in (names labels). */
  forType(type: TypeRef, from: string): ValueCodec {
    const t = resolveTypedef(type);
    switch (t.kind) {
      case 'list':
      case 'set':
        return listCodec(this.forType(t.elem, from), t.kind);
      case 'map':
        return mapCodec(this.forType(t.key, from), this.forType(t.value, from));
      case 'struct':
      case 'union':
      case 'exception':
      case 'enum':
      case 'senum':
        return this.definition(t.file, t.name, from);
      default:
        return this.base[t.kind];
    }
  }

  /** The codec of the struct, union or exception `name` declared in module `file`. */
  struct(file: string, name: string): StructValueCodec {
    const codec = this.definition(file, name, file);
    if (!(codec instanceof StructValueCodec)) throw new GenericLoadError(`${file}.${name} is not a struct, union or exception`);
    return codec;
  }

  /** A struct codec for a method's `<name>_args` or `<name>_result`, from its fields (not cached). */
  fieldStruct(name: string, label: string, fields: readonly Field[], from: string): StructValueCodec {
    const codec = new StructValueCodec('struct', name, label);
    codec.setFields(fields.map((f) => this.fieldCodec(f, from, false)));
    return codec;
  }

  private definition(file: string, name: string, from: string): ValueCodec {
    const key = `${file}.${name}`;
    const cached = this.named.get(key);
    if (cached !== undefined) return cached;
    const definition = this.schema.files[file]?.definitions.find((d) => d.name === name);
    if (definition === undefined) throw new GenericLoadError(`${key} is not defined in the loaded IDL`);
    const shown = file === from ? name : key;
    if (definition.kind === 'enum') {
      const codec = enumCodec(definition, shown);
      this.named.set(key, codec);
      return codec;
    }
    if (definition.kind === 'senum') {
      const codec: ValueCodec = { ...this.base.string, label: `senum ${shown}`, typeName: shown };
      this.named.set(key, codec);
      return codec;
    }
    if (definition.kind !== 'struct' && definition.kind !== 'union' && definition.kind !== 'exception') {
      throw new GenericLoadError(`${key} is a ${definition.kind}, not a type`);
    }
    const codec = new StructValueCodec(definition.kind, name, `${definition.kind} ${shown}`, shown);
    this.named.set(key, codec);
    codec.setFields((definition as StructDefinition).fields.map((f) => this.fieldCodec(f, file, definition.kind !== 'union')));
    return codec;
  }

  private fieldCodec(field: Field, from: string, honourRequired: boolean): FieldCodec {
    return {
      id: field.id,
      name: field.name,
      required: honourRequired && field.requiredness === 'required',
      codec: this.forType(field.type, from),
      guarded: field.name in Object.prototype,
    };
  }
}
