import type { Schema, SchemaFile } from '../schema';

/**
 * How IDL names become TypeScript names. The rules are predictable so that users can guess the generated name:
 *
 *  1. A name that cannot be declared in TypeScript (a reserved word such as `class` or `delete`, a type keyword
 *     such as `string`, `number`, `any`), that would hide a global the generated code uses (`Map`, `Set`,
 *     `Promise`, `Error`, ...), that would be hidden by a parameter of generated methods (`reader`, `writer`,
 *     `value`, `init`, `args`, `error`, `options`, `context`, `invoker`), or `then` (a module exporting a function
 *     named `then` is a thenable: awaiting its dynamic `import()` would call it) gets `_` appended:
 *     `struct Map` → `Map_`.
 *  2. Each module's top-level names are unique: a generated name that is already taken (by rule 1, or by a
 *     service's derived `<Service>Client` / `<Service>Handler`) gets more `_` until it is free.
 *  3. Property names (struct fields, enum members, method names) are kept as written, because any identifier is
 *     a valid property name; except names every object inherits (`constructor`, `toString`, `valueOf`,
 *     `hasOwnProperty`, ...: a plain object would seem to have them set), exception fields that clash with
 *     `Error` members (`name`, `stack`, `cause`; `message` unless it is a string), and client/handler methods
 *     named `constructor` or `invoker`; those get `_`.
 *  4. Parameter names follow rule 1, and also avoid the `options` and `context` parameters the generated
 *     methods add.
 */

/** Words that cannot name a binding, a type or a class in strict-mode TypeScript modules. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  // ECMAScript reserved words
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null',
  'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with',
  // strict mode and module code
  'implements', 'interface', 'let', 'package', 'private', 'protected', 'public', 'static', 'yield', 'await',
  'arguments', 'eval',
  // TypeScript type keywords (invalid as type, interface or class names)
  'any', 'bigint', 'boolean', 'never', 'number', 'object', 'string', 'symbol', 'undefined', 'unknown',
]);

/** Globals that generated code refers to; a top-level declaration with one of these names would hide it. */
export const GUARDED_GLOBALS: ReadonlySet<string> = new Set([
  'Array', 'ReadonlyArray', 'Map', 'ReadonlyMap', 'Set', 'ReadonlySet', 'Readonly', 'Uint8Array', 'Number', 'BigInt',
  'Object', 'Promise', 'Error', 'TypeError', 'RangeError', 'String', 'Boolean', 'Symbol', 'JSON', 'Math', 'NaN',
  'Infinity', 'globalThis', 'Record', 'Partial',
]);

/** Parameter names of generated methods: inside those methods they would hide a module-level declaration. */
export const PARAMETER_NAMES: ReadonlySet<string> = new Set(['reader', 'writer', 'value', 'init', 'args', 'error', 'options', 'context', 'invoker']);

/** Exports a module namespace must not have: with a `then` function, `await import(...)` would call it. */
const MODULE_NAMESPACE_MEMBERS: ReadonlySet<string> = new Set(['then']);

/** Members every object inherits from Object.prototype. */
const OBJECT_MEMBERS: ReadonlySet<string> = new Set([
  'constructor', 'toString', 'toLocaleString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable',
  '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__', '__proto__',
]);

/** Members of `Error` objects that an exception field must not replace. */
const ERROR_MEMBERS: ReadonlySet<string> = new Set(['name', 'message', 'stack', 'cause']);

/** Members of generated client classes. */
const CLIENT_MEMBERS: ReadonlySet<string> = new Set(['constructor', 'invoker']);

/** Rule 1. */
export function escapeName(name: string): string {
  return RESERVED_WORDS.has(name) || GUARDED_GLOBALS.has(name) || PARAMETER_NAMES.has(name) || MODULE_NAMESPACE_MEMBERS.has(name)
    ? `${name}_`
    : name;
}

/** Rule 4. */
export function escapeParameter(name: string): string {
  return RESERVED_WORDS.has(name) || name === 'options' || name === 'context' ? `${name}_` : name;
}

/** Rule 3: the property of a struct or union field, or the name of an enum member. */
export function propertyName(name: string): string {
  return OBJECT_MEMBERS.has(name) ? `${name}_` : name;
}

/** Rule 3, exceptions: the property of an exception field. `message` of type string maps onto Error's own. */
export function exceptionProperty(name: string, isStringMessage: boolean): string {
  if (name === 'message' && isStringMessage) return 'message';
  return ERROR_MEMBERS.has(name) ? `${name}_` : propertyName(name);
}

/** Rule 3, methods. */
export function methodProperty(name: string): string {
  return CLIENT_MEMBERS.has(name) ? `${name}_` : name;
}

/** A valid identifier from a module name (`my-types` → `my_types`). */
export function identifierFrom(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_$]/g, '_');
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned;
}

/** The TypeScript names of one module's top-level declarations. */
export interface ModuleNames {
  /** IDL definition name → TypeScript name. */
  readonly definitions: ReadonlyMap<string, string>;
  /** Service IDL name → its client class and handler interface names. */
  readonly services: ReadonlyMap<string, { readonly client: string; readonly handler: string }>;
  /** Every top-level name taken, for allocating import aliases and type parameters. */
  readonly taken: ReadonlySet<string>;
}

/** Allocates the top-level names of one module (rules 1 and 2). */
export function moduleNames(file: SchemaFile): ModuleNames {
  const taken = new Set<string>();
  const claim = (wanted: string): string => {
    let name = wanted;
    while (taken.has(name)) name += '_';
    taken.add(name);
    return name;
  };
  const definitions = new Map<string, string>();
  for (const def of file.definitions) definitions.set(def.name, claim(escapeName(def.name)));
  const services = new Map<string, { client: string; handler: string }>();
  for (const def of file.definitions) {
    if (def.kind !== 'service') continue;
    const base = definitions.get(def.name)!;
    services.set(def.name, { client: claim(`${base}Client`), handler: claim(`${base}Handler`) });
  }
  return { definitions, services, taken };
}

/** Names for every module of a schema. */
export function schemaNames(schema: Schema): ReadonlyMap<string, ModuleNames> {
  return new Map(Object.values(schema.files).map((f) => [f.name, moduleNames(f)]));
}
