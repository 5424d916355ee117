import {
  TProtocolException,
  TProtocolExceptionType,
  TType,
  type ProtocolReader,
  type ProtocolWriter,
  type StructCodec,
} from '@thriftpoll/protocol';
import { checkId, classKey, isStandardContext, memberKey, type ClassDecorator, type FieldDecorator } from './decorator-context';
import { expectType, typeCodec, type TypeCodec } from './type-codecs';
import { CodeFirstError, type FieldOptions, type StructClass, type ThriftType } from './types';

/*
 * Structs, unions and exceptions: @Field declarations gathered per class, resolved on first use (so fields may
 * name classes declared later), encoded and decoded like generated code does (fields in id order, unknown or
 * mistyped fields skipped, required fields checked both ways, unions with exactly one field set).
 */

export type StructKind = 'struct' | 'union' | 'exception';

interface FieldDeclaration {
  readonly id: number;
  readonly property: string;
  readonly name: string;
  readonly type: ThriftType | undefined;
  /** reflect-metadata's design:type, for inference (legacy decorators only). */
  readonly designType: unknown;
  readonly required: boolean;
}

interface FieldInfo {
  readonly id: number;
  readonly property: string;
  readonly name: string;
  readonly codec: TypeCodec;
  readonly required: boolean;
}

interface StructInfo {
  readonly kind: StructKind;
  readonly name: string;
  readonly ctor: StructClass;
  /** Resolved on first use, so that fields may refer to classes declared later. */
  fields: FieldInfo[] | undefined;
  readonly declarations: readonly FieldDeclaration[];
}

export const STRUCTS = new WeakMap<object, StructInfo>();
/** Field declarations gathered before their class decorator runs, keyed by constructor (legacy) or metadata. */
const PENDING_FIELDS = new WeakMap<object, FieldDeclaration[]>();

function pendingFields(key: object): FieldDeclaration[] {
  let list = PENDING_FIELDS.get(key);
  if (list === undefined) {
    list = [];
    PENDING_FIELDS.set(key, list);
  }
  return list;
}

export function inferType(designType: unknown, where: string): ThriftType {
  if (designType === String) return 'string';
  if (designType === Boolean) return 'bool';
  if (designType === Uint8Array || designType === Buffer) return 'binary';
  if (typeof BigInt === 'function' && designType === BigInt) return 'i64';
  if (typeof designType === 'function' && STRUCTS.has(designType)) return designType as StructClass;
  if (designType === Number) {
    throw new CodeFirstError(`${where}: type Number is ambiguous (byte, i16, i32 or double): name the Thrift type, e.g. 'i32'`);
  }
  throw new CodeFirstError(
    `${where}: the Thrift type cannot be inferred${designType === undefined ? ' (no type metadata: standard decorators, or emitDecoratorMetadata off)' : ` from ${describeType(designType)}`}: name it, e.g. 'string', { list: 'i32' } or a decorated class`,
  );
}

export function describeType(type: unknown): string {
  return typeof type === 'function' ? type.name || 'an anonymous class' : String(type);
}

export function structInfo(ctor: StructClass, where: string): StructInfo {
  const info = STRUCTS.get(ctor);
  if (info === undefined) {
    throw new CodeFirstError(`${where}: ${describeType(ctor)} is not decorated with @Struct, @Union or @Exception`);
  }
  if (info.fields === undefined) {
    info.fields = info.declarations
      .map((d) => ({
        id: d.id,
        property: d.property,
        name: d.name,
        required: d.required,
        codec: codecFor(d.type ?? inferType(d.designType, `${info.name}.${d.property}`), `${info.name}.${d.property}`),
      }))
      .sort((x, y) => x.id - y.id);
  }
  return info;
}

export function encodeStruct(info: StructInfo, writer: ProtocolWriter, value: unknown, path: string): void {
  expectType(typeof value === 'object' && value !== null, path, `a ${info.name} object`, value);
  const record = value as Record<string, unknown>;
  const fields = info.fields as FieldInfo[];
  writer.writeStructBegin(info.name);
  let set = 0;
  for (const field of fields) {
    const fieldValue = record[field.property];
    if (fieldValue === undefined || fieldValue === null) {
      if (field.required) {
        throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `required field ${info.name}.${field.name} (${field.id}) is unset`);
      }
      continue;
    }
    set++;
    writer.writeFieldBegin(field.codec.ttype, field.id);
    field.codec.write(writer, fieldValue, `${path}.${field.name}`);
    writer.writeFieldEnd();
  }
  if (info.kind === 'union' && set !== 1) {
    throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `union ${info.name} must have exactly one field set, ${set} are`);
  }
  writer.writeFieldStop();
  writer.writeStructEnd();
}

