import { ThriftError, TProtocolException, TProtocolExceptionType } from '@thriftpoll/protocol';
import type { JsonValue } from './json';

/**
 * Errors of generic calls:
 *
 *   class                  code / type               raised when
 *   GenericValueError      TProtocolException        a JSON value does not fit its IDL type (encode), with the
 *                          (INVALID_DATA)            field path: `w.op: expected enum Operation, got "DIVIDEE"; ...`
 *   GenericLoadError       ERR_GENERIC_LOAD          a service, struct or method name is not in the loaded IDL
 *   GenericException       (a ThriftError)           an exception the IDL declares, as JSON: thrown by generic
 *                                                    clients, and thrown by generic handlers to answer with one
 *
 * IDL files that do not compile raise the compiler's `IdlError` (from @thriftpoll/codegen) unchanged, and bad
 * options the runtime's `RpcOptionError` (from @thriftpoll/rpc).
 */

/**
 * A value that does not fit its IDL type. `path` is where in the arguments (or result) it is: `w.op`,
 * `items[2].name`, `byName["k"]`; `message` is `<path>: <detail>`. Thrown before anything is written for the
 * offending field; the RPC runtime discards the partly written message.
 */
export class GenericValueError extends TProtocolException {
  /** What is wrong, without the path. */
  readonly detail: string;
  private segments: string[];

  constructor(detail: string, segment?: string) {
    super(TProtocolExceptionType.INVALID_DATA, detail);
    this.detail = detail;
    this.segments = segment === undefined ? [] : [segment];
    this.message = this.format();
  }

  /** Where the value is: field names joined by `.`, list indexes and map keys in brackets. */
  get path(): string {
    const joined = this.segments.join('');
    return joined.startsWith('.') ? joined.slice(1) : joined;
  }

  /** @internal Adds the enclosing field (`.name`), list index (`[3]`) or map key (`["k"]`) in front. */
  within(segment: string): this {
    this.segments.unshift(segment);
    this.message = this.format();
    return this;
  }

  private format(): string {
    const path = this.path;
    return path === '' ? this.detail : `${path}: ${this.detail}`;
  }
}

/** A name the loaded IDL does not define (service, struct, method), or one that several files define. */
export class GenericLoadError extends Error {
  readonly code = 'ERR_GENERIC_LOAD';

  constructor(message: string) {
    super(message);
    this.name = 'GenericLoadError';
  }
}

/**
 * An exception declared in the IDL, carried as JSON. Generic clients reject with it when the server answers
 * with a declared exception; generic handlers throw it to answer with one:
 *
 *   throw new GenericException('InvalidOperation', { whatOp: 4, why: 'Cannot divide by 0' });
 */
export class GenericException extends ThriftError {
  /** The exception type's IDL name (`InvalidOperation`), or qualified by its module (`shared.Error`). */
  readonly exceptionName: string;
  /** Its fields, JSON-shaped as the other values. */
  readonly value: { readonly [field: string]: JsonValue };

  constructor(exceptionName: string, value: { readonly [field: string]: JsonValue } = {}) {
    // Like generated exceptions: a string field named `message` is the message, else the type's name (and fields).
    const fields = JSON.stringify(value);
    super(typeof value.message === 'string' ? value.message : `${exceptionName} ${fields.length > 200 ? `${fields.slice(0, 197)}...` : fields}`);
    this.exceptionName = exceptionName;
    this.value = value;
  }

  /** `{ exception, value }`, what `thriftpoll call` prints. */
  toJSON(): { exception: string; value: { readonly [field: string]: JsonValue } } {
    return { exception: this.exceptionName, value: this.value };
  }
}
