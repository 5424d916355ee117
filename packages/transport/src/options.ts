import { describeValue, optionValidators } from '@thriftpoll/buffer';
import { ProtocolId } from '@thriftpoll/protocol';
import { InvalidOptionError } from './errors';

/** Largest frame accepted by default: Apache Thrift's TConfiguration default (16,384,000 bytes). */
export const DEFAULT_MAX_FRAME_SIZE = 16_384_000;
/** Largest unframed message or inflated payload accepted by default: Apache's MaxMessageSize (100 MiB). */
export const DEFAULT_MAX_MESSAGE_SIZE = 100 * 1024 * 1024;
/** Deepest struct/container nesting the Buffered scan follows by default (as the protocol readers). */
export const DEFAULT_RECURSION_LIMIT = 64;
/** Frame lengths are signed 32-bit on the wire: nothing above this is ever a valid length. */
export const MAX_FRAME_SIZE_LIMIT = 0x7fffffff;
/** THeader's own ceiling (HeaderFormat.md): lengths above it are other transports' magic values. */
export const THEADER_MAX_FRAME_SIZE = 0x3fffffff;

/** Limits and switches for decoders. Every limit has a safe default. */
export interface DecoderOptions {
  /**
   * Largest frame length accepted (Framed, THeader, TTHeader), in bytes, not counting the 4-byte length.
   * A larger declared length is refused as soon as the length is read, before anything is buffered.
   * Default 16,384,000. THeader additionally never accepts more than 0x3FFFFFFF.
   */
  maxFrameSize?: number;
  /**
   * Largest message accepted where no frame length bounds it: a Buffered (unframed) message, and a payload
   * after zlib inflation (refused while inflating). Default 100 MiB.
   */
  maxMessageSize?: number;
  /** Buffered only: deepest nesting of structs and containers the end-of-message scan follows. Default 64. */
  recursionLimit?: number;
  /**
   * Buffered only: require strict (versioned) Binary message headers, like Apache's strictRead.
   * Default false: non-strict headers (name length first) are accepted.
   */
  strictRead?: boolean;
  /**
   * Buffered only: the protocol every message must use. By default each message's first byte decides
   * (0x82 compact, anything else binary).
   */
  protocol?: ProtocolId;
}

/** Decoder options with defaults applied and validated. */
export interface ResolvedDecoderOptions {
  readonly maxFrameSize: number;
  readonly maxMessageSize: number;
  readonly recursionLimit: number;
  readonly strictRead: boolean;
  readonly protocol: ProtocolId | undefined;
}

/** What a transport without headers does with metadata it was asked to send. */
export type DroppedMetadataPolicy = 'warn' | 'error' | 'ignore';

/** Switches for encoders. */
export interface EncoderOptions {
  /**
   * Largest frame the encoder writes (Framed, THeader, TTHeader), not counting the 4-byte length.
   * Default 16,384,000, the limit peers apply by default. THeader additionally never writes more than
   * 0x3FFFFFFF. Buffered messages are not limited by the encoder.
   */
  maxFrameSize?: number;
  /**
   * Buffered and Framed carry no metadata. When a message with metadata is begun on them:
   * `'warn'` (default) drops it, counts it in `encoder.droppedMetadata` and emits one process warning
   * (code `THRIFTPOLL_METADATA_DROPPED`) per process; `'error'` throws `METADATA_DROPPED` from `begin()`
   * before anything is written; `'ignore'` drops and counts it silently.
   */
  droppedMetadata?: DroppedMetadataPolicy;
  /**
   * The name under which the encoder's user sets `droppedMetadata`, for the warning and error that name it
   * (`@thriftpoll/rpc` clients call it `droppedHeaders`). Default `'droppedMetadata'`.
   */
  droppedMetadataOption?: string;
  /** THeader zlib transform: compression level 0-9 (or -1 for zlib's default). Default -1. */
  zlibLevel?: number;
}

