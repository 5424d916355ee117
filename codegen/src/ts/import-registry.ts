import { escapeName, identifierFrom } from './names';

/**
 * The imports of one generated module, recorded as its code is produced (as protobuf-es's printer does): the view
 * builder asks for every name of another generated module and every runtime symbol it writes into an expression,
 * and templates ask for the runtime symbols they write (`{{rt "TType"}}`). The import block is printed from this
 * record after the module's declarations are rendered, so a module imports exactly what its code names (generated
 * code must compile under `noUnusedLocals`).
 *
 * Runtime symbols come from one module (`@thriftpoll/protocol` unless `runtimeModule` says otherwise) under
 * `$`-prefixed local names (`$TType`, `$ProtocolWriter`): IDL names never start with `$`, so nothing the IDL
 * declares can collide with them. Types are imported with `type` modifiers. Other generated modules are namespace
 * imports (`import * as shared from './shared'`).
 */

/** Runtime values generated code may use. */
const RUNTIME_VALUES = ['TType', 'TProtocolException', 'TProtocolExceptionType', 'TApplicationException', 'TApplicationExceptionType', 'ThriftError', 'i64ToNumber', 'i64FromNumber', 'exceptionMessage'] as const;

/** Runtime types generated code may use. */
const RUNTIME_TYPES = ['ProtocolReader', 'ProtocolWriter', 'StructCodec', 'MethodDescriptor', 'ServiceDescriptor', 'Invoker', 'CallOptions', 'ServerCallContext'] as const;

export type RuntimeSymbol = (typeof RUNTIME_VALUES)[number] | (typeof RUNTIME_TYPES)[number];

const TYPE_ONLY: ReadonlySet<string> = new Set(RUNTIME_TYPES);

const RUNTIME_SYMBOLS: ReadonlySet<string> = new Set([...RUNTIME_VALUES, ...RUNTIME_TYPES]);

/** True for the names `runtime()` accepts (for checking what templates pass). */
export function isRuntimeSymbol(name: unknown): name is RuntimeSymbol {
  return typeof name === 'string' && RUNTIME_SYMBOLS.has(name);
}

/** The runtime symbols, for messages. */
export function runtimeSymbolList(): string {
  return [...RUNTIME_SYMBOLS].join(', ');
}

/** An import statement longer than this is written one specifier per line. */
const MAX_INLINE_IMPORT = 118;

export class ImportRegistry {
  private readonly runtimeUsed = new Set<RuntimeSymbol>();
  /** Imported generated modules, in the order first named: module name → alias. */
  private readonly modules = new Map<string, string>();
  private readonly aliases = new Set<string>();
  private printed = false;

  /**
   * @param taken the module's own top-level names, which an alias must not hide
   * @param importSuffix appended to the paths of imports between generated modules ('' or an extension such as '.js')
   */
  constructor(
    private readonly taken: ReadonlySet<string>,
    private readonly importSuffix: string,
  ) {}

  /** The local name of runtime symbol `name`, recorded as used. */
  runtime(name: RuntimeSymbol): string {
    if (!this.runtimeUsed.has(name)) {
      this.checkOpen(`$${name}`);
      this.runtimeUsed.add(name);
    }
    return `$${name}`;
  }

  /** The namespace alias of generated module `module`, recorded as used (allocated on first use). */
  module(module: string): string {
    let alias = this.modules.get(module);
    if (alias === undefined) {
      this.checkOpen(`module ${module}`);
      alias = escapeName(identifierFrom(module));
      // `Context` is the handler interfaces' type parameter.
      while (this.taken.has(alias) || this.aliases.has(alias) || alias === 'Context') alias += '_';
      this.aliases.add(alias);
      this.modules.set(module, alias);
    }
    return alias;
  }

  /** The import statements of everything recorded: the runtime import, then the generated modules; '' for none. */
  print(runtimeModule: string): string {
    this.printed = true;
    const lines: string[] = [];
    const specifiers = [...this.runtimeUsed].sort().map((name) => (TYPE_ONLY.has(name) ? `type ${name} as $${name}` : `${name} as $${name}`));
    if (specifiers.length > 0) {
      const inline = `import { ${specifiers.join(', ')} } from '${runtimeModule}';`;
      lines.push(inline.length <= MAX_INLINE_IMPORT ? inline : `import {\n${specifiers.map((s) => `  ${s},\n`).join('')}} from '${runtimeModule}';`);
    }
    for (const [module, alias] of this.modules) lines.push(`import * as ${alias} from './${module}${this.importSuffix}';`);
    return lines.join('\n');
  }

  /** A name asked for after the import block was printed could not be imported: that is a generator bug. */
  private checkOpen(what: string): void {
    if (this.printed) throw new Error(`${what} is named after the import block was printed (only declarations.hbs may name imported symbols)`);
  }
}
