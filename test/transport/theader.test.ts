import { randomBytes } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { LinkBuffer } from '@thriftpoll/netpoll';
import { ProtocolId, TApplicationExceptionType } from '@thriftpoll/protocol';
import {
  BufferSink,
  FramedTHeaderDecoder,
  FramedTHeaderEncoder,
  Metadata,
  THeaderDecoder,
  THeaderEncoder,
  THeaderTransform,
  createDecoder,
  createEncoder,
  encodeTHeaderInfo,
  replyEnvelope,
  type Envelope,
} from '@thriftpoll/transport';
import { thrift } from './helpers/apache';
import { bytesOf, decodeAll, dribble, expectBytes, hex, readerOf } from './helpers/bytes';
import { caught, decodeError } from './helpers/errors';
import { BINARY_ECHO, COMPACT_ECHO, writeMessage } from './helpers/messages';


// HeaderFormat.md by hand: length 44 | magic 0fff | flags 0 | seqid 1 | 2 words |
// proto 0, 0 transforms, info KEYVALUE(1), 1 header, "k" = "v" | payload.
const THEADER_WITH_HEADERS = Buffer.concat([
  hex('00 00 00 2c | 0f ff | 00 00 | 00 00 00 01 | 00 02 | 00 00 01 01 01 6b 01 76'),
  BINARY_ECHO,
]);
// No headers: proto 0, 0 transforms, 2 bytes of padding -> 1 word.
const THEADER_PLAIN = Buffer.concat([hex('00 00 00 28 | 0f ff | 00 00 | 00 00 00 01 | 00 01 | 00 00 00 00'), BINARY_ECHO]);

function encode(payload: Uint8Array, envelope?: Envelope, sink = new BufferSink()): Buffer {
  writeMessage(new THeaderEncoder(sink, { droppedMetadata: 'ignore' }), payload, envelope);
  return sink.take();
}

/** A THeader frame with an arbitrary header region (padded by the caller) and payload. */
function frame(header: Buffer, payload: Uint8Array, seqid = 1, flags = 0): Buffer {
  const fixed = Buffer.alloc(14);
  fixed.writeUInt32BE(10 + header.length + payload.length, 0);
  fixed.writeUInt16BE(0x0fff, 4);
  fixed.writeUInt16BE(flags, 6);
  fixed.writeInt32BE(seqid, 8);
  fixed.writeUInt16BE(header.length / 4, 12);
  return Buffer.concat([fixed, header, payload]);
}