export interface ResolvedEncoderOptions {
  readonly maxFrameSize: number;
  readonly droppedMetadata: DroppedMetadataPolicy;
  readonly droppedMetadataOption: string;
  readonly zlibLevel: number;
}

/** @thriftpoll/buffer's one option validator, throwing the transport's InvalidOptionError. */
const check = optionValidators((message) => new InvalidOptionError(message));

function optionObject(options: unknown, where: string): Record<string, unknown> {
  if (options === null) return {};
  return check.objectOption(`${where}: options`, options) ?? {};
}

/** Validates an integer option in [min, max] of `where` (a decoder or encoder); returns the default when undefined. */
function integerOption(where: string, name: string, value: unknown, fallback: number, min: number, max: number): number {
  return check.integerOption(`${where}: ${name}`, value, fallback, min, max);
}

/** Validates a protocol id option (binary 0 or compact 2). */
export function protocolOption(where: string, name: string, value: unknown): ProtocolId | undefined {
  if (value === undefined) return undefined;
  if (value !== ProtocolId.BINARY && value !== ProtocolId.COMPACT) {
    throw new InvalidOptionError(
      `${where}: ${name} must be ProtocolId.BINARY (0) or ProtocolId.COMPACT (2), got ${describe(value)}`,
    );
  }
  return value;
}

/** How a refused value is shown: @thriftpoll/buffer's describeValue, as in every package. */
export const describe = describeValue;

/**
 * Options objects this module produced (frozen, validated). Passing one back returns it as is, so that a server
 * that resolves its options once shares one object between the codecs of all its connections: a codec reads
 * its options on every message, and with 1,000 connections one shared object stays in the CPU cache where a
 * copy per connection is one more cache miss per message.
 */
const resolved = new WeakSet<object>();

/**
 * Validates decoder options and fills in the defaults. Throws InvalidOptionError naming `where`, the option,
 * what was given and what is accepted. Given an object this function returned, returns that same object.
 */
export function resolveDecoderOptions(options: DecoderOptions | undefined, where: string): ResolvedDecoderOptions {
  if (options !== undefined && options !== null && resolved.has(options)) return options as ResolvedDecoderOptions;
  const o = optionObject(options, where);
  return remember({
    maxFrameSize: integerOption(where, 'maxFrameSize', o.maxFrameSize, DEFAULT_MAX_FRAME_SIZE, 1, MAX_FRAME_SIZE_LIMIT),
    maxMessageSize: integerOption(where, 'maxMessageSize', o.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE, 1, Number.MAX_SAFE_INTEGER),
    recursionLimit: integerOption(where, 'recursionLimit', o.recursionLimit, DEFAULT_RECURSION_LIMIT, 1, 10_000),
    strictRead: check.booleanOption(`${where}: strictRead`, o.strictRead, false),
    protocol: protocolOption(where, 'protocol', o.protocol),
  });
}

/** resolveDecoderOptions' counterpart for encoders (same errors, same sharing of a returned object). */
export function resolveEncoderOptions(options: EncoderOptions | undefined, where: string): ResolvedEncoderOptions {
  if (options !== undefined && options !== null && resolved.has(options)) return options as ResolvedEncoderOptions;
  const o = optionObject(options, where);
  return remember({
    maxFrameSize: integerOption(where, 'maxFrameSize', o.maxFrameSize, DEFAULT_MAX_FRAME_SIZE, 1, MAX_FRAME_SIZE_LIMIT),
    droppedMetadata: check.oneOfOption<DroppedMetadataPolicy>(`${where}: droppedMetadata`, o.droppedMetadata, 'warn', ['warn', 'error', 'ignore']),
    droppedMetadataOption: check.stringOption(`${where}: droppedMetadataOption`, o.droppedMetadataOption, 'droppedMetadata'),
    zlibLevel: integerOption(where, 'zlibLevel', o.zlibLevel, -1, -1, 9),
  });
}

/** Freezes a resolved options object and records it as one (see `resolved`). */
function remember<T extends object>(options: T): Readonly<T> {
  const frozen = Object.freeze(options);
  resolved.add(frozen);
  return frozen;
}
