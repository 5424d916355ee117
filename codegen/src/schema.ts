/**
 * The schema model: what the compiler knows about a set of IDL files once every name is resolved. It is plain
 * JSON (no classes, no bigint, no cycles), so it can be written to disk (`thriftpoll schema`), read back with
 * `JSON.parse`, and used at run time for generic (reflection-style) calls. Templates render it.
 *
 * Conventions:
 *  - Files are keyed by their module name: the file name without `.thrift` (`shared.thrift` → `shared`). That is
 *    the prefix other IDL files use for its names (`shared.Item`), and the name of the generated module.
 *  - References to named types are `{ kind, file, name }` and are resolved: `file` is the module that declares
 *    `name`, even when the IDL reached it through an include.
 *  - Integers that can exceed 2^53 (i64 constants) are decimal strings; everything else is a JSON number.
 *  - Lists keep declaration order; field lists keep IDL order (generated codecs write fields in that order).
 *  - `annotations` maps each annotation key to its values in order (a key may be repeated).
 *
 * The model is versioned: `SCHEMA_VERSION` changes when a change would break a reader of an older model.
 */

export const SCHEMA_VERSION = 1;

export interface Schema {
  readonly version: typeof SCHEMA_VERSION;
  /** Module names of the files named on the command line, in order. */
  readonly roots: readonly string[];
  /** Every file that was loaded (roots and everything they include), by module name, in load order. */
  readonly files: Readonly<Record<string, SchemaFile>>;
}

export type Annotations = Readonly<Record<string, readonly string[]>>;

/** Where something is declared: 1-based line and column in its file. */
export interface SchemaLocation {
  readonly line: number;
  readonly column: number;
}

export interface SchemaFile {
  /** The module name (see the conventions above). */
  readonly name: string;
  /** The path the file was read from, relative to the working directory when it is under it. */
  readonly path: string;
  readonly doc?: string;
  /** `namespace <scope> <name>`, by scope (`*` for `namespace *`). */
  readonly namespaces: Readonly<Record<string, string>>;
  /** Module names of the files this one includes, in IDL order. */
  readonly includes: readonly string[];
  readonly cppIncludes: readonly string[];
  /** Every definition, in IDL order. */
  readonly definitions: readonly Definition[];
}

export type Definition = TypedefDefinition | EnumDefinition | SenumDefinition | ConstDefinition | StructDefinition | ServiceDefinition;

interface DefinitionBase {
  readonly name: string;
  readonly doc?: string;
  readonly annotations: Annotations;
  readonly location: SchemaLocation;
}

export interface TypedefDefinition extends DefinitionBase {
  readonly kind: 'typedef';
  /** The aliased type as written (it may itself be a typedef reference). */
  readonly type: TypeRef;
}

export interface EnumValue {
  readonly name: string;
  /** An i32. Implicit values are already assigned (previous + 1, starting at 0). */
  readonly value: number;
  readonly doc?: string;
  readonly annotations: Annotations;
}

export interface EnumDefinition extends DefinitionBase {
  readonly kind: 'enum';
  readonly values: readonly EnumValue[];
}

/** Deprecated string enum: a string on the wire, with a list of suggested values. */
export interface SenumDefinition extends DefinitionBase {
  readonly kind: 'senum';
  readonly values: readonly string[];
}

export interface ConstDefinition extends DefinitionBase {
  readonly kind: 'const';
  readonly type: TypeRef;
  /** The value, checked against `type` and with every reference to another constant or enum value resolved. */
  readonly value: ConstValue;
}

export type Requiredness = 'required' | 'optional' | 'default';

export interface Field {
  /** The field id. Negative when the IDL left it out (Apache's implicit numbering: -1, -2, ...). */
  readonly id: number;
  readonly name: string;
  readonly type: TypeRef;
  /**
   * `required`: always written, must be present on read. `optional`: written only when set. `default` (no
   * keyword): written when set, and absent on read means the default value, or the type's zero value.
   */
  readonly requiredness: Requiredness;
  /** The IDL default value, checked against `type`. */
  readonly default?: ConstValue;
  readonly doc?: string;
  readonly annotations: Annotations;
  readonly location: SchemaLocation;
}

export interface StructDefinition extends DefinitionBase {
  /** `union`: exactly one field set. `exception`: can be thrown by service functions. */
  readonly kind: 'struct' | 'union' | 'exception';
  readonly fields: readonly Field[];
}

export interface FunctionDefinition {
  readonly name: string;
  readonly oneway: boolean;
  readonly returnType: TypeRef | VoidType;
  /** The `<name>_args` struct's fields. */
  readonly args: readonly Field[];
  /** The declared exceptions: the `<name>_result` struct's fields besides `success` (id 0). */
  readonly throws: readonly Field[];
  readonly doc?: string;
  readonly annotations: Annotations;
  readonly location: SchemaLocation;
}

