import { LinkBuffer } from '@thriftpoll/netpoll';
import { MessageType, ProtocolId, TType, protocolById } from '@thriftpoll/protocol';
import { BufferSink, Metadata, THeaderTransform, createDecoder, createEncoder, type TransportKind } from '@thriftpoll/transport';
import { apacheEncode, apacheInput } from './helpers/apache';
import { decodeAll } from './helpers/bytes';

/**
 * The transports with thriftpoll's own protocols: writers encoding straight into `encoder.sink` (through
 * every transport's prefix handling), readers decoding `message.payload` as handed out — one view, or a
 * list of views when the message spans blocks — without concatenating.
 */
const KINDS: TransportKind[] = ['buffered', 'framed', 'theader', 'ttheader', 'ttheader-framed'];

function writeEcho(transport: TransportKind, protocol: ProtocolId, text: string, out: BufferSink, zlib = false): void {
  const encoder = createEncoder(transport, out);
  const writer = protocolById(protocol).createWriter(encoder.sink);
  encoder.begin({ protocol, seqid: 9, headers: transport === 'buffered' || transport === 'framed' ? undefined : Metadata.from({ k: 'v' }), transforms: zlib ? [THeaderTransform.ZLIB] : [] });
  writer.writeMessageBegin('echo', MessageType.CALL, 9);
  writer.writeStructBegin('args');
  writer.writeFieldBegin(TType.STRING, 1);
  writer.writeString(text);
  writer.writeFieldEnd();
  writer.writeFieldStop();
  writer.writeStructEnd();
  writer.writeMessageEnd();
  encoder.end();
}

describe.each(KINDS)('%s with thriftpoll protocol writers and readers', (transport) => {
  test.each([
    ['binary', ProtocolId.BINARY],
    ['compact', ProtocolId.COMPACT],
  ])('%s: a 3 MB message written into the sink, read back from 64 KiB blocks without a copy', (_name, protocol) => {
    const text = 'thriftpoll ✓ '.repeat(250_000);
    const out = new BufferSink(64 * 1024);
    writeEcho(transport, protocol, text, out);
    writeEcho(transport, protocol, 'second', out);
    const wire = out.take();
    const reader = new LinkBuffer();
    for (let at = 0; at < wire.length; at += 64 * 1024) reader.append(new Uint8Array(wire.subarray(at, at + 64 * 1024)));
    const [first, second] = decodeAll(createDecoder(transport), reader);
    expect(Array.isArray(first.payload)).toBe(true); // spans blocks: handed out as views
    for (const [message, expected] of [
      [first, text],
      [second, 'second'],
    ] as const) {
      expect(message.protocol).toBe(protocol);
      const input = protocolById(protocol).createReader(message.payload);
      expect(input.readMessageBegin()).toEqual({ name: 'echo', type: MessageType.CALL, seqid: 9 });
      input.readStructBegin();
      expect({ ...input.readFieldBegin() }).toEqual({ type: TType.STRING, id: 1 });
      expect(input.readString()).toBe(expected);
      input.readFieldEnd();
      expect(input.readFieldBegin().type).toBe(TType.STOP);
      expect(input.remaining()).toBe(0);
    }
  });
});

test('THeader zlib with thriftpoll writers: Apache reads the inflated payload', () => {
  const out = new BufferSink();
  writeEcho('theader', ProtocolId.COMPACT, 'zipped '.repeat(1000), out, true);
  const [message] = decodeAll(createDecoder('detect'), (() => {
    const reader = new LinkBuffer();
    reader.append(out.take());
    return reader;
  })());
  const input = apacheInput(ProtocolId.COMPACT, Buffer.from(message.payload as Uint8Array));
  expect(input.readMessageBegin()).toMatchObject({ fname: 'echo', rseqid: 9 });
  // And Apache's own encoding of the same call is byte-identical to ours.
  const apache = apacheEncode(ProtocolId.COMPACT, (o) => {
    o.writeMessageBegin('echo', MessageType.CALL, 9);
    const w = o as unknown as { writeStructBegin(n: string): void; writeFieldBegin(n: string, t: number, i: number): void; writeString(s: string): void; writeFieldEnd(): void; writeFieldStop(): void; writeStructEnd(): void };
    w.writeStructBegin('args');
    w.writeFieldBegin('text', TType.STRING, 1);
    w.writeString('zipped '.repeat(1000));
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
    o.writeMessageEnd();
  });
  expect(Buffer.from(message.payload as Uint8Array).equals(apache)).toBe(true);
});
