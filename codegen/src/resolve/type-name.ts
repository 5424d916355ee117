import type { TypeRef } from '../schema';

/** Renders a type the way the IDL spells it, for messages; names declared in module `from` are left unqualified. */
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
