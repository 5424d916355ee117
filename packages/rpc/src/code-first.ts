import 'reflect-metadata';
import {
  TApplicationException,
  TApplicationExceptionType,
  TProtocolException,
  TProtocolExceptionType,
  TType,
  type CallOptions,
  type Invoker,
  type MethodDescriptor,
  type ProtocolReader,
  type ProtocolWriter,
  type ServerCallContext,
  type ServiceDescriptor,
  type StructCodec,
} from '@thriftpoll/protocol';

/*
 * Code-first services: describe Thrift structs, exceptions and services with decorators on TypeScript classes,
 * without an IDL. The decorators produce the same StructCodec / ServiceDescriptor the IDL compiler generates, so
 * `createServer` and `createClient` take decorated classes as they take generated descriptors, and the wire format
 * is exactly what the equivalent IDL produces (Apache and Kitex peers interoperate).
 *
 *   @Struct()
 *   class Request {
 *     @Field(1, 'string', { required: true }) action = '';
 *     @Field(2, 'string', { required: true }) msg = '';
 *   }
 *
 *   @Service('EchoServer')
 *   class Echo {
 *     @Method({ args: [Request], returns: Response })
 *     async echo(req: Request, ctx: ServerCallContext): Promise<Response> { ... }
 *   }
 *
 * Both decorator flavours work:
 * - TypeScript's legacy decorators (`experimentalDecorators` + `emitDecoratorMetadata`): field types and method
 *   argument types may be left out where reflect-metadata can tell them (string, boolean, Uint8Array, decorated
 *   classes), and arguments may be declared with `@Arg(id)` parameter decorators;
 * - standard (TC39) decorators, TypeScript 5's default: types are given explicitly (there is no type metadata and
 *   no parameter decorators). This module defines `Symbol.metadata` if the runtime lacks it (Node 20), as
 *   TypeScript requires for decorator metadata.
 *
 * Decoding creates instances with `new Class()`: decorated classes must be constructible without arguments, and
 * their field initialisers are the defaults. Fields are the class's own (decorated fields are not inherited).
 */

// Standard decorators keep per-class data in context.metadata, which TypeScript creates only if Symbol.metadata
// exists when the class is defined; importing this module first guarantees that.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

/** A Thrift type, as code-first declarations name it. */
export type ThriftType =
  | 'bool'
  | 'byte'
  | 'i8'
  | 'i16'
  | 'i32'
  | 'i64'
  | 'double'
  | 'string'
  | 'binary'
  | 'uuid'
  | StructClass
  | { readonly list: ThriftType }
  | { readonly set: ThriftType }
  | { readonly map: readonly [ThriftType, ThriftType] };

/** A class decorated with @Struct, @Union or @Exception. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StructClass<T extends object = object> = new (...args: any[]) => T;

export interface FieldOptions {
  /** Encoding fails without it and decoding checks it. Default false (Thrift's default requiredness). */
  required?: boolean;
  /** The Thrift field name, for messages and Apache-compatible struct names. Default: the property name. */
  name?: string;
}

