import { locate, type DiagnosticBag, type DiagnosticCode } from '../diagnostics';
import type { LoadedFile } from '../loader';
import type { SchemaLocation } from '../schema';
import type { Span } from '../source';

/** A place in a loaded file that a diagnostic points at, with what to say there. */
export interface RelatedSpan {
  readonly file: LoadedFile;
  readonly span: Span;
  readonly message: string;
}

/** How semantic analysis reports: diagnostics at `file:line:column` of loaded files, into one bag. */
export class Reporter {
  constructor(private readonly bag: DiagnosticBag) {}

  error(file: LoadedFile, span: Span, code: DiagnosticCode, message: string, related: readonly RelatedSpan[] = []): void {
    this.bag.error(
      file.source,
      span,
      code,
      message,
      related.map((r) => ({ ...locate(r.file.source, r.span.start), message: r.message })),
    );
  }

  warn(file: LoadedFile, span: Span, code: DiagnosticCode, message: string): void {
    this.bag.warning(file.source, span, code, message);
  }

  /** The schema model's location of `span` (where a definition, field or function is named). */
  location(file: LoadedFile, span: Span): SchemaLocation {
    const { line, column } = file.source.position(span.start);
    return { line, column };
  }

  /** Names that cannot be declared in any module, whatever they name. */
  checkName(file: LoadedFile, name: string, span: Span): void {
    if (name === '__proto__') {
      this.error(file, span, 'BAD_NAME', "the name '__proto__' cannot be used: it is the prototype accessor of every JavaScript object");
    }
  }
}
