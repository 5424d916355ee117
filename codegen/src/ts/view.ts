import * as path from 'node:path';
import {
  findDefinition,
  resolveTypedef,
  type Annotations,
  type Definition,
  type EnumDefinition,
  type Field,
  type FunctionDefinition,
  type Schema,
  type SchemaFile,
  type ServiceDefinition,
  type StructDefinition,
  type TypeRef,
} from '../schema';
import type { ImportRegistry } from './import-registry';
import { escapeParameter, exceptionProperty, methodProperty, propertyName, type ModuleNames } from './names';
import { quote } from './literals';
import { constExpression, GenerateError } from './constants';
import { typeName } from '../resolve/type-name';

/**
 * The view model the TypeScript templates render: everything the templates need, precomputed as strings (type
 * expressions, read/write calls, default values), so that templates only lay code out. One ModuleView per IDL file.
 *
 * Naming inside generated code: runtime imports are `$`-prefixed (`$TType`, `$ProtocolWriter`), locals are
 * `$<field>` and `$h0`, `$i0`, ... — `$` never appears in IDL names, so nothing the IDL declares can collide.
 *
 * Imports: every name of another module and every runtime symbol is asked of the module's ImportRegistry when it
 * is written into code. The members of a TypeView that carry such names (`tsType`, `read`, `zero`, ...) are
 * getters, so a module is imported when a template (or another view string) reads the name, not when a view is
 * built: the view of a `list<base.Id>` field typed by its typedef alias does not import `base` for an element
 * type nothing prints.
 */

export interface TypeView {
  /** The IDL spelling, for messages. */
  readonly idl: string;
  readonly kind: string;
  /** The TypeScript type of values (typedef names kept). */
  readonly tsType: string;
  /** The read-only TypeScript type, for constants. */
  readonly readonlyTsType: string;
  /**
   * The wire type id as a literal with its name, e.g. `11 /* STRING *\/`. Codecs use literals rather than
   * `TType.STRING`: the enum is re-exported by @thriftpoll/protocol through getters, so every lookup would be a
   * call in the hottest loop.
   */
  readonly ttype: string;
  readonly ttypeName: string;
  /** `writePrefix + expression + writeSuffix` writes a value (not for containers). */
  readonly writePrefix: string;
  readonly writeSuffix: string;
  /** An expression that reads a value (not for containers). */
  readonly read: string;
  /** Structs, unions and exceptions: the codec (or class) to call; '' otherwise. */
  readonly codec: string;
  /** The zero value for a field with default requiredness and no default; null for structs (they stay unset). */
  readonly zero: string | null;
  /** True when `zero` (or any default of this type) is a primitive that can initialise a local directly. */
  readonly primitive: boolean;
  readonly isList: boolean;
  readonly isSet: boolean;
  readonly isMap: boolean;
  readonly isContainer: boolean;
  readonly elem: TypeView | null;
  readonly key: TypeView | null;
  readonly value: TypeView | null;
}

export interface FieldView {
  readonly id: number;
  /** IDL name (wire-level, messages). */
  readonly name: string;
  /** Property name in TypeScript. */
  readonly prop: string;
  /** The local variable decode uses. */
  readonly local: string;
  /** How encode reads the value: `value.x`, `args[0]` or `value`. */
  readonly access: string;
  readonly type: TypeView;
  readonly doc: readonly string[] | null;
  /** Encode throws when missing; decode throws when absent. */
  readonly required: boolean;
  /** `?:` in the interface. */
  readonly optionalProperty: boolean;
  /** Optional in `create()` / constructor input. */
  readonly optionalInit: boolean;
  /** Arguments: the parameter type of the handler and client methods (`T | undefined` when absence is possible). */
  readonly paramType: string;
  /** The default value, or the zero value, applied when absent (null: stays undefined). */
  readonly init: string | null;
  /** The local can start at `init` (a primitive, not required); otherwise `init` is applied after the loop. */
  readonly initOnDeclare: boolean;
  /** For messages: `Struct.field`. */
  readonly where: string;
  /** Quoted messages for required-field failures. */
  readonly missingOnEncode: string;
  readonly missingOnDecode: string;
  /** Exceptions only: this is the `message` string field that maps onto Error's `message`. */
  readonly isErrorMessage: boolean;
  /** The condition under which encode writes a non-required field. */
  readonly present: string;
  /** The field's value after decoding: the local, with `init` applied when absent (never for required fields). */
  readonly decoded: string;
  /** The schema model's field (annotations, default, location), for custom templates. */
  readonly field: Field;
}

