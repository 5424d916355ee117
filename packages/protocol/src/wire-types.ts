import { MessageType, TType } from './types';

/**
 * Facts about type ids shared by both protocols: which ids denote a value, and how to name an id in an error
 * message. Protocol-specific tables (sizes, Compact nibbles) live next to the protocol that uses them.
 */

/** 1 at the index of every TType that denotes a value (BOOL..UUID); 0 for STOP, VOID and unassigned ids. */
export const VALUE_TYPE = new Uint8Array(256);
for (const type of [
  TType.BOOL,
  TType.BYTE,
  TType.DOUBLE,
  TType.I16,
  TType.I32,
  TType.I64,
  TType.STRING,
  TType.STRUCT,
  TType.MAP,
  TType.SET,
  TType.LIST,
  TType.UUID,
]) {
  VALUE_TYPE[type] = 1;
}

/** True for the type ids that carry a value on the wire (every TType except STOP and VOID). */
export function isValueType(type: number): type is TType {
  return (type & 0xff) === type && VALUE_TYPE[type] === 1;
}

/** `STRING(11)` for known ids, `unknown(5)` for the rest: for error messages. */
export function typeName(type: number): string {
  const name = (TType as unknown as Record<number, string | undefined>)[type];
  return name === undefined ? `unknown(${type})` : `${name}(${type})`;
}

/** True for CALL, REPLY, EXCEPTION and ONEWAY. */
export function isMessageType(type: number): type is MessageType {
  return type >= MessageType.CALL && type <= MessageType.ONEWAY && (type | 0) === type;
}

export function messageTypeError(type: number): string {
  return `message type ${type} is not CALL(1), REPLY(2), EXCEPTION(3) or ONEWAY(4)`;
}
