/**
 * The runtime symbols generated code may use, all from `@thriftpoll/protocol`, and always written `$Name` in
 * templates. After rendering, the generator imports exactly the ones a module uses (so generated code compiles
 * under `noUnusedLocals`), values as values and types with `import type` semantics.
 */
export const RUNTIME_VALUES: ReadonlySet<string> = new Set([
  'TType',
  'TProtocolException',
  'TProtocolExceptionType',
  'TApplicationException',
  'TApplicationExceptionType',
  'ThriftError',
  'i64ToNumber',
  'i64FromNumber',
  'exceptionMessage',
]);

export const RUNTIME_TYPES: ReadonlySet<string> = new Set([
  'ProtocolReader',
  'ProtocolWriter',
  'StructCodec',
  'MethodDescriptor',
  'ServiceDescriptor',
  'Invoker',
  'CallOptions',
  'ServerCallContext',
]);

/** Where the import statement goes in rendered output. */
export const RUNTIME_IMPORTS_MARKER = '/*@thriftpoll:runtime-imports@*/';

/** Replaces the marker with an import of the `$`-names `code` uses (or removes it when none are used). */
export function insertRuntimeImports(code: string, runtimeModule: string): string {
  const used = new Set<string>();
  for (const m of code.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)\b/g)) {
    if (RUNTIME_VALUES.has(m[1]) || RUNTIME_TYPES.has(m[1])) used.add(m[1]);
  }
  const specifiers = [...used].sort().map((name) => (RUNTIME_TYPES.has(name) ? `type ${name} as $${name}` : `${name} as $${name}`));
  let statement = '';
  if (specifiers.length > 0) {
    const inline = `import { ${specifiers.join(', ')} } from '${runtimeModule}';`;
    statement = inline.length <= 118 ? inline : `import {\n${specifiers.map((s) => `${s},`).join('\n')}\n} from '${runtimeModule}';`;
  }
  return code.replace(RUNTIME_IMPORTS_MARKER, statement);
}

/**
 * Drops `import * as x from './x'` lines whose alias the module never uses (a view may qualify a name it ends up
 * not rendering, e.g. the type of a field that a constant leaves out).
 */
export function pruneModuleImports(code: string): string {
  const lines = code.split('\n');
  const body = lines.filter((l) => !/^import \* as [A-Za-z_$][\w$]* from '\.\/[^']*';$/.test(l)).join('\n');
  return lines
    .filter((l) => {
      const m = /^import \* as ([A-Za-z_$][\w$]*) from '\.\/[^']*';$/.exec(l);
      if (!m) return true;
      return new RegExp(`(?<![\\w$.])${m[1].replace(/\$/g, '\\$')}\\.`).test(body);
    })
    .join('\n');
}
