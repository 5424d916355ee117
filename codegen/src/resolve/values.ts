import type { AstConst, AstConstValue, AstEnum, AstStruct } from '../ast';
import type { DiagnosticCode } from '../diagnostics';
import type { LoadedFile } from '../loader';
import type { ConstValue, EnumValue, NamedRef, StructRef, TypeRef, TypedefType } from '../schema';
import type { Span } from '../source';
import { didYouMean } from '../suggest';
import type { EnumValues } from './enums';
import { assignFieldIds, INT_RANGES } from './model';
import type { Reporter } from './report';
import type { Scopes } from './scopes';
import { typeName } from './type-name';
import type { TypeResolver } from './types';

/**
 * Checks constant values (`const` definitions and field defaults) against their types and converts them to the
 * schema model's ConstValues: integers within their type's range, enum values by name (qualified, bare for a
 * field of that enum, or another enum's value of the same name with the OTHER_ENUM_VALUE warning, as Apache
 * resolves it) or by number, UUIDs in canonical or braced form, struct constants by field name with their
 * required fields, unique set elements and map keys. References to other constants are expanded (cycles are
 * errors) and checked once against their own type; a reference that does not fit where it is used is reported at
 * the reference, with the reason. Every error points at `file:line:column` of the offending value.
 */

/** A UUID in canonical form, or in GUID form with braces (`{...}`, as Apache's compiler accepts). */
const UUID_BODY = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const UUID_PATTERN = new RegExp(`^(?:${UUID_BODY}|\\{${UUID_BODY}\\})$`);

/** Where errors about a constant value go: at the value itself, or at a reference that brought it in. */
interface ValueContext {
  readonly file: LoadedFile;
  /** When set, errors are reported here (with `prefix`) instead of at the value's own span. */
  readonly redirect?: { readonly file: LoadedFile; readonly span: Span; readonly prefix: string };
  /** Constants being expanded, for cycle detection. */
  readonly stack: readonly AstConst[];
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

export class ValueChecker {
  /** Constant values checked against their own declared type: `null` after an error. */
  private readonly consts = new Map<AstConst, { type: TypeRef; value: ConstValue } | null>();

  constructor(
    private readonly scopes: Scopes,
    private readonly types: TypeResolver,
    private readonly enums: EnumValues,
    private readonly report: Reporter,
  ) {}

  /** The default value of a field of `type` declared in `file`; reports and returns undefined when it does not fit. */
  defaultValue(file: LoadedFile, type: TypeRef, node: AstConstValue): ConstValue | undefined {
    return this.value(type, node, { file, stack: [] });
  }

  /** A constant definition, checked against its declared type once (memoised); undefined after an error. */
  constant(file: LoadedFile, def: AstConst): { type: TypeRef; value: ConstValue } | undefined {
    return this.checkConstant(file, def, []);
  }

  /** `stack`: the constants whose expansion reached this one, for cycle detection. */
  private checkConstant(file: LoadedFile, def: AstConst, stack: readonly AstConst[]): { type: TypeRef; value: ConstValue } | undefined {
    if (this.consts.has(def)) return this.consts.get(def) ?? undefined;
    const type = this.types.type(file, def.type);
    const value = type && this.value(type, def.value, { file, stack: [...stack, def] });
    const result = type && value ? { type, value } : null;
    this.consts.set(def, result);
    return result ?? undefined;
  }

  private valueError(ctx: ValueContext, node: AstConstValue, code: DiagnosticCode, message: string): undefined {
    if (ctx.redirect) this.report.error(ctx.redirect.file, ctx.redirect.span, code, `${ctx.redirect.prefix}${message}`);
    else this.report.error(ctx.file, node.span, code, message);
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
      const found = this.scopes.lookup(ctx.file, node.name);
      if (!found || found.def.kind !== 'const') {
        const why = found ? `'${node.name}' is a ${found.def.kind}, not a constant` : `unknown constant '${node.name}'${this.scopes.unknownHint(ctx.file, node.name, (d) => d.kind === 'const' || d.kind === 'enum')}`;
        return this.valueError(ctx, node, 'UNKNOWN_CONSTANT', `${why}; expected a value of type ${shown}`);
      }
      const def = found.def;
      if (ctx.stack.includes(def)) {
        return this.valueError(ctx, node, 'CIRCULAR_CONSTANT', `constant '${def.name}' is defined in terms of itself (${[...ctx.stack.map((c) => c.name), def.name].join(' -> ')})`);
      }
      // Check the referenced constant once against its own type (its errors are reported there), then against
      // this type, with errors pointing at this reference.
      if (!this.consts.has(def)) this.checkConstant(found.file, def, ctx.stack);
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
        const def = this.scopes.definitionOf(target) as { values: readonly { value: string }[] } | undefined;
        if (def && !def.values.some((v) => v.value === node.value)) {
          return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `${JSON.stringify(node.value)} is not a value of senum ${shown} (${def.values.map((v) => JSON.stringify(v.value)).join(', ')})`);
        }
        return { kind: 'string', value: node.value };
      }
      case 'enum': {
        const def = this.scopes.definitionOf(target) as AstEnum;
        const values = this.enums.of(def);
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

  private structValue(target: StructRef, node: AstConstValue, ctx: ValueContext, shown: string): ConstValue | undefined {
    if (node.kind !== 'map') {
      return this.valueError(ctx, node, 'CONST_TYPE_MISMATCH', `expected a map of field names to values {"field": value, ...} for ${target.kind} ${shown}, found ${describeValue(node)}`);
    }
    const def = this.scopes.definitionOf(target) as AstStruct;
    const declaring = this.scopes.fileNamed(target.file);
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
      const fieldType = this.types.type(declaring, field.type);
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
      const found = this.scopes.lookup(file, name.slice(0, dot));
      if (found && found.def.kind === 'enum') {
        const value = this.enums.of(found.def).find((v) => v.name === name.slice(dot + 1));
        if (value) return { file: found.file.name, enumName: found.def.name, value };
      }
    }
    if (expected && dot < 0 && !this.scopes.lookup(file, name)) {
      const def = this.scopes.definitionOf(expected);
      if (def && def.kind === 'enum') {
        const value = this.enums.of(def).find((v) => v.name === name);
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
    const def = this.scopes.definitionOf(target);
    if (!def || def.kind !== 'enum') return undefined;
    const name = node.name.slice(dot + 1);
    const value = this.enums.of(def).find((v) => v.name === name);
    if (!value) return undefined;
    const prefix = node.name.slice(0, dot);
    const found = this.scopes.lookup(ctx.file, prefix);
    const what = found && found.def.kind === 'enum' ? `enum ${found.def.name}` : `'${prefix}', which is not an enum`;
    const message =
      `'${node.name}' names ${what}, but the type is enum ${def.name}: this is ${def.name}.${name} = ${value.value} ` +
      `(Apache resolves the value name in the field's enum); write ${def.name}.${name}`;
    if (ctx.redirect) this.report.warn(ctx.redirect.file, ctx.redirect.span, 'OTHER_ENUM_VALUE', `${ctx.redirect.prefix}${message}`);
    else this.report.warn(ctx.file, node.span, 'OTHER_ENUM_VALUE', message);
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