export function decodeStruct(info: StructInfo, reader: ProtocolReader): object {
  const fields = info.fields as FieldInfo[];
  const instance = new info.ctor() as Record<string, unknown>;
  let seen = 0; // bit i: fields[i] was read (fields beyond 31 are tracked in `seenMore`)
  let seenMore: Set<number> | undefined;
  let set = 0;
  reader.readStructBegin();
  for (;;) {
    const header = reader.readFieldBegin();
    if (header.type === TType.STOP) break;
    const index = fieldIndex(fields, header.id);
    const field = index < 0 ? undefined : fields[index];
    if (field === undefined || field.codec.ttype !== header.type) {
      reader.skip(header.type);
    } else {
      instance[field.property] = field.codec.read(reader);
      set++;
      if (index < 31) seen |= 1 << index;
      else (seenMore ??= new Set()).add(index);
    }
    reader.readFieldEnd();
  }
  reader.readStructEnd();
  for (let i = 0; i < fields.length; i++) {
    if (fields[i].required && !(i < 31 ? (seen & (1 << i)) !== 0 : seenMore?.has(i) === true)) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `required field ${info.name}.${fields[i].name} (${fields[i].id}) is missing`);
    }
  }
  if (info.kind === 'union' && set !== 1) {
    throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `union ${info.name} must have exactly one field set, ${set} are`);
  }
  return instance;
}

function fieldIndex(fields: readonly FieldInfo[], id: number): number {
  for (let i = 0; i < fields.length; i++) if (fields[i].id === id) return i;
  return -1;
}

export function structTypeCodec(ctor: StructClass, where: string): TypeCodec {
  // Resolved lazily: a field may name a class whose own fields are not known yet (recursive types).
  let info: StructInfo | undefined;
  const resolve = (): StructInfo => (info ??= structInfo(ctor, where));
  if (!STRUCTS.has(ctor)) resolve(); // fail early on undecorated classes
  return {
    ttype: TType.STRUCT,
    get label() {
      return resolve().name;
    },
    write: (writer, value, path) => encodeStruct(resolve(), writer, value, path),
    read: (reader) => decodeStruct(resolve(), reader),
  };
}

/** The codec of any code-first type, decorated classes included. */
export function codecFor(type: ThriftType, where: string): TypeCodec {
  return typeCodec(type, where, structTypeCodec);
}

/** The StructCodec of a decorated class (what generated code exposes as the struct's companion value). */
export function structCodec<T extends object>(ctor: StructClass<T>): StructCodec<T> {
  const name = describeType(ctor);
  return {
    encode: (writer, value) => encodeStruct(structInfo(ctor, name), writer, value, structInfo(ctor, name).name),
    decode: (reader) => decodeStruct(structInfo(ctor, name), reader) as T,
  };
}

/**
 * Declares a Thrift field. `type` may be left out with legacy decorators when reflect-metadata can tell it
 * (string, boolean, Uint8Array, bigint as i64, a decorated class).
 */
export function Field(id: number, type?: ThriftType, options: FieldOptions = {}): FieldDecorator {
  return ((target: unknown, keyOrContext: unknown): void => {
    const property = String(isStandardContext(keyOrContext) ? keyOrContext.name : keyOrContext);
    const where = `@Field(${String(id)}) ${property}`;
    checkId(id, where, 1);
    const designType = isStandardContext(keyOrContext) ? undefined : Reflect.getMetadata('design:type', target as object, property);
    pendingFields(memberKey(isStandardContext(keyOrContext) ? keyOrContext : target, where)).push({
      id,
      property,
      name: options.name ?? property,
      type,
      designType,
      required: options.required ?? false,
    });
  }) as FieldDecorator;
}

function structDecorator(kind: StructKind, name: string | undefined): ClassDecorator {
  return ((ctor: StructClass, context?: unknown): void => {
    const structName = name ?? ctor.name;
    const where = `@${kind === 'struct' ? 'Struct' : kind === 'union' ? 'Union' : 'Exception'} ${structName}`;
    let declarations: FieldDeclaration[] = [];
    for (const key of classKey(ctor, context)) declarations = declarations.concat(PENDING_FIELDS.get(key) ?? []);
    const ids = new Set<number>();
    for (const declaration of declarations) {
      if (ids.has(declaration.id)) throw new CodeFirstError(`${where}: field id ${declaration.id} is used twice`);
      ids.add(declaration.id);
    }
    if (kind === 'union' && declarations.some((d) => d.required)) throw new CodeFirstError(`${where}: union fields cannot be required`);
    STRUCTS.set(ctor, { kind, name: structName, ctor, fields: undefined, declarations });
  }) as ClassDecorator;
}

/** Declares a Thrift struct. Default name: the class name. */
export function Struct(name?: string): ClassDecorator {
  return structDecorator('struct', name);
}

/** Declares a Thrift union: exactly one field set, checked on encode and decode. */
export function Union(name?: string): ClassDecorator {
  return structDecorator('union', name);
}

/** Declares a Thrift exception. The class should extend `ThriftError` so that it can be thrown and caught. */
export function Exception(name?: string): ClassDecorator {
  return structDecorator('exception', name);
}