export interface EnumView {
  readonly isEnum: true;
  readonly name: string;
  readonly idlName: string;
  readonly doc: readonly string[] | null;
  readonly members: readonly { readonly name: string; readonly value: number; readonly doc: readonly string[] | null }[];
  /** The schema model's definition, for custom templates. */
  readonly definition: EnumDefinition;
}

export interface SenumView {
  readonly isSenum: true;
  readonly name: string;
  readonly doc: readonly string[] | null;
}

export interface StructView {
  readonly isStruct: boolean;
  readonly isUnion: boolean;
  readonly isException: boolean;
  readonly name: string;
  readonly idlName: string;
  readonly doc: readonly string[] | null;
  readonly fields: readonly FieldView[];
  readonly hasFields: boolean;
  /** Fields that must be given to create() / the constructor. */
  readonly hasRequiredInit: boolean;
  /** Exceptions: some field is a property of its own (not Error's `message`). */
  readonly declaresProperties: boolean;
  /** Exceptions: the Error message expression passed to super(). */
  readonly superMessage: string;
  /** The quoted IDL name, for writeStructBegin and messages. */
  readonly quotedName: string;
  /** Unions: one object type per member, that member set and the others `?: never`. */
  readonly variants: readonly string[];
  /** The schema model's definition, for custom templates. */
  readonly definition: StructDefinition;
}

export interface TypedefView {
  readonly name: string;
  readonly tsType: string;
  readonly doc: readonly string[] | null;
  /** For typedefs of structs, unions, exceptions and enums: the value to alias too (codec, class or enum). */
  readonly valueAlias: string | null;
}

export interface ConstView {
  readonly name: string;
  readonly tsType: string;
  readonly value: string;
  readonly doc: readonly string[] | null;
}

export interface ParamView {
  readonly name: string;
  readonly tsType: string;
}

export interface MethodView {
  readonly name: string;
  readonly quotedName: string;
  readonly prop: string;
  readonly quotedProp: string;
  readonly descriptor: string;
  readonly oneway: boolean;
  readonly doc: readonly string[] | null;
  readonly args: readonly FieldView[];
  readonly hasArgs: boolean;
  readonly params: readonly ParamView[];
  /** `[a: number, b: string]`. */
  readonly argsTuple: string;
  /** `[$a, $b]`. */
  readonly argsLocals: string;
  /** `[a, b]`. */
  readonly argsArray: string;
  readonly returnType: string;
  readonly isVoid: boolean;
  readonly success: FieldView | null;
  readonly exceptions: readonly FieldView[];
  readonly resultFields: readonly FieldView[];
  readonly argsStruct: string;
  readonly resultStruct: string;
  readonly missingResult: string;
  /** The schema model's function, for custom templates. */
  readonly function: FunctionDefinition;
}

export interface ServiceView {
  readonly name: string;
  readonly quotedName: string;
  readonly client: string;
  readonly handler: string;
  readonly doc: readonly string[] | null;
  readonly parent: { readonly descriptor: string; readonly client: string; readonly handler: string } | null;
  readonly methods: readonly MethodView[];
  /** The schema model's definition, for custom templates. */
  readonly definition: ServiceDefinition;
}

export interface ModuleView {
  readonly module: string;
  readonly source: string;
  readonly doc: readonly string[] | null;
  readonly int64Number: boolean;
  /** Generated with `zeroValues` (Kitex-style zero values instead of presence). */
  readonly zeroValues: boolean;
  /** Enums, senums, structs, unions and exceptions, in IDL order. */
  readonly types: readonly (EnumView | SenumView | StructView)[];
  readonly typedefs: readonly TypedefView[];
  readonly consts: readonly ConstView[];
  readonly services: readonly ServiceView[];
  /** The handler interfaces' context type parameter (`Context`, unless the module declares that name). */
  readonly contextParam: string;
  /** True when the module declares nothing (it still has to be an ES module). */
  readonly empty: boolean;
  /** The schema model of this file, and of everything loaded, for custom templates. */
  readonly file: SchemaFile;
  readonly schema: Schema;
}

