import { ProtocolId, protocolById } from '@thriftpoll/protocol';
import { startsMessage } from './bytes';
import { detectTransport } from './detect';
import { LENGTH_SIZE } from './frame';
import { headerFrameFieldsAt } from './headerframe';
import type { TransportKind } from './message';
import { parseTHeaderInfo } from './theader';
import { parseTTHeaderInfo } from './ttheader';

/** What the first bytes of a message refused before it was read say: enough to answer it. */
export interface RefusedMessage {
  readonly transport: TransportKind;
  readonly protocol: ProtocolId;
  readonly name: string;
  readonly seqid: number;
  /** THeader/TTHeader: the frame's own seqid (the reply repeats it). */
  readonly headerSeqid: number | undefined;
  /** THeader/TTHeader: the frame's flags. 0 for the other transports. */
  readonly flags: number;
}

/** Frame lengths are checked by the decoder that refused the message, not again here. */
const ANY_FRAME_SIZE = 0x7fffffff;

/**
 * A decoder refused a message for its size (its frame length, or a Buffered message past maxMessageSize) before
 * reading it. From its first bytes (the TransportError's `messageHead`, from the start of the frame or message)
 * find the transport, protocol, method name and seqid, so the caller can be told why instead of seeing the
 * connection drop. `known` is the connection's transport once detected; otherwise the bytes are detected as
 * detectTransport does. Returns undefined when the bytes do not say (a THeader payload under zlib, garbage, a
 * head cut before the message name).
 */
export function describeRefusedMessage(head: Uint8Array, known: TransportKind | undefined): RefusedMessage | undefined {
  const transport = known ?? detectedTransport(head);
  if (transport === undefined) return undefined;
  try {
    return describe(head, transport);
  } catch {
    return undefined; // a malformed header or message start: nothing to answer
  }
}

function detectedTransport(head: Uint8Array): TransportKind | undefined {
  try {
    const detection = detectTransport(head, ANY_FRAME_SIZE);
    return 'need' in detection ? undefined : detection.transport;
  } catch {
    return undefined;
  }
}

/** Throws for bytes that are not what `transport` frames look like. */
function describe(head: Uint8Array, transport: TransportKind): RefusedMessage | undefined {
  let payload = 0;
  let protocol: ProtocolId | undefined;
  let headerSeqid: number | undefined;
  let flags = 0;
  switch (transport) {
    case 'buffered':
      break;
    case 'framed':
      payload = LENGTH_SIZE;
      break;
    case 'theader':
    case 'framed-theader': {
      const frame = headerFrameFieldsAt(head, transport === 'framed-theader' ? LENGTH_SIZE : 0);
      if (frame === undefined) return undefined;
      const info = parseTHeaderInfo(head, frame.headerStart, frame.headerEnd);
      if (info.transforms.length > 0) return undefined; // compressed: the message start is not in plain sight
      ({ flags, seqid: headerSeqid, headerEnd: payload } = frame);
      protocol = info.protocol;
      break;
    }
    case 'ttheader':
    case 'ttheader-framed': {
      const frame = headerFrameFieldsAt(head, 0);
      if (frame === undefined) return undefined;
      protocol = parseTTHeaderInfo(head, frame.headerStart, frame.headerEnd).protocol;
      ({ flags, seqid: headerSeqid, headerEnd: payload } = frame);
      // TTHeaderFramed: the payload is itself framed (told apart per message, as the decoder does).
      if (!startsMessage(head, payload) && startsMessage(head, payload + LENGTH_SIZE)) {
        transport = 'ttheader-framed';
        payload += LENGTH_SIZE;
      }
      break;
    }
  }
  if (head.length <= payload + 1) return undefined;
  protocol ??= head[payload] === 0x82 ? ProtocolId.COMPACT : ProtocolId.BINARY;
  const header = protocolById(protocol).createReader(head.subarray(payload)).readMessageBegin();
  return { transport, protocol, name: header.name, seqid: header.seqid, headerSeqid, flags };
}
