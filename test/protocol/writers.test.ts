import { BinaryWriter, CompactWriter, GrowableBuffer, MessageType, TType } from '@thriftpoll/protocol';
import type { ByteSink } from '@thriftpoll/protocol';
import { readerOurs } from './support/apache';
import type { ProtocolName } from './support/apache';
import { StingySink } from './support/sinks';

/** Writers and their ByteSink: when bytes are committed, how much is reserved, and reuse. */
const protocols: ProtocolName[] = ['binary', 'compact'];

/** Records every reserve() and commit() call on top of a GrowableBuffer. */
class RecordingSink implements ByteSink {
  readonly calls: string[] = [];
  readonly out = new GrowableBuffer();
  reserve(size: number): Uint8Array {
    this.calls.push(`reserve(${size})`);
    return this.out.reserve(size);
  }
  commit(size: number): void {
    this.calls.push(`commit(${size})`);
    this.out.commit(size);
  }
}

describe.each(protocols)('%s writer', (protocol) => {
  const create = (sink: ByteSink) => (protocol === 'binary' ? new BinaryWriter(sink) : new CompactWriter(sink));

  test('bytes reach the sink at writeMessageEnd(), in one commit for a small message', () => {
    const sink = new RecordingSink();
    const writer = create(sink);
    writer.writeMessageBegin('ping', MessageType.CALL, 1);
    writer.writeStructBegin('args');
    writer.writeFieldBegin(TType.STRING, 1);
    writer.writeString('hello');
    writer.writeFieldEnd();
    writer.writeFieldStop();
    writer.writeStructEnd();
    expect(sink.calls).toEqual(['reserve(256)']);
    expect(sink.out.length).toBe(0);
    writer.writeMessageEnd();
    expect(sink.calls).toEqual(['reserve(256)', `commit(${sink.out.length})`]);
    const reader = readerOurs(protocol, sink.out.view());
    expect(reader.readMessageBegin()).toEqual({ name: 'ping', type: MessageType.CALL, seqid: 1 });
  });

  test('commit() with nothing written does not call the sink; a second message reserves again', () => {
    const sink = new RecordingSink();
    const writer = create(sink);
    writer.commit();
    expect(sink.calls).toEqual([]);
    writer.writeI32(1);
    writer.commit();
    writer.commit();
    writer.writeI32(2);
    writer.commit();
    expect(sink.calls.filter((c) => c.startsWith('reserve')).length).toBe(2);
    expect(sink.calls.filter((c) => c.startsWith('commit')).length).toBe(2);
  });

  test('a region that fills up is committed and a new one reserved; the bytes are unchanged', () => {
    const sink = new StingySink([0]);
    const writer = create(sink);
    for (let i = 0; i < 1000; i++) writer.writeI32(i);
    writer.commit();
    expect(sink.commits.length).toBeGreaterThan(1);
    const reader = readerOurs(protocol, sink.bytes());
    for (let i = 0; i < 1000; i++) expect(reader.readI32()).toBe(i);
  });

  test('long strings reserve their exact UTF-8 size, not the worst case', () => {
    const text = 'é'.repeat(100_000);
    const sink = new RecordingSink();
    const writer = create(sink);
    writer.writeString(text);
    writer.commit();
    const prefix = protocol === 'binary' ? 4 : 5;
    expect(sink.calls[0]).toBe(`reserve(${prefix + 200_000})`);
    expect(readerOurs(protocol, sink.out.view()).readString()).toBe(text);
  });

  test('reset() discards uncommitted bytes and starts clean', () => {
    const sink = new RecordingSink();
    const writer = create(sink);
    writer.writeStructBegin('s');
    writer.writeFieldBegin(TType.I32, 10);
    writer.writeI32(1);
    writer.reset();
    writer.commit();
    expect(sink.out.length).toBe(0);
    // After reset, Compact field ids count from 0 again.
    writer.writeStructBegin('s');
    writer.writeFieldBegin(TType.I32, 1);
    writer.writeI32(1);
    writer.writeFieldStop();
    writer.writeStructEnd();
    writer.commit();
    expect(sink.out.view().toString('hex')).toBe(protocol === 'binary' ? '080001' + '00000001' + '00' : '15' + '02' + '00');
  });

  test('reset(sink) moves the writer to another sink', () => {
    const first = new GrowableBuffer();
    const second = new GrowableBuffer();
    const writer = protocol === 'binary' ? new BinaryWriter(first) : new CompactWriter(first);
    writer.writeBool(true);
    writer.commit();
    writer.reset(second);
    writer.writeBool(false);
    writer.commit();
    expect([first.length, second.length]).toEqual([1, 1]);
  });

  test('a 1 MiB multi-byte string and a 1 MiB binary', () => {
    const text = '日本'.repeat(1 << 19);
    const data = Buffer.alloc(1 << 20, 0x5a);
    const out = new GrowableBuffer();
    const writer = create(out);
    writer.writeString(text);
    writer.writeBinary(data);
    writer.commit();
    const reader = readerOurs(protocol, out.view());
    expect(reader.readString()).toBe(text);
    expect(Buffer.compare(Buffer.from(reader.readBinary()), data)).toBe(0);
  });
});
