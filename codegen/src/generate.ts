import { UsageError } from './errors';
import type { Schema } from './schema';
import { schemaNames } from './ts/names';
import { printModule } from './ts/printer';
import { loadTemplates } from './ts/templates';

export interface GenerateOptions {
  /** How i64 maps to TypeScript: `bigint` (default, exact) or `number` (checked to be a safe integer). */
  readonly int64?: 'bigint' | 'number';
  /** A directory of `.hbs` files overriding the bundled templates of the same name. */
  readonly templatesDir?: string;
  /** The module generated code imports its runtime from. Default `@thriftpoll/protocol`. */
  readonly runtimeModule?: string;
  /**
   * The file extension of imports between generated modules: `none` (default: `from './shared'`, for CommonJS and
   * bundlers), `js` (`'./shared.js'`, for projects compiled as native ES modules, `moduleResolution: node16`/
   * `nodenext`) or `ts` (`'./shared.ts'`, for `allowImportingTsExtensions`, Deno and type-stripping runtimes).
   */
  readonly importExtension?: ImportExtension;
  /**
   * Kitex/Go-style zero values (`--zero-values`): fields and arguments of default requiredness without an IDL default
   * are non-optional properties that decode to their type's zero value (`0`, `''`, `[]`, ...) when absent, and are
   * always written. Simpler types, but absence is lost: a struct passed through (echo, proxy, cache) comes back with
   * zero values where the peer sent nothing. Default `false`: presence is kept (`x?: T`, absent stays `undefined`),
   * as Apache's Python and JavaScript libraries do.
   */
  readonly zeroValues?: boolean;
}

export type ImportExtension = 'none' | 'js' | 'ts';

export interface GeneratedFile {
  /** File name relative to the output directory: `<module>.ts`. */
  readonly path: string;
  /** The IDL module it was generated from. */
  readonly module: string;
  readonly contents: string;
}

/**
 * Generates one TypeScript module per IDL file of the schema (roots and includes).
 * @throws UsageError for bad options, TemplateError for broken templates, IdlError for constants that cannot be
 *         represented under the options (an i64 constant beyond 2^53 with `int64: 'number'`).
 */
export function generate(schema: Schema, options: GenerateOptions = {}): GeneratedFile[] {
  const int64 = options.int64 ?? 'bigint';
  if (int64 !== 'bigint' && int64 !== 'number') {
    throw new UsageError(`int64 must be 'bigint' or 'number', got ${JSON.stringify(int64)}`);
  }
  const runtimeModule = options.runtimeModule ?? '@thriftpoll/protocol';
  const importExtension = options.importExtension ?? 'none';
  if (importExtension !== 'none' && importExtension !== 'js' && importExtension !== 'ts') {
    throw new UsageError(`importExtension must be 'none', 'js' or 'ts', got ${JSON.stringify(importExtension)}`);
  }
  const zeroValues = options.zeroValues ?? false;
  if (typeof zeroValues !== 'boolean') {
    throw new UsageError(`zeroValues must be true or false, got ${JSON.stringify(zeroValues)}`);
  }
  const templates = loadTemplates(options.templatesDir);
  const names = schemaNames(schema);
  const out: GeneratedFile[] = [];
  const importSuffix = importExtension === 'none' ? '' : `.${importExtension}`;
  for (const file of Object.values(schema.files)) {
    const contents = printModule(schema, file, names, templates, { int64, zeroValues, runtimeModule, importSuffix });
    out.push({ path: `${file.name}.ts`, module: file.name, contents });
  }
  return out;
}
