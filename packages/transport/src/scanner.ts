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

// Steps both grammars share. Each scanner numbers its own message-header steps from BEGIN (0) up to SKIP.
export const BEGIN = 0;
/** Skipping `skipLeft` bytes unseen, then going on with step `after`. */
export const SKIP = 3;
/** The message's argument/result struct starts. */
export const BODY = 4;
/** A field header, or the STOP that ends the struct. */
export const FIELD = 5;
/** A value of type `valueType`. */
export const VALUE = 6;
/** After a value: the next field, the next container element, or the end of the message. */
export const NEXT = 7;
export const DONE = 8;

/**
 * What both scanners share: the blind skip, the walk from one value to the next through the nesting stack, and
 * the size budget (maxMessageSize). Subclasses read their protocol's tokens in scan().
 */
export abstract class ScannerCore implements MessageScanner {
  done = false;
  needed = 1;
  scanned = 0;

  /** Where the scan is in the grammar: one of the step constants. */
  protected step = BEGIN;
  /** Step to continue with once `skipLeft` bytes have been skipped. */
  protected after = NEXT;
  protected skipLeft = 0;
  /** The type (id or nibble) of the value the VALUE step reads. */
  protected valueType = 0;
  protected readonly stack: ScanStack;
  protected readonly maxMessageSize: number;

  constructor(
    limits: ScannerLimits,
    private readonly protocolName: 'binary' | 'compact',
  ) {
    this.maxMessageSize = limits.maxMessageSize;
    this.stack = new ScanStack(limits.recursionLimit);
  }

  reset(): void {
    this.done = false;
    this.needed = 1;
    this.scanned = 0;
    this.step = BEGIN;
    this.after = NEXT;
    this.skipLeft = 0;
    this.stack.depth = 0;
  }

  abstract scan(bytes: Uint8Array, start: number, end: number): number;

  get skipping(): number {
    return this.step === SKIP ? this.skipLeft : 0;
  }

  advance(n: number): void {
    if (!(n >= 0 && n <= this.skipping)) {
      throw new RangeError(`scanner: cannot advance ${n} bytes, ${this.skipping} are skippable`);
    }
    this.skipLeft -= n;
    this.scanned += n;
    if (this.skipLeft === 0) {
      this.step = this.after;
      this.needed = 1;
    } else {
      this.needed = this.skipLeft;
    }
  }

  /**
   * The NEXT step: moves to the next field of the enclosing struct (FIELD), the next element of the enclosing
   * container (VALUE, with `valueType` set), or the end of the message (DONE). Returns true at the end.
   */
  protected nextValue(): boolean {
    const stack = this.stack;
    for (;;) {
      const depth = stack.depth;
      if (depth === 0) {
        this.step = DONE;
        this.done = true;
        this.needed = 0;
        return true;
      }
      const top = depth - 1;
      const kind = stack.kinds[top];
      if (kind === FRAME_STRUCT) {
        this.step = FIELD;
        return false;
      }
      const left = stack.left[top];
      if (left === 0) {
        stack.depth = top;
        continue;
      }
      stack.left[top] = left - 1;
      // Map entries alternate: key (first type), value (second type).
      this.valueType = kind === FRAME_MAP && left % 2 === 1 ? stack.secondTypes[top] : stack.firstTypes[top];
      this.step = VALUE;
      return false;
    }
  }

  /** Ends a scan() call that consumed bytes [start, p): counts them against maxMessageSize; returns p. */
  protected consumed(start: number, p: number): number {
    this.scanned += p - start;
    if (this.scanned > this.maxMessageSize) {
      throw new TProtocolException(
        TProtocolExceptionType.SIZE_LIMIT,
        `message exceeds maxMessageSize ${this.maxMessageSize} bytes (${this.scanned} bytes scanned and not complete)`,
      );
    }
    return p;
  }

  /**
   * The SKIP step over bytes[p, end): skips what it can of `skipLeft` and returns the new position. The skip is
   * over when `step` is no longer SKIP (it is then `after`); otherwise the input ran out and `needed` is set.
   */
  protected skipWithin(p: number, end: number): number {
    const available = end - p;
    const skipLeft = this.skipLeft;
    if (available < skipLeft) {
      this.skipLeft = skipLeft - available;
      this.needed = this.skipLeft;
      return end;
    }
    this.skipLeft = 0;
    this.step = this.after;
    return p + skipLeft;
  }

  /** A struct starts (the message body or a struct value): its fields come next. */
  protected enterStruct(): void {
    this.stack.push(FRAME_STRUCT, 0, 0, 0);
    this.step = FIELD;
  }

  /**
   * A list or set of `size` > 0 elements (already checked against the budget) starts: skipped blindly when its
   * elements are fixed-width (`elementFixed` bytes each, 0 when not), else walked element by element.
   */
  protected enterList(size: number, elementType: number, elementFixed: number): void {
    if (elementFixed !== 0) this.skipThen(size * elementFixed, NEXT);
    else this.stack.push(FRAME_LIST, size, elementType, 0);
  }

  /** A map of `size` > 0 entries starts: skipped blindly when both keys and values are fixed-width, else walked. */
  protected enterMap(size: number, keyType: number, valueType: number, keyFixed: number, valueFixed: number): void {
    if (keyFixed !== 0 && valueFixed !== 0) this.skipThen(size * (keyFixed + valueFixed), NEXT);
    else this.stack.push(FRAME_MAP, size * 2, keyType, valueType);
  }

  protected skipThen(count: number, after: number): void {
    this.skipLeft = count;
    this.after = after;
    this.step = SKIP;
  }

  /** Checks a declared length against what is left of maxMessageSize (`consumed`: bytes taken in this call). */
  protected checkBudget(what: string, length: number, consumed: number): void {
    const budget = this.maxMessageSize - this.scanned - consumed;
    if (length > budget) {
      throw new TProtocolException(
        TProtocolExceptionType.SIZE_LIMIT,
        `${this.protocolName} ${what} ${length} needs at least ${length} bytes, but only ${Math.max(0, budget)} remain ` +
          `within maxMessageSize ${this.maxMessageSize}`,
      );
    }
  }

  /** Checks a container count: `count` elements of at least `minBytes` each must fit what is left of maxMessageSize. */
  protected checkContainer(what: string, count: number, minBytes: number, consumed: number): void {
    const budget = this.maxMessageSize - this.scanned - consumed;
    if (count * minBytes > budget) {
      throw new TProtocolException(
        TProtocolExceptionType.SIZE_LIMIT,
        `${this.protocolName} ${what} size ${count} needs at least ${count * minBytes} bytes, but only ${Math.max(0, budget)} ` +
          `remain within maxMessageSize ${this.maxMessageSize}`,
      );
    }
  }
}
