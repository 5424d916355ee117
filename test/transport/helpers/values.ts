import { MessageType, ProtocolId } from '@thriftpoll/protocol';
import { encodeApache, type ProtocolName } from '../../protocol/support/apache';
import { structWithValue } from '../../protocol/support/arbitraries';
import { writeStruct, type StructDesc, type StructValue } from '../../protocol/support/schema';

/**
 * Whole messages of any shape, written by Apache's npm `thrift` protocols, for checking that the Buffered scan
 * finds the exact end of any message, in any split. Shapes, values and the Apache adapter are test/protocol's
 * (support/arbitraries.ts, schema.ts, apache.ts): one generator of random Thrift for the whole test tree.
 */

/**
 * A random struct shape (sparse field ids over the whole i16 range, containers and structs nested 3 deep) and a
 * value of it; containers hold at most 5 items, which keeps each of the property runs (two messages, each
 * dribbled byte by byte) quick while still crossing every kind of nesting.
 */
export const structArbitrary = structWithValue(3, { maxItems: 5 });

const PROTOCOL_NAMES: Partial<Record<ProtocolId, ProtocolName>> = {
  [ProtocolId.BINARY]: 'binary',
  [ProtocolId.COMPACT]: 'compact',
};

/** Encodes a whole message (CALL `name`, body = the struct) with Apache's protocol. */
export function encodeMessage(protocol: ProtocolId, desc: StructDesc, value: StructValue, name = 'call', seqid = 7): Buffer {
  const protocolName = PROTOCOL_NAMES[protocol];
  if (protocolName === undefined) throw new RangeError(`encodeMessage: protocol id ${protocol} is not binary (0) or compact (2)`);
  return encodeApache(protocolName, (w) => {
    w.writeMessageBegin(name, MessageType.CALL, seqid);
    writeStruct(w, desc, value);
    w.writeMessageEnd();
  });
}
