import { TProtocolException, TProtocolExceptionType } from '@thriftpoll/protocol';
import {
  BEGIN,
  BODY,
  FIELD,
  NEXT,
  SKIP,
  ScannerCore,
  VALUE,
  type ScannerLimits,
} from './scanner';

// Compact type nibbles.
const C_BOOL_TRUE = 1;
const C_BOOL_FALSE = 2;
const C_I16 = 4;
const C_I32 = 5;
const C_I64 = 6;
const C_BINARY = 8;
const C_LIST = 9;
const C_SET = 10;
const C_MAP = 11;
const C_STRUCT = 12;

const PROTOCOL_ID = 0x82;
const VERSION = 1;

/** Encoded size of fixed-width values (bool as a container element, byte, double, uuid); 0 otherwise. */
const FIXED_SIZE = new Uint8Array(16);
FIXED_SIZE[C_BOOL_TRUE] = 1;
FIXED_SIZE[C_BOOL_FALSE] = 1;
FIXED_SIZE[3] = 1; // BYTE
FIXED_SIZE[7] = 8; // DOUBLE
FIXED_SIZE[13] = 16; // UUID

/** Fewest bytes any value of the type takes as a container element; 0 marks an invalid type nibble. */
const MIN_SIZE = new Uint8Array(16);
MIN_SIZE.set(FIXED_SIZE);
MIN_SIZE[C_I16] = 1;
MIN_SIZE[C_I32] = 1;
MIN_SIZE[C_I64] = 1;
MIN_SIZE[C_BINARY] = 1;
MIN_SIZE[C_LIST] = 1;
MIN_SIZE[C_SET] = 1;
MIN_SIZE[C_MAP] = 1;
MIN_SIZE[C_STRUCT] = 1;

const VALID_TYPES =
  'expected 1/2 (bool), 3 (byte), 4 (i16), 5 (i32), 6 (i64), 7 (double), 8 (binary), 9 (list), 10 (set), 11 (map), 12 (struct) or 13 (uuid)';

// Steps of the scan (the shared ones come from scanner.ts).
//
//   BEGIN -> SEQID -> NAME_LENGTH -> SKIP name -> BODY -> FIELD <-> VALUE <-> NEXT ... -> DONE
const SEQID = 1;
const NAME_LENGTH = 2;

/** Longest varint for 32-bit values, and for 64-bit ones. */
const VARINT32_BYTES = 5;
const VARINT64_BYTES = 10;

/** {@link MessageScanner} for the Compact protocol. */
export class CompactMessageScanner extends ScannerCore {
  /** Value of the last varint read by varint() (exact up to 2^35). */
  private value = 0;

  constructor(limits: ScannerLimits) {
    super(limits, 'compact');
  }

