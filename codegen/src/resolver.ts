import type { AstDefinition, AstField, AstService, AstStruct } from './ast';
import type { DiagnosticBag } from './diagnostics';
import type { LoadedFile, LoadedProgram } from './loader';
import { EnumValues } from './resolve/enums';
import { annotations, assignFieldIds, withDoc } from './resolve/model';
import { Reporter } from './resolve/report';
import { Scopes } from './resolve/scopes';
import { typeName } from './resolve/type-name';
import { TypeResolver } from './resolve/types';
import { ValueChecker } from './resolve/values';
import {
  SCHEMA_VERSION,
  type Annotations,
  type ConstValue,
  type Definition,
  type Field,
  type FunctionDefinition,
  type NamedRef,
  type Requiredness,
  type Schema,
  type SchemaFile,
  type SchemaLocation,
} from './schema';
import type { Span } from './source';

/**
 * Semantic analysis: resolves every name across includes, assigns implicit field ids and enum values, checks
 * constants and defaults against their types, and reports every mistake it finds (not just the first) before
 * producing the schema model. The parts live in `resolve/`: name scopes (`scopes.ts`), written types and typedef
 * chains (`types.ts`), enum values (`enums.ts`), constant and default values (`values.ts`); this file checks
 * definitions, fields and services and builds the model from them.
 */
export function resolveProgram(program: LoadedProgram, bag: DiagnosticBag): Schema {
  const schema = new Resolver(program, new Reporter(bag)).run();
  bag.throwIfErrors();
  return schema;
}

class Resolver {
  private readonly scopes: Scopes;
  private readonly types: TypeResolver;
  private readonly enums: EnumValues;
  private readonly values: ValueChecker;

  constructor(
    private readonly program: LoadedProgram,
    private readonly report: Reporter,
  ) {
    this.scopes = new Scopes(program, report);
    this.types = new TypeResolver(this.scopes, report);
    this.enums = new EnumValues(report);
    this.values = new ValueChecker(this.scopes, this.types, this.enums, report);
  }

  run(): Schema {
    for (const file of this.program.files) {
      for (const def of file.document.definitions) if (def.kind === 'enum') this.enums.assign(file, def);
    }
    const files: Record<string, SchemaFile> = {};
    for (const file of this.program.files) files[file.name] = this.file(file);
    return { version: SCHEMA_VERSION, roots: this.program.roots.map((r) => r.name), files };
  }