/** Decorator errors: a declaration that cannot describe a Thrift type. Thrown when the class is defined. */
export class CodeFirstError extends TypeError {
  readonly code = 'ERR_CODE_FIRST';
  constructor(message: string) {
    super(message);
    this.name = 'CodeFirstError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Type codecs

interface TypeCodec {
  readonly ttype: TType;
  readonly label: string;
  write(writer: ProtocolWriter, value: unknown, path: string): void;
  read(reader: ProtocolReader): unknown;
}

function expectType(ok: boolean, path: string, expected: string, value: unknown): void {
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

function codecFor(type: ThriftType, where: string): TypeCodec {
  if (typeof type === 'string') {
    const codec = BASE_CODECS[type];
    if (codec === undefined) throw new CodeFirstError(`${where}: unknown Thrift type '${type}' (expected one of ${Object.keys(BASE_CODECS).join(', ')}, a decorated class, { list }, { set } or { map })`);
    return codec;
  }
  if (isStructClass(type)) return structTypeCodec(type, where);
  if (typeof type === 'object' && type !== null) {
    if ('list' in type) return listCodec(codecFor(type.list, `${where} list element`), false);
    if ('set' in type) return listCodec(codecFor(type.set, `${where} set element`), true);
    if ('map' in type && Array.isArray(type.map) && type.map.length === 2) {
      return mapCodec(codecFor(type.map[0], `${where} map key`), codecFor(type.map[1], `${where} map value`));
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

function checkElementType(seen: TType, expected: TypeCodec, label: string): void {
  if (seen !== expected.ttype) {
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `${label}: elements of type ${TType[seen] ?? seen} received, ${TType[expected.ttype]} expected`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Structs

type StructKind = 'struct' | 'union' | 'exception';

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

const STRUCTS = new WeakMap<object, StructInfo>();
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

function inferType(designType: unknown, where: string): ThriftType {
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

function describeType(type: unknown): string {
  return typeof type === 'function' ? type.name || 'an anonymous class' : String(type);
}

function structInfo(ctor: StructClass, where: string): StructInfo {
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

function encodeStruct(info: StructInfo, writer: ProtocolWriter, value: unknown, path: string): void {
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

function decodeStruct(info: StructInfo, reader: ProtocolReader): object {
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

function structTypeCodec(ctor: StructClass, where: string): TypeCodec {
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

/** The StructCodec of a decorated class (what generated code exposes as the struct's companion value). */
export function structCodec<T extends object>(ctor: StructClass<T>): StructCodec<T> {
  const name = describeType(ctor);
  return {
    encode: (writer, value) => encodeStruct(structInfo(ctor, name), writer, value, structInfo(ctor, name).name),
    decode: (reader) => decodeStruct(structInfo(ctor, name), reader) as T,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Decorator plumbing shared by both flavours

interface StandardContext {
  readonly kind: string;
  readonly name: string | symbol;
  readonly metadata?: object;
  readonly static?: boolean;
}

function isStandardContext(value: unknown): value is StandardContext {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

/** The key under which a class's member declarations are gathered until its class decorator runs. */
function memberKey(targetOrContext: unknown, where: string): object {
  if (isStandardContext(targetOrContext)) {
    if (targetOrContext.metadata === undefined) throw new CodeFirstError(`${where}: decorator metadata is unavailable (Symbol.metadata)`);
    if (targetOrContext.static) throw new CodeFirstError(`${where}: static members cannot be Thrift fields or methods`);
    return targetOrContext.metadata;
  }
  // Legacy: the prototype for instance members.
  const target = targetOrContext as { constructor?: unknown };
  if (typeof target === 'function') throw new CodeFirstError(`${where}: static members cannot be Thrift fields or methods`);
  return target.constructor as object;
}

function classKey(ctor: unknown, context: unknown): object[] {
  const keys: object[] = [ctor as object];
  if (isStandardContext(context) && context.metadata !== undefined) keys.push(context.metadata);
  return keys;
}

/** A field decorator in either flavour. */
export type FieldDecorator = {
  (target: object, propertyKey: string | symbol): void;
  (value: undefined, context: ClassFieldDecoratorContext): void;
};

/** A class decorator in either flavour. */
export type ClassDecorator = {
  <C extends StructClass>(ctor: C): void;
  <C extends StructClass>(ctor: C, context: ClassDecoratorContext): void;
};

/** A method decorator in either flavour. */
export type MethodDecorator = {
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void;
  (value: (...args: never[]) => unknown, context: ClassMethodDecoratorContext): void;
};

function checkId(id: unknown, where: string, min: number): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < min || id > 32767) {
    throw new CodeFirstError(`${where}: field id must be an integer in [${min}, 32767], got ${String(id)}`);
  }
  return id;
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

// ---------------------------------------------------------------------------------------------------------------
// Services

/** An argument or declared exception: a type (ids 1, 2, ... in order) or an explicit id. */
export type ArgDeclaration = ThriftType | { readonly id: number; readonly type: ThriftType; readonly name?: string };
export type ThrowsDeclaration = StructClass | { readonly id: number; readonly type: StructClass; readonly name?: string };

export interface MethodOptions {
  /** The method name on the wire. Default: the property name. */
  name?: string;
  /**
   * The arguments in order. May be left out with legacy decorators: then `@Arg(id)` parameter decorators, or
   * else the parameter types (reflect-metadata) with ids 1, 2, ... — the trailing call-context parameter excluded.
   */
  args?: readonly ArgDeclaration[];
  /** The result type; omitted means `void`. */
  returns?: ThriftType | 'void';
  /** Declared exceptions (classes decorated with @Exception), ids 1, 2, ... unless given. */
  throws?: readonly ThrowsDeclaration[];
  /** A oneway method gets no reply; it must return void and declare no exceptions. */
  oneway?: boolean;
}

interface MethodDeclaration {
  readonly property: string;
  readonly options: MethodOptions;
  readonly paramTypes: readonly unknown[] | undefined;
}

interface ParamDeclaration {
  readonly property: string;
  readonly index: number;
  readonly id: number;
  readonly type: ThriftType | undefined;
  readonly name: string | undefined;
}

const PENDING_METHODS = new WeakMap<object, MethodDeclaration[]>();
const PENDING_PARAMS = new WeakMap<object, ParamDeclaration[]>();
const SERVICES = new WeakMap<object, ServiceDescriptor>();

/** Declares a service method (see MethodOptions). */
export function Method(options: MethodOptions = {}): MethodDecorator {
  return ((target: unknown, keyOrContext: unknown): void => {
    const property = String(isStandardContext(keyOrContext) ? keyOrContext.name : keyOrContext);
    const where = `@Method ${property}`;
    const paramTypes = isStandardContext(keyOrContext) ? undefined : (Reflect.getMetadata('design:paramtypes', target as object, property) as unknown[] | undefined);
    const key = memberKey(isStandardContext(keyOrContext) ? keyOrContext : target, where);
    let list = PENDING_METHODS.get(key);
    if (list === undefined) PENDING_METHODS.set(key, (list = []));
    list.push({ property, options, paramTypes });
  }) as MethodDecorator;
}

/** Legacy decorators only: declares a method parameter as Thrift argument `id` (type inferred unless given). */
export function Arg(id: number, type?: ThriftType, name?: string): (target: object, propertyKey: string | symbol, index: number) => void {
  return (target, propertyKey, index) => {
    const where = `@Arg(${String(id)}) of ${String(propertyKey)}`;
    checkId(id, where, 1);
    const key = memberKey(target, where);
    let list = PENDING_PARAMS.get(key);
    if (list === undefined) PENDING_PARAMS.set(key, (list = []));
    list.push({ property: String(propertyKey), index, id, type, name });
  };
}

export interface ServiceOptions {
  /** A decorated service class this one extends (its methods are served and callable too). */
  extends?: StructClass;
}

/** Declares a service. Default name: the class name. */
export function Service(name?: string, options: ServiceOptions = {}): ClassDecorator {
  return ((ctor: StructClass, context?: unknown): void => {
    const serviceName = name ?? ctor.name;
    let methods: MethodDeclaration[] = [];
    let params: ParamDeclaration[] = [];
    for (const key of classKey(ctor, context)) {
      methods = methods.concat(PENDING_METHODS.get(key) ?? []);
      params = params.concat(PENDING_PARAMS.get(key) ?? []);
    }
    const parent = options.extends === undefined ? undefined : serviceDescriptor(options.extends);
    SERVICES.set(ctor, buildService(serviceName, methods, params, parent));
  }) as ClassDecorator;
}

/** The ServiceDescriptor of a class decorated with @Service. */
export function serviceDescriptor<C extends object>(ctor: StructClass<C>): ServiceDescriptor<CodeFirstClient<C>, C> {
  const descriptor = SERVICES.get(ctor);
  if (descriptor === undefined) throw new CodeFirstError(`${describeType(ctor)} is not decorated with @Service`);
  return descriptor as ServiceDescriptor<CodeFirstClient<C>, C>;
}

/** True for classes decorated with @Service. */
export function isCodeFirstService(value: unknown): value is StructClass {
  return typeof value === 'function' && SERVICES.has(value);
}

interface ArgInfo {
  readonly id: number;
  readonly name: string;
  readonly codec: TypeCodec;
}

interface ThrowsInfo {
  readonly id: number;
  readonly name: string;
  readonly ctor: StructClass;
  readonly codec: TypeCodec;
}

function buildService(
  serviceName: string,
  declarations: readonly MethodDeclaration[],
  params: readonly ParamDeclaration[],
  parent: ServiceDescriptor | undefined,
): ServiceDescriptor {
  const methods: Record<string, MethodDescriptor> = { ...(parent?.methods ?? {}) };
  for (const declaration of declarations) {
    const method = buildMethod(serviceName, declaration, params.filter((p) => p.property === declaration.property));
    if (Object.prototype.hasOwnProperty.call(methods, method.name) && methods[method.name].serviceName === serviceName) {
      throw new CodeFirstError(`@Service ${serviceName}: method name '${method.name}' is declared twice`);
    }
    methods[method.name] = method;
  }
  const descriptor: ServiceDescriptor = {
    name: serviceName,
    methods,
    parent,
    createClient: (invoker: Invoker) => createCodeFirstClient(descriptor, invoker),
  };
  return descriptor;
}

function buildMethod(serviceName: string, declaration: MethodDeclaration, params: readonly ParamDeclaration[]): MethodDescriptor {
  const { options, property } = declaration;
  const name = options.name ?? property;
  const where = `@Method ${serviceName}.${name}`;
  if (typeof name !== 'string' || name.length === 0 || name.includes(':')) throw new CodeFirstError(`${where}: invalid method name`);

  // Arguments: explicit list, else @Arg parameters, else the parameter types.
  let args: ArgInfo[];
  if (options.args !== undefined) {
    args = options.args.map((arg, index) => {
      const explicit = typeof arg === 'object' && arg !== null && 'id' in arg && 'type' in arg;
      const id = explicit ? checkId(arg.id, `${where} args[${index}]`, 1) : index + 1;
      const type = explicit ? arg.type : (arg as ThriftType);
      return { id, name: (explicit ? arg.name : undefined) ?? `arg${id}`, codec: codecFor(type, `${where} args[${index}]`) };
    });
  } else if (params.length > 0) {
    const ordered = [...params].sort((x, y) => x.index - y.index);
    ordered.forEach((p, position) => {
      if (p.index !== position) throw new CodeFirstError(`${where}: with @Arg, every parameter before the call context needs @Arg (parameter ${position} has none)`);
    });
    args = ordered.map((p) => ({
      id: p.id,
      name: p.name ?? `arg${p.id}`,
      codec: codecFor(p.type ?? inferType(declaration.paramTypes?.[p.index], `${where} parameter ${p.index}`), `${where} parameter ${p.index}`),
    }));
  } else if (declaration.paramTypes !== undefined) {
    const types = declaration.paramTypes.filter((t, i, all) => !(i === all.length - 1 && t === Object)); // a trailing ctx
    args = types.map((t, i) => ({ id: i + 1, name: `arg${i + 1}`, codec: codecFor(inferType(t, `${where} parameter ${i}`), `${where} parameter ${i}`) }));
  } else {
    args = [];
  }
  const argIds = new Set<number>();
  for (const arg of args) {
    if (argIds.has(arg.id)) throw new CodeFirstError(`${where}: argument id ${arg.id} is used twice`);
    argIds.add(arg.id);
  }

  const returns = options.returns === undefined || options.returns === 'void' ? undefined : codecFor(options.returns, `${where} returns`);
  const throwsList: ThrowsInfo[] = (options.throws ?? []).map((t, index) => {
    const explicit = typeof t === 'object' && t !== null && 'type' in t;
    const ctor = explicit ? t.type : (t as StructClass);
    const info = STRUCTS.get(ctor);
    if (info === undefined || info.kind !== 'exception') {
      throw new CodeFirstError(`${where} throws[${index}]: ${describeType(ctor)} is not decorated with @Exception`);
    }
    const id = explicit ? checkId(t.id, `${where} throws[${index}]`, 1) : index + 1;
    return { id, name: (explicit ? t.name : undefined) ?? `err${id}`, ctor, codec: codecFor(ctor, `${where} throws[${index}]`) };
  });
  const oneway = options.oneway ?? false;
  if (oneway && (returns !== undefined || throwsList.length > 0)) {
    throw new CodeFirstError(`${where}: a oneway method returns void and declares no exceptions`);
  }
  const argsName = `${name}_args`;
  const resultName = `${name}_result`;
  const argCount = args.length;

  const descriptor: MethodDescriptor = {
    name,
    propertyName: property,
    serviceName,
    oneway,
    writeArgs(writer, values) {
      writer.writeStructBegin(argsName);
      for (let i = 0; i < argCount; i++) {
        const value = values[i];
        if (value === undefined || value === null) continue;
        writer.writeFieldBegin(args[i].codec.ttype, args[i].id);
        args[i].codec.write(writer, value, `${serviceName}.${name}(${args[i].name})`);
        writer.writeFieldEnd();
      }
      writer.writeFieldStop();
      writer.writeStructEnd();
    },
    readArgs(reader) {
      const values: unknown[] = new Array(argCount).fill(undefined);
      reader.readStructBegin();
      for (;;) {
        const header = reader.readFieldBegin();
        if (header.type === TType.STOP) break;
        let matched = false;
        for (let i = 0; i < argCount; i++) {
          if (args[i].id === header.id && args[i].codec.ttype === header.type) {
            values[i] = args[i].codec.read(reader);
            matched = true;
            break;
          }
        }
        if (!matched) reader.skip(header.type);
        reader.readFieldEnd();
      }
      reader.readStructEnd();
      return values;
    },
    writeResult(writer, value) {
      writer.writeStructBegin(resultName);
      if (returns !== undefined) {
        if (value === undefined || value === null) {
          throw new TApplicationException(TApplicationExceptionType.MISSING_RESULT, `${serviceName}.${name} returned ${String(value)}, a ${returns.label} is expected`);
        }
        writer.writeFieldBegin(returns.ttype, 0);
        returns.write(writer, value, `${serviceName}.${name} result`);
        writer.writeFieldEnd();
      }
      writer.writeFieldStop();
      writer.writeStructEnd();
    },
    writeException(writer, error) {
      for (const t of throwsList) {
        if (error instanceof t.ctor) {
          writer.writeStructBegin(resultName);
          writer.writeFieldBegin(TType.STRUCT, t.id);
          t.codec.write(writer, error, `${serviceName}.${name} ${t.name}`);
          writer.writeFieldEnd();
          writer.writeFieldStop();
          writer.writeStructEnd();
          return true;
        }
      }
      return false;
    },
    readResult(reader) {
      let success: unknown;
      let thrown: unknown;
      reader.readStructBegin();
      for (;;) {
        const header = reader.readFieldBegin();
        if (header.type === TType.STOP) break;
        if (header.id === 0 && returns !== undefined && header.type === returns.ttype) {
          success = returns.read(reader);
        } else {
          const t = header.type === TType.STRUCT ? throwsList.find((x) => x.id === header.id) : undefined;
          if (t !== undefined) thrown = t.codec.read(reader);
          else reader.skip(header.type);
        }
        reader.readFieldEnd();
      }
      reader.readStructEnd();
      if (thrown !== undefined) throw thrown;
      if (returns === undefined) return undefined;
      if (success === undefined) {
        throw new TApplicationException(TApplicationExceptionType.MISSING_RESULT, `${serviceName}.${name} failed: unknown result`);
      }
      return success;
    },
  };
  ARITY.set(descriptor, argCount);
  return descriptor;
}

/** Argument counts of code-first methods: a client call's values beyond it are its CallOptions. */
const ARITY = new WeakMap<MethodDescriptor, number>();

// ---------------------------------------------------------------------------------------------------------------
// Typed clients of code-first services

type Fn = (...args: never[]) => unknown;

/** The arguments of a handler method without its trailing call-context parameter. */
export type ArgsWithoutContext<P extends readonly unknown[]> = P extends readonly [...infer A, ServerCallContext]
  ? A
  : P extends readonly [...infer A, (ServerCallContext | undefined)?]
    ? ServerCallContext extends P[number]
      ? A
      : P
    : P;

/** The typed client of a code-first service class: each method returns a Promise and takes CallOptions last. */
export type CodeFirstClient<C> = {
  [K in keyof C as C[K] extends Fn ? K : never]: C[K] extends (...args: infer P) => infer R
    ? (...args: [...ArgsWithoutContext<P>, CallOptions?]) => Promise<Awaited<R>>
    : never;
};

function createCodeFirstClient(descriptor: ServiceDescriptor, invoker: Invoker): object {
  const client: Record<string, unknown> = {};
  for (const method of Object.values(descriptor.methods)) {
    const arity = ARITY.get(method) ?? 0;
    client[method.propertyName] = (...values: unknown[]): Promise<unknown> => {
      const options = values.length > arity ? (values[arity] as CallOptions | undefined) : undefined;
      return invoker.invoke(method, values.slice(0, arity), options);
    };
  }
  return client;
}
