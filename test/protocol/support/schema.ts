import { TType } from '@thriftpoll/protocol';
import type { ProtocolReader, ProtocolWriter } from '@thriftpoll/protocol';

/**
 * A small type model for the tests: describes a Thrift value's type so that one generic encoder/decoder can drive
 * any ProtocolWriter/ProtocolReader (thriftpoll's, or Apache's through the adapters in apache.ts).
 *
 * Values: bool boolean; byte/i16/i32/double number; i64 bigint; string/uuid string; binary Uint8Array;
 * list/set arrays (order kept, so encodings can be compared byte for byte); map arrays of [key, value] entries;
 * struct plain objects keyed by field name (an absent key is an unset field).
 */
export type TypeDesc =
  | { kind: 'bool' }
  | { kind: 'byte' }
  | { kind: 'i16' }
  | { kind: 'i32' }
  | { kind: 'i64' }
  | { kind: 'double' }
  | { kind: 'string' }
  | { kind: 'binary' }
  | { kind: 'uuid' }
  | { kind: 'list'; elem: TypeDesc }
  | { kind: 'set'; elem: TypeDesc }
  | { kind: 'map'; key: TypeDesc; value: TypeDesc }
  | StructDesc;

export interface FieldDesc {
  id: number;
  name: string;
  type: TypeDesc;
}

export interface StructDesc {
  kind: 'struct';
  name: string;
  fields: FieldDesc[];
}

export type StructValue = Record<string, unknown>;

export const T = {
  bool: { kind: 'bool' } as TypeDesc,
  byte: { kind: 'byte' } as TypeDesc,
  i16: { kind: 'i16' } as TypeDesc,
  i32: { kind: 'i32' } as TypeDesc,
  i64: { kind: 'i64' } as TypeDesc,
  double: { kind: 'double' } as TypeDesc,
  string: { kind: 'string' } as TypeDesc,
  binary: { kind: 'binary' } as TypeDesc,
  uuid: { kind: 'uuid' } as TypeDesc,
  list: (elem: TypeDesc): TypeDesc => ({ kind: 'list', elem }),
  set: (elem: TypeDesc): TypeDesc => ({ kind: 'set', elem }),
  map: (key: TypeDesc, value: TypeDesc): TypeDesc => ({ kind: 'map', key, value }),
  struct: (name: string, fields: [number, string, TypeDesc][]): StructDesc => ({
    kind: 'struct',
    name,
    fields: fields.map(([id, fieldName, type]) => ({ id, name: fieldName, type })),
  }),
};

export function ttypeOf(desc: TypeDesc): TType {
  switch (desc.kind) {
    case 'bool':
      return TType.BOOL;
    case 'byte':
      return TType.BYTE;
    case 'i16':
      return TType.I16;
    case 'i32':
      return TType.I32;
    case 'i64':
      return TType.I64;
    case 'double':
      return TType.DOUBLE;
    case 'string':
    case 'binary':
      return TType.STRING;
    case 'uuid':
      return TType.UUID;
    case 'list':
      return TType.LIST;
    case 'set':
      return TType.SET;
    case 'map':
      return TType.MAP;
    case 'struct':
      return TType.STRUCT;
  }
}

