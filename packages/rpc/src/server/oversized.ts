import { ProtocolId, protocolById } from '@thriftpoll/protocol';
import type { TransportKind } from '@thriftpoll/transport';

/** What can be learned of a request refused before it was read: enough to answer it. */
export interface OversizedRequest {
  readonly transport: TransportKind;
  readonly protocol: ProtocolId;
  readonly name: string;
  readonly seqid: number;
  readonly headerSeqid: number | undefined;
  readonly flags: number;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

function i32(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
}

function startsMessage(bytes: Uint8Array, at: number): boolean {
  return (bytes[at] === 0x80 && bytes[at + 1] === 0x01) || (bytes[at] === 0x82 && (bytes[at + 1] & 0x1f) === 1);
}

/**
 * A transport refused a request for its size (its frame length, or a Buffered message past maxMessageSize)
 * before reading it. From its first bytes (the transport error's `messageHead`, from the start of the frame or
 * message), find the transport, protocol, method name and seqid, so the caller can be told why instead of seeing
 * the connection drop. Returns undefined when the bytes do not say (a THeader payload under zlib, garbage).
 *
 *   framed     u32 length | message
 *   theader    u32 length | 0x0fff | u16 flags | i32 seqid | u16 header words | varint protocol | varint transforms ...
 *   framed-theader  u32 length | a theader frame
 *   ttheader   u32 length | 0x1000 | u16 flags | i32 seqid | u16 header words | u8 protocol | ...
 */
export function describeOversized(head: Uint8Array, known: TransportKind | undefined): OversizedRequest | undefined {
  if (head.length < 4) return undefined;
  let transport: TransportKind | undefined = known;
  if (transport === undefined) {
    if (startsMessage(head, 0)) transport = 'buffered';
    else if (head.length >= 8 && u16(head, 4) === 0x0fff) transport = 'theader';
    else if (head.length >= 8 && u16(head, 4) === 0x1000) transport = 'ttheader';
    else if (head.length >= 10 && u16(head, 8) === 0x0fff && i32(head, 4) === i32(head, 0) - 4) transport = 'framed-theader';
    else if (head.length >= 6 && startsMessage(head, 4)) transport = 'framed';
    else return undefined;
  }
  let payload = 0;
  let protocol: ProtocolId | undefined;
  let headerSeqid: number | undefined;
  let flags = 0;
  switch (transport) {
    case 'buffered':
      break;
    case 'framed':
      payload = 4;
      break;
    case 'theader':
    case 'framed-theader': {
      const at = transport === 'framed-theader' ? 4 : 0; // the outer frame length
      if (head.length < at + 16) return undefined;
      flags = u16(head, at + 6);
      headerSeqid = i32(head, at + 8);
      // Single-byte varints: protocol id (0 or 2) and transform count (0: no zlib to undo).
      if (head[at + 15] !== 0) return undefined;
      protocol = head[at + 14] === 2 ? ProtocolId.COMPACT : ProtocolId.BINARY;
      payload = at + 14 + u16(head, at + 12) * 4;
      break;
    }
    case 'ttheader':
    case 'ttheader-framed': {
      if (head.length < 15) return undefined;
      flags = u16(head, 6);
      headerSeqid = i32(head, 8);
      protocol = head[14] === 2 ? ProtocolId.COMPACT : ProtocolId.BINARY;
      payload = 14 + u16(head, 12) * 4;
      if (head.length >= payload + 6 && !startsMessage(head, payload) && startsMessage(head, payload + 4)) {
        transport = 'ttheader-framed';
        payload += 4;
      }
      break;
    }
  }
  if (head.length <= payload + 1) return undefined;
  protocol ??= head[payload] === 0x82 ? ProtocolId.COMPACT : ProtocolId.BINARY;
  try {
    const header = protocolById(protocol).createReader(head.subarray(payload)).readMessageBegin();
    return { transport, protocol, name: header.name, seqid: header.seqid, headerSeqid, flags };
  } catch {
    return undefined;
  }
}
