import { ProtocolId } from '@thriftpoll/protocol';
import {
  BufferSink,
  Metadata,
  THeaderTransform,
  createEncoder,
  describeRefusedMessage,
  type Envelope,
  type TransportKind,
} from '@thriftpoll/transport';
import { hex } from './helpers/bytes';
import { BINARY_ECHO, COMPACT_ECHO, frameWith, writeMessage } from './helpers/messages';

/** A refused message's head (its first bytes, as TransportError.messageHead keeps them) tells who to answer. */

const TRANSPORTS: readonly TransportKind[] = ['buffered', 'framed', 'theader', 'ttheader', 'ttheader-framed', 'framed-theader'];
const PROTOCOLS = [
  ['binary', ProtocolId.BINARY, BINARY_ECHO],
  ['compact', ProtocolId.COMPACT, COMPACT_ECHO],
] as const;
const HEADER_TRANSPORTS: ReadonlySet<TransportKind> = new Set(['theader', 'ttheader', 'ttheader-framed', 'framed-theader']);

describe('describeRefusedMessage', () => {
  for (const transport of TRANSPORTS) {
    for (const [protocolName, protocol, payload] of PROTOCOLS) {
      test(`${transport} ${protocolName}: detected from the bytes, or given, the head names the call`, () => {
        const envelope: Envelope = { protocol, seqid: 77, flags: 0, headers: new Metadata().set('caller', 'oversized-test') };
        const frame = frameWith(transport, payload, HEADER_TRANSPORTS.has(transport) ? envelope : { protocol });
        // The head stops inside the arguments: the decoder keeps only the first bytes of a refused message.
        const head = frame.subarray(0, frame.length - 3);
        const expected = {
          transport,
          protocol,
          name: 'echo',
          seqid: 1,
          headerSeqid: HEADER_TRANSPORTS.has(transport) ? 77 : undefined,
          flags: 0,
        };
        expect(describeRefusedMessage(head, transport)).toEqual(expected);
        // Detection tells TTHeaderFramed from TTHeader by the payload, as the decoder does.
        expect(describeRefusedMessage(head, undefined)).toEqual(expected);
      });
    }
  }

  test('a THeader payload under zlib cannot be read from its head: undefined', () => {
    const frame = frameWith('theader', BINARY_ECHO, { protocol: ProtocolId.BINARY, seqid: 5, transforms: [THeaderTransform.ZLIB] });
    expect(describeRefusedMessage(frame, undefined)).toBeUndefined();
    expect(describeRefusedMessage(frame, 'theader')).toBeUndefined();
  });

  test('heads cut before the method name, garbage and HTTP say nothing: undefined', () => {
    const framed = frameWith('framed', BINARY_ECHO);
    expect(describeRefusedMessage(framed.subarray(0, 6), undefined)).toBeUndefined();
    const ttheader = frameWith('ttheader', BINARY_ECHO, { protocol: ProtocolId.BINARY, seqid: 1 });
    expect(describeRefusedMessage(ttheader.subarray(0, 16), undefined)).toBeUndefined();
    expect(describeRefusedMessage(hex('00 00 00 10 41 42 43 44 45 46'), undefined)).toBeUndefined();
    expect(describeRefusedMessage(Buffer.from('GET / HTTP/1.1\r\n'), undefined)).toBeUndefined();
    expect(describeRefusedMessage(new Uint8Array(0), 'framed')).toBeUndefined();
  });
});
