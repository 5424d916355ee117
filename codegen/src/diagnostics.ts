import type { SourceFile, Span } from './source';

/**
 * What the compiler reports about an IDL: errors (the compile fails, the CLI exits 1) and warnings (printed, the
 * compile goes on). Every diagnostic points at `file:line:column` and carries the offending line so that it can
 * be shown with a caret.
 */

/** Machine-readable diagnostic codes. Errors and warnings have distinct codes. */
export type DiagnosticCode =
  // lexical and syntax
  | 'BAD_CHARACTER'
  | 'BAD_NUMBER'
  | 'BAD_ESCAPE'
  | 'UNTERMINATED'
  | 'SYNTAX'
  // files and includes
  | 'FILE_NOT_FOUND'
  | 'INCLUDE_NOT_FOUND'
  | 'CIRCULAR_INCLUDE'
  | 'MODULE_NAME_CLASH'
  // names and types
  | 'BAD_NAME'
  | 'DUPLICATE_DEFINITION'
  | 'UNKNOWN_TYPE'
  | 'NOT_A_TYPE'
  | 'CIRCULAR_TYPEDEF'
  | 'UNKNOWN_SERVICE'
  | 'CIRCULAR_EXTENDS'
  // fields and functions
  | 'DUPLICATE_FIELD_ID'
  | 'DUPLICATE_FIELD_NAME'
  | 'FIELD_ID_RANGE'
  | 'EMPTY_UNION'
  | 'DUPLICATE_FUNCTION'
  | 'BAD_ONEWAY'
  | 'THROWS_NOT_EXCEPTION'
  // enums and constants
  | 'ENUM_VALUE_RANGE'
  | 'DUPLICATE_ENUM_VALUE'
  | 'UNKNOWN_CONSTANT'
  | 'CIRCULAR_CONSTANT'
  | 'CONST_TYPE_MISMATCH'
  | 'CONST_OUT_OF_RANGE'
  | 'CONST_DUPLICATE_KEY'
  | 'CONST_MISSING_FIELD'
  // warnings
  | 'IMPLICIT_FIELD_ID'
  | 'DEPRECATED'
  | 'IGNORED'
  | 'OTHER_ENUM_VALUE';

export type Severity = 'error' | 'warning';

/** A place in an IDL file, 1-based. */
export interface Location {
  /** The file as shown to the user (relative to the working directory when it is under it). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface Diagnostic extends Location {
  readonly severity: Severity;
  readonly code: DiagnosticCode;
  /** One sentence: what was seen and what was expected. */
  readonly message: string;
  /** The source line the diagnostic points into (no line terminator). */
  readonly lineText: string;
  /** How many characters the caret underlines (at least 1). */
  readonly length: number;
  /** Other places that explain this one ("first defined here"). */
  readonly related: readonly (Location & { readonly message: string })[];
}

/** Resolves a span of a source file to a Location. */
export function locate(source: SourceFile, offset: number): Location {
  const { line, column } = source.position(offset);
  return { file: source.displayPath, line, column };
}

/** Builds a diagnostic for `span` of `source`. */
export function diagnostic(
  source: SourceFile,
  span: Span,
  severity: Severity,
  code: DiagnosticCode,
  message: string,
  related: readonly (Location & { readonly message: string })[] = [],
): Diagnostic {
  const where = locate(source, span.start);
  const lineText = source.lineText(where.line);
  // Underline the span, but never past the end of the line it starts on.
  const length = Math.max(1, Math.min(span.end - span.start, lineText.length - (where.column - 1)));
  return { ...where, severity, code, message, lineText, length, related };
}

/**
 * Formats a diagnostic the way compilers do:
 *
 *     idl/bad.thrift:3:15: error UNKNOWN_TYPE: unknown type 'Reqest'; did you mean 'Request'?
 *         3 |   1: required Reqest req
 *           |               ^^^^^^
 */
export function formatDiagnostic(d: Diagnostic): string {
  if (d.line === 0) return `${d.file}: ${d.severity} ${d.code}: ${d.message}`;
  if (d.lineText === '') return `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
  const gutter = String(d.line);
  const pad = ' '.repeat(gutter.length);
  // Keep tabs in the caret line so that it lines up under tab-indented source.
  const lead = d.lineText.slice(0, d.column - 1).replace(/[^\t]/g, ' ');
  const lines = [
    `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`,
    `    ${gutter} | ${d.lineText}`,
    `    ${pad} | ${lead}${'^'.repeat(d.length)}`,
  ];
  for (const r of d.related) lines.push(`    ${pad} = note: ${r.message} (${r.file}:${r.line}:${r.column})`);
  return lines.join('\n');
}

/** A diagnostic about a whole file (one that cannot be read), with no line to point at. */
export function fileDiagnostic(file: string, code: DiagnosticCode, message: string): Diagnostic {
  return { file, line: 0, column: 0, severity: 'error', code, message, lineText: '', length: 0, related: [] };
}

/** Thrown when an IDL has errors. `diagnostics` lists every error found (and the warnings seen so far). */
export class IdlError extends Error {
  readonly code = 'IDL_ERROR' as const;
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const shown = errors.length > 0 ? errors : diagnostics;
    super(
      shown.map(formatDiagnostic).join('\n\n') +
        (errors.length > 1 ? `\n\n${errors.length} errors` : ''),
    );
    this.name = 'IdlError';
    this.diagnostics = diagnostics;
  }

  /** The errors only. */
  get errors(): readonly Diagnostic[] {
    return this.diagnostics.filter((d) => d.severity === 'error');
  }
}

/**
 * Collects diagnostics for one compile. Errors beyond `limit` are dropped (the first ones are what a user fixes
 * first, and a pathological file must not make the compiler build an unbounded list).
 */
export class DiagnosticBag {
  private readonly items: Diagnostic[] = [];
  /** Keys of what was reported, so that one mistake reached twice is reported once. */
  private readonly seen = new Set<string>();
  private errorCount = 0;

  constructor(private readonly limit = 100) {}

  error(source: SourceFile, span: Span, code: DiagnosticCode, message: string, related: Diagnostic['related'] = []): void {
    this.add(diagnostic(source, span, 'error', code, message, related));
  }

  warning(source: SourceFile, span: Span, code: DiagnosticCode, message: string): void {
    this.add(diagnostic(source, span, 'warning', code, message));
  }

  add(d: Diagnostic): void {
    const key = `${d.file}:${d.line}:${d.column}:${d.code}:${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (d.severity === 'error') {
      this.errorCount++;
      if (this.errorCount <= this.limit) this.items.push(d);
    } else if (this.items.length < this.limit * 2) {
      this.items.push(d);
    }
  }

  get hasErrors(): boolean {
    return this.errorCount > 0;
  }

  /** True once the error limit is reached: callers may stop looking for more. */
  get full(): boolean {
    return this.errorCount >= this.limit;
  }

  get all(): readonly Diagnostic[] {
    return this.items;
  }

  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'warning');
  }

  /** Throws an IdlError carrying everything collected, if any error was reported. */
  throwIfErrors(): void {
    if (this.errorCount > 0) throw new IdlError(this.items);
  }
}
