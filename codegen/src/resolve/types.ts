import type { AstDefinition, AstType, AstTypedef } from '../ast';
import type { LoadedFile } from '../loader';
import type { TypeRef, TypedefType } from '../schema';
import { annotations } from './model';
import type { Reporter } from './report';
import type { Scopes } from './scopes';

/** Resolves written types (base types, containers, names across includes, typedef chains) to schema TypeRefs. */
export class TypeResolver {
  /** Typedef targets: a TypeRef, `null` after an error, `'busy'` while being resolved. */
  private readonly typedefs = new Map<AstTypedef, TypedefType['target'] | null | 'busy'>();

  constructor(
    private readonly scopes: Scopes,
    private readonly report: Reporter,
  ) {}

  /** Resolves a type; reports and returns undefined on error. */
  type(file: LoadedFile, ast: AstType): TypeRef | undefined {
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
        const found = this.scopes.lookup(file, ast.name);
        const isType = (d: AstDefinition): boolean => d.kind !== 'const' && d.kind !== 'service';
        if (!found) {
          this.report.error(file, ast.span, 'UNKNOWN_TYPE', `unknown type '${ast.name}'${this.scopes.unknownHint(file, ast.name, isType)}`);
          return undefined;
        }
        const { def } = found;
        if (def.kind === 'const' || def.kind === 'service') {
          this.report.error(file, ast.span, 'NOT_A_TYPE', `'${ast.name}' is a ${def.kind === 'const' ? 'constant' : 'service'}, not a type; expected a base type, a container, or the name of a struct, union, exception, enum or typedef`, [
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

  /** The real type at the end of a typedef chain; a cycle is reported once, at the typedef that closes it. */
  typedefTarget(file: LoadedFile, def: AstTypedef): TypedefType['target'] | undefined {
    const state = this.typedefs.get(def);
    if (state === 'busy') {
      this.report.error(file, def.nameSpan, 'CIRCULAR_TYPEDEF', `typedef '${def.name}' refers to itself through a chain of typedefs; a typedef must end in a real type`);
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
}
