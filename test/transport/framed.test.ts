import { LinkBuffer } from '@thriftpoll/netpoll';
import { ProtocolId } from '@thriftpoll/protocol';
import { BufferSink, FramedDecoder, FramedEncoder, Metadata, TransportError, createDecoder } from '@thriftpoll/transport';
import { bytesOf, decodeAll, dribble, expectBytes, hex, readerOf } from './helpers/bytes';
import { caught, decodeError } from './helpers/errors';
import { BINARY_ECHO, COMPACT_ECHO, writeMessage } from './helpers/messages';

// Golden: u32 length 26 (0x1a), then the message.
const FRAMED_BINARY_ECHO = Buffer.concat([hex('00 00 00 1a'), BINARY_ECHO]);
const FRAMED_COMPACT_ECHO = Buffer.concat([hex('00 00 00 0d'), COMPACT_ECHO]);

function encode(message: Uint8Array, envelope?: Parameters<FramedEncoder['begin']>[0]): Buffer {
  const out = new BufferSink();
  expect(writeMessage(new FramedEncoder(out, { droppedMetadata: 'ignore' }), message, envelope)).toBe(4 + message.length);
  return out.take();
}

describe('Framed golden vectors', () => {
  test('encoder writes u32 length + message', () => {
    expectBytes(encode(BINARY_ECHO), FRAMED_BINARY_ECHO);
    expectBytes(encode(COMPACT_ECHO), FRAMED_COMPACT_ECHO);
  });

  test('encoder back-patches the length when the payload spans output blocks', () => {
    const out = new BufferSink(16);
    const encoder = new FramedEncoder(out);
    const payload = Buffer.alloc(100, 7);
    encoder.begin();
    for (let at = 0; at < payload.length; at += 10) {
      encoder.sink.reserve(10).set(payload.subarray(at, at + 10));
      encoder.sink.commit(10);
    }
    encoder.end();
    expectBytes(out.take(), Buffer.concat([hex('00 00 00 64'), payload]));
  });

  test('decoder returns each frame, its protocol, and waits for whole frames', () => {
    const stream = Buffer.concat([FRAMED_BINARY_ECHO, FRAMED_COMPACT_ECHO, FRAMED_BINARY_ECHO.subarray(0, 9)]);
    const decoder = new FramedDecoder();
    const reader = readerOf(stream);
    const [a, b, c] = decodeAll(decoder, reader);
    expect(c).toBeUndefined();
    expect([a.transport, a.protocol, a.payloadLength, a.wireLength]).toEqual(['framed', ProtocolId.BINARY, 26, 30]);
    expect([b.protocol, b.payloadLength]).toEqual([ProtocolId.COMPACT, 13]);
    expectBytes(bytesOf(a.payload), BINARY_ECHO);
    expectBytes(bytesOf(b.payload), COMPACT_ECHO);
    // The third frame is incomplete: the engine should wake us once all 30 bytes are there.
    expect(decoder.wanted).toBe(30);
    expect(reader.len()).toBe(9);
  });

  test('payload views point into the received blocks (no copy), across block boundaries', () => {
    const first = new Uint8Array(FRAMED_BINARY_ECHO.subarray(0, 10));
    const second = new Uint8Array(FRAMED_BINARY_ECHO.subarray(10));
    const reader = new LinkBuffer();
    reader.append(first);
    reader.append(second);
    const [message] = decodeAll(new FramedDecoder(), reader);
    const views = message.payload as Uint8Array[];
    expect(views.map((v) => v.buffer)).toEqual([first.buffer, second.buffer]);
    expectBytes(bytesOf(views), BINARY_ECHO);
  });

  test('one byte per read: nothing until the frame is complete, then exactly the frame', () => {
    const { messages, wanted } = dribble(new FramedDecoder(), Buffer.concat([FRAMED_BINARY_ECHO, FRAMED_COMPACT_ECHO]), 1);
    expect(messages.map((m) => m.bytes)).toEqual([BINARY_ECHO, COMPACT_ECHO]);
    expect(wanted.slice(0, 3)).toEqual([4, 4, 4]);
    expect(wanted.slice(3, 29).every((w) => w === 30)).toBe(true);
  });
});

