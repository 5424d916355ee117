import { BufferSink } from '@thriftpoll/buffer';
import { createEncoder, type Envelope, type MessageEncoder, type TransportKind } from '@thriftpoll/transport';
import { hex } from './bytes';

/** Golden payloads the transport tests frame: one echo call in each protocol. */

/** A strict Binary CALL "echo", seqid 1, args { 1: string "hi" } (26 bytes). */
export const BINARY_ECHO = hex(
  '80 01 00 01 | 00 00 00 04 | 65 63 68 6f | 00 00 00 01 |' + // version|CALL, name, seqid
    '0b 00 01 | 00 00 00 02 | 68 69 | 00', // field 1 string "hi", STOP
);

/** The same call in Compact: 82, (CALL<<5)|1, varint seqid 1, varint name length, name, field 1 binary "hi", STOP (13 bytes). */
export const COMPACT_ECHO = hex('82 21 01 04 65 63 68 6f | 18 02 68 69 | 00');

/**
 * Writes one whole message through `encoder`: begin(envelope), the payload copied into one reservation of the
 * encoder's sink, end(). Returns what end() returns (the bytes the frame added to the output).
 */
export function writeMessage(encoder: MessageEncoder, payload: Uint8Array, envelope?: Envelope): number {
  encoder.begin(envelope);
  encoder.sink.reserve(payload.length).set(payload);
  encoder.sink.commit(payload.length);
  return encoder.end();
}

/** One message framed by `transport`'s encoder, as the bytes a peer would send. */
export function frameWith(transport: TransportKind, payload: Uint8Array, envelope?: Envelope): Buffer {
  const out = new BufferSink();
  writeMessage(createEncoder(transport, out), payload, envelope);
  return out.take();
}
