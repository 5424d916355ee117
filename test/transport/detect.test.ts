import { LinkBuffer } from '@thriftpoll/netpoll';
import { ProtocolId, TApplicationExceptionType } from '@thriftpoll/protocol';
import {
  BufferSink,
  DetectingDecoder,
  HTTP_REPLY,
  KitexIntKey,
  Metadata,
  THeaderTransform,
  createDecoder,
  createEncoder,
  detectTransport,
  replyEnvelope,
  type DecodedMessage,
  type Envelope,
  type TransportKind,
} from '@thriftpoll/transport';
import { bytesOf, decodeAll, dribble, expectBytes, hex, readerOf } from './helpers/bytes';
import { caught, decodeError } from './helpers/errors';
import { BINARY_ECHO, COMPACT_ECHO, frameWith, writeMessage } from './helpers/messages';


const CASES: [string, TransportKind, Uint8Array, ProtocolId, Envelope | undefined][] = [
  ['unframed binary', 'buffered', BINARY_ECHO, ProtocolId.BINARY, undefined],
  ['unframed compact', 'buffered', COMPACT_ECHO, ProtocolId.COMPACT, undefined],
  ['framed binary', 'framed', BINARY_ECHO, ProtocolId.BINARY, undefined],
  ['framed compact', 'framed', COMPACT_ECHO, ProtocolId.COMPACT, undefined],
  ['THeader binary', 'theader', BINARY_ECHO, ProtocolId.BINARY, { seqid: 1, headers: Metadata.from({ a: '1' }) }],
  ['THeader compact + zlib', 'theader', COMPACT_ECHO, ProtocolId.COMPACT, { protocol: ProtocolId.COMPACT, transforms: [THeaderTransform.ZLIB] }],
  ['TTHeader', 'ttheader', BINARY_ECHO, ProtocolId.BINARY, { seqid: 1, headers: new Metadata().setInt(KitexIntKey.ToMethod, 'echo') }],
  ['TTHeaderFramed', 'ttheader-framed', BINARY_ECHO, ProtocolId.BINARY, { seqid: 1 }],
  ['THeader inside Framed', 'framed-theader', COMPACT_ECHO, ProtocolId.COMPACT, { protocol: ProtocolId.COMPACT, seqid: 3, headers: Metadata.from({ k: 'v' }) }],
  ['THeader inside Framed + zlib', 'framed-theader', BINARY_ECHO, ProtocolId.BINARY, { transforms: [THeaderTransform.ZLIB] }],
];

