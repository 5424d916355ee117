import { IdlError, type Diagnostic } from '../diagnostics';
import { resolveTypedef, type ConstValue, type Field, type SchemaFile, type SchemaLocation, type StructDefinition, type TypeRef } from '../schema';
import { numberLiteral, quote } from './literals';
import { propertyName } from './names';

/**
 * Renders checked constant values (schema ConstValues) as TypeScript expressions of their type: i64 as bigint
 * literals (`9223372036854775807n`), sets and maps as `new Set`/`new Map` with explicit type arguments, binary as
 * `Uint8Array.of(...)`, structs as object literals (with defaults and zero values filled in like `create()`),
 * exceptions as `new X({...})`. Each call builds a fresh value, so defaults can be used for every decode.
 */

/** A constant that the generator cannot render under the chosen options (e.g. a huge i64 with `--int64 number`). */
export class GenerateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenerateError';
  }

  /** This error as an IdlError pointing at the definition it is about. */
  at(file: SchemaFile, location: SchemaLocation, what: string): IdlError {
    const d: Diagnostic = {
      file: file.path,
      line: location.line,
      column: location.column,
      severity: 'error',
      code: 'CONST_OUT_OF_RANGE',
      message: `${what}: ${this.message}`,
      lineText: '',
      length: 1,
      related: [],
    };
    return new IdlError([d]);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Joins rendered items on one line, or when `wrap` and the line would be long, one item per line, indented one
 * level past the line the value starts on (a constant definition's value starts at column 0). Field defaults do
 * not wrap: they are written inside lines of code at any depth.
 */
function list(open: string, items: readonly string[], close: string, wrap: boolean): string {
  const inline = `${open}${items.join(', ')}${close}`;
  if (!wrap || (inline.length <= 100 && !items.some((i) => i.includes('\n')))) return inline;
  return `${open.trimEnd()}\n${items.map((i) => `${INDENT}${i.split('\n').join(`\n${INDENT}`)},\n`).join('')}${close.trimStart()}`;
}

const INDENT = '  ';

/**
 * What rendering a constant needs from the module being generated (ModuleViewBuilder provides it; declared here
 * so that this file does not import view.ts, which imports it).
 */
export interface ConstantScope {
  readonly int64: 'bigint' | 'number';
  qualify(file: string, name: string): string;
  type(type: TypeRef): { readonly tsType: string };
  structDefinition(ref: { file: string; name: string }): StructDefinition;
  fieldInit(f: Field, owner: StructDefinition): string | null;
  fieldProperty(f: Field, owner: StructDefinition): string;
}

/**
 * `value` as an expression of `type`. `readonly` is for a `const` definition: its value may be wrapped across lines
 * (see list()); field defaults (`readonly` false) stay on one line.
 */
export function constExpression(b: ConstantScope, value: ConstValue, type: TypeRef, readonly: boolean): string {
  const t = resolveTypedef(type);
  switch (t.kind) {
    case 'bool':
      return expect(value, 'bool').value ? 'true' : 'false';
    case 'i8':
    case 'i16':
    case 'i32':
      return intValue(value);
    case 'i64': {
      const v = intValue(value);
      if (b.int64 === 'bigint') return `${v}n`;
      const big = BigInt(v);
      if (big > MAX_SAFE || big < -MAX_SAFE) {
        throw new GenerateError(`i64 value ${v} does not fit a JavaScript number exactly (|value| <= ${MAX_SAFE}); generate with --int64 bigint to keep it`);
      }
      return v;
    }
    case 'double':
      if (value.kind === 'int') return numberLiteral(Number(value.value));
      if (value.kind === 'enum') return numberLiteral(value.value);
      return numberLiteral(expect(value, 'double').value);
    case 'string':
    case 'uuid':
    case 'senum':
      return quote(expect(value, 'string').value);
    case 'binary': {
      const bytes = Buffer.from(expect(value, 'string').value, 'utf8');
      return bytes.length === 0 ? 'new Uint8Array(0)' : list('Uint8Array.of(', [...bytes].map(String), ')', readonly);
    }
    case 'enum': {
      const v = expect(value, 'enum');
      return `${b.qualify(v.file, v.enum)}.${propertyName(v.name)}`;
    }
    case 'list': {
      const v = value.kind === 'set' ? value : expect(value, 'list');
      return list('[', v.elems.map((e) => constExpression(b, e, t.elem, readonly)), ']', readonly);
    }
    case 'set': {
      const v = value.kind === 'list' ? value : expect(value, 'set');
      const elem = b.type(t.elem).tsType;
      if (v.elems.length === 0) return `new Set<${elem}>()`;
      return `new Set<${elem}>(${list('[', v.elems.map((e) => constExpression(b, e, t.elem, readonly)), ']', readonly)})`;
    }
    case 'map': {
      const v = expect(value, 'map');
      const k = b.type(t.key).tsType;
      const vt = b.type(t.value).tsType;
      if (v.entries.length === 0) return `new Map<${k}, ${vt}>()`;
      const entries = v.entries.map(([key, val]) => `[${constExpression(b, key, t.key, readonly)}, ${constExpression(b, val, t.value, readonly)}]`);
      return `new Map<${k}, ${vt}>(${list('[', entries, ']', readonly)})`;
    }
    case 'struct':
    case 'union':
    case 'exception': {
      const v = expect(value, 'struct');
      const def = b.structDefinition(t);
      const given = new Map(v.fields.map((f) => [f.name, f.value]));
      const props: string[] = [];
      for (const f of def.fields) {
        const prop = b.fieldProperty(f, def);
        const g = given.get(f.name);
        if (g !== undefined) {
          props.push(`${prop}: ${constExpression(b, g, f.type, readonly)}`);
        } else if (t.kind === 'struct') {
          // Like create(): defaults and zero values for the fields that were not given.
          const init = b.fieldInit(f, def);
          if (init !== null) props.push(`${prop}: ${init}`);
        }
      }
      const literal = props.length === 0 ? '{}' : list('{ ', props, ' }', readonly);
      return t.kind === 'exception' ? `new ${b.qualify(t.file, t.name)}(${literal})` : literal;
    }
  }
}

function intValue(value: ConstValue): string {
  if (value.kind === 'enum') return String(value.value);
  if (value.kind === 'bool') return value.value ? '1' : '0';
  return expect(value, 'int').value;
}

function expect<K extends ConstValue['kind']>(value: ConstValue, kind: K): Extract<ConstValue, { kind: K }> {
  if (value.kind !== kind) throw new Error(`schema is inconsistent: expected a ${kind} constant, found ${value.kind}`);
  return value as Extract<ConstValue, { kind: K }>;
}