  scan(bytes: Uint8Array, start: number, end: number): number {
    if (this.done) return start;
    const stack = this.stack;
    let p = start;
    loop: for (;;) {
      switch (this.step) {
        case SKIP:
          p = this.skipWithin(p, end);
          if (this.step === SKIP) break loop;
          continue;

        case FIELD: {
          if (p >= end) {
            this.needed = 1;
            break loop;
          }
          const header = bytes[p];
          const type = header & 0x0f;
          if (type === 0) {
            // STOP is the type nibble alone: readers (this package's and Apache's) ignore the delta bits.
            p++;
            stack.depth--;
            this.step = NEXT;
            continue;
          }
          if (MIN_SIZE[type] === 0) {
            throw new TProtocolException(
              TProtocolExceptionType.INVALID_DATA,
              `compact field has unknown type nibble ${type} (${VALID_TYPES})`,
            );
          }
          if (header >> 4 === 0) {
            // Long form: the field id follows as a zigzag varint.
            const next = this.varint(bytes, p + 1, end, VARINT32_BYTES, 'field id');
            if (next < 0) {
              this.needed = end - p + 1;
              break loop;
            }
            p = next;
          } else {
            p++;
          }
          if (type === C_BOOL_TRUE || type === C_BOOL_FALSE) {
            // A bool field's value lives in its type nibble.
            this.step = NEXT;
            continue;
          }
          this.valueType = type;
          this.step = VALUE;
          continue;
        }

        case VALUE: {
          const type = this.valueType;
          const fixed = FIXED_SIZE[type];
          if (fixed !== 0) {
            this.skipThen(fixed, NEXT);
            continue;
          }
          switch (type) {
            case C_I16:
            case C_I32:
            case C_I64: {
              const next = this.varint(bytes, p, end, type === C_I64 ? VARINT64_BYTES : VARINT32_BYTES, 'integer');
              if (next < 0) {
                this.needed = end - p + 1;
                break loop;
              }
              p = next;
              this.step = NEXT;
              continue;
            }
            case C_BINARY: {
              const next = this.varint(bytes, p, end, VARINT32_BYTES, 'binary length');
              if (next < 0) {
                this.needed = end - p + 1;
                break loop;
              }
              const length = this.size('binary length');
              p = next;
              this.checkBudget('binary length', length, p - start);
              this.skipThen(length, NEXT);
              continue;
            }
            case C_LIST:
            case C_SET: {
              if (p >= end) {
                this.needed = 1;
                break loop;
              }
              const header = bytes[p];
              const elementType = header & 0x0f;
              let size = header >> 4;
              let next = p + 1;
              if (size === 15) {
                next = this.varint(bytes, p + 1, end, VARINT32_BYTES, 'list size');
                if (next < 0) {
                  this.needed = end - p + 1;
                  break loop;
                }
                size = this.size(type === C_LIST ? 'list size' : 'set size');
              }
              p = next;
              this.step = NEXT;
              if (size === 0) continue;
              const what = type === C_LIST ? 'list' : 'set';
              const elementMin = this.elementMin(`${what} element`, elementType);
              this.checkContainer(what, size, elementMin, p - start);
              this.enterList(size, elementType, FIXED_SIZE[elementType]);
              continue;
            }
            case C_MAP: {
              const next = this.varint(bytes, p, end, VARINT32_BYTES, 'map size');
              if (next < 0) {
                this.needed = end - p + 1;
                break loop;
              }
              const size = this.size('map size');
              if (size === 0) {
                p = next;
                this.step = NEXT;
                continue;
              }
              if (next >= end) {
                // The key/value type byte follows the size.
                this.needed = next - p + 1;
                break loop;
              }
              const types = bytes[next];
              p = next + 1;
              const keyType = types >> 4;
              const valueType = types & 0x0f;
              const keyMin = this.elementMin('map key', keyType);
              const valueMin = this.elementMin('map value', valueType);
              this.checkContainer('map', size, keyMin + valueMin, p - start);
              this.step = NEXT;
              this.enterMap(size, keyType, valueType, FIXED_SIZE[keyType], FIXED_SIZE[valueType]);
              continue;
            }
            case C_STRUCT:
              this.enterStruct();
              continue;
            default:
              throw new TProtocolException(
                TProtocolExceptionType.INVALID_DATA,
                `compact value has unknown type nibble ${type} (${VALID_TYPES})`,
              );
          }
        }

        case NEXT:
          if (this.nextValue()) break loop;
          continue;

        case BEGIN: {
          if (end - p < 2) {
            this.needed = 2;
            break loop;
          }
          if (bytes[p] !== PROTOCOL_ID) {
            throw new TProtocolException(
              TProtocolExceptionType.BAD_VERSION,
              `compact message starts with 0x${bytes[p].toString(16).padStart(2, '0')}, expected protocol id 0x82`,
            );
          }
          const versionAndType = bytes[p + 1];
          if ((versionAndType & 0x1f) !== VERSION) {
            throw new TProtocolException(
              TProtocolExceptionType.BAD_VERSION,
              `compact protocol version ${versionAndType & 0x1f} is not ${VERSION}`,
            );
          }
          const messageType = (versionAndType >> 5) & 0x07;
          if (messageType < 1 || messageType > 4) {
            throw new TProtocolException(
              TProtocolExceptionType.INVALID_DATA,
              `compact message type ${messageType} is not CALL (1), REPLY (2), EXCEPTION (3) or ONEWAY (4)`,
            );
          }
          p += 2;
          this.step = SEQID;
          continue;
        }

        case SEQID: {
          const next = this.varint(bytes, p, end, VARINT32_BYTES, 'message seqid');
          if (next < 0) {
            this.needed = end - p + 1;
            break loop;
          }
          p = next;
          this.step = NAME_LENGTH;
          continue;
        }

        case NAME_LENGTH: {
          const next = this.varint(bytes, p, end, VARINT32_BYTES, 'method name length');
          if (next < 0) {
            this.needed = end - p + 1;
            break loop;
          }
          const length = this.size('method name length');
          p = next;
          this.checkBudget('method name length', length, p - start);
          this.skipThen(length, BODY);
          continue;
        }

        case BODY: {
          this.enterStruct();
          continue;
        }

        default:
          break loop;
      }
    }
    return this.consumed(start, p);
  }

  /**
   * Reads a varint at bytes[at...]: returns the index after it and leaves its value in `this.value`, or
   * returns -1 when the input ends inside it. Throws when it runs longer than `maxBytes`.
   */
  private varint(bytes: Uint8Array, at: number, end: number, maxBytes: number, what: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (at + i >= end) return -1;
      const b = bytes[at + i];
      if (i < VARINT32_BYTES) value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) {
        this.value = value;
        return at + i + 1;
      }
    }
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `compact ${what} varint runs longer than ${maxBytes} bytes`,
    );
  }

  /** The last varint as a size: a value with bit 31 set is negative as the i32 the protocol defines. */
  private size(what: string): number {
    const value = this.value;
    if (value > 0xffffffff) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `compact ${what} varint ${value} does not fit in 32 bits`);
    }
    if (value > 0x7fffffff) {
      throw new TProtocolException(TProtocolExceptionType.NEGATIVE_SIZE, `compact ${what} ${value | 0} is negative`);
    }
    return value;
  }

  private elementMin(what: string, type: number): number {
    const min = MIN_SIZE[type];
    if (min === 0) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `compact ${what} has unknown type nibble ${type} (${VALID_TYPES})`);
    }
    return min;
  }
}