describe('THeader golden vectors', () => {
  test('encoder output matches the spec, byte for byte', () => {
    expectBytes(encode(BINARY_ECHO, { seqid: 1, headers: Metadata.from({ k: 'v' }) }), THEADER_WITH_HEADERS);
    expectBytes(encode(BINARY_ECHO, { seqid: 1 }), THEADER_PLAIN);
    expectBytes(encodeTHeaderInfo(ProtocolId.COMPACT, [THeaderTransform.ZLIB], Metadata.EMPTY), hex('02 01 01 00'));
  });

  test('decoder reads protocol, seqid, flags and headers', () => {
    const [message] = decodeAll(new THeaderDecoder(), readerOf(frame(hex('00 00 01 02 01 61 01 62 02 6b 32 02 76 32 00 00'), BINARY_ECHO, -5, 0x0102)));
    expect(message.transport).toBe('theader');
    expect(message.protocol).toBe(ProtocolId.BINARY);
    expect(message.seqid).toBe(-5);
    expect(message.flags).toBe(0x0102);
    expect(message.headers.toRecord()).toEqual({ a: 'b', k2: 'v2' });
    expect(message.ignoredInfoId).toBeUndefined();
    expectBytes(bytesOf(message.payload), BINARY_ECHO);
  });

  test('matches what Apache npm thrift writes for the same message and headers, and reads it', () => {
    for (const [protocolId, payload] of [
      [ProtocolId.BINARY, BINARY_ECHO],
      [ProtocolId.COMPACT, COMPACT_ECHO],
    ] as const) {
      let apacheBytes: Buffer | undefined;
      const transport = new thrift.TBufferedTransport(undefined, (buf) => {
        apacheBytes = Buffer.from(buf);
      });
      transport.setProtocolId!(protocolId);
      transport.setSeqId!(1);
      transport.setWriteHeader!('trace-id', 'abc');
      transport.setWriteHeader!('ü', 'ünïcödé');
      const protocol = new thrift.THeaderProtocol(transport);
      transport.write(Buffer.from(payload));
      protocol.flush();
      const ours = encode(payload, { protocol: protocolId, seqid: 1, headers: Metadata.from({ 'trace-id': 'abc', ü: 'ünïcödé' }) });
      expectBytes(ours, apacheBytes!);
      const [message] = decodeAll(new THeaderDecoder(), readerOf(apacheBytes!));
      expect(message.protocol).toBe(protocolId);
      expect(message.headers.get('ü')).toBe('ünïcödé');
      expectBytes(bytesOf(message.payload), payload);
    }
  });

  test('zlib: payload compressed on send, inflated on receipt, transform reported and mirrored in replies', () => {
    const payload = Buffer.concat(Array.from({ length: 50 }, () => COMPACT_ECHO));
    const wire = encode(payload, { protocol: ProtocolId.COMPACT, seqid: 9, transforms: [THeaderTransform.ZLIB] });
    // header: compact, 1 transform, zlib, padding
    expectBytes(wire.subarray(14, 18), hex('02 01 01 00'));
    expectBytes(inflateSync(wire.subarray(18)), payload);
    expect(wire.length).toBeLessThan(payload.length);
    const [message] = decodeAll(new THeaderDecoder(), readerOf(wire));
    expect(message.transforms).toEqual([THeaderTransform.ZLIB]);
    expect(message.protocol).toBe(ProtocolId.COMPACT);
    expectBytes(bytesOf(message.payload), payload);
    expect(replyEnvelope(message)).toEqual({ protocol: ProtocolId.COMPACT, seqid: 9, flags: 0, transforms: [THeaderTransform.ZLIB] });
  });

  test('zlib applied twice is undone twice', () => {
    const wire = encode(BINARY_ECHO, { transforms: [THeaderTransform.ZLIB, THeaderTransform.ZLIB] });
    const [message] = decodeAll(new THeaderDecoder(), readerOf(wire));
    expectBytes(bytesOf(message.payload), BINARY_ECHO);
  });

  test('unknown info ids end header parsing; the payload is still found from the header size', () => {
    // KEYVALUE a=b, then info id 7 with data we cannot read, then garbage: all skipped.
    const header = hex('00 00 01 01 01 61 01 62 07 ff ff 00');
    const [message] = decodeAll(new THeaderDecoder(), readerOf(frame(header, BINARY_ECHO)));
    expect(message.headers.toRecord()).toEqual({ a: 'b' });
    expect(message.ignoredInfoId).toBe(7);
    expectBytes(bytesOf(message.payload), BINARY_ECHO);
  });

  test('one byte per read: whole frames only, `wanted` asks for the whole frame', () => {
    const { messages, wanted } = dribble(new THeaderDecoder(), Buffer.concat([THEADER_WITH_HEADERS, THEADER_PLAIN]), 1);
    expect(messages.map((m) => m.bytes)).toEqual([BINARY_ECHO, BINARY_ECHO]);
    expect(messages[0].message.headers.get('k')).toBe('v');
    expect(wanted[10]).toBe(THEADER_WITH_HEADERS.length);
  });
});