describe('detection', () => {
  test.each(CASES)('%s: detected from the first bytes, every message decoded, replies in kind', (_name, transport, payload, protocol, envelope) => {
    const wire = frameWith(transport, payload, envelope);
    const decoder = createDecoder('detect');
    const messages = decodeAll(decoder, readerOf(Buffer.concat([wire, wire])));
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message.transport).toBe(transport);
      expect(message.protocol).toBe(protocol);
      expectBytes(bytesOf(message.payload), payload);
    }
    // The reply goes out in the same transport and protocol, with the request's seqid/transforms.
    const reply = frameWith(messages[0].transport, payload, replyEnvelope(messages[0]));
    expectBytes(reply, frameWith(transport, payload, { ...envelope, headers: undefined }));
  });

  test.each(CASES)('%s: first bytes arriving one at a time', (_name, transport, payload, _protocol, envelope) => {
    const wire = frameWith(transport, payload, envelope);
    const decoder = new DetectingDecoder();
    const { messages, wanted } = dribble(decoder, wire, 1);
    expect(messages).toHaveLength(1);
    expectBytes(messages[0].bytes, payload);
    if (transport === 'buffered') {
      expect(wanted[0]).toBe(2);
    } else {
      expect(wanted.slice(0, 7)).toEqual([2, 4, 4, 8, 8, 8, 8]);
      if (transport === 'framed-theader') {
        // Two more bytes to see the inner THeader magic; then the whole frame.
        expect(wanted.slice(7, 9)).toEqual([10, 10]);
        expect(wanted[9]).toBe(wire.length);
      } else {
        expect(wanted[8]).toBe(wire.length); // then the whole frame
      }
    }
    expect(decoder.detected?.transport).toBe(transport === 'ttheader-framed' ? 'ttheader' : transport);
  });

  test('the pure classifier', () => {
    expect(detectTransport(hex('80'), 100)).toEqual({ need: 2 });
    expect(detectTransport(hex('80 01'), 100)).toEqual({ transport: 'buffered', protocol: ProtocolId.BINARY });
    expect(detectTransport(hex('82 41'), 100)).toEqual({ transport: 'buffered', protocol: ProtocolId.COMPACT });
    expect(detectTransport(hex('00 00 00'), 100)).toEqual({ need: 4 });
    expect(detectTransport(hex('00 00 00 10 0f'), 100)).toEqual({ need: 8 });
    expect(detectTransport(hex('00 00 00 10 0f ff 00 00'), 100)).toEqual({ transport: 'theader', protocol: undefined });
    expect(detectTransport(hex('00 00 00 10 10 00 00 00'), 100)).toEqual({ transport: 'ttheader', protocol: undefined });
    expect(detectTransport(hex('00 00 00 10 82 21 00 00'), 100)).toEqual({ transport: 'framed', protocol: ProtocolId.COMPACT });
    // Apache's `--transport framed --protocol header`: the inner length is the outer one minus 4.
    expect(detectTransport(hex('00 00 00 2b 00 00 00 27'), 100)).toEqual({ need: 10 });
    expect(detectTransport(hex('00 00 00 2b 00 00 00 27 0f ff'), 100)).toEqual({ transport: 'framed-theader', protocol: undefined });
    expect(() => detectTransport(hex('00 00 00 2b 00 00 00 27 80 01'), 100)).toThrow(/match no Thrift transport/);
    expect(() => detectTransport(hex('00 00 00 2b 00 00 00 26 0f ff'), 100)).toThrow(/match no Thrift transport/);
  });
});