export interface ViewOptions {
  /** Where the module's imports are recorded. */
  readonly imports: ImportRegistry;
  readonly int64: 'bigint' | 'number';
  /**
   * Kitex/Go-style zero values: default-requiredness fields (and arguments) without an IDL default are non-optional
   * and decode to their type's zero value when absent. Off (the default), they keep presence: `x?: T`, absent
   * stays `undefined`, as in Apache's Python and JavaScript libraries.
   */
  readonly zeroValues?: boolean;
}

/** TSDoc lines from IDL docs and a `deprecated` annotation. `*\/` is broken so that it cannot end the comment. */
export function docLines(doc: string | undefined, annotations?: Annotations): string[] | null {
  const lines = doc === undefined ? [] : doc.split('\n').map((l) => l.replace(/\*\//g, '*\\/'));
  const deprecated = annotations?.deprecated;
  if (deprecated !== undefined) {
    const note = deprecated[0] === '1' || deprecated[0] === '' ? '' : ` ${deprecated[0]}`;
    lines.push(`@deprecated${note.replace(/\*\//g, '*\\/')}`);
  }
  return lines.length > 0 ? lines : null;
}

/** Builds the view of one module. */
export class ModuleViewBuilder {
  private readonly names: ModuleNames;
  private readonly imports: ImportRegistry;

  constructor(
    private readonly schema: Schema,
    private readonly file: SchemaFile,
    private readonly allNames: ReadonlyMap<string, ModuleNames>,
    private readonly options: ViewOptions,
  ) {
    this.names = allNames.get(file.name)!;
    this.imports = options.imports;
  }

  build(): ModuleView {
    const types: (EnumView | SenumView | StructView)[] = [];
    const typedefs: TypedefView[] = [];
    const consts: ConstView[] = [];
    const services: ServiceView[] = [];
    for (const def of this.file.definitions) {
      switch (def.kind) {
        case 'enum':
          types.push(this.enumView(def));
          break;
        case 'senum':
          types.push({ isSenum: true, name: this.local(def.name), doc: this.senumDoc(def.doc, def.values, def.annotations) });
          break;
        case 'struct':
        case 'union':
        case 'exception':
          types.push(this.structView(def));
          break;
        case 'typedef':
          typedefs.push(this.typedefView(def));
          break;
        case 'const':
          consts.push(this.constView(def));
          break;
        case 'service':
          services.push(this.serviceView(def));
          break;
      }
    }
    let contextParam = 'Context';
    while (this.names.taken.has(contextParam)) contextParam += '_';
    return {
      module: this.file.name,
      source: path.posix.basename(this.file.path.split(path.sep).join('/')),
      doc: docLines(this.file.doc),
      int64Number: this.options.int64 === 'number',
      zeroValues: this.options.zeroValues === true,
      types,
      typedefs,
      consts,
      services,
      contextParam,
      empty: this.file.definitions.length === 0,
      file: this.file,
      schema: this.schema,
    };
  }

  // ---- names ---------------------------------------------------------------------------------------------

  private local(name: string): string {
    return this.names.definitions.get(name)!;
  }

  /** The expression naming `name` of module `file` from this module (importing it when needed). */
  qualify(file: string, name: string): string {
    const target = this.allNames.get(file)!.definitions.get(name)!;
    if (file === this.file.name) return target;
    return `${this.imports.module(file)}.${target}`;
  }

  // ---- types ---------------------------------------------------------------------------------------------

  type(type: TypeRef): TypeView {
    const t = resolveTypedef(type);
    const alias = type.kind === 'typedef' ? () => this.qualify(type.file, type.name) : undefined;
    const spec = this.typeSpec(t);
    const tsType = (): string => (alias ? alias() : spec.tsType());
    const method = spec.method ?? '';
    return {
      idl: typeName(type, this.file.name),
      kind: spec.kind,
      get tsType() {
        return tsType();
      },
      get readonlyTsType() {
        return spec.readonlyTsType ? spec.readonlyTsType(alias) : tsType();
      },
      ttype: `${TTYPE_IDS[spec.ttypeName]} /* ${spec.ttypeName} */`,
      ttypeName: spec.ttypeName,
      get writePrefix() {
        return spec.writePrefix ? spec.writePrefix() : `writer.write${method}(`;
      },
      writeSuffix: spec.writeSuffix ?? ')',
      get read() {
        return spec.read ? spec.read() : `reader.read${method}()`;
      },
      get codec() {
        return spec.codec ? spec.codec() : '';
      },
      get zero() {
        return spec.zero();
      },
      primitive: spec.primitive ?? true,
      isList: spec.kind === 'list',
      isSet: spec.kind === 'set',
      isMap: spec.kind === 'map',
      isContainer: spec.kind === 'list' || spec.kind === 'set' || spec.kind === 'map',
      elem: spec.elem ?? null,
      key: spec.key ?? null,
      value: spec.value ?? null,
    };
  }

  /** How values of a resolved type are typed, written, read and zeroed (names as thunks: see the file comment). */
  private typeSpec(t: Exclude<TypeRef, { kind: 'typedef' }>): TypeSpec {
    const scalar = (kind: string, tsType: string, ttypeName: string, method: string, zero: string): TypeSpec => ({ kind, tsType: () => tsType, ttypeName, method, zero: () => zero });
    switch (t.kind) {
      case 'bool':
        return scalar('bool', 'boolean', 'BOOL', 'Bool', 'false');
      case 'i8':
        return scalar('i8', 'number', 'BYTE', 'Byte', '0');
      case 'i16':
        return scalar('i16', 'number', 'I16', 'I16', '0');
      case 'i32':
        return scalar('i32', 'number', 'I32', 'I32', '0');
      case 'i64':
        if (this.options.int64 === 'number') {
          return {
            ...scalar('i64', 'number', 'I64', 'I64', '0'),
            writePrefix: () => `writer.writeI64(${this.imports.runtime('i64FromNumber')}(`,
            writeSuffix: '))',
            read: () => `${this.imports.runtime('i64ToNumber')}(reader.readI64())`,
          };
        }
        return scalar('i64', 'bigint', 'I64', 'I64', '0n');
      case 'double':
        return scalar('double', 'number', 'DOUBLE', 'Double', '0');
      case 'string':
        return scalar('string', 'string', 'STRING', 'String', "''");
      case 'binary':
        return { ...scalar('binary', 'Uint8Array', 'STRING', 'Binary', 'new Uint8Array(0)'), primitive: false };
      case 'uuid':
        return scalar('uuid', 'string', 'UUID', 'Uuid', "'00000000-0000-0000-0000-000000000000'");
      case 'senum':
        return { ...scalar('string', '', 'STRING', 'String', "''"), tsType: () => this.qualify(t.file, t.name) };
      case 'enum': {
        const name = (): string => this.qualify(t.file, t.name);
        return { kind: 'enum', tsType: name, ttypeName: 'I32', method: 'I32', read: () => `reader.readI32() as ${name()}`, zero: () => `0 as ${name()}` };
      }
      case 'struct':
      case 'union':
      case 'exception': {
        const name = (): string => this.qualify(t.file, t.name);
        const isException = t.kind === 'exception';
        return {
          kind: t.kind,
          tsType: name,
          readonlyTsType: (alias) => (isException ? (alias ?? name)() : `Readonly<${(alias ?? name)()}>`),
          ttypeName: 'STRUCT',
          writePrefix: () => `${name()}.encode(writer, `,
          read: () => `${name()}.decode(reader)`,
          codec: name,
          zero: () => null,
          primitive: false,
        };
      }
      case 'list':
      case 'set': {
        const elem = this.type(t.elem);
        if (t.kind === 'list') {
          return {
            ...container('list', 'LIST', () => '[]'),
            tsType: () => `${wrapArrayElement(elem.tsType)}[]`,
            readonlyTsType: (alias) => (alias ? alias() : `ReadonlyArray<${elem.readonlyTsType}>`),
            elem,
          };
        }
        return {
          ...container('set', 'SET', () => `new Set<${elem.tsType}>()`),
          tsType: () => `Set<${elem.tsType}>`,
          readonlyTsType: (alias) => (alias ? alias() : `ReadonlySet<${elem.readonlyTsType}>`),
          elem,
        };
      }
      case 'map': {
        const key = this.type(t.key);
        const value = this.type(t.value);
        return {
          ...container('map', 'MAP', () => `new Map<${key.tsType}, ${value.tsType}>()`),
          tsType: () => `Map<${key.tsType}, ${value.tsType}>`,
          readonlyTsType: (alias) => (alias ? alias() : `ReadonlyMap<${key.readonlyTsType}, ${value.readonlyTsType}>`),
          key,
          value,
        };
      }
    }
  }

  // ---- definitions ---------------------------------------------------------------------------------------

  private enumView(def: EnumDefinition): EnumView {
    return {
      isEnum: true,
      name: this.local(def.name),
      idlName: def.name,
      doc: docLines(def.doc, def.annotations),
      members: def.values.map((v) => ({ name: propertyName(v.name), value: v.value, doc: docLines(v.doc, v.annotations) })),
      definition: def,
    };
  }

  private senumDoc(doc: string | undefined, values: readonly string[], annotations: Annotations): string[] {
    const lines = docLines(doc, annotations) ?? [];
    const list = values.map((v) => JSON.stringify(v)).join(', ');
    return [...lines, ...(lines.length > 0 ? [''] : []), `A string (IDL \`senum\`); suggested values: ${list || '(none)'}.`];
  }

  /**
   * The view of a field of a struct-like owner (or of an args/result struct). `access` gives the expression encode
   * reads the value from, given the field's property name.
   */
  private field(f: Field, owner: string, access: (prop: string) => string, role: FieldRole): FieldView {
    const type = this.type(f.type);
    // How messages name the field: `Request.action`, `EchoServer.echo argument req`, `EchoServer.echo result success`.
    const where = role === 'arg' ? `${owner} argument ${f.name}` : role === 'result' ? `${owner} result ${f.name}` : `${owner}.${f.name}`;
    const resolved = resolveTypedef(f.type);
    const isStructLike = resolved.kind === 'struct' || resolved.kind === 'union' || resolved.kind === 'exception';
    // Arguments of struct types are needed by the handler's signature: absent on the wire is an error.
    const required = f.requiredness === 'required' || (role === 'arg' && isStructLike);
    const zeroValues = this.options.zeroValues === true;
    const init = this.initOf(f, type, role, required);
    const isErrorMessage = role === 'exception' && f.name === 'message' && resolved.kind === 'string';
    const prop = role === 'exception' ? exceptionProperty(f.name, isErrorMessage) : propertyName(f.name);
    // Presence (the default): every field that is not required may be absent, whatever its type or default.
    const optionalProperty = zeroValues
      ? role === 'union' || role === 'result' || (!required && init === null) || f.requiredness === 'optional'
      : !required;
    const accessExpr = access(prop);
    const local = `$${f.name}`;
    // A required field's default is for create() and constructors only: absent on the wire stays an error (as in
    // Apache's generated code), so decode starts it undefined and never falls back to the default.
    const initOnDeclare = init !== null && type.primitive && !required;
    // Error's `message` is always a string (Error.prototype.message is ''): a message that may be absent is "set"
    // when it is the object's own property, which `new Error(undefined)` does not create.
    const messageMayBeAbsent = f.requiredness === 'optional' || (!zeroValues && !required);
    const present = isErrorMessage && messageMayBeAbsent ? `Object.prototype.hasOwnProperty.call(value, 'message')` : `${accessExpr} != null`;
    return {
      id: f.id,
      name: f.name,
      prop,
      local,
      access: accessExpr,
      type,
      doc: docLines(f.doc, f.annotations),
      required,
      optionalProperty,
      optionalInit: !required || init !== null,
      paramType: !required && init === null ? `${type.tsType} | undefined` : type.tsType,
      init,
      initOnDeclare,
      where,
      missingOnEncode: quote(`${where} (field ${f.id}) is required but missing`),
      missingOnDecode: quote(`${where} (field ${f.id}) is required but was not in the input`),
      isErrorMessage,
      present,
      decoded: init !== null && !initOnDeclare && !required ? `${local} ?? ${init}` : local,
      field: f,
    };
  }

  /** The value a field gets when absent: its IDL default, or with `zeroValues` its type's zero value; else null. */
  private initOf(f: Field, type: TypeView, role: FieldRole, required: boolean): string | null {
    if (role === 'union' || role === 'result') return null;
    if (f.default !== undefined) return constExpression(this, f.default, f.type, false);
    if (this.options.zeroValues === true && f.requiredness === 'default' && !required) return type.zero;
    return null;
  }

  private structView(def: StructDefinition): StructView {
    const role = def.kind === 'union' ? 'union' : def.kind === 'exception' ? 'exception' : 'struct';
    const fields = def.fields.map((f) => this.field(f, def.name, (prop) => `value.${prop}`, role));
    const hasRequiredInit = fields.some((f) => !f.optionalInit);
    const message = fields.find((f) => f.isErrorMessage);
    const given = hasRequiredInit ? 'init' : 'init?';
    // Without an IDL `message`, the Error message lists the fields (computed before super(): the stack trace
    // captures the message there).
    let superMessage = "''";
    if (message) superMessage = message.init !== null ? `${given}.message ?? ${message.init}` : `${given}.message`;
    else if (def.kind === 'exception' && fields.length > 0) {
      superMessage = `${this.imports.runtime('exceptionMessage')}([${fields.map((f) => `[${quote(f.name)}, ${given}.${f.prop}${f.init !== null ? ` ?? ${f.init}` : ''}]`).join(', ')}])`;
    }
    const variants = def.kind !== 'union' ? [] : fields.map((f) => fields.map((g) => (g === f ? `${g.prop}: ${g.type.tsType};` : `${g.prop}?: never;`)).join(' '));
    return {
      isStruct: def.kind === 'struct',
      isUnion: def.kind === 'union',
      isException: def.kind === 'exception',
      name: this.local(def.name),
      idlName: def.name,
      quotedName: quote(def.name),
      doc: docLines(def.doc, def.annotations),
      fields,
      hasFields: fields.length > 0,
      hasRequiredInit,
      declaresProperties: fields.some((f) => !f.isErrorMessage),
      superMessage,
      variants,
      definition: def,
    };
  }

  private typedefView(def: Extract<Definition, { kind: 'typedef' }>): TypedefView {
    const type = this.type(def.type);
    const target = resolveTypedef(def.type);
    // Structs and unions have a same-named codec, exceptions a class, enums an object: alias those values too.
    // The alias names the final target, never another typedef: typedefs may be declared in any order (IDL allows
    // forward references), and a `const` naming one declared further down would be read before it is set.
    const valueAlias =
      target.kind === 'struct' || target.kind === 'union' || target.kind === 'exception' || target.kind === 'enum'
        ? this.qualify(target.file, target.name)
        : null;
    return { name: this.local(def.name), tsType: type.tsType, doc: docLines(def.doc, def.annotations), valueAlias };
  }

  private constView(def: Extract<Definition, { kind: 'const' }>): ConstView {
    const type = this.type(def.type);
    try {
      return { name: this.local(def.name), tsType: type.readonlyTsType, value: constExpression(this, def.value, def.type, true), doc: docLines(def.doc, def.annotations) };
    } catch (e) {
      if (e instanceof GenerateError) throw e.at(this.file, def.location, `constant ${def.name}`);
      throw e;
    }
  }

  /** Used by constant rendering: the definition of a struct-like type. */
  structDefinition(ref: { file: string; name: string }): StructDefinition {
    const def = findDefinition(this.schema, ref);
    if (!def || (def.kind !== 'struct' && def.kind !== 'union' && def.kind !== 'exception')) {
      throw new Error(`schema is inconsistent: ${ref.file}.${ref.name} is not a struct, union or exception`);
    }
    return def;
  }

  /** Used by constant rendering: the init (default or zero) of a struct field, as create() applies it. */
  fieldInit(f: Field, owner: StructDefinition): string | null {
    return this.initOf(f, this.type(f.type), owner.kind, f.requiredness === 'required');
  }

  /** Used by constant rendering: the property name of a field. */
  fieldProperty(f: Field, owner: StructDefinition): string {
    if (owner.kind !== 'exception') return propertyName(f.name);
    return exceptionProperty(f.name, f.name === 'message' && resolveTypedef(f.type).kind === 'string');
  }

  get int64(): 'bigint' | 'number' {
    return this.options.int64;
  }

  private serviceView(def: ServiceDefinition): ServiceView {
    const own = this.names.services.get(def.name)!;
    let parent: ServiceView['parent'] = null;
    if (def.extends) {
      const names = this.allNames.get(def.extends.file)!.services.get(def.extends.name)!;
      const descriptor = this.qualify(def.extends.file, def.extends.name);
      const prefix = descriptor.includes('.') ? descriptor.slice(0, descriptor.lastIndexOf('.') + 1) : '';
      parent = { descriptor, client: prefix + names.client, handler: prefix + names.handler };
    }
    const serviceName = this.local(def.name);
    return {
      name: serviceName,
      quotedName: quote(def.name),
      client: own.client,
      handler: own.handler,
      doc: docLines(def.doc, def.annotations),
      parent,
      methods: def.functions.map((fn) => this.methodView(def, serviceName, fn)),
      definition: def,
    };
  }

  private methodView(service: ServiceDefinition, serviceName: string, fn: FunctionDefinition): MethodView {
    const owner = `${service.name}.${fn.name}`;
    const args = fn.args.map((a, i) => this.field(a, owner, () => `args[${i}]`, 'arg'));
    const params = args.map((a) => ({ name: escapeParameter(a.name), tsType: a.paramType }));
    const isVoid = fn.returnType.kind === 'void';
    const success =
      fn.returnType.kind === 'void'
        ? null
        : this.field({ id: 0, name: 'success', type: fn.returnType, requiredness: 'optional', annotations: {}, location: fn.location }, owner, () => 'value', 'result');
    const exceptions = fn.throws.map((t) => this.field(t, owner, () => 'error', 'result'));
    const prop = methodProperty(fn.name);
    return {
      name: fn.name,
      quotedName: quote(fn.name),
      prop,
      quotedProp: quote(prop),
      descriptor: `$${serviceName}$${fn.name}`,
      oneway: fn.oneway,
      doc: docLines(fn.doc, fn.annotations),
      args,
      hasArgs: args.length > 0,
      params,
      argsTuple: `[${params.map((p) => `${p.name}: ${p.tsType}`).join(', ')}]`,
      argsLocals: `[${args.map((a) => a.local).join(', ')}]`,
      argsArray: `[${params.map((p) => p.name).join(', ')}]`,
      returnType: success ? success.type.tsType : 'void',
      isVoid,
      success,
      exceptions,
      resultFields: success ? [success, ...exceptions] : exceptions,
      argsStruct: quote(`${fn.name}_args`),
      resultStruct: quote(`${fn.name}_result`),
      missingResult: quote(`${owner} returned no result: the reply had neither a success value nor a declared exception`),
      function: fn,
    };
  }
}

/**
 * What TypeView is made of, for one resolved type. Members that name other modules or runtime symbols are thunks,
 * called only when the TypeView member is read. Left out: `writer.write<method>(` / `reader.read<method>()`,
 * `)`, no codec, primitive, the plain type when read-only.
 */
interface TypeSpec {
  readonly kind: string;
  readonly ttypeName: string;
  readonly tsType: () => string;
  /** Given the typedef alias the value is typed by, if any. */
  readonly readonlyTsType?: (alias: (() => string) | undefined) => string;
  readonly method?: string;
  readonly writePrefix?: () => string;
  readonly writeSuffix?: string;
  readonly read?: () => string;
  readonly codec?: () => string;
  readonly zero: () => string | null;
  readonly primitive?: boolean;
  readonly elem?: TypeView;
  readonly key?: TypeView;
  readonly value?: TypeView;
}

/** Containers are written and read by the templates element by element: no write or read expression of their own. */
function container(kind: 'list' | 'set' | 'map', ttypeName: string, zero: () => string): Omit<TypeSpec, 'tsType'> {
  return { kind, ttypeName, zero, writePrefix: () => '', writeSuffix: '', read: () => '', primitive: false };
}

/** What a field belongs to: a struct-like definition, or a function's arguments or result. */
type FieldRole = 'struct' | 'union' | 'exception' | 'arg' | 'result';

/** TType ids (packages/protocol/src/types.ts), by name. */
const TTYPE_IDS: Readonly<Record<string, number>> = {
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
  UUID: 16,
};

/** `T[]` needs parentheses around function or union types; generated element types never are, but stay safe. */
function wrapArrayElement(tsType: string): string {
  return /[|&]/.test(tsType) ? `(${tsType})` : tsType;
}
