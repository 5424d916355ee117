// The types code-first declarations are written with.

/** A Thrift type, as code-first declarations name it. */
export type ThriftType =
  | 'bool'
  | 'byte'
  | 'i8'
  | 'i16'
  | 'i32'
  | 'i64'
  | 'double'
  | 'string'
  | 'binary'
  | 'uuid'
  | StructClass
  | { readonly list: ThriftType }
  | { readonly set: ThriftType }
  | { readonly map: readonly [ThriftType, ThriftType] };

/** A class decorated with @Struct, @Union or @Exception. */
export type StructClass<T extends object = object> = new (...args: never[]) => T;

export interface FieldOptions {
  /** Encoding fails without it and decoding checks it. Default false (Thrift's default requiredness). */
  required?: boolean;
  /** The Thrift field name, for messages and Apache-compatible struct names. Default: the property name. */
  name?: string;
}

/** Decorator errors: a declaration that cannot describe a Thrift type. Thrown when the class is defined. */
export class CodeFirstError extends TypeError {
  readonly code = 'ERR_CODE_FIRST';
  constructor(message: string) {
    super(message);
    this.name = 'CodeFirstError';
  }
}
