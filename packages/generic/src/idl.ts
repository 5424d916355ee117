import { loadSchema, type CompilerHost, type Definition, type Diagnostic, type Schema, type ServiceDefinition } from '@thriftpoll/codegen';
import type { StructCodec } from '@thriftpoll/protocol';
import { CodecBuilder, type Int64Mode } from './codecs';
import { RpcOptionError } from '@thriftpoll/rpc';
import { GenericLoadError } from './errors';
import { describeJson, type JsonObject } from './json';
import { buildService, type GenericService } from './service';

export interface LoadIdlOptions {
  /** Include directories, searched after the including file's own directory (as `thriftpoll gen -I`). */
  includeDirs?: readonly string[];
  /** How decoded i64 values are given: `'string'` (default; exact decimal text) or `'number'` (range-checked). */
  int64?: Int64Mode;
  /** Where IDL files are read from (default: the file system); see @thriftpoll/codegen's `memoryHost`. */
  host?: CompilerHost;
}

const INT64_MODES: readonly string[] = ['string', 'number'];
const OPTION_NAMES: readonly string[] = ['includeDirs', 'int64', 'host'];

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * IDL loaded at run time through the compiler's parser and resolver: codecs and service descriptors for its
 * types and services, by name, without generating code. Names may be bare (`Calculator`, also for a definition
 * in an included file) or qualified by module (`shared.SharedService`).
 */
export class GenericIdl {
  /** The compiler's warnings (deprecated forms, implicit field ids). */
  readonly warnings: readonly Diagnostic[];
  private readonly builder: CodecBuilder;
  private readonly services = new Map<string, GenericService>();

  private constructor(
    readonly schema: Schema,
    warnings: readonly Diagnostic[],
    int64: Int64Mode,
  ) {
    this.warnings = warnings;
    this.builder = new CodecBuilder(schema, int64);
  }

  /**
   * @throws IdlError (from @thriftpoll/codegen) when the IDL does not compile; RpcOptionError (from
   *         @thriftpoll/rpc) for options that are not what LoadIdlOptions describes.
   */
  static load(files: string | readonly string[], options: LoadIdlOptions = {}): GenericIdl {
    const list = typeof files === 'string' ? [files] : files;
    if (!isStringArray(list) || list.length === 0) throw new RpcOptionError(`the IDL files must be a path or a non-empty array of paths, got ${describeJson(files)}`);
    if (typeof options !== 'object' || options === null) throw new RpcOptionError(`IDL options must be an object, got ${describeJson(options)}`);
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.includes(key)) throw new RpcOptionError(`IDL options have no option '${key}' (known: ${OPTION_NAMES.join(', ')})`);
    }
    const int64 = options.int64 ?? 'string';
    if (!INT64_MODES.includes(int64)) throw new RpcOptionError(`int64 must be 'string' or 'number', got ${describeJson(int64)}`);
    if (options.includeDirs !== undefined && !isStringArray(options.includeDirs)) {
      throw new RpcOptionError(`includeDirs must be an array of directory paths, got ${describeJson(options.includeDirs)}`);
    }
    const { schema, warnings } = loadSchema(list, { includeDirs: options.includeDirs, host: options.host });
    return new GenericIdl(schema, warnings, int64);
  }

  /** The service named `name`. @throws GenericLoadError naming the services there are. */
  service(name: string): GenericService {
    const { file, definition } = this.find(name, 'service');
    if (definition.kind !== 'service') throw new GenericLoadError(`${name} is a ${definition.kind}, not a service`);
    return this.serviceOf(file, definition);
  }

  private serviceOf(file: string, definition: ServiceDefinition): GenericService {
    const key = `${file}.${definition.name}`;
    let service = this.services.get(key);
    if (service === undefined) {
      service = buildService(this.builder, file, definition, (f, d) => this.serviceOf(f, d));
      this.services.set(key, service);
    }
    return service;
  }

  /** The codec of the struct, union or exception named `name`, for JSON-shaped values. */
  struct(name: string): StructCodec<JsonObject> {
    const { file, definition } = this.find(name, 'struct');
    return this.builder.struct(file, definition.name);
  }

  /** Every service, qualified by module (`tutorial.Calculator`), in load order. */
  serviceNames(): string[] {
    return this.names((d) => d.kind === 'service');
  }

  private names(accept: (d: Definition) => boolean): string[] {
    const out: string[] = [];
    for (const file of Object.values(this.schema.files)) for (const d of file.definitions) if (accept(d)) out.push(`${file.name}.${d.name}`);
    return out;
  }

  /**
   * Resolves a bare or qualified name. A bare name defined in several files resolves to the one in a file given
   * to `load` (a root), and is ambiguous otherwise.
   */
  private find(name: string, kind: 'service' | 'struct'): { file: string; definition: Definition } {
    const accept = kind === 'service' ? (d: Definition) => d.kind === 'service' : (d: Definition) => d.kind === 'struct' || d.kind === 'union' || d.kind === 'exception';
    const dot = name.lastIndexOf('.');
    const matches: { file: string; definition: Definition }[] = [];
    for (const file of Object.values(this.schema.files)) {
      if (dot >= 0 && file.name !== name.slice(0, dot)) continue;
      const wanted = dot >= 0 ? name.slice(dot + 1) : name;
      const definition = file.definitions.find((d) => d.name === wanted && accept(d));
      if (definition !== undefined) matches.push({ file: file.name, definition });
    }
    const inRoots = matches.filter((m) => this.schema.roots.includes(m.file));
    if (matches.length === 1) return matches[0];
    if (inRoots.length === 1) return inRoots[0];
    const what = kind === 'service' ? 'service' : 'struct, union or exception';
    if (matches.length > 1) {
      throw new GenericLoadError(`${what} name '${name}' is ambiguous: ${matches.map((m) => `${m.file}.${m.definition.name}`).join(', ')}; qualify it`);
    }
    const known = this.names(accept);
    throw new GenericLoadError(`no ${what} '${name}' in the loaded IDL; it defines ${known.join(', ') || `no ${what}`}`);
  }
}

/** Loads IDL files for generic calls (see GenericIdl). @throws IdlError when the IDL does not compile. */
export function loadIdl(files: string | readonly string[], options: LoadIdlOptions = {}): GenericIdl {
  return GenericIdl.load(files, options);
}

/**
 * Loads `idlPath` and returns the descriptor of `serviceName` (bare, even from an included file, or qualified):
 *
 *   const calculator = loadService('tutorial.thrift', 'Calculator', { includeDirs: ['idl'] });
 *   createServer({ service: calculator, handler: { add: ({ num1, num2 }) => Number(num1) + Number(num2), ... } });
 *   const client = createGenericClient(calculator, { address: '127.0.0.1:9090' });
 *   await client.call('add', { num1: 1, num2: 2 });
 */
export function loadService(idlPath: string, serviceName: string, options: LoadIdlOptions = {}): GenericService {
  return GenericIdl.load(idlPath, options).service(serviceName);
}