describe('THeader hostile input', () => {
  test('unknown transform: refused with INVALID_TRANSFORM', () => {
    const error = decodeError(new THeaderDecoder(), frame(hex('00 01 02 00'), BINARY_ECHO));
    expect(error.code).toBe('UNKNOWN_TRANSFORM');
    expect(error.message).toBe('THeader transform 2 (HMAC) is not supported: thriftpoll implements 1 (zlib)');
    expect(error.applicationExceptionType).toBe(TApplicationExceptionType.INVALID_TRANSFORM);
  });

  test('unknown protocol id: refused with INVALID_PROTOCOL', () => {
    const error = decodeError(new THeaderDecoder(), frame(hex('01 00 00 00'), BINARY_ECHO));
    expect(error.code).toBe('UNKNOWN_PROTOCOL');
    expect(error.message).toBe('THeader protocol id 1 (JSON) is not supported: expected 0 (binary) or 2 (compact)');
    expect(error.applicationExceptionType).toBe(TApplicationExceptionType.INVALID_PROTOCOL);
  });

  test('header size larger than the frame', () => {
    const wire = Buffer.from(THEADER_PLAIN);
    wire.writeUInt16BE(0x4000, 12);
    expect(decodeError(new THeaderDecoder(), wire).message).toBe(
      'THeader header size 65536 bytes (16384 words) exceeds the 30 bytes left in the frame of 40',
    );
    wire.writeUInt16BE(0, 12);
    expect(decodeError(new THeaderDecoder(), wire).message).toMatch(/header size is 0 words/);
  });

  test('header entries that run past the header end', () => {
    expect(decodeError(new THeaderDecoder(), frame(hex('00 00 01 05'), BINARY_ECHO)).message).toBe(
      'THeader KEYVALUE count 5 needs at least 10 bytes, 0 left in the header',
    );
    expect(decodeError(new THeaderDecoder(), frame(hex('00 00 01 01 09 61 00 00'), BINARY_ECHO)).message).toBe(
      'THeader KEYVALUE key length 9 exceeds the 3 bytes left in the header',
    );
    expect(decodeError(new THeaderDecoder(), frame(hex('00 00 01 ff'), BINARY_ECHO)).message).toBe(
      'THeader header ends inside the KEYVALUE count varint',
    );
  });

  test('frame lengths: over maxFrameSize, over the THeader ceiling, negative, too small', () => {
    expect(decodeError(new THeaderDecoder(), hex('7f ff ff ff')).message).toBe(
      'THeader frame length 2147483647 exceeds maxFrameSize 16384000',
    );
    expect(decodeError(new THeaderDecoder({ maxFrameSize: 0x7fffffff }), hex('40 00 00 00')).message).toBe(
      'THeader frame length 1073741824 exceeds maxFrameSize 1073741823',
    );
    expect(decodeError(new THeaderDecoder(), hex('80 00 00 00')).code).toBe('NEGATIVE_FRAME_SIZE');
    expect(decodeError(new THeaderDecoder(), hex('00 00 00 05')).code).toBe('FRAME_TOO_SMALL');
  });

  test('wrong magic is refused after 6 bytes, without waiting for the frame', () => {
    const error = decodeError(new THeaderDecoder(), hex('00 01 00 00 10 00'));
    expect(error.message).toBe('THeader frame has magic 0x1000, expected 0x0fff (a Kitex TTHeader frame: use the ttheader transport or detection)');
  });

  test('a zlib bomb is refused while inflating: memory stays bounded', () => {
    // ~100 KB on the wire that would inflate to 100 MiB.
    const bomb = deflateSync(Buffer.alloc(100 * 1024 * 1024), { level: 9 });
    const wire = frame(hex('00 01 01 00'), bomb);
    const before = process.memoryUsage();
    const error = decodeError(new THeaderDecoder({ maxMessageSize: 1024 * 1024 }), wire);
    const after = process.memoryUsage();
    expect(error.code).toBe('MESSAGE_TOO_LARGE');
    expect(error.message).toBe(`THeader zlib payload of ${bomb.length} bytes inflates beyond maxMessageSize 1048576; refused while inflating`);
    // Inflating it all would add ~100 MiB of external memory.
    expect(after.external + after.arrayBuffers - (before.external + before.arrayBuffers)).toBeLessThan(32 * 1024 * 1024);
  });

  test('corrupt zlib data is refused with INVALID_TRANSFORM', () => {
    const error = decodeError(new THeaderDecoder(), frame(hex('00 01 01 00'), hex('78 9c ff ff ff ff')));
    expect(error.code).toBe('CORRUPT_TRANSFORM');
    expect(error.message).toMatch(/^THeader zlib payload of 6 bytes does not inflate: /);
    expect(error.applicationExceptionType).toBe(TApplicationExceptionType.INVALID_TRANSFORM);
  });

  test('TRUNCATED when the peer closes mid-frame', () => {
    const decoder = new THeaderDecoder();
    const reader = readerOf(THEADER_PLAIN.subarray(0, 20));
    expect(decoder.decode(reader)).toBeUndefined();
    expect(caught(() => decoder.finish(reader)).message).toBe('connection closed after 20 of 44 bytes of a THeader frame');
  });
});

