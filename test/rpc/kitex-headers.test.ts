import { LinkBuffer } from '@thriftpoll/buffer';
import { ProtocolId } from '@thriftpoll/protocol';
import { BufferSink, KitexIntKey, KitexStringKey, Metadata, createDecoder, createEncoder, type Envelope, type TransportKind } from '@thriftpoll/transport';
import { deadlineFromHeaders, writeDeadline } from '../../packages/rpc/src/metadata/deadline';
import {
  isConnectionReadyToReset,
  kitexRequestHeaders,
  markConnectionReadyToReset,
  requestedService,
} from '../../packages/rpc/src/metadata/kitex-headers';
import { BINARY_ECHO, writeMessage } from '../transport/helpers/messages';

/** The metadata room writes headers that the real transport carries, and reads them back on the other side. */
function throughTransport(transport: TransportKind, headers: Metadata): Metadata {
  const out = new BufferSink();
  const envelope: Envelope = { protocol: ProtocolId.BINARY, seqid: 1, headers };
  writeMessage(createEncoder(transport, out), BINARY_ECHO, envelope);
  const reader = new LinkBuffer();
  reader.append(out.take());
  const message = createDecoder(transport).decode(reader);
  if (message === undefined) throw new Error(`${transport}: the encoded frame did not decode`);
  return message.headers;
}

describe('metadata/kitex-headers', () => {
  test("a client's Kitex request headers cross TTHeader and name the service and method", () => {
    const sent = kitexRequestHeaders({ fromService: 'caller', service: 'Echo', method: 'echo', oneway: false, framed: true, connectTimeout: 250 });
    const received = throughTransport('ttheader', sent);
    expect(received.getInt(KitexIntKey.FromService)).toBe('caller');
    expect(received.getInt(KitexIntKey.ToMethod)).toBe('echo');
    expect(received.getInt(KitexIntKey.MsgType)).toBe('1');
    expect(received.getInt(KitexIntKey.TransportType)).toBe('framed');
    expect(received.getInt(KitexIntKey.ConnectTimeout)).toBe('250');
    expect(received.get(KitexStringKey.IDLServiceName)).toBe('Echo');
    expect(requestedService(received)).toBe('Echo');
    const oneway = kitexRequestHeaders({ fromService: undefined, service: 'Echo', method: 'fire', oneway: true, framed: false, connectTimeout: 1000 });
    expect(oneway.getInt(KitexIntKey.FromService)).toBeUndefined();
    expect(oneway.getInt(KitexIntKey.MsgType)).toBe('4');
    expect(oneway.getInt(KitexIntKey.TransportType)).toBe('unframed');
  });

  test("THeader's `service` header names the service too; no header names none", () => {
    expect(requestedService(throughTransport('theader', new Metadata().set('service', 'Calculator')))).toBe('Calculator');
    expect(requestedService(Metadata.EMPTY)).toBeUndefined();
  });

  test.each(['theader', 'ttheader'] as const)('a deadline written for %s is read back by the server side', (transport) => {
    const headers = new Metadata();
    writeDeadline(headers, transport, '1500');
    const now = 1_000_000;
    expect(deadlineFromHeaders(throughTransport(transport, headers), now)).toBe(now + 1500);
  });

  test('"connection ready to reset" marked on a reply is seen by the client', () => {
    const reply = new Metadata();
    expect(isConnectionReadyToReset(reply)).toBe(false);
    markConnectionReadyToReset(reply);
    expect(isConnectionReadyToReset(throughTransport('ttheader', reply))).toBe(true);
  });
});
