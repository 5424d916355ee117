import { TProtocolException, TProtocolExceptionType, TType, type ProtocolReader, type ProtocolWriter } from '@thriftpoll/protocol';
import { CodeFirstError, type StructClass, type ThriftType } from './types';

/*
 * How each code-first type is written and read: base types and containers here; decorated classes through the
 * `forStruct` argument (structs.ts passes its own, so this file does not import it back). Values are checked
 * before they are written, with the path of the value in the message.
 */

export interface TypeCodec {
  readonly ttype: TType;
  readonly label: string;
  write(writer: ProtocolWriter, value: unknown, path: string): void;
  read(reader: ProtocolReader): unknown;
}

export function expectType(ok: boolean, path: string, expected: string, value: unknown): void {
  if (!ok) {
    const seen = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `${path}: expected ${expected}, got ${seen}`);
  }
}

function intCodec(ttype: TType, label: string, min: number, max: number, write: (w: ProtocolWriter, v: number) => void, read: (r: ProtocolReader) => number): TypeCodec {
  return {
    ttype,
    label,
    write(writer, value, path) {
      expectType(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max, path, `an integer in [${min}, ${max}] (${label})`, value);
      write(writer, value as number);
    },
    read,
  };
}

const BASE_CODECS: Readonly<Record<string, TypeCodec>> = {
  bool: {
    ttype: TType.BOOL,
    label: 'bool',
    write(writer, value, path) {
      expectType(typeof value === 'boolean', path, 'a boolean', value);
      writer.writeBool(value as boolean);
    },
    read: (reader) => reader.readBool(),
  },
  byte: intCodec(TType.BYTE, 'byte', -128, 127, (w, v) => w.writeByte(v), (r) => r.readByte()),
  i8: intCodec(TType.BYTE, 'i8', -128, 127, (w, v) => w.writeByte(v), (r) => r.readByte()),
  i16: intCodec(TType.I16, 'i16', -32768, 32767, (w, v) => w.writeI16(v), (r) => r.readI16()),
  i32: intCodec(TType.I32, 'i32', -2147483648, 2147483647, (w, v) => w.writeI32(v), (r) => r.readI32()),
  i64: {
    ttype: TType.I64,
    label: 'i64',
    write(writer, value, path) {
      expectType(typeof value === 'bigint' && value >= -(2n ** 63n) && value < 2n ** 63n, path, 'a bigint in the i64 range', value);
      writer.writeI64(value as bigint);
    },
    read: (reader) => reader.readI64(),
  },
  double: {
    ttype: TType.DOUBLE,
    label: 'double',
    write(writer, value, path) {
      expectType(typeof value === 'number', path, 'a number', value);
      writer.writeDouble(value as number);
    },
    read: (reader) => reader.readDouble(),
  },
  string: {
    ttype: TType.STRING,
    label: 'string',
    write(writer, value, path) {
      expectType(typeof value === 'string', path, 'a string', value);
      writer.writeString(value as string);
    },
    read: (reader) => reader.readString(),
  },
  binary: {
    ttype: TType.STRING,
    label: 'binary',
    write(writer, value, path) {
      expectType(value instanceof Uint8Array, path, 'a Uint8Array', value);
      writer.writeBinary(value as Uint8Array);
    },
    read: (reader) => reader.readBinary(),
  },
  uuid: {
    ttype: TType.UUID,
    label: 'uuid',
    write(writer, value, path) {
      expectType(typeof value === 'string', path, 'a uuid string', value);
      writer.writeUuid(value as string);
    },
    read: (reader) => reader.readUuid(),
  },
};

function isStructClass(value: unknown): value is StructClass {
  return typeof value === 'function';
}

/** The codec of `type`; decorated classes get theirs from `forStruct` (they may be recursive). */
export function typeCodec(type: ThriftType, where: string, forStruct: (ctor: StructClass, where: string) => TypeCodec): TypeCodec {
  if (typeof type === 'string') {
    const codec = BASE_CODECS[type];
    if (codec === undefined) throw new CodeFirstError(`${where}: unknown Thrift type '${type}' (expected one of ${Object.keys(BASE_CODECS).join(', ')}, a decorated class, { list }, { set } or { map })`);
    return codec;
  }
  if (isStructClass(type)) return forStruct(type, where);
  if (typeof type === 'object' && type !== null) {
    if ('list' in type) return listCodec(typeCodec(type.list, `${where} list element`, forStruct), false);
    if ('set' in type) return listCodec(typeCodec(type.set, `${where} set element`, forStruct), true);
    if ('map' in type && Array.isArray(type.map) && type.map.length === 2) {
      return mapCodec(typeCodec(type.map[0], `${where} map key`, forStruct), typeCodec(type.map[1], `${where} map value`, forStruct));
    }
  }
  throw new CodeFirstError(`${where}: not a Thrift type: ${String(type)}`);
}

function listCodec(element: TypeCodec, isSet: boolean): TypeCodec {
  const label = `${isSet ? 'set' : 'list'}<${element.label}>`;
  return {
    ttype: isSet ? TType.SET : TType.LIST,
    label,
    write(writer, value, path) {
      if (isSet) {
        expectType(value instanceof Set, path, `a Set (${label})`, value);
        const set = value as Set<unknown>;
        writer.writeSetBegin(element.ttype, set.size);
        let i = 0;
        for (const item of set) element.write(writer, item, `${path}[${i++}]`);
        writer.writeSetEnd();
      } else {
        expectType(Array.isArray(value), path, `an array (${label})`, value);
        const list = value as unknown[];
        writer.writeListBegin(element.ttype, list.length);
        for (let i = 0; i < list.length; i++) element.write(writer, list[i], `${path}[${i}]`);
        writer.writeListEnd();
      }
    },
    read(reader) {
      if (isSet) {
        const header = reader.readSetBegin();
        checkElementType(header.elemType, element, label);
        const set = new Set<unknown>();
        for (let i = 0; i < header.size; i++) set.add(element.read(reader));
        reader.readSetEnd();
        return set;
      }
      const header = reader.readListBegin();
      checkElementType(header.elemType, element, label);
      const list: unknown[] = [];
      for (let i = 0; i < header.size; i++) list.push(element.read(reader));
      reader.readListEnd();
      return list;
    },
  };
}

function mapCodec(key: TypeCodec, value: TypeCodec): TypeCodec {
  const label = `map<${key.label}, ${value.label}>`;
  return {
    ttype: TType.MAP,
    label,
    write(writer, map, path) {
      expectType(map instanceof Map, path, `a Map (${label})`, map);
      const entries = map as Map<unknown, unknown>;
      writer.writeMapBegin(key.ttype, value.ttype, entries.size);
      for (const [k, v] of entries) {
        key.write(writer, k, `${path} key`);
        value.write(writer, v, `${path}[${String(k)}]`);
      }
      writer.writeMapEnd();
    },
    read(reader) {
      const header = reader.readMapBegin();
      if (header.size > 0) {
        checkElementType(header.keyType, key, label);
        checkElementType(header.valueType, value, label);
      }
      const map = new Map<unknown, unknown>();
      for (let i = 0; i < header.size; i++) {
        const k = key.read(reader);
        map.set(k, value.read(reader));
      }
      reader.readMapEnd();
      return map;
    },
  };
}

export function checkElementType(seen: TType, expected: TypeCodec, label: string): void {
  if (seen !== expected.ttype) {
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `${label}: elements of type ${TType[seen] ?? seen} received, ${TType[expected.ttype]} expected`,
    );
  }
}
