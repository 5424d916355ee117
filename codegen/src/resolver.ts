import type {
  AstAnnotation,
  AstConst,
  AstConstValue,
  AstDefinition,
  AstEnum,
  AstField,
  AstService,
  AstStruct,
  AstType,
  AstTypedef,
} from './ast';
import { locate, type DiagnosticBag, type DiagnosticCode } from './diagnostics';
import type { LoadedFile, LoadedProgram } from './loader';
import {
  SCHEMA_VERSION,
  type Annotations,
  type ConstValue,
  type Definition,
  type EnumValue,
  type Field,
  type FunctionDefinition,
  type NamedRef,
  type Requiredness,
  type Schema,
  type SchemaFile,
  type SchemaLocation,
  type StructRef,
  type TypeRef,
  type TypedefType,
} from './schema';
import type { Span } from './source';
import { didYouMean } from './suggest';

/**
 * Semantic analysis: resolves every name across includes, assigns implicit field ids and enum values, checks
 * constants and defaults against their types, and reports every mistake it finds (not just the first) before
 * producing the schema model.
 */
export function resolveProgram(program: LoadedProgram, bag: DiagnosticBag): Schema {
  const schema = new Resolver(program, bag).run();
  bag.throwIfErrors();
  return schema;
}

/** Value ranges of the integer types. */
const INT_RANGES: Readonly<Record<'i8' | 'i16' | 'i32' | 'i64', readonly [bigint, bigint]>> = {
  i8: [-(2n ** 7n), 2n ** 7n - 1n],
  i16: [-(2n ** 15n), 2n ** 15n - 1n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** A UUID in canonical form, or in GUID form with braces (`{...}`, as Apache's compiler accepts). */
const UUID_BODY = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const UUID_PATTERN = new RegExp(`^(?:${UUID_BODY}|\\{${UUID_BODY}\\})$`);

/** A definition together with the file that declares it. */
interface Found<D extends AstDefinition = AstDefinition> {
  readonly file: LoadedFile;
  readonly def: D;
}

/** Where errors about a constant value go: at the value itself, or at a reference that brought it in. */
interface ValueContext {
  readonly file: LoadedFile;
  /** When set, errors are reported here (with `prefix`) instead of at the value's own span. */
  readonly redirect?: { readonly file: LoadedFile; readonly span: Span; readonly prefix: string };
  /** Constants being expanded, for cycle detection. */
  readonly stack: readonly AstConst[];
}

/** Renders a type the way the IDL spells it, for messages. */
export function typeName(type: TypeRef, from?: string): string {
  switch (type.kind) {
    case 'list':
    case 'set':
      return `${type.kind}<${typeName(type.elem, from)}>`;
    case 'map':
      return `map<${typeName(type.key, from)}, ${typeName(type.value, from)}>`;
    case 'struct':
    case 'union':
    case 'exception':
    case 'enum':
    case 'senum':
    case 'typedef':
      return type.file === from ? type.name : `${type.file}.${type.name}`;
    default:
      return type.kind;
  }
}

function describeValue(v: AstConstValue): string {
  switch (v.kind) {
    case 'int':
      return v.bool ? (v.value === 1n ? 'true' : 'false') : `integer ${v.value}`;
    case 'double':
      return `double ${v.text}`;
    case 'string':
      return `string ${JSON.stringify(v.value)}`;
    case 'identifier':
      return `'${v.name}'`;
    case 'list':
      return 'a list [...]';
    case 'map':
      return 'a map {...}';
  }
}

function annotations(list: readonly AstAnnotation[]): Annotations {
  const out: Record<string, string[]> = {};
  for (const a of list) (out[a.key] ??= []).push(a.value);
  return out;
}

/** Field ids as the IDL assigns them: explicit ids as written, implicit ones counting down from -1. */
export function assignFieldIds(list: readonly AstField[]): number[] {
  let implicit = -1;
  return list.map((f) => f.id ?? implicit--);
}

function withDoc<T extends object>(value: T, doc: string | undefined): T & { doc?: string } {
  return doc === undefined ? value : { ...value, doc };
}

class Resolver {
  /** Definitions of each file by name. */
  private readonly scopes = new Map<LoadedFile, Map<string, AstDefinition>>();
  /** Direct includes of each file by module name. */
  private readonly includes = new Map<LoadedFile, Map<string, LoadedFile>>();
  /** Enum values, assigned. */
  private readonly enumValues = new Map<AstEnum, EnumValue[]>();
  /** Typedef targets: a TypeRef, `null` after an error, `'busy'` while being resolved. */
  private readonly typedefs = new Map<AstTypedef, TypedefType['target'] | null | 'busy'>();
  /** Constant values checked against their own declared type: `null` after an error. */
  private readonly consts = new Map<AstConst, { type: TypeRef; value: ConstValue } | null>();

  constructor(
    private readonly program: LoadedProgram,
    private readonly bag: DiagnosticBag,
  ) {}

  run(): Schema {
    for (const file of this.program.files) this.declare(file);
    for (const file of this.program.files) {
      for (const def of file.document.definitions) if (def.kind === 'enum') this.assignEnumValues(file, def);
    }
    const files: Record<string, SchemaFile> = {};
    for (const file of this.program.files) files[file.name] = this.file(file);
    return { version: SCHEMA_VERSION, roots: this.program.roots.map((r) => r.name), files };
  }

  private error(file: LoadedFile, span: Span, code: DiagnosticCode, message: string, related: { file: LoadedFile; span: Span; message: string }[] = []): void {
    this.bag.error(
      file.source,
      span,
      code,
      message,
      related.map((r) => ({ ...locate(r.file.source, r.span.start), message: r.message })),
    );
  }

  private warn(file: LoadedFile, span: Span, code: DiagnosticCode, message: string): void {
    this.bag.warning(file.source, span, code, message);
  }

  private location(file: LoadedFile, span: Span): SchemaLocation {
    const { line, column } = file.source.position(span.start);
    return { line, column };
  }

  // ---- scopes --------------------------------------------------------------------------------------------

  private declare(file: LoadedFile): void {
    const scope = new Map<string, AstDefinition>();
    for (const def of file.document.definitions) {
      const first = scope.get(def.name);
      if (first) {
        this.error(file, def.nameSpan, 'DUPLICATE_DEFINITION', `'${def.name}' is already defined in ${file.source.displayPath} (as a ${first.kind}); every definition in a file needs its own name`, [
          { file, span: first.nameSpan, message: `first definition of '${def.name}'` },
        ]);
        continue;
      }
      this.checkName(file, def.name, def.nameSpan);
      scope.set(def.name, def);
    }
    this.scopes.set(file, scope);
    const includes = new Map<string, LoadedFile>();
    for (const inc of file.includes) includes.set(inc.file.name, inc.file);
    this.includes.set(file, includes);
  }

  private checkName(file: LoadedFile, name: string, span: Span): void {
    if (name === '__proto__') {
      this.error(file, span, 'BAD_NAME', "the name '__proto__' cannot be used: it is the prototype accessor of every JavaScript object");
    }
  }

  /**
   * Finds `name` as seen from `file`: a definition of the file itself, or `<module>.<Name>` for a directly
   * included module (module names may contain dots, so every split is tried).
   */
  private lookup(file: LoadedFile, name: string): Found | undefined {
    const own = this.scopes.get(file)!.get(name);
    if (own) return { file, def: own };
    for (let dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
      const included = this.includes.get(file)!.get(name.slice(0, dot));
      const def = included && this.scopes.get(included)!.get(name.slice(dot + 1));
      if (included && def) return { file: included, def };
    }
    return undefined;
  }

  /** Names visible from `file` that satisfy `filter`, for suggestions. */
  private visibleNames(file: LoadedFile, filter: (d: AstDefinition) => boolean): string[] {
    const out: string[] = [];
    for (const [name, def] of this.scopes.get(file)!) if (filter(def)) out.push(name);
    for (const [prefix, inc] of this.includes.get(file)!) {
      for (const [name, def] of this.scopes.get(inc)!) if (filter(def)) out.push(`${prefix}.${name}`);
    }
    return out;
  }

  /** Why `name` is not found, with a hint about includes when the prefix names a module that is not included. */
  private unknownHint(file: LoadedFile, name: string, filter: (d: AstDefinition) => boolean): string {
    const dot = name.lastIndexOf('.');
    if (dot > 0) {
      const prefix = name.slice(0, name.indexOf('.'));
      if (!this.includes.get(file)!.has(prefix) && !this.scopes.get(file)!.has(prefix)) {
        const known = this.program.files.find((f) => f.name === prefix);
        if (known) return `; ${file.source.displayPath} does not include ${known.source.displayPath} (add: include "${known.source.displayPath.split('/').pop()}")`;
        return `; no included file is named '${prefix}'`;
      }
    }
    return didYouMean(name, this.visibleNames(file, filter));
  }

  // ---- types ---------------------------------------------------------------------------------------------

  /** Resolves a type; reports and returns undefined on error. */
  private type(file: LoadedFile, ast: AstType): TypeRef | undefined {
    switch (ast.kind) {
      case 'base': {
        const kind = ast.name === 'byte' ? 'i8' : ast.name === 'slist' ? 'string' : ast.name;
        return ast.annotations.length > 0 ? { kind, annotations: annotations(ast.annotations) } : { kind };
      }
      case 'list':
      case 'set': {
        const elem = this.type(file, ast.elem);
        if (!elem) return undefined;
        return {
          kind: ast.kind,
          elem,
          ...(ast.cppType !== undefined ? { cppType: ast.cppType } : {}),
          ...(ast.annotations.length > 0 ? { annotations: annotations(ast.annotations) } : {}),
        };
      }
      case 'map': {
        const key = this.type(file, ast.key);
        const value = this.type(file, ast.value);
        if (!key || !value) return undefined;
        return {
          kind: 'map',
          key,
          value,
          ...(ast.cppType !== undefined ? { cppType: ast.cppType } : {}),
          ...(ast.annotations.length > 0 ? { annotations: annotations(ast.annotations) } : {}),
        };
      }
      case 'named': {
        const found = this.lookup(file, ast.name);
        const isType = (d: AstDefinition): boolean => d.kind !== 'const' && d.kind !== 'service';
        if (!found) {
          this.error(file, ast.span, 'UNKNOWN_TYPE', `unknown type '${ast.name}'${this.unknownHint(file, ast.name, isType)}`);
          return undefined;
        }
        const { def } = found;
        if (def.kind === 'const' || def.kind === 'service') {
          this.error(file, ast.span, 'NOT_A_TYPE', `'${ast.name}' is a ${def.kind === 'const' ? 'constant' : 'service'}, not a type; expected a base type, a container, or the name of a struct, union, exception, enum or typedef`, [
            { file: found.file, span: def.nameSpan, message: `'${def.name}' is declared here` },
          ]);
          return undefined;
        }
        if (def.kind === 'typedef') {
          const target = this.typedefTarget(found.file, def);
          return target ? { kind: 'typedef', file: found.file.name, name: def.name, target } : undefined;
        }
        return { kind: def.kind, file: found.file.name, name: def.name };
      }
    }
  }

  private typedefTarget(file: LoadedFile, def: AstTypedef): TypedefType['target'] | undefined {
    const state = this.typedefs.get(def);
    if (state === 'busy') {
      this.error(file, def.nameSpan, 'CIRCULAR_TYPEDEF', `typedef '${def.name}' refers to itself through a chain of typedefs; a typedef must end in a real type`);
      this.typedefs.set(def, null);
      return undefined;
    }
    if (state !== undefined) return state ?? undefined;
    this.typedefs.set(def, 'busy');
    const type = this.type(file, def.type);
    const target = type === undefined ? undefined : type.kind === 'typedef' ? type.target : type;
    // A cycle may have been reported (and the state set to null) while resolving.
    if (this.typedefs.get(def) === 'busy') this.typedefs.set(def, target ?? null);
    const final = this.typedefs.get(def);
    return final === 'busy' || final === null ? undefined : final;
  }

  // ---- enums ---------------------------------------------------------------------------------------------

  private assignEnumValues(file: LoadedFile, def: AstEnum): void {
    const values: EnumValue[] = [];
    const names = new Map<string, Span>();
    let next = 0n;
    for (const v of def.values) {
      const first = names.get(v.name);
      if (first) {
        this.error(file, v.nameSpan, 'DUPLICATE_ENUM_VALUE', `enum ${def.name} already has a value named '${v.name}'`, [{ file, span: first, message: 'first declared here' }]);
        continue;
      }
      names.set(v.name, v.nameSpan);
      this.checkName(file, v.name, v.nameSpan);
      let value = v.value ?? next;
      const [min, max] = INT_RANGES.i32;
      if (value < min || value > max) {
        if (v.value !== undefined) {
          this.error(file, v.valueSpan ?? v.nameSpan, 'ENUM_VALUE_RANGE', `enum value ${def.name}.${v.name} = ${value} does not fit i32 (${min} to ${max}); enum values are sent as i32`);
        } else {
          this.error(file, v.nameSpan, 'ENUM_VALUE_RANGE', `implicit enum value ${def.name}.${v.name} would be ${value}, past the i32 maximum ${max}; give it an explicit value`);
        }
        value = 0n;
      }
      next = value + 1n;
      values.push(withDoc({ name: v.name, value: Number(value), annotations: annotations(v.annotations) }, v.doc));
    }
    this.enumValues.set(def, values);
  }

  // ---- files and definitions -----------------------------------------------------------------------------

  private file(file: LoadedFile): SchemaFile {
    const doc = file.document;
    const namespaces: Record<string, string> = {};
    for (const ns of doc.namespaces) namespaces[ns.scope] = ns.name;
    const definitions: Definition[] = [];
    for (const def of doc.definitions) {
      if (this.scopes.get(file)!.get(def.name) !== def) continue; // a duplicate, already reported
      const out = this.definition(file, def);
      if (out) definitions.push(out);
    }
    return withDoc(
      {
        name: file.name,
        path: file.source.displayPath,
        namespaces,
        includes: file.includes.map((i) => i.file.name),
        cppIncludes: [...doc.cppIncludes],
        definitions,
      },
      doc.doc,
    );
  }

  private definition(file: LoadedFile, def: AstDefinition): Definition | undefined {
    const base = withDoc({ name: def.name, annotations: annotations(def.annotations), location: this.location(file, def.nameSpan) }, def.doc);
    switch (def.kind) {
      case 'typedef': {
        // Resolve through the typedef itself first, so that a cycle is reported at the first typedef of it.
        if (!this.typedefTarget(file, def)) return undefined;
        const type = this.type(file, def.type);
        return type ? { kind: 'typedef', ...base, type } : undefined;
      }
      case 'enum':
        return { kind: 'enum', ...base, values: this.enumValues.get(def) ?? [] };
      case 'senum':
        return { kind: 'senum', ...base, values: def.values.map((v) => v.value) };
      case 'const': {
        const checked = this.constant(file, def);
        return checked ? { kind: 'const', ...base, type: checked.type, value: checked.value } : undefined;
      }
      case 'struct':
      case 'union':
      case 'exception':
        return { kind: def.kind, ...base, fields: this.fields(file, def) };
      case 'service':
        return this.service(file, def, base);
    }
  }

  private fields(file: LoadedFile, def: AstStruct): Field[] {
    if (def.kind === 'union' && def.fields.length === 0) {
      this.error(file, def.nameSpan, 'EMPTY_UNION', `union ${def.name} has no fields; a union value must set exactly one field`);
    }
    return this.fieldList(file, def.fields, `${def.kind} ${def.name}`, def.kind === 'union' ? 'union' : 'struct');
  }

  /**
   * Checks a field list (struct, args or throws): ids, names, types and defaults. Implicit ids count down from
   * -1 like Apache's compiler.
   */
  private fieldList(file: LoadedFile, list: readonly AstField[], owner: string, role: 'struct' | 'union' | 'args' | 'throws'): Field[] {
    const out: Field[] = [];
    const ids = new Map<number, AstField>();
    const names = new Map<string, AstField>();
    const assigned = assignFieldIds(list);
    let nextFree = Math.max(0, ...list.map((f) => f.id ?? 0)) + 1;
    for (const [index, f] of list.entries()) {
      const id = assigned[index];
      if (f.id === undefined) {
        this.warn(file, f.nameSpan, 'IMPLICIT_FIELD_ID', `field '${f.name}' of ${owner} has no id, so it gets ${id}; implicit ids change when fields are reordered, so write an explicit id (e.g. '${nextFree++}: ')`);
      }
      const sameId = ids.get(id);
      if (sameId) {
        this.error(file, f.idSpan, 'DUPLICATE_FIELD_ID', `field id ${id} is used twice in ${owner} ('${sameId.name}' and '${f.name}'); every field needs its own id`, [
          { file, span: sameId.idSpan, message: `'${sameId.name}' has id ${id}` },
        ]);
        continue;
      }
      const sameName = names.get(f.name);
      if (sameName) {
        this.error(file, f.nameSpan, 'DUPLICATE_FIELD_NAME', `${owner} already has a field named '${f.name}'`, [{ file, span: sameName.nameSpan, message: `first field named '${f.name}'` }]);
        continue;
      }
      ids.set(id, f);
      names.set(f.name, f);
      this.checkName(file, f.name, f.nameSpan);
      if (role === 'throws' && f.name === 'success') {
        this.error(file, f.nameSpan, 'DUPLICATE_FIELD_NAME', `an exception in the throws clause of ${owner.replace('the throws clause of ', '')} is named 'success', which is the result's return-value field (id 0); rename it`);
        continue;
      }

      let requiredness: Requiredness = f.requiredness;
      if (role === 'union') {
        if (f.requiredness === 'required') this.warn(file, f.requirednessSpan ?? f.nameSpan, 'IGNORED', `'required' is ignored on union member '${f.name}': exactly one member of a union is set`);
        requiredness = 'optional';
      } else if (role === 'args' && f.requiredness === 'optional') {
        this.warn(file, f.requirednessSpan ?? f.nameSpan, 'IGNORED', `'optional' is ignored on argument '${f.name}' of ${owner.replace('the arguments of ', '')}: arguments are always sent (like Apache)`);
        requiredness = 'default';
      } else if (role === 'throws') {
        requiredness = 'optional';
      }

      const type = this.type(file, f.type);
      if (!type) continue;
      if (role === 'throws') {
        const target = type.kind === 'typedef' ? type.target : type;
        if (target.kind !== 'exception') {
          this.error(file, f.type.span, 'THROWS_NOT_EXCEPTION', `'${f.name}' in ${owner} has type ${typeName(type, file.name)}, which is not an exception; a throws clause lists exceptions only`);
          continue;
        }
      }
      let defaultValue: ConstValue | undefined;
      if (f.defaultValue) {
        if (role === 'union') {
          this.warn(file, f.defaultValue.span, 'IGNORED', `the default value of union member '${f.name}' is ignored: no union member is set by default`);
        } else if (role === 'throws') {
          this.warn(file, f.defaultValue.span, 'IGNORED', `the default value of '${f.name}' in a throws clause is ignored`);
        } else {
          defaultValue = this.value(type, f.defaultValue, { file, stack: [] });
        }
      }
      out.push(
        withDoc(
          {
            id,
            name: f.name,
            type,
            requiredness,
            ...(defaultValue !== undefined ? { default: defaultValue } : {}),
            annotations: annotations(f.annotations),
            location: this.location(file, f.nameSpan),
          },
          f.doc,
        ),
      );
    }
    return out;
  }

  private service(file: LoadedFile, def: AstService, base: { name: string; doc?: string; annotations: Annotations; location: SchemaLocation }): Definition {
    let parent: NamedRef | undefined;
    if (def.extends) {
      const found = this.lookup(file, def.extends.name);
      if (!found || found.def.kind !== 'service') {
        const what = found ? `'${def.extends.name}' is a ${found.def.kind}, not a service` : `unknown service '${def.extends.name}'${this.unknownHint(file, def.extends.name, (d) => d.kind === 'service')}`;
        this.error(file, def.extends.span, 'UNKNOWN_SERVICE', `service ${def.name} extends ${what}`);
      } else {
        parent = { file: found.file.name, name: found.def.name };
      }
    }
    // Functions of the ancestors, for duplicate checks; a cycle in `extends` is reported once, here.
    const inherited = new Map<string, string>();
    const seen = new Set<AstService>([def]);
    let ancestor = def.extends ? this.lookup(file, def.extends.name) : undefined;
    while (ancestor && ancestor.def.kind === 'service') {
      const svc = ancestor.def;
      if (seen.has(svc)) {
        this.error(file, def.extends!.span, 'CIRCULAR_EXTENDS', `service ${def.name} extends itself through ${svc.name}; the extends chain must end`);
        parent = undefined;
        break;
      }
      seen.add(svc);
      for (const fn of svc.functions) if (!inherited.has(fn.name)) inherited.set(fn.name, svc.name);
      ancestor = svc.extends ? this.lookup(ancestor.file, svc.extends.name) : undefined;
    }

    const functions: FunctionDefinition[] = [];
    const names = new Map<string, Span>();
    for (const fn of def.functions) {
      const owner = `${def.name}.${fn.name}`;
      const first = names.get(fn.name);
      if (first) {
        this.error(file, fn.nameSpan, 'DUPLICATE_FUNCTION', `service ${def.name} already has a function named '${fn.name}'`, [{ file, span: first, message: 'first declared here' }]);
        continue;
      }
      names.set(fn.name, fn.nameSpan);
      this.checkName(file, fn.name, fn.nameSpan);
      const from = inherited.get(fn.name);
      if (from !== undefined) {
        this.error(file, fn.nameSpan, 'DUPLICATE_FUNCTION', `function '${fn.name}' of service ${def.name} is already defined by its parent service ${from}; Thrift has no overriding, so give it another name`);
        continue;
      }
      if (fn.oneway && fn.returnType) {
        this.error(file, fn.returnType.span, 'BAD_ONEWAY', `oneway function ${owner} must return void; a oneway call gets no reply to carry a value`);
      }
      if (fn.oneway && fn.throws.length > 0) {
        this.error(file, fn.throwsSpan ?? fn.nameSpan, 'BAD_ONEWAY', `oneway function ${owner} cannot declare exceptions; a oneway call gets no reply to carry them`);
      }
      const returnType = fn.returnType ? this.type(file, fn.returnType) : ({ kind: 'void' } as const);
      const args = this.fieldList(file, fn.args, `the arguments of ${owner}`, 'args');
      const throws = this.fieldList(file, fn.throws, `the throws clause of ${owner}`, 'throws');
      if (!returnType) continue;
      functions.push(
        withDoc(
          { name: fn.name, oneway: fn.oneway, returnType, args, throws, annotations: annotations(fn.annotations), location: this.location(file, fn.nameSpan) },
          fn.doc,
        ),
      );
    }
    return { kind: 'service', ...base, ...(parent ? { extends: parent } : {}), functions };
  }

  // ---- constants -----------------------------------------------------------------------------------------

  /** A constant definition, checked against its declared type once (memoised). */
  private constant(file: LoadedFile, def: AstConst, stack: readonly AstConst[] = []): { type: TypeRef; value: ConstValue } | undefined {
    if (this.consts.has(def)) return this.consts.get(def) ?? undefined;
    const type = this.type(file, def.type);
    const value = type && this.value(type, def.value, { file, stack: [...stack, def] });
    const result = type && value ? { type, value } : null;
    this.consts.set(def, result);
    return result ?? undefined;
  }

  private valueError(ctx: ValueContext, node: AstConstValue, code: DiagnosticCode, message: string): undefined {
    if (ctx.redirect) this.error(ctx.redirect.file, ctx.redirect.span, code, `${ctx.redirect.prefix}${message}`);
    else this.error(ctx.file, node.span, code, message);
    return undefined;
  }

  /** Checks `node` against `type` and converts it; reports and returns undefined on error. */
  private value(type: TypeRef, node: AstConstValue, ctx: ValueContext): ConstValue | undefined {
    const target = type.kind === 'typedef' ? type.target : type;
    const shown = typeName(type, ctx.file.name);

    if (node.kind === 'identifier') {
      // An enum value (qualified, or bare when the type is that enum), else another constant.
      const member = this.enumMember(ctx.file, node.name, target.kind === 'enum' ? target : undefined);
      const sameName = target.kind === 'enum' && (!member || member.file !== target.file || member.enumName !== target.name) ? this.sameNameIn(target, node, ctx) : undefined;
      if (sameName) return sameName;
      if (member) return this.fromEnumMember(member, target, node, ctx, shown);
      const found = this.lookup(ctx.file, node.name);
      if (!found || found.def.kind !== 'const') {
        const why = found ? `'${node.name}' is a ${found.def.kind}, not a constant` : `unknown constant '${node.name}'${this.unknownHint(ctx.file, node.name, (d) => d.kind === 'const' || d.kind === 'enum')}`;
        return this.valueError(ctx, node, 'UNKNOWN_CONSTANT', `${why}; expected a value of type ${shown}`);
      }
      const def = found.def;
      if (ctx.stack.includes(def)) {
        return this.valueError(ctx, node, 'CIRCULAR_CONSTANT', `constant '${def.name}' is defined in terms of itself (${[...ctx.stack.map((c) => c.name), def.name].join(' -> ')})`);
      }
      // Check the referenced constant once against its own type (its errors are reported there), then against
      // this type, with errors pointing at this reference.
      if (!this.consts.has(def)) this.constant(found.file, def, ctx.stack);
      if (!this.consts.get(def)) return undefined;
      return this.value(type, def.value, {
        file: found.file,
        stack: [...ctx.stack, def],
        redirect: ctx.redirect ?? { file: ctx.file, span: node.span, prefix: `constant '${node.name}' does not fit here: ` },
      });
    }

    switch (target.kind) {
      case 'bool':
        if (node.kind === 'int' && (node.value === 0n || node.value === 1n)) return { kind: 'bool', value: node.value === 1n };
        return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected true or false (or 1 or 0) for type ${shown}, found ${describeValue(node)}`);
      case 'i8':
      case 'i16':
      case 'i32':
      case 'i64': {
        if (node.kind !== 'int') return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected an integer for type ${shown}, found ${describeValue(node)}`);
        const [min, max] = INT_RANGES[target.kind];
        if (node.value < min || node.value > max) {
          return this.valueError(ctx, node, 'CONST_OUT_OF_RANGE', `value ${node.value} does not fit type ${shown} (${min} to ${max})`);
        }
        return { kind: 'int', value: node.value.toString() };
      }
      case 'double': {
        if (node.kind === 'int') {
          const value = Number(node.value);
          if (!Number.isFinite(value)) return this.valueError(ctx, node, 'CONST_OUT_OF_RANGE', `value ${node.value} does not fit type ${shown}`);
          return { kind: 'double', value };
        }
        if (node.kind !== 'double') return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected a number for type ${shown}, found ${describeValue(node)}`);
        if (!Number.isFinite(node.value)) return this.valueError(ctx, node, 'CONST_OUT_OF_RANGE', `value ${node.text} does not fit type ${shown} (largest finite double is about 1.8e308)`);
        return { kind: 'double', value: node.value };
      }
      case 'string':
      case 'binary':
        if (node.kind !== 'string') return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected a quoted string for type ${shown}, found ${describeValue(node)}`);
        return { kind: 'string', value: node.value };
      case 'uuid':
        if (node.kind !== 'string' || !UUID_PATTERN.test(node.value)) {
          return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected a UUID string such as "123e4567-e89b-12d3-a456-426614174000" (or in braces, "{...}") for type ${shown}, found ${describeValue(node)}`);
        }
        return { kind: 'string', value: node.value.replace(/^\{|\}$/g, '').toLowerCase() };
      case 'senum': {
        if (node.kind !== 'string') return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected a quoted string for senum ${shown}, found ${describeValue(node)}`);
        const def = this.definitionOf(target) as { values: readonly { value: string }[] } | undefined;
        if (def && !def.values.some((v) => v.value === node.value)) {
          return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `${JSON.stringify(node.value)} is not a value of senum ${shown} (${def.values.map((v) => JSON.stringify(v.value)).join(', ')})`);
        }
        return { kind: 'string', value: node.value };
      }
      case 'enum': {
        const def = this.definitionOf(target) as AstEnum;
        const values = this.enumValues.get(def) ?? [];
        if (node.kind !== 'int' || node.bool) {
          return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected a value of enum ${shown} (e.g. ${shown}.${values[0]?.name ?? 'VALUE'}) or its integer, found ${describeValue(node)}`);
        }
        const member = values.find((v) => BigInt(v.value) === node.value);
        if (!member) {
          return this.valueError(ctx, node, 'CONST_OUT_OF_RANGE', `enum ${shown} has no value ${node.value} (values: ${values.map((v) => `${v.name} = ${v.value}`).join(', ')})`);
        }
        return { kind: 'enum', file: target.file, enum: target.name, name: member.name, value: member.value };
      }
      case 'list':
      case 'set': {
        // An empty list or set may be written `{}` (Apache accepts it: an empty map literal).
        if (node.kind === 'map' && node.entries.length === 0) return { kind: target.kind, elems: [] };
        if (node.kind !== 'list') return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected a list [...] for type ${shown}, found ${describeValue(node)}`);
        const elems: ConstValue[] = [];
        const seen = new Set<string>();
        let ok = true;
        for (const e of node.elems) {
          const v = this.value(target.elem, e, ctx);
          if (!v) {
            ok = false;
            continue;
          }
          if (target.kind === 'set') {
            const key = JSON.stringify(v);
            if (seen.has(key)) {
              this.valueError(ctx, e, 'CONST_DUPLICATE_KEY', `duplicate element ${describeValue(e)} in a constant of type ${shown}; set elements are unique`);
              ok = false;
              continue;
            }
            seen.add(key);
          }
          elems.push(v);
        }
        return ok ? { kind: target.kind, elems } : undefined;
      }
      case 'map': {
        if (node.kind !== 'map') {
          // `{}` and `[]` are both written for empty maps in the wild.
          if (node.kind === 'list' && node.elems.length === 0) return { kind: 'map', entries: [] };
          return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected a map {key: value, ...} for type ${shown}, found ${describeValue(node)}`);
        }
        const entries: [ConstValue, ConstValue][] = [];
        const seen = new Set<string>();
        let ok = true;
        for (const entry of node.entries) {
          const k = this.value(target.key, entry.key, ctx);
          const v = this.value(target.value, entry.value, ctx);
          if (!k || !v) {
            ok = false;
            continue;
          }
          const key = JSON.stringify(k);
          if (seen.has(key)) {
            this.valueError(ctx, entry.key, 'CONST_DUPLICATE_KEY', `duplicate key ${describeValue(entry.key)} in a constant of type ${shown}`);
            ok = false;
            continue;
          }
          seen.add(key);
          entries.push([k, v]);
        }
        return ok ? { kind: 'map', entries } : undefined;
      }
      case 'struct':
      case 'union':
      case 'exception':
        return this.structValue(target, node, ctx, shown);
    }
  }

  private definitionOf(ref: NamedRef): AstDefinition | undefined {
    const file = this.program.files.find((f) => f.name === ref.file);
    return file && this.scopes.get(file)!.get(ref.name);
  }

  private structValue(target: StructRef, node: AstConstValue, ctx: ValueContext, shown: string): ConstValue | undefined {
    if (node.kind !== 'map') {
      return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected a map of field names to values {"field": value, ...} for ${target.kind} ${shown}, found ${describeValue(node)}`);
    }
    const def = this.definitionOf(target) as AstStruct;
    const declaring = this.program.files.find((f) => f.name === target.file)!;
    const given = new Map<string, { id: number; name: string; value: ConstValue }>();
    const ids = assignFieldIds(def.fields);
    let ok = true;
    for (const entry of node.entries) {
      if (entry.key.kind !== 'string') {
        this.valueError(ctx, entry.key, 'CONST_TYPE_MISMATCH', `expected a quoted field name of ${target.kind} ${shown}, found ${describeValue(entry.key)}`);
        ok = false;
        continue;
      }
      const name = entry.key.value;
      const index = def.fields.findIndex((f) => f.name === name);
      if (index < 0) {
        this.valueError(ctx, entry.key, 'CONST_TYPE_MISMATCH', `${target.kind} ${shown} has no field '${name}'${didYouMean(name, def.fields.map((f) => f.name))}`);
        ok = false;
        continue;
      }
      if (given.has(name)) {
        this.valueError(ctx, entry.key, 'CONST_DUPLICATE_KEY', `field '${name}' is given twice in a constant of ${target.kind} ${shown}`);
        ok = false;
        continue;
      }
      const field = def.fields[index];
      const fieldType = this.type(declaring, field.type);
      const value = fieldType && this.value(fieldType, entry.value, ctx);
      if (!value) {
        ok = false;
        continue;
      }
      given.set(name, { id: ids[index], name, value });
    }
    if (!ok) return undefined;
    if (target.kind === 'union' && given.size !== 1) {
      return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `a constant of union ${shown} must set exactly one field, found ${given.size}`);
    }
    if (target.kind !== 'union') {
      const missing = def.fields.filter((f) => f.requiredness === 'required' && f.defaultValue === undefined && !given.has(f.name));
      if (missing.length > 0) {
        return this.valueError(ctx, node, 'CONST_MISSING_FIELD', `a constant of ${target.kind} ${shown} is missing required field${missing.length > 1 ? 's' : ''} ${missing.map((f) => `'${f.name}'`).join(', ')}`);
      }
    }
    // Field order, like the codecs.
    const fields = def.fields.map((f) => given.get(f.name)).filter((f): f is { id: number; name: string; value: ConstValue } => f !== undefined);
    return { kind: 'struct', fields };
  }

  /**
   * Resolves `name` as an enum value: `Enum.VALUE`, `module.Enum.VALUE`, or a bare `VALUE` of `expected` (the
   * enum the value must have).
   */
  private enumMember(file: LoadedFile, name: string, expected: NamedRef | undefined): { file: string; enumName: string; value: EnumValue } | undefined {
    const dot = name.lastIndexOf('.');
    if (dot > 0) {
      const found = this.lookup(file, name.slice(0, dot));
      if (found && found.def.kind === 'enum') {
        const value = (this.enumValues.get(found.def) ?? []).find((v) => v.name === name.slice(dot + 1));
        if (value) return { file: found.file.name, enumName: found.def.name, value };
      }
    }
    if (expected && dot < 0 && !this.lookup(file, name)) {
      const def = this.definitionOf(expected);
      if (def && def.kind === 'enum') {
        const value = (this.enumValues.get(def) ?? []).find((v) => v.name === name);
        if (value) return { file: expected.file, enumName: def.name, value };
      }
    }
    return undefined;
  }

  /**
   * Apache's rule for `OtherEnum.NAME` given to a field of enum type E: the value NAME of E, whatever the prefix
   * says. Accepted with a warning naming both enums; undefined when E has no value NAME (the usual errors follow).
   */
  private sameNameIn(target: NamedRef, node: AstConstValue & { kind: 'identifier' }, ctx: ValueContext): ConstValue | undefined {
    const dot = node.name.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const def = this.definitionOf(target);
    if (!def || def.kind !== 'enum') return undefined;
    const name = node.name.slice(dot + 1);
    const value = (this.enumValues.get(def) ?? []).find((v) => v.name === name);
    if (!value) return undefined;
    const prefix = node.name.slice(0, dot);
    const found = this.lookup(ctx.file, prefix);
    const what = found && found.def.kind === 'enum' ? `enum ${found.def.name}` : `'${prefix}', which is not an enum`;
    const message =
      `'${node.name}' names ${what}, but the type is enum ${def.name}: this is ${def.name}.${name} = ${value.value} ` +
      `(Apache resolves the value name in the field's enum); write ${def.name}.${name}`;
    if (ctx.redirect) this.warn(ctx.redirect.file, ctx.redirect.span, 'OTHER_ENUM_VALUE', `${ctx.redirect.prefix}${message}`);
    else this.warn(ctx.file, node.span, 'OTHER_ENUM_VALUE', message);
    return { kind: 'enum', file: target.file, enum: def.name, name: value.name, value: value.value };
  }

  private fromEnumMember(
    member: { file: string; enumName: string; value: EnumValue },
    target: TypedefType['target'],
    node: AstConstValue,
    ctx: ValueContext,
    shown: string,
  ): ConstValue | undefined {
    const full = `${member.enumName}.${member.value.name}`;
    switch (target.kind) {
      case 'enum':
        if (target.file !== member.file || target.name !== member.enumName) {
          return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `'${full}' is a value of enum ${member.enumName}, but type ${shown} is expected`);
        }
        return { kind: 'enum', file: member.file, enum: member.enumName, name: member.value.name, value: member.value.value };
      case 'i8':
      case 'i16':
      case 'i32':
      case 'i64': {
        const [min, max] = INT_RANGES[target.kind];
        const v = BigInt(member.value.value);
        if (v < min || v > max) return this.valueError(ctx, node, 'CONST_OUT_OF_RANGE', `'${full}' = ${v} does not fit type ${shown} (${min} to ${max})`);
        return { kind: 'int', value: v.toString() };
      }
      case 'double':
        return { kind: 'double', value: member.value.value };
      default:
        return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `'${full}' is an enum value, but type ${shown} is expected`);
    }
  }
}