export function writeValue(w: ProtocolWriter, desc: TypeDesc, value: unknown): void {
  switch (desc.kind) {
    case 'bool':
      return w.writeBool(value as boolean);
    case 'byte':
      return w.writeByte(value as number);
    case 'i16':
      return w.writeI16(value as number);
    case 'i32':
      return w.writeI32(value as number);
    case 'i64':
      return w.writeI64(value as bigint);
    case 'double':
      return w.writeDouble(value as number);
    case 'string':
      return w.writeString(value as string);
    case 'binary':
      return w.writeBinary(value as Uint8Array);
    case 'uuid':
      return w.writeUuid(value as string);
    case 'list':
    case 'set': {
      const items = value as unknown[];
      if (desc.kind === 'list') w.writeListBegin(ttypeOf(desc.elem), items.length);
      else w.writeSetBegin(ttypeOf(desc.elem), items.length);
      for (const item of items) writeValue(w, desc.elem, item);
      if (desc.kind === 'list') w.writeListEnd();
      else w.writeSetEnd();
      return;
    }
    case 'map': {
      const entries = value as [unknown, unknown][];
      w.writeMapBegin(ttypeOf(desc.key), ttypeOf(desc.value), entries.length);
      for (const [k, v] of entries) {
        writeValue(w, desc.key, k);
        writeValue(w, desc.value, v);
      }
      w.writeMapEnd();
      return;
    }
    case 'struct':
      return writeStruct(w, desc, value as StructValue);
  }
}

export function writeStruct(w: ProtocolWriter, desc: StructDesc, value: StructValue): void {
  w.writeStructBegin(desc.name);
  for (const field of desc.fields) {
    if (!(field.name in value)) continue;
    w.writeFieldBegin(ttypeOf(field.type), field.id);
    writeValue(w, field.type, value[field.name]);
    w.writeFieldEnd();
  }
  w.writeFieldStop();
  w.writeStructEnd();
}

export function readValue(r: ProtocolReader, desc: TypeDesc): unknown {
  switch (desc.kind) {
    case 'bool':
      return r.readBool();
    case 'byte':
      return r.readByte();
    case 'i16':
      return r.readI16();
    case 'i32':
      return r.readI32();
    case 'i64':
      return r.readI64();
    case 'double':
      return r.readDouble();
    case 'string':
      return r.readString();
    case 'binary':
      return Buffer.from(r.readBinary());
    case 'uuid':
      return r.readUuid();
    case 'list':
    case 'set': {
      const header = desc.kind === 'list' ? r.readListBegin() : r.readSetBegin();
      const items: unknown[] = [];
      for (let i = 0; i < header.size; i++) items.push(readValue(r, desc.elem));
      if (desc.kind === 'list') r.readListEnd();
      else r.readSetEnd();
      return items;
    }
    case 'map': {
      const header = r.readMapBegin();
      const entries: [unknown, unknown][] = [];
      for (let i = 0; i < header.size; i++) {
        const k = readValue(r, desc.key);
        entries.push([k, readValue(r, desc.value)]);
      }
      r.readMapEnd();
      return entries;
    }
    case 'struct':
      return readStruct(r, desc);
  }
}

/** Reads a struct; fields with an unknown id or an unexpected type are skipped, as generated code does. */
export function readStruct(r: ProtocolReader, desc: StructDesc): StructValue {
  const out: StructValue = {};
  r.readStructBegin();
  for (;;) {
    const header = r.readFieldBegin();
    const type = header.type;
    const id = header.id;
    if (type === TType.STOP) break;
    const field = desc.fields.find((f) => f.id === id);
    if (field !== undefined && ttypeOf(field.type) === type) out[field.name] = readValue(r, field.type);
    else r.skip(type);
    r.readFieldEnd();
  }
  r.readStructEnd();
  return out;
}

/** Normalizes binaries to Buffer (readers return Buffers) so that values compare with toEqual. */
export function normalize(desc: TypeDesc, value: unknown): unknown {
  switch (desc.kind) {
    case 'binary':
      return Buffer.from(value as Uint8Array);
    case 'uuid':
      return (value as string).toLowerCase();
    case 'list':
    case 'set':
      return (value as unknown[]).map((item) => normalize(desc.elem, item));
    case 'map':
      return (value as [unknown, unknown][]).map(([k, v]) => [normalize(desc.key, k), normalize(desc.value, v)]);
    case 'struct': {
      const out: StructValue = {};
      const struct = value as StructValue;
      for (const field of desc.fields) {
        if (field.name in struct) out[field.name] = normalize(field.type, struct[field.name]);
      }
      return out;
    }
    default:
      return value;
  }
}
