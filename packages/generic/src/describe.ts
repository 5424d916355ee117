import { resolveTypedef, type ConstValue, type Definition, type Field, type FunctionDefinition, type Schema, type TypeRef, type VoidType } from '@thriftpoll/codegen';
import type { GenericService } from './service';

/*
 * `thriftpoll call --describe`: the service's methods with their argument and result types, then every type
 * they use, in IDL syntax (like `grpcurl describe`). Names from another module than the service's are qualified.
 */

/** The description of a service (and of one method, when given) in IDL syntax. */
export function describeService(schema: Schema, service: GenericService, methodName?: string): string {
  const from = service.file;
  const lines: string[] = [];
  const used = new Map<string, { file: string; name: string }>();
  const typeName = (type: TypeRef | VoidType): string => {
    if (type.kind === 'void') return 'void';
    if (type.kind === 'list' || type.kind === 'set') return `${type.kind}<${typeName(type.elem)}>`;
    if (type.kind === 'map') return `map<${typeName(type.key)}, ${typeName(type.value)}>`;
    if ('file' in type) {
      // Named types are listed after the service (a typedef, and what it stands for).
      used.set(`${type.file}.${type.name}`, { file: type.file, name: type.name });
      const target = resolveTypedef(type);
      if ('file' in target) used.set(`${target.file}.${target.name}`, { file: target.file, name: target.name });
      else collect(target);
      return type.file === from ? type.name : `${type.file}.${type.name}`;
    }
    return type.kind;
  };
  const collect = (type: TypeRef): void => void typeName(type);
  // Arguments and thrown exceptions have no requiredness worth showing (arguments' `optional` is ignored).
  const fields = (list: readonly Field[]): string => list.map((f) => `${f.id}: ${typeName(f.type)} ${f.name}`).join(', ');
  const signature = (fn: FunctionDefinition): string =>
    `${fn.oneway ? 'oneway ' : ''}${typeName(fn.returnType)} ${fn.name}(${fields(fn.args)})${fn.throws.length > 0 ? ` throws (${fields(fn.throws)})` : ''}`;

  const parent = service.definition.extends;
  const methods = Object.values(service.methods).filter((m) => methodName === undefined || m.name === methodName);
  lines.push(`service ${service.name}${parent === undefined ? '' : ` extends ${parent.file === from ? parent.name : `${parent.file}.${parent.name}`}`} {`);
  for (const method of methods) {
    const inherited = method.serviceName !== service.name ? `  // from ${method.serviceName}` : '';
    lines.push(`  ${signature(method.function)}${inherited}`);
  }
  lines.push('}');

  // The types used, and the types they use, each once.
  const shown = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const [key, ref] of [...used]) {
      if (shown.has(key)) continue;
      shown.add(key);
      grew = true;
      const definition = schema.files[ref.file]?.definitions.find((d) => d.name === ref.name);
      if (definition !== undefined) lines.push('', ...describeDefinition(definition, ref.file === from ? ref.name : key, typeName));
    }
  }
  return `${lines.join('\n')}\n`;
}

function describeDefinition(definition: Definition, name: string, typeName: (type: TypeRef) => string): string[] {
  switch (definition.kind) {
    case 'struct':
    case 'union':
    case 'exception':
      return [
        `${definition.kind} ${name} {`,
        ...definition.fields.map(
          (f) =>
            `  ${f.id}: ${f.requiredness === 'default' || definition.kind === 'union' ? '' : `${f.requiredness} `}${typeName(f.type)} ${f.name}` +
            (f.default === undefined ? '' : ` = ${constText(f.default)}`),
        ),
        '}',
      ];
    case 'enum':
      return [`enum ${name} { ${definition.values.map((v) => `${v.name} = ${v.value}`).join(', ')} }`];
    case 'senum':
      return [`senum ${name} { ${definition.values.map((v) => JSON.stringify(v)).join(', ')} }`];
    case 'typedef':
      return [`typedef ${typeName(definition.type)} ${name}`];
    default:
      return [];
  }
}

/** A default value in IDL syntax. */
function constText(value: ConstValue): string {
  switch (value.kind) {
    case 'bool':
    case 'int':
    case 'double':
      return String(value.value);
    case 'string':
      return JSON.stringify(value.value);
    case 'enum':
      return `${value.enum}.${value.name}`;
    case 'list':
    case 'set':
      return `[${value.elems.map(constText).join(', ')}]`;
    case 'map':
      return `{${value.entries.map(([k, v]) => `${constText(k)}: ${constText(v)}`).join(', ')}}`;
    case 'struct':
      return `{${value.fields.map((f) => `${JSON.stringify(f.name)}: ${constText(f.value)}`).join(', ')}}`;
  }
}
