import { TProtocolException, TProtocolExceptionType } from '@thriftpoll/protocol';

/**
 * Finds where one Thrift message ends without decoding it (the Buffered transport has no length prefix).
 *
 * Resumable: bytes may be fed in any split, across any number of calls. The scanner keeps its position in
 * the grammar (an explicit stack, no recursion) and never looks at a byte twice, except for a header token
 * of at most 11 bytes that was cut by the end of the input: that token is left unconsumed and re-read once
 * more bytes are present. A slow peer sending one byte at a time therefore costs O(n) in total.
 *
 * Bounded: the total size is capped at `maxMessageSize`; every declared length and container count is
 * checked against what is left of that budget (count x the element type's minimum size) before it is
 * skipped; nesting is capped at `recursionLimit`; unknown type ids are rejected. Errors are
 * TProtocolException with Apache's codes and name what was seen.
 */
export interface MessageScanner {
  /** Forgets everything: ready for the first byte of a new message. */
  reset(): void;
  /**
   * Scans `bytes[start, end)` and returns the index just past the last byte consumed. Stops at the end of the
   * message (then `done` is true) or when the rest of the input holds only part of a token (then `needed`
   * tells how many bytes, counted from the returned index, must be present to continue).
   */
  scan(bytes: Uint8Array, start: number, end: number): number;
  /** True once the message is complete. */
  readonly done: boolean;
  /** When not done: bytes needed from the index scan() returned before it can make progress (>= 1). */
  readonly needed: number;
  /** Bytes consumed since reset(). */
  readonly scanned: number;
  /**
   * Bytes the scanner would skip without looking at them (a string body, a run of fixed-width elements);
   * 0 when the next bytes must be examined. Lets the caller consume them without reading them.
   */
  readonly skipping: number;
  /** Consumes n <= `skipping` bytes without their content. */
  advance(n: number): void;
}

export interface ScannerLimits {
  maxMessageSize: number;
  recursionLimit: number;
}

// Frame kinds on the scanner's explicit stack.
export const FRAME_STRUCT = 1;
export const FRAME_LIST = 2;
export const FRAME_MAP = 3;

/**
 * The explicit nesting stack shared by both scanners: per level a kind, the items left (list elements, or
 * 2 x map entries: keys and values alternate) and the element types.
 */
export class ScanStack {
  depth = 0;
  readonly kinds: Uint8Array;
  readonly left: Float64Array;
  readonly firstTypes: Uint8Array;
  readonly secondTypes: Uint8Array;

  constructor(private readonly limit: number) {
    this.kinds = new Uint8Array(limit);
    this.left = new Float64Array(limit);
    this.firstTypes = new Uint8Array(limit);
    this.secondTypes = new Uint8Array(limit);
  }

  push(kind: number, left: number, firstType: number, secondType: number): void {
    const depth = this.depth;
    if (depth >= this.limit) {
      throw new TProtocolException(
        TProtocolExceptionType.DEPTH_LIMIT,
        `message nesting exceeds recursionLimit ${this.limit} (structs and containers)`,
      );
    }
    this.kinds[depth] = kind;
    this.left[depth] = left;
    this.firstTypes[depth] = firstType;
    this.secondTypes[depth] = secondType;
    this.depth = depth + 1;
  }
}

export function sizeLimitError(what: string, size: number, budget: number, maxMessageSize: number): TProtocolException {
  return new TProtocolException(
    TProtocolExceptionType.SIZE_LIMIT,
    `${what} ${size} needs at least ${size} bytes, but only ${Math.max(0, budget)} remain within maxMessageSize ${maxMessageSize}`,
  );
}

export function containerLimitError(
  what: string,
  count: number,
  minBytes: number,
  budget: number,
  maxMessageSize: number,
): TProtocolException {
  return new TProtocolException(
    TProtocolExceptionType.SIZE_LIMIT,
    `${what} size ${count} needs at least ${count * minBytes} bytes, but only ${Math.max(0, budget)} remain within maxMessageSize ${maxMessageSize}`,
  );
}

export function messageTooLarge(scanned: number, maxMessageSize: number): TProtocolException {
  return new TProtocolException(
    TProtocolExceptionType.SIZE_LIMIT,
    `message exceeds maxMessageSize ${maxMessageSize} bytes (${scanned} bytes scanned and not complete)`,
  );
}