describe('Framed hostile input', () => {
  test('a declared length of 0x7fffffff is refused as soon as the 4 length bytes arrive', () => {
    const decoder = new FramedDecoder();
    const reader = readerOf(hex('7f ff ff ff'));
    const error = decodeError(decoder, reader);
    expect(error.code).toBe('FRAME_TOO_LARGE');
    expect(error.message).toBe('framed frame length 2147483647 exceeds maxFrameSize 16384000');
    expect(error.messageHead).toEqual(hex('7f ff ff ff')); // what arrived, for an answer before closing
    expect(reader.len()).toBe(4); // nothing consumed
  });

  test('negative lengths name what they look like (unframed binary from a Buffered peer)', () => {
    const error = decodeError(new FramedDecoder(), BINARY_ECHO);
    expect(error.code).toBe('NEGATIVE_FRAME_SIZE');
    expect(error.message).toMatch(/framed frame length -2147418111 \(0x80010001\) is negative \(it looks like an unframed Binary message: is the peer using the Buffered transport\?\)/);
    expect(decodeError(new FramedDecoder(), hex('ff ff ff ff')).message).toMatch(/-1 \(0xffffffff\) is negative$/);
  });

  test('an HTTP request on a Framed endpoint is named', () => {
    const error = decodeError(new FramedDecoder(), Buffer.from('GET / HTTP/1.1\r\n'));
    expect(error.code).toBe('FRAME_TOO_LARGE');
    expect(error.message).toMatch(/\(it looks like HTTP\)/);
  });

  test('a zero-length frame is refused', () => {
    expect(decodeError(new FramedDecoder(), hex('00 00 00 00')).code).toBe('FRAME_TOO_SMALL');
  });

  test('a configured maxFrameSize is honoured exactly', () => {
    const decoder = new FramedDecoder({ maxFrameSize: 26 });
    expect(decodeAll(decoder, readerOf(FRAMED_BINARY_ECHO))).toHaveLength(1);
    expect(decodeError(new FramedDecoder({ maxFrameSize: 25 }), FRAMED_BINARY_ECHO).message).toBe(
      'framed frame length 26 exceeds maxFrameSize 25',
    );
  });

  test('THeader and TTHeader frames on a plain Framed endpoint are named', () => {
    expect(decodeError(new FramedDecoder(), hex('00 00 00 04 0f ff 00 00')).message).toMatch(/holds a THeader message/);
    expect(decodeError(new FramedDecoder(), hex('00 00 00 04 10 00 00 00')).message).toMatch(/holds a Kitex TTHeader message/);
  });

  test('half a frame then close is TRUNCATED, naming how much arrived', () => {
    const decoder = new FramedDecoder();
    const reader = readerOf(FRAMED_BINARY_ECHO.subarray(0, 12));
    expect(decoder.decode(reader)).toBeUndefined();
    expect(caught(() => decoder.finish(reader)).message).toBe('connection closed after 12 of 30 bytes of a framed frame');
    const lengthOnly = readerOf(hex('00 00'));
    expect(caught(() => new FramedDecoder().finish(lengthOnly)).message).toBe('connection closed after 2 bytes of a framed frame length');
    expect(() => new FramedDecoder().finish(new LinkBuffer())).not.toThrow();
  });

  test('failures are sticky', () => {
    const decoder = createDecoder('framed');
    expect(() => decoder.decode(readerOf(hex('ff ff ff ff')))).toThrow(TransportError);
    expect(() => decoder.decode(readerOf(FRAMED_BINARY_ECHO))).toThrow(/-1 \(0xffffffff\)/);
  });
});

describe('FramedEncoder', () => {
  test('a message over maxFrameSize is taken back out of the output', () => {
    const out = new BufferSink();
    out.write(hex('aa'));
    const encoder = new FramedEncoder(out, { maxFrameSize: 10 });
    encoder.begin();
    encoder.sink.reserve(11).fill(1);
    encoder.sink.commit(11);
    const error = caught(() => encoder.end());
    expect(error.code).toBe('FRAME_TOO_LARGE');
    expect(error.message).toBe('framed encoder: message of 11 bytes exceeds maxFrameSize 10; it was taken back out of the output');
    expect(out.take()).toEqual(hex('aa'));
    // The encoder is usable again.
    expectBytes(encode(BINARY_ECHO), FRAMED_BINARY_ECHO);
  });

  test('begin() twice, and envelope validation before anything is written', () => {
    const out = new BufferSink();
    const encoder = new FramedEncoder(out);
    encoder.begin();
    expect(caught(() => encoder.begin()).code).toBe('ENCODER_STATE');
    encoder.abort();
    expect(out.length).toBe(0);
    expect(() => encoder.begin({ seqid: 2 ** 33 })).toThrow('framed encoder: seqid must be a 32-bit integer, got number 8589934592');
    expect(() => encoder.begin({ headers: { a: 'b' } as unknown as Metadata })).toThrow(/headers must be a Metadata instance/);
    expect(out.length).toBe(0);
  });

  test('metadata is dropped and counted (policy ignore)', () => {
    const out = new BufferSink();
    const encoder = new FramedEncoder(out, { droppedMetadata: 'ignore' });
    encoder.begin({ headers: Metadata.from({ a: 'b' }) });
    encoder.end();
    expect(encoder.droppedMetadata).toBe(1);
    expect(out.take()).toEqual(hex('00 00 00 00'));
  });

  test('options are validated', () => {
    expect(() => new FramedEncoder(new BufferSink(), { maxFrameSize: -1 })).toThrow(
      'FramedEncoder: maxFrameSize must be an integer in [1, 2147483647], got number -1',
    );
    expect(() => new FramedEncoder(new BufferSink(), { droppedMetadata: 'drop' as 'warn' })).toThrow(
      `FramedEncoder: droppedMetadata must be one of 'warn', 'error', 'ignore', got string "drop"`,
    );
    expect(() => new FramedDecoder({ maxFrameSize: 2 ** 31 })).toThrow(/maxFrameSize must be an integer in \[1, 2147483647\]/);
  });
});