describe('detection refuses what is not Thrift, naming what it saw', () => {
  test.each([
    ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'GET '],
    ['POST /rpc HTTP/1.1\r\n', 'POST'],
  ])('an HTTP request (%j) gets a one-line HTTP explanation to send before closing', (request, method) => {
    const error = decodeError(new DetectingDecoder(), Buffer.from(request));
    expect(error.code).toBe('HTTP_REQUEST');
    expect(error.message).toContain(`(${JSON.stringify(method)}) are an HTTP request; this port speaks Thrift`);
    expect(error.reply).toBe(HTTP_REPLY);
    const text = Buffer.from(error.reply!).toString('latin1');
    const [head, body] = text.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(head).toContain('Connection: close');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(body).toBe(
      'This port speaks Thrift RPC (thriftpoll), not HTTP: use a Thrift client with the Buffered, Framed, THeader or TTHeader transport.\n',
    );
    expect(body.trimEnd().split('\n')).toHaveLength(1);
  });

  test('garbage: the bytes seen and every transport expected', () => {
    const error = decodeError(new DetectingDecoder(), hex('00 00 00 10 de ad be ef'));
    expect(error.code).toBe('UNRECOGNIZED_TRANSPORT');
    expect(error.message).toBe(
      'first bytes 00 00 00 10 de ad be ef match no Thrift transport: expected 80 01 (unframed binary), 82 x1 (unframed compact), ' +
        'or a 4-byte frame length followed by 80 01 (framed binary), 82 x1 (framed compact), 0f ff (THeader), 10 00 (Kitex TTHeader) ' +
        'or a THeader frame (THeader inside Framed)',
    );
    expect(error.applicationExceptionType).toBe(TApplicationExceptionType.UNSUPPORTED_CLIENT_TYPE);
  });

  test('text that is not HTTP is refused as soon as its first word cannot be a frame length', () => {
    const error = decodeError(new DetectingDecoder(), Buffer.from('hello'));
    expect(error.code).toBe('FRAME_TOO_LARGE');
    expect(error.message).toMatch(/^first bytes 68 65 6c 6c 6f: frame length 1751477356 exceeds maxFrameSize 16384000 \(if this is not a frame length, nothing else matches either: expected 80 01/);
  });

  test.each([
    ['7f ff ff ff', 'FRAME_TOO_LARGE', /frame length 2147483647 exceeds maxFrameSize 16384000/],
    ['ff ff ff ff', 'UNRECOGNIZED_TRANSPORT', /are neither a message start nor a frame length \(-1 is negative\)/],
    ['80 02 00 01', 'UNRECOGNIZED_TRANSPORT', /start a binary message with version 0x8002, not 0x8001/],
    ['82 03', 'UNRECOGNIZED_TRANSPORT', /start a compact message with version 3, not 1/],
    ['16 03 01 02 00', 'UNRECOGNIZED_TRANSPORT', /are a TLS handshake, but this port speaks plain TCP/],
    ['ff af 00 10', 'UNRECOGNIZED_TRANSPORT', /Kitex mesh header/],
    ['00 00 00 10 90 01 00 00', 'UNRECOGNIZED_TRANSPORT', /Kitex Protobuf frame/],
    ['00 00 00 02 80 01', 'UNRECOGNIZED_TRANSPORT', /declare a frame of 2 bytes, too small for any message/],
    ['00 00 00 04 65 63 68 6f', 'UNRECOGNIZED_TRANSPORT', /non-strict binary message, name length first\?/],
  ])('%s', (bytes, code, message) => {
    const error = decodeError(new DetectingDecoder(), hex(bytes));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  test('a declared 0x7fffffff frame is refused with only its 4 length bytes buffered', () => {
    const decoder = new DetectingDecoder();
    const reader = new LinkBuffer();
    reader.append(hex('7f ff'));
    expect(decoder.decode(reader)).toBeUndefined();
    reader.append(hex('ff ff'));
    const error = decodeError(decoder, reader);
    expect(error.code).toBe('FRAME_TOO_LARGE');
    expect(error.messageHead).toEqual(hex('7f ff ff ff'));
    expect(decodeError(decoder, reader).code).toBe('FRAME_TOO_LARGE'); // sticky
  });

  test('transports not allowed by configuration', () => {
    const decoder = new DetectingDecoder({ transports: ['framed', 'theader'] });
    const error = decodeError(decoder, BINARY_ECHO);
    expect(error.code).toBe('TRANSPORT_NOT_ALLOWED');
    expect(error.message).toBe('peer speaks buffered binary, but this endpoint accepts only framed, theader');
    expect(() => new DetectingDecoder({ transports: [] })).toThrow(/transports must be a non-empty array of 'buffered', 'framed', 'theader', 'ttheader', 'framed-theader', got an array of length 0 \[\]/);
    expect(() => new DetectingDecoder({ transports: ['http' as 'framed'] })).toThrow(/got an array of length 1 \[string "http"\]/);
  });

  test('a peer closing before the transport is known', () => {
    const decoder = new DetectingDecoder();
    const reader = readerOf(hex('00 00 00'));
    expect(decoder.decode(reader)).toBeUndefined();
    expect(caught(() => decoder.finish(reader)).message).toBe('connection closed after 3 bytes (00 00 00), before the transport could be detected');
    expect(() => new DetectingDecoder().finish(new LinkBuffer())).not.toThrow();
  });

  test('a connection that switches transports mid-way is refused by the detected transport', () => {
    const decoder = createDecoder('detect');
    const reader = readerOf(Buffer.concat([frameWith('framed', BINARY_ECHO), BINARY_ECHO]));
    expect((decoder.decode(reader) as DecodedMessage).transport).toBe('framed');
    expect(decodeError(decoder, reader).message).toMatch(/unframed Binary message: is the peer using the Buffered transport\?/);
  });

  test('createDecoder/createEncoder validate their arguments', () => {
    expect(() => createDecoder('http' as TransportKind)).toThrow(/createDecoder: transport must be 'buffered', 'framed', 'theader', 'ttheader', 'ttheader-framed', 'framed-theader' or 'detect', got string "http"/);
    expect(() => createEncoder('detect' as TransportKind, new BufferSink())).toThrow(/createEncoder: transport must be/);
    expect(() => createEncoder('framed', {} as BufferSink)).toThrow(/out must implement reserve\/commit\/malloc/);
  });
});
