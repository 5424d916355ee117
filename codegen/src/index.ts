/**
 * @thriftpoll/codegen: the thriftpoll IDL compiler as a library.
 *
 *   const { schema, warnings } = loadSchema(['idl/echo.thrift'], { includeDirs: ['idl'] });
 *   for (const file of generate(schema, { int64: 'bigint' })) fs.writeFileSync(`gen/${file.path}`, file.contents);
 *
 * The command line (`thriftpoll gen`) is the same two steps. See docs/codegen.md.
 */
export { loadSchema } from './compile';
export type { LoadSchemaOptions, LoadedSchema } from './compile';
export { generate } from './generate';
export type { GenerateOptions, GeneratedFile, ImportExtension } from './generate';
export { IdlError, formatDiagnostic } from './diagnostics';
export type { Diagnostic, DiagnosticCode, Location, Severity } from './diagnostics';
export { TemplateError, UsageError } from './errors';
export { memoryHost, nodeHost } from './host';
export type { CompilerHost } from './host';
export { BUNDLED_TEMPLATES } from './ts/templates';
export { main as runCli, EXIT_IDL_ERROR, EXIT_OK, EXIT_USAGE } from './cli';
export * from './schema';