export interface ServiceDefinition extends DefinitionBase {
  readonly kind: 'service';
  /** The service this one extends. Its functions (and its ancestors') are callable on this service too. */
  readonly extends?: NamedRef;
  /** Own functions only, in IDL order. */
  readonly functions: readonly FunctionDefinition[];
}

export type BaseTypeName = 'bool' | 'i8' | 'i16' | 'i32' | 'i64' | 'double' | 'string' | 'binary' | 'uuid';

export interface BaseType {
  /** `byte` is `i8`; `slist` is `string`. */
  readonly kind: BaseTypeName;
  readonly annotations?: Annotations;
}

export interface ListType {
  readonly kind: 'list' | 'set';
  readonly elem: TypeRef;
  readonly cppType?: string;
  readonly annotations?: Annotations;
}

export interface MapType {
  readonly kind: 'map';
  readonly key: TypeRef;
  readonly value: TypeRef;
  readonly cppType?: string;
  readonly annotations?: Annotations;
}

/** A reference to a definition: `file` is the declaring module's name. */
export interface NamedRef {
  readonly file: string;
  readonly name: string;
}

/** A reference to a struct, union or exception. */
export interface StructRef extends NamedRef {
  readonly kind: 'struct' | 'union' | 'exception';
}

/** A reference to an enum or a senum. */
export interface EnumRef extends NamedRef {
  readonly kind: 'enum' | 'senum';
}

export type DefinedType = StructRef | EnumRef;

export interface TypedefType extends NamedRef {
  readonly kind: 'typedef';
  /** What the typedef finally stands for (never itself a typedef). */
  readonly target: Exclude<TypeRef, TypedefType>;
}

export interface VoidType {
  readonly kind: 'void';
}

export type TypeRef = BaseType | ListType | MapType | DefinedType | TypedefType;

export type ConstValue =
  | { readonly kind: 'bool'; readonly value: boolean }
  /** i8, i16, i32 and i64 values, as decimal strings (exact for the whole i64 range). */
  | { readonly kind: 'int'; readonly value: string }
  /** Finite doubles. (JSON cannot tell -0 from 0; the generated code keeps -0.) */
  | { readonly kind: 'double'; readonly value: number }
  /** string, binary (the UTF-8 bytes of the text) and uuid (canonical lower-case form) values. */
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'enum'; readonly file: string; readonly enum: string; readonly name: string; readonly value: number }
  | { readonly kind: 'list'; readonly elems: readonly ConstValue[] }
  | { readonly kind: 'set'; readonly elems: readonly ConstValue[] }
  | { readonly kind: 'map'; readonly entries: readonly (readonly [ConstValue, ConstValue])[] }
  /** A struct, union or exception value: the fields that were given, in field order. */
  | { readonly kind: 'struct'; readonly fields: readonly { readonly id: number; readonly name: string; readonly value: ConstValue }[] };

/** Strips typedefs: the type a value of `type` has on the wire and in generated code. */
export function resolveTypedef(type: TypeRef): Exclude<TypeRef, TypedefType> {
  return type.kind === 'typedef' ? type.target : type;
}

/** Finds a definition by module name and definition name. */
export function findDefinition(schema: Schema, ref: NamedRef): Definition | undefined {
  return schema.files[ref.file]?.definitions.find((d) => d.name === ref.name);
}

/**
 * The functions a service answers, its own and inherited ones, by wire name. Own functions come after inherited
 * ones in iteration order.
 */
export function serviceFunctions(schema: Schema, service: ServiceDefinition): Map<string, { readonly service: NamedRef; readonly fn: FunctionDefinition }> {
  const chain: { file: string; def: ServiceDefinition }[] = [];
  let file = Object.values(schema.files).find((f) => f.definitions.includes(service))?.name;
  let current: ServiceDefinition | undefined = service;
  const seen = new Set<ServiceDefinition>();
  while (current !== undefined && file !== undefined && !seen.has(current)) {
    seen.add(current);
    chain.unshift({ file, def: current });
    const parent: NamedRef | undefined = current.extends;
    if (parent === undefined) break;
    const found = findDefinition(schema, parent);
    current = found?.kind === 'service' ? found : undefined;
    file = parent.file;
  }
  const out = new Map<string, { service: NamedRef; fn: FunctionDefinition }>();
  for (const { file: f, def } of chain) {
    for (const fn of def.functions) out.set(fn.name, { service: { file: f, name: def.name }, fn });
  }
  return out;
}