  private file(file: LoadedFile): SchemaFile {
    const doc = file.document;
    const namespaces: Record<string, string> = {};
    for (const ns of doc.namespaces) namespaces[ns.scope] = ns.name;
    const definitions: Definition[] = [];
    for (const def of doc.definitions) {
      if (!this.scopes.isDeclared(file, def)) continue; // a duplicate, already reported
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
    const base = withDoc({ name: def.name, annotations: annotations(def.annotations), location: this.report.location(file, def.nameSpan) }, def.doc);
    switch (def.kind) {
      case 'typedef': {
        // Resolve through the typedef itself first, so that a cycle is reported at the first typedef of it.
        if (!this.types.typedefTarget(file, def)) return undefined;
        const type = this.types.type(file, def.type);
        return type ? { kind: 'typedef', ...base, type } : undefined;
      }
      case 'enum':
        return { kind: 'enum', ...base, values: this.enums.of(def) };
      case 'senum':
        return { kind: 'senum', ...base, values: def.values.map((v) => v.value) };
      case 'const': {
        const checked = this.values.constant(file, def);
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
      this.report.error(file, def.nameSpan, 'EMPTY_UNION', `union ${def.name} has no fields; a union value must set exactly one field`);
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
        this.report.warn(file, f.nameSpan, 'IMPLICIT_FIELD_ID', `field '${f.name}' of ${owner} has no id, so it gets ${id}; implicit ids change when fields are reordered, so write an explicit id (e.g. '${nextFree++}: ')`);
      }
      const sameId = ids.get(id);
      if (sameId) {
        this.report.error(file, f.idSpan, 'DUPLICATE_FIELD_ID', `field id ${id} is used twice in ${owner} ('${sameId.name}' and '${f.name}'); every field needs its own id`, [
          { file, span: sameId.idSpan, message: `'${sameId.name}' has id ${id}` },
        ]);
        continue;
      }
      const sameName = names.get(f.name);
      if (sameName) {
        this.report.error(file, f.nameSpan, 'DUPLICATE_FIELD_NAME', `${owner} already has a field named '${f.name}'`, [{ file, span: sameName.nameSpan, message: `first field named '${f.name}'` }]);
        continue;
      }
      ids.set(id, f);
      names.set(f.name, f);
      this.report.checkName(file, f.name, f.nameSpan);
      if (role === 'throws' && f.name === 'success') {
        this.report.error(file, f.nameSpan, 'DUPLICATE_FIELD_NAME', `an exception in the throws clause of ${owner.replace('the throws clause of ', '')} is named 'success', which is the result's return-value field (id 0); rename it`);
        continue;
      }

      let requiredness: Requiredness = f.requiredness;
      if (role === 'union') {
        if (f.requiredness === 'required') this.report.warn(file, f.requirednessSpan ?? f.nameSpan, 'IGNORED', `'required' is ignored on union member '${f.name}': exactly one member of a union is set`);
        requiredness = 'optional';
      } else if (role === 'args' && f.requiredness === 'optional') {
        this.report.warn(file, f.requirednessSpan ?? f.nameSpan, 'IGNORED', `'optional' is ignored on argument '${f.name}' of ${owner.replace('the arguments of ', '')}: arguments are always sent (like Apache)`);
        requiredness = 'default';
      } else if (role === 'throws') {
        requiredness = 'optional';
      }

      const type = this.types.type(file, f.type);
      if (!type) continue;
      if (role === 'throws') {
        const target = type.kind === 'typedef' ? type.target : type;
        if (target.kind !== 'exception') {
          this.report.error(file, f.type.span, 'THROWS_NOT_EXCEPTION', `'${f.name}' in ${owner} has type ${typeName(type, file.name)}, which is not an exception; a throws clause lists exceptions only`);
          continue;
        }
      }
      let defaultValue: ConstValue | undefined;
      if (f.defaultValue) {
        if (role === 'union') {
          this.report.warn(file, f.defaultValue.span, 'IGNORED', `the default value of union member '${f.name}' is ignored: no union member is set by default`);
        } else if (role === 'throws') {
          this.report.warn(file, f.defaultValue.span, 'IGNORED', `the default value of '${f.name}' in a throws clause is ignored`);
        } else {
          defaultValue = this.values.defaultValue(file, type, f.defaultValue);
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
            location: this.report.location(file, f.nameSpan),
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
      const found = this.scopes.lookup(file, def.extends.name);
      if (!found || found.def.kind !== 'service') {
        const what = found ? `'${def.extends.name}' is a ${found.def.kind}, not a service` : `unknown service '${def.extends.name}'${this.scopes.unknownHint(file, def.extends.name, (d) => d.kind === 'service')}`;
        this.report.error(file, def.extends.span, 'UNKNOWN_SERVICE', `service ${def.name} extends ${what}`);
      } else {
        parent = { file: found.file.name, name: found.def.name };
      }
    }
    // Functions of the ancestors, for duplicate checks; a cycle in `extends` is reported once, here.
    const inherited = new Map<string, string>();
    const seen = new Set<AstService>([def]);
    let ancestor = def.extends ? this.scopes.lookup(file, def.extends.name) : undefined;
    while (ancestor && ancestor.def.kind === 'service') {
      const svc = ancestor.def;
      if (seen.has(svc)) {
        this.report.error(file, def.extends!.span, 'CIRCULAR_EXTENDS', `service ${def.name} extends itself through ${svc.name}; the extends chain must end`);
        parent = undefined;
        break;
      }
      seen.add(svc);
      for (const fn of svc.functions) if (!inherited.has(fn.name)) inherited.set(fn.name, svc.name);
      ancestor = svc.extends ? this.scopes.lookup(ancestor.file, svc.extends.name) : undefined;
    }

    const functions: FunctionDefinition[] = [];
    const names = new Map<string, Span>();
    for (const fn of def.functions) {
      const owner = `${def.name}.${fn.name}`;
      const first = names.get(fn.name);
      if (first) {
        this.report.error(file, fn.nameSpan, 'DUPLICATE_FUNCTION', `service ${def.name} already has a function named '${fn.name}'`, [{ file, span: first, message: 'first declared here' }]);
        continue;
      }
      names.set(fn.name, fn.nameSpan);
      this.report.checkName(file, fn.name, fn.nameSpan);
      const from = inherited.get(fn.name);
      if (from !== undefined) {
        this.report.error(file, fn.nameSpan, 'DUPLICATE_FUNCTION', `function '${fn.name}' of service ${def.name} is already defined by its parent service ${from}; Thrift has no overriding, so give it another name`);
        continue;
      }
      if (fn.oneway && fn.returnType) {
        this.report.error(file, fn.returnType.span, 'BAD_ONEWAY', `oneway function ${owner} must return void; a oneway call gets no reply to carry a value`);
      }
      if (fn.oneway && fn.throws.length > 0) {
        this.report.error(file, fn.throwsSpan ?? fn.nameSpan, 'BAD_ONEWAY', `oneway function ${owner} cannot declare exceptions; a oneway call gets no reply to carry them`);
      }
      const returnType = fn.returnType ? this.types.type(file, fn.returnType) : ({ kind: 'void' } as const);
      const args = this.fieldList(file, fn.args, `the arguments of ${owner}`, 'args');
      const throws = this.fieldList(file, fn.throws, `the throws clause of ${owner}`, 'throws');
      if (!returnType) continue;
      functions.push(
        withDoc(
          { name: fn.name, oneway: fn.oneway, returnType, args, throws, annotations: annotations(fn.annotations), location: this.report.location(file, fn.nameSpan) },
          fn.doc,
        ),
      );
    }
    return { kind: 'service', ...base, ...(parent ? { extends: parent } : {}), functions };
  }
}
