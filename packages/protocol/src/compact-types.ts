import { TType } from './types';

/**
 * The Compact protocol's 4-bit type ids and their mapping to TType.
 *
 *   nibble  field header        container element
 *   1       bool, value true    bool (what Apache's libraries write)
 *   2       bool, value false   bool (what the spec text lists)
 *   3..13   BYTE I16 I32 I64 DOUBLE BINARY LIST SET MAP STRUCT UUID
 *
 * Readers accept both 1 and 2 as a bool element type. Writers use 1, like every Apache implementation (C++, Java,
 * Go, Node), so that encodings are byte-for-byte identical with theirs.
 */
export const CT_STOP = 0x00;
export const CT_BOOLEAN_TRUE = 0x01;
export const CT_BOOLEAN_FALSE = 0x02;
export const CT_BYTE = 0x03;
export const CT_I16 = 0x04;
export const CT_I32 = 0x05;
export const CT_I64 = 0x06;
export const CT_DOUBLE = 0x07;
export const CT_BINARY = 0x08;
export const CT_LIST = 0x09;
export const CT_SET = 0x0a;
export const CT_MAP = 0x0b;
export const CT_STRUCT = 0x0c;
export const CT_UUID = 0x0d;

/** Marks a nibble or TType with no counterpart. */
export const NO_TYPE = 0xff;

/** TType for each Compact nibble (NO_TYPE for 14 and 15). */
export const TTYPE_OF_COMPACT = new Uint8Array(16).fill(NO_TYPE);
/** Compact nibble for each TType (NO_TYPE for STOP, VOID and unassigned ids). */
export const COMPACT_OF_TTYPE = new Uint8Array(256).fill(NO_TYPE);

const PAIRS: readonly (readonly [number, TType])[] = [
  [CT_BOOLEAN_TRUE, TType.BOOL],
  [CT_BYTE, TType.BYTE],
  [CT_I16, TType.I16],
  [CT_I32, TType.I32],
  [CT_I64, TType.I64],
  [CT_DOUBLE, TType.DOUBLE],
  [CT_BINARY, TType.STRING],
  [CT_LIST, TType.LIST],
  [CT_SET, TType.SET],
  [CT_MAP, TType.MAP],
  [CT_STRUCT, TType.STRUCT],
  [CT_UUID, TType.UUID],
];
for (const [compact, ttype] of PAIRS) {
  TTYPE_OF_COMPACT[compact] = ttype;
  COMPACT_OF_TTYPE[ttype] = compact;
}
TTYPE_OF_COMPACT[CT_STOP] = TType.STOP;
TTYPE_OF_COMPACT[CT_BOOLEAN_FALSE] = TType.BOOL;

/** First byte of every Compact message. */
export const COMPACT_PROTOCOL_ID = 0x82;
/** The only Compact version (low 5 bits of the second byte). */
export const COMPACT_VERSION = 1;
