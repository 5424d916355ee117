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

// Binary type ids (TType).
const T_STOP = 0;
const T_STRING = 11;
const T_STRUCT = 12;
const T_MAP = 13;
const T_SET = 14;
const T_LIST = 15;

/** Encoded size of fixed-width values, by type id; 0 for variable-width and invalid ids. */
const FIXED_SIZE = new Uint8Array(17);
FIXED_SIZE[2] = 1; // BOOL
FIXED_SIZE[3] = 1; // BYTE
FIXED_SIZE[4] = 8; // DOUBLE
FIXED_SIZE[6] = 2; // I16
FIXED_SIZE[8] = 4; // I32
FIXED_SIZE[10] = 8; // I64
FIXED_SIZE[16] = 16; // UUID

/** Fewest bytes any value of the type takes; 0 marks an invalid type id. */
const MIN_SIZE = new Uint8Array(17);
MIN_SIZE.set(FIXED_SIZE);
MIN_SIZE[T_STRING] = 4;
MIN_SIZE[T_STRUCT] = 1;
MIN_SIZE[T_MAP] = 6;
MIN_SIZE[T_SET] = 5;
MIN_SIZE[T_LIST] = 5;

// Steps of the scan (the shared ones come from scanner.ts).
//
//   BEGIN -> (strict) NAME_LENGTH -> SKIP name -> SKIP seqid -> BODY
//         -> (non-strict) SKIP name -> TYPE_SEQID -> BODY
//   BODY -> FIELD <-> VALUE <-> NEXT ... -> DONE (the body struct's STOP with an empty stack)
const NAME_LENGTH = 1;
const TYPE_SEQID = 2;

function int32At(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
}

function typeName(type: number): string {
  return `type id ${type}`;
}

const VALID_TYPES = 'expected 2 (bool), 3 (byte), 4 (double), 6 (i16), 8 (i32), 10 (i64), 11 (string), 12 (struct), 13 (map), 14 (set), 15 (list) or 16 (uuid)';

function checkMessageType(type: number): void {
  if (type < 1 || type > 4) {
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `binary message type ${type} is not CALL (1), REPLY (2), EXCEPTION (3) or ONEWAY (4)`,
    );
  }
}

/** {@link MessageScanner} for the Binary protocol, strict and (unless `strictRead`) non-strict headers. */
export class BinaryMessageScanner extends ScannerCore {
  constructor(
    limits: ScannerLimits,
    private readonly strictRead: boolean,
  ) {
    super(limits, 'binary');
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
          const type = bytes[p];
          if (type === T_STOP) {
            p++;
            stack.depth--;
            this.step = NEXT;
            continue;
          }
          if (end - p < 3) {
            this.needed = 3;
            break loop;
          }
          p += 3;
          this.valueType = type;
          this.step = VALUE;
          continue;
        }

        case VALUE: {
          const type = this.valueType;
          const fixed = type < 17 ? FIXED_SIZE[type] : 0;
          if (fixed !== 0) {
            this.skipThen(fixed, NEXT);
            continue;
          }
          if (type === T_STRING) {
            if (end - p < 4) {
              this.needed = 4;
              break loop;
            }
            const length = int32At(bytes, p);
            if (length < 0) {
              throw new TProtocolException(TProtocolExceptionType.NEGATIVE_SIZE, `binary string length ${length} is negative`);
            }
            p += 4;
            this.checkBudget('string length', length, p - start);
            this.skipThen(length, NEXT);
            continue;
          }
          if (type === T_STRUCT) {
            this.enterStruct();
            continue;
          }
          if (type === T_MAP) {
            if (end - p < 6) {
              this.needed = 6;
              break loop;
            }
            const keyType = bytes[p];
            const valueType = bytes[p + 1];
            const size = int32At(bytes, p + 2);
            p += 6;
            if (size < 0) {
              throw new TProtocolException(TProtocolExceptionType.NEGATIVE_SIZE, `binary map size ${size} is negative`);
            }
            this.step = NEXT;
            if (size === 0) continue;
            const keyMin = this.elementMin('map key', keyType);
            const valueMin = this.elementMin('map value', valueType);
            this.checkContainer('map', size, keyMin + valueMin, p - start);
            this.enterMap(size, keyType, valueType, FIXED_SIZE[keyType], FIXED_SIZE[valueType]);
            continue;
          }
          if (type === T_LIST || type === T_SET) {
            if (end - p < 5) {
              this.needed = 5;
              break loop;
            }
            const elementType = bytes[p];
            const size = int32At(bytes, p + 1);
            p += 5;
            const what = type === T_LIST ? 'list' : 'set';
            if (size < 0) {
              throw new TProtocolException(TProtocolExceptionType.NEGATIVE_SIZE, `binary ${what} size ${size} is negative`);
            }
            this.step = NEXT;
            if (size === 0) continue;
            const elementMin = this.elementMin(`${what} element`, elementType);
            this.checkContainer(what, size, elementMin, p - start);
            this.enterList(size, elementType, FIXED_SIZE[elementType]);
            continue;
          }
          throw new TProtocolException(
            TProtocolExceptionType.INVALID_DATA,
            `binary field has unknown ${typeName(type)} (${VALID_TYPES})`,
          );
        }

        case NEXT:
          if (this.nextValue()) break loop;
          continue;

        case BEGIN: {
          if (end - p < 4) {
            this.needed = 4;
            break loop;
          }
          const word = int32At(bytes, p);
          p += 4;
          if (word < 0) {
            if ((word & 0xffff0000) >>> 0 !== 0x80010000) {
              throw new TProtocolException(
                TProtocolExceptionType.BAD_VERSION,
                `binary message version 0x${((word >>> 16) & 0xffff).toString(16).padStart(4, '0')} is not 0x8001`,
              );
            }
            checkMessageType(word & 0xff);
            this.step = NAME_LENGTH;
            continue;
          }
          if (this.strictRead) {
            throw new TProtocolException(
              TProtocolExceptionType.BAD_VERSION,
              `binary message header is non-strict (starts with name length ${word}) but strictRead requires a 0x8001 version`,
            );
          }
          this.checkBudget('method name length', word, p - start);
          this.skipLeft = word;
          this.after = TYPE_SEQID;
          this.step = SKIP;
          continue;
        }

        case NAME_LENGTH: {
          if (end - p < 4) {
            this.needed = 4;
            break loop;
          }
          const length = int32At(bytes, p);
          p += 4;
          if (length < 0) {
            throw new TProtocolException(TProtocolExceptionType.NEGATIVE_SIZE, `binary method name length ${length} is negative`);
          }
          this.checkBudget('method name length', length, p - start);
          // name, then the 4-byte seqid
          this.skipThen(length + 4, BODY);
          continue;
        }

        case TYPE_SEQID: {
          if (end - p < 5) {
            this.needed = 5;
            break loop;
          }
          checkMessageType(bytes[p]);
          p += 5;
          this.step = BODY;
          continue;
        }

        case BODY: {
          this.enterStruct();
          continue;
        }

        default:
          // DONE: nothing more to consume.
          break loop;
      }
    }
    return this.consumed(start, p);
  }

  private elementMin(what: string, type: number): number {
    const min = type < 17 ? MIN_SIZE[type] : 0;
    if (min === 0) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `binary ${what} has unknown ${typeName(type)} (${VALID_TYPES})`);
    }
    return min;
  }
}
