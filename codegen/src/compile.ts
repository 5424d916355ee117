import { DiagnosticBag, type Diagnostic } from './diagnostics';
import { nodeHost, type CompilerHost } from './host';
import { loadProgram } from './loader';
import { resolveProgram } from './resolver';
import type { Schema } from './schema';

export interface LoadSchemaOptions {
  /** Include directories (`-I`), searched after the including file's directory. */
  readonly includeDirs?: readonly string[];
  /** How files are read; the real file system by default. */
  readonly host?: CompilerHost;
}

export interface LoadedSchema {
  readonly schema: Schema;
  /** Warnings (deprecated forms, implicit field ids, ignored keywords). */
  readonly warnings: readonly Diagnostic[];
}

/**
 * Parses IDL files (and everything they include) and resolves them into the schema model.
 * @throws IdlError with every error found (`err.diagnostics`), each pointing at file:line:column.
 */
export function loadSchema(files: readonly string[], options: LoadSchemaOptions = {}): LoadedSchema {
  if (files.length === 0) throw new TypeError('loadSchema: expected at least one IDL file, got none');
  const bag = new DiagnosticBag();
  const program = loadProgram(files, options.host ?? nodeHost, { includeDirs: options.includeDirs ?? [] }, bag);
  const schema = resolveProgram(program, bag);
  return { schema, warnings: bag.warnings };
}
