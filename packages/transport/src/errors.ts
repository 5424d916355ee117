import { TApplicationExceptionType, ThriftError } from '@thriftpoll/protocol';

/**
 * Why a transport refused bytes (decoders) or a message (encoders).
 *
 * | code                     | raised when                                                                     |
 * | ------------------------ | ------------------------------------------------------------------------------- |
 * | `FRAME_TOO_LARGE`        | a declared frame length is above `maxFrameSize` (refused before buffering)     |
 * | `NEGATIVE_FRAME_SIZE`    | a declared frame length has its top bit set                                     |
 * | `FRAME_TOO_SMALL`        | a frame is too short to hold what its transport requires                        |
 * | `MESSAGE_TOO_LARGE`      | an unframed message, or an inflated (zlib) payload, is above `maxMessageSize`  |
 * | `BAD_HEADER`             | a THeader/TTHeader header is malformed (wrong magic, sizes beyond the frame...)|
 * | `UNKNOWN_PROTOCOL`       | a header names a protocol id other than binary (0) or compact (2)               |
 * | `UNKNOWN_TRANSFORM`      | a header names a transform thriftpoll does not implement                        |
 * | `CORRUPT_TRANSFORM`      | transformed (zlib) data does not decode                                         |
 * | `UNRECOGNIZED_TRANSPORT` | the first bytes of a connection match no supported transport                   |
 * | `TRANSPORT_NOT_ALLOWED`  | the peer speaks a transport this endpoint was configured not to accept         |
 * | `HTTP_REQUEST`           | an HTTP request arrived on a Thrift port (see `reply`)                          |
 * | `TRUNCATED`              | the peer closed the connection in the middle of a message                       |
 * | `HEADER_TOO_LARGE`       | encoder: the metadata does not fit in a header                                  |
 * | `METADATA_DROPPED`       | encoder: metadata given to a transport without headers, policy `'error'`       |
 * | `INVALID_METADATA`       | encoder: a metadata key or value cannot be written (type, range, length)       |
 * | `ENCODER_STATE`          | encoder: `begin()`/`end()` called out of order                                  |
 */
export type TransportErrorCode =
  | 'FRAME_TOO_LARGE'
  | 'NEGATIVE_FRAME_SIZE'
  | 'FRAME_TOO_SMALL'
  | 'MESSAGE_TOO_LARGE'
  | 'BAD_HEADER'
  | 'UNKNOWN_PROTOCOL'
  | 'UNKNOWN_TRANSFORM'
  | 'CORRUPT_TRANSFORM'
  | 'UNRECOGNIZED_TRANSPORT'
  | 'TRANSPORT_NOT_ALLOWED'
  | 'HTTP_REQUEST'
  | 'TRUNCATED'
  | 'HEADER_TOO_LARGE'
  | 'METADATA_DROPPED'
  | 'INVALID_METADATA'
  | 'ENCODER_STATE';

export interface TransportErrorOptions {
  cause?: unknown;
  /** See {@link TransportError.applicationExceptionType}. */
  applicationExceptionType?: TApplicationExceptionType;
  /** See {@link TransportError.reply}. */
  reply?: Uint8Array;
  /** See {@link TransportError.messageHead}. */
  messageHead?: Uint8Array;
}

/** How much of a refused message `messageHead` keeps: enough for any realistic method name. */
export const MESSAGE_HEAD_LIMIT = 64 * 1024;

/**
 * Raised by decoders for bytes that cannot be a message of the transport, and by encoders for messages that
 * cannot be written. Messages name what was seen and what was expected.
 *
 * After a decoder has thrown, the connection's byte stream is out of step: close the connection (after
 * writing `reply`, when there is one). Every later `decode()` on that decoder throws the same error.
 */
export class TransportError extends ThriftError {
  readonly code: TransportErrorCode;
  /**
   * When the failure maps onto a TApplicationException type a server could answer with before closing
   * (INVALID_TRANSFORM, INVALID_PROTOCOL, UNSUPPORTED_CLIENT_TYPE, PROTOCOL_ERROR), that type.
   */
  readonly applicationExceptionType: TApplicationExceptionType | undefined;
  /** Bytes to send to the peer before closing the connection (e.g. the HTTP explanation), if any. */
  readonly reply: Uint8Array | undefined;
  /**
   * For FRAME_TOO_LARGE and MESSAGE_TOO_LARGE from a decoder: a copy of the first bytes received of the
   * refused frame or message (from its length prefix, at most 64 KiB), so a server can read the method name
   * and seqid and answer before closing. Undefined when nothing useful was received (or after zlib).
   */
  readonly messageHead: Uint8Array | undefined;

  constructor(code: TransportErrorCode, message: string, options: TransportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.applicationExceptionType = options.applicationExceptionType;
    this.reply = options.reply;
    this.messageHead = options.messageHead;
  }
}

/** Raised where options enter (factories, constructors): names the option, the value seen and what is allowed. */
export class InvalidOptionError extends TypeError {
  readonly code = 'ERR_INVALID_OPTION' as const;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidOptionError';
  }
}

/** Formats bytes as `0f ff 00 01` for error messages (at most `limit` bytes, then `…`). */
export function hexBytes(bytes: Uint8Array, limit = 16): string {
  const shown: string[] = [];
  const n = Math.min(bytes.length, limit);
  for (let i = 0; i < n; i++) shown.push(bytes[i].toString(16).padStart(2, '0'));
  return shown.join(' ') + (bytes.length > limit ? ' …' : '');
}

/** Formats a 32-bit word as `0x0fff0000`. */
export function hexWord(word: number): string {
  return '0x' + (word >>> 0).toString(16).padStart(8, '0');
}