describe('THeaderEncoder', () => {
  test('int-keyed metadata cannot travel on THeader: dropped by policy', () => {
    const out = new BufferSink();
    const strict = new THeaderEncoder(out, { droppedMetadata: 'error' });
    const headers = new Metadata().set('a', 'b').setInt(9, 'Echo');
    expect(caught(() => strict.begin({ headers })).code).toBe('METADATA_DROPPED');
    expect(out.length).toBe(0);
    const lenient = new THeaderEncoder(out, { droppedMetadata: 'ignore' });
    lenient.begin({ headers });
    lenient.end();
    expect(lenient.droppedMetadata).toBe(1);
    const [message] = decodeAll(new THeaderDecoder(), readerOf(out.take()));
    expect(message.headers.toRecord()).toEqual({ a: 'b' });
    expect(message.headers.intCount).toBe(0);
  });

  test('headers too large for Apache readers are refused before anything is written', () => {
    const out = new BufferSink();
    const encoder = createEncoder('theader', out);
    const error = caught(() => encoder.begin({ headers: Metadata.from({ big: 'x'.repeat(70_000) }) }));
    expect(error.code).toBe('HEADER_TOO_LARGE');
    expect(error.message).toMatch(/THeader header of 70012 bytes exceeds 65532/);
    expect(out.length).toBe(0);
  });

  test('unknown transforms are refused before anything is written', () => {
    const out = new BufferSink();
    expect(caught(() => new THeaderEncoder(out).begin({ transforms: [THeaderTransform.SNAPPY] })).message).toBe(
      'THeader encoder: transform 3 (snappy) is not supported: thriftpoll implements 1 (zlib)',
    );
    expect(out.length).toBe(0);
  });

  test('a compressed frame over maxFrameSize leaves the output untouched; so does an uncompressed one', () => {
    const noise = randomBytes(5000); // incompressible
    const out = new BufferSink();
    const encoder = new THeaderEncoder(out, { maxFrameSize: 1000 });
    for (const transforms of [[THeaderTransform.ZLIB], []]) {
      encoder.begin({ transforms });
      encoder.sink.reserve(noise.length).set(noise);
      encoder.sink.commit(noise.length);
      expect(caught(() => encoder.end()).code).toBe('FRAME_TOO_LARGE');
      expect(out.length).toBe(0);
    }
  });

  test('frames are never written above THeader\'s 0x3FFFFFFF ceiling, whatever maxFrameSize allows', () => {
    // An output that counts what it is given and keeps none of it: a 1 GiB payload costs no memory.
    const region = new Uint8Array(1 << 20);
    let length = 0;
    const out = {
      reserve: () => region,
      commit: (n: number) => {
        length += n;
      },
      malloc: (n: number) => {
        length += n;
        return new Uint8Array(n);
      },
      mallocLen: () => length,
      mallocAck: (n: number) => {
        length = n;
      },
    };
    const encoder = new THeaderEncoder(out, { maxFrameSize: 0x7fffffff });
    encoder.begin();
    for (let i = 0; i < 1024; i++) {
      encoder.sink.reserve(region.length);
      encoder.sink.commit(region.length);
    }
    const error = caught(() => encoder.end());
    expect(error.code).toBe('FRAME_TOO_LARGE');
    expect(error.message).toBe(
      'THeader encoder: frame of 1073741838 bytes exceeds the THeader ceiling 1073741823 (0x3FFFFFFF, what every THeader reader accepts); it was taken back out of the output',
    );
    expect(length).toBe(0);
  });

  test('abort() takes back a begun frame', () => {
    const out = new BufferSink();
    const encoder = new THeaderEncoder(out);
    encoder.begin({ headers: Metadata.from({ a: 'b' }) });
    encoder.sink.reserve(3);
    encoder.sink.commit(3);
    encoder.abort();
    expect(out.length).toBe(0);
    encoder.abort(); // no-op
  });

  test('encodes straight into the output when there is no transform (payload after the malloc\'d prefix)', () => {
    const out = new BufferSink();
    const encoder = new THeaderEncoder(out);
    encoder.begin({ seqid: 3 });
    const region = encoder.sink.reserve(BINARY_ECHO.length);
    region.set(BINARY_ECHO);
    encoder.sink.commit(BINARY_ECHO.length);
    expect(out.length).toBe(18 + BINARY_ECHO.length); // already in the output before end()
    encoder.end();
    const reader = new LinkBuffer();
    reader.append(out.take());
    expect(decodeAll(new THeaderDecoder(), reader)[0].seqid).toBe(3);
  });
});

