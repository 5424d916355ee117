/** Errors of the compiler itself (IDL mistakes are `IdlError`, in diagnostics.ts). */

/** A bad option or argument: an unknown --int64 mode, a missing --templates directory. The CLI exits 2. */
export class UsageError extends Error {
  readonly code = 'USAGE_ERROR' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A template that does not compile or fails while rendering (usually a user's --templates override). */
export class TemplateError extends Error {
  readonly code = 'TEMPLATE_ERROR' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
  }
}
