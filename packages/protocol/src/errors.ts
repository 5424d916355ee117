/**
 * Base class of every error that Thrift defines: IDL-declared exceptions (generated classes extend it),
 * TApplicationException and TProtocolException. `instanceof ThriftError` tells Thrift errors from the rest.
 */
export class ThriftError extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Apache Thrift's TProtocolException type codes. */
export enum TProtocolExceptionType {
  UNKNOWN = 0,
  INVALID_DATA = 1,
  NEGATIVE_SIZE = 2,
  SIZE_LIMIT = 3,
  BAD_VERSION = 4,
  NOT_IMPLEMENTED = 5,
  DEPTH_LIMIT = 6,
}

/** Raised for bytes that are not valid Thrift, or that break a configured limit. The message says what was seen. */
export class TProtocolException extends ThriftError {
  /** Apache's numeric type code. */
  readonly type: TProtocolExceptionType;
  /** The type code's name, e.g. `SIZE_LIMIT`, for logs and `switch` on strings. */
  readonly code: keyof typeof TProtocolExceptionType;

  constructor(type: TProtocolExceptionType, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.type = type;
    this.code = TProtocolExceptionType[type] as keyof typeof TProtocolExceptionType;
  }
}

/** Apache Thrift's TApplicationException type codes. */
export enum TApplicationExceptionType {
  UNKNOWN = 0,
  UNKNOWN_METHOD = 1,
  INVALID_MESSAGE_TYPE = 2,
  WRONG_METHOD_NAME = 3,
  BAD_SEQUENCE_ID = 4,
  MISSING_RESULT = 5,
  INTERNAL_ERROR = 6,
  PROTOCOL_ERROR = 7,
  INVALID_TRANSFORM = 8,
  INVALID_PROTOCOL = 9,
  UNSUPPORTED_CLIENT_TYPE = 10,
  /** Go's extension, accepted on read. */
  VALIDATION_FAILED = 11,
}