describe('THeader inside Framed (framed-theader)', () => {
  // Golden vectors written by Apache's Python library (python3-thrift 0.17: THeaderProtocol over TFramedTransport,
  // header k=v, `ping` CALL seqid 7 with empty args): outer length | THeader frame (length = outer - 4).
  const PING_BINARY = hex('80 01 00 01 00 00 00 04 70 69 6e 67 00 00 00 07 00');
  const PING_COMPACT = hex('82 21 07 04 70 69 6e 67 00');
  const PYTHON_BINARY = hex('00 00 00 27 | 00 00 00 23 0f ff 00 00 00 00 00 07 00 02 | 00 00 01 01 01 6b 01 76');
  const PYTHON_COMPACT = hex('00 00 00 1f | 00 00 00 1b 0f ff 00 00 00 00 00 07 00 02 | 02 00 01 01 01 6b 01 76');

  test.each([
    ['binary', ProtocolId.BINARY, PING_BINARY, PYTHON_BINARY],
    ['compact', ProtocolId.COMPACT, PING_COMPACT, PYTHON_COMPACT],
  ] as const)('%s: the encoder writes what Python writes, and the decoder reads it back', (_name, protocol, payload, prefix) => {
    const python = Buffer.concat([prefix, payload]);
    const sink = new BufferSink();
    writeMessage(new FramedTHeaderEncoder(sink), payload, { protocol, seqid: 7, headers: Metadata.from({ k: 'v' }) });
    expectBytes(sink.take(), python);
    const [message] = decodeAll(new FramedTHeaderDecoder(), readerOf(python, [3, 9, 20]));
    expect(message).toMatchObject({ transport: 'framed-theader', protocol, seqid: 7, wireLength: python.length, payloadLength: payload.length });
    expect(message.headers.toRecord()).toEqual({ k: 'v' });
    expectBytes(bytesOf(message.payload), payload);
    // Without the outer length it is exactly the THeader frame.
    expectBytes(python.subarray(4), encode(payload, { protocol, seqid: 7, headers: Metadata.from({ k: 'v' }) }));
  });

  test('zlib round trip, and a reply in kind with the request\'s transforms', () => {
    const sink = new BufferSink();
    writeMessage(createEncoder('framed-theader', sink), BINARY_ECHO, { seqid: 2, transforms: [THeaderTransform.ZLIB] });
    const wire = sink.take();
    expect(wire.readUInt32BE(0)).toBe(wire.length - 4);
    expect(wire.readUInt32BE(4)).toBe(wire.length - 8);
    const [request] = decodeAll(new FramedTHeaderDecoder(), readerOf(wire));
    expect(request.transforms).toEqual([THeaderTransform.ZLIB]);
    expectBytes(bytesOf(request.payload), BINARY_ECHO);
    expect(replyEnvelope(request)).toMatchObject({ seqid: 2, transforms: [THeaderTransform.ZLIB] });
  });

  test('an outer length that does not match the THeader frame inside is refused, naming both', () => {
    const bad = Buffer.concat([hex('00 00 00 27 | 00 00 00 22'), PYTHON_BINARY.subarray(8), PING_BINARY]);
    expect(decodeError(new FramedTHeaderDecoder(), bad).message).toBe(
      'framed THeader frame of 39 bytes holds a THeader frame declaring 34 bytes, expected 35 (the outer length counts the inner length too)',
    );
  });

  test('a plain Framed endpoint names the transport it was sent', () => {
    const wire = Buffer.concat([PYTHON_BINARY, PING_BINARY]);
    expect(decodeError(createDecoder('framed'), wire).message).toMatch(/framed frame holds a THeader frame \(THeader inside Framed.*use the framed-theader transport or detection$/);
  });

  test('a frame too large for maxFrameSize is taken back out of the output; abort leaves the output as it was', () => {
    const sink = new BufferSink();
    const encoder = new FramedTHeaderEncoder(sink, { maxFrameSize: 40 });
    expect(caught(() => writeMessage(encoder, BINARY_ECHO)).code).toBe('FRAME_TOO_LARGE');
    expect(sink.take().length).toBe(0);
    encoder.begin({ seqid: 1 });
    encoder.abort();
    expect(sink.take().length).toBe(0);
    expect(writeMessage(encoder, PING_BINARY)).toBe(4 + 4 + 10 + 4 + PING_BINARY.length);
  });
});
