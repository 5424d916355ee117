import { ProtocolId, TApplicationExceptionType } from '@thriftpoll/protocol';
import {
  BufferSink,
  KITEX_ACL_TOKEN_KEY,
  KitexIntKey,
  Metadata,
  TTHeaderDecoder,
  TTHeaderEncoder,
  TTHeaderFlags,
  createDecoder,
  createEncoder,
  getKitexMetainfo,
  kitexMetainfo,
  replyEnvelope,
  setKitexMetainfo,
  type Envelope,
} from '@thriftpoll/transport';
import { bytesOf, decodeAll, dribble, expectBytes, hex, readerOf } from './helpers/bytes';
import { caught, decodeError } from './helpers/errors';
import { BINARY_ECHO, writeMessage } from './helpers/messages';


// The Kitex example (seq 1, int key ToMethod(9) = "Echo"):
// LEN | 10 00 00 00 | 00 00 00 01 | 00 04 | 00 00 10 00 01 00 09 00 04 45 63 68 6F 00 00 00 | 80 01 00 01 ...
const KITEX_EXAMPLE = Buffer.concat([
  hex('00 00 00 34 | 10 00 00 00 | 00 00 00 01 | 00 04 | 00 00 10 00 01 00 09 00 04 45 63 68 6f 00 00 00'),
  BINARY_ECHO,
]);

// ACL token "tok", KEYVALUE { isn: Echo }, INTKEYVALUE { FromService(3): a, RPCTimeout(12): 100 }, 3 bytes of
// padding: 40 header bytes = 10 words; length 10 + 40 + 26 = 76.
const KITEX_FULL = Buffer.concat([
  hex('00 00 00 4c | 10 00 00 01 | 00 00 00 07 | 00 0a'),
  hex('00 00 | 11 00 03 74 6f 6b | 01 00 01 00 03 69 73 6e 00 04 45 63 68 6f'),
  hex('10 00 02 00 03 00 01 61 00 0c 00 03 31 30 30 | 00 00 00'),
  BINARY_ECHO,
]);

function encode(payload: Uint8Array, envelope?: Envelope, framed = false): Buffer {
  const out = new BufferSink();
  writeMessage(new TTHeaderEncoder(out, undefined, framed), payload, envelope);
  return out.take();
}

/** A TTHeader frame with a raw header region (a multiple of 4 bytes) and payload. */
function frame(header: Buffer, payload: Uint8Array, seqid = 1): Buffer {
  const fixed = Buffer.alloc(14);
  fixed.writeUInt32BE(10 + header.length + payload.length, 0);
  fixed.writeUInt16BE(0x1000, 4);
  fixed.writeInt32BE(seqid, 8);
  fixed.writeUInt16BE(header.length / 4, 12);
  return Buffer.concat([fixed, header, payload]);
}

describe('TTHeader golden vectors', () => {
  test('the Kitex example, byte for byte', () => {
    const headers = new Metadata().setInt(KitexIntKey.ToMethod, 'Echo');
    expectBytes(encode(BINARY_ECHO, { seqid: 1, headers }), KITEX_EXAMPLE);
    const [message] = decodeAll(new TTHeaderDecoder(), readerOf(KITEX_EXAMPLE));
    expect(message.transport).toBe('ttheader');
    expect(message.protocol).toBe(ProtocolId.BINARY);
    expect(message.seqid).toBe(1);
    expect(message.flags).toBe(0);
    expect(message.headers.getInt(KitexIntKey.ToMethod)).toBe('Echo');
    expectBytes(bytesOf(message.payload), BINARY_ECHO);
  });

  test('ACL token, string and int blocks, flags', () => {
    const headers = new Metadata()
      .set(KITEX_ACL_TOKEN_KEY, 'tok')
      .set('isn', 'Echo')
      .setInt(KitexIntKey.FromService, 'a')
      .setInt(KitexIntKey.RPCTimeout, '100');
    expectBytes(encode(BINARY_ECHO, { seqid: 7, flags: TTHeaderFlags.SupportOutOfOrder, headers }), KITEX_FULL);
    const [message] = decodeAll(new TTHeaderDecoder(), readerOf(KITEX_FULL));
    expect(message.flags).toBe(1);
    expect(message.headers.toRecord()).toEqual({ [KITEX_ACL_TOKEN_KEY]: 'tok', isn: 'Echo' });
    expect([...message.headers.intEntries()]).toEqual([
      [3, 'a'],
      [12, '100'],
    ]);
  });

  test('TTHeaderFramed: the payload carries its own u32 length; told apart per message', () => {
    const framed = encode(BINARY_ECHO, { seqid: 1, headers: new Metadata().setInt(KitexIntKey.ToMethod, 'Echo') }, true);
    expectBytes(framed.subarray(0, 4), hex('00 00 00 38'));
    expectBytes(framed.subarray(30, 34), hex('00 00 00 1a'));
    const [a, b] = decodeAll(new TTHeaderDecoder(), readerOf(Buffer.concat([framed, KITEX_EXAMPLE])));
    expect(a.transport).toBe('ttheader-framed');
    expect(a.payloadLength).toBe(26);
    expectBytes(bytesOf(a.payload), BINARY_ECHO);
    expect(b.transport).toBe('ttheader');
    expect(createEncoder('ttheader-framed', new BufferSink()).transport).toBe('ttheader-framed');
    expect(createDecoder('ttheader-framed').transport).toBe('ttheader');
  });

  test('Kitex metainfo prefixes travel in the string block', () => {
    const headers = new Metadata();
    setKitexMetainfo(headers, 'transient', 'tenant', 't1');
    setKitexMetainfo(headers, 'persistent', 'trace', 'abc');
    setKitexMetainfo(headers, 'backward', 'cost', '3ms');
    headers.set('plain', 'x');
    const [message] = decodeAll(new TTHeaderDecoder(), readerOf(encode(BINARY_ECHO, { headers })));
    expect(message.headers.get('RPC_TRANSIT_tenant')).toBe('t1');
    expect(message.headers.get('RPC_PERSIST_trace')).toBe('abc');
    expect(getKitexMetainfo(message.headers, 'backward', 'cost')).toBe('3ms');
    expect(kitexMetainfo(message.headers)).toEqual({ transient: { tenant: 't1' }, persistent: { trace: 'abc' }, backward: { cost: '3ms' } });
  });

  test('padding bytes between blocks are skipped; unknown info ids end parsing without failing the call', () => {
    const header = hex('00 00 | 00 00 | 10 00 01 00 09 00 01 45 | 20 de ad be ef | 00 00 00');
    const [message] = decodeAll(new TTHeaderDecoder(), readerOf(frame(header, BINARY_ECHO)));
    expect(message.headers.getInt(9)).toBe('E');
    expect(message.ignoredInfoId).toBe(0x20);
    expectBytes(bytesOf(message.payload), BINARY_ECHO);
  });

  test('transform ids are reported and, as in Kitex, never applied', () => {
    const [message] = decodeAll(new TTHeaderDecoder(), readerOf(frame(hex('00 02 01 05'), BINARY_ECHO)));
    expect(message.transforms).toEqual([1, 5]);
    expectBytes(bytesOf(message.payload), BINARY_ECHO);
  });

  test('replies echo seqid, flags and protocol', () => {
    const [message] = decodeAll(new TTHeaderDecoder(), readerOf(KITEX_FULL));
    expect(replyEnvelope(message)).toEqual({ protocol: ProtocolId.BINARY, seqid: 7, flags: 1 });
  });

  test('one byte per read', () => {
    const { messages, wanted } = dribble(new TTHeaderDecoder(), Buffer.concat([KITEX_FULL, KITEX_EXAMPLE]), 1);
    expect(messages.map((m) => m.bytes)).toEqual([BINARY_ECHO, BINARY_ECHO]);
    expect(wanted[20]).toBe(KITEX_FULL.length);
  });
});

describe('TTHeader hostile input', () => {
  test('Kitex-only protocol ids are refused with INVALID_PROTOCOL', () => {
    const error = decodeError(new TTHeaderDecoder(), frame(hex('04 00 00 00'), BINARY_ECHO));
    expect(error.code).toBe('UNKNOWN_PROTOCOL');
    expect(error.message).toBe('TTHeader protocol id 4 (Kitex Protobuf) is not supported: expected 0 (Thrift binary) or 2 (Thrift compact)');
    expect(error.applicationExceptionType).toBe(TApplicationExceptionType.INVALID_PROTOCOL);
  });

  test('blocks cut by the header end', () => {
    expect(decodeError(new TTHeaderDecoder(), frame(hex('00 00 01 00 02 00 05 61 00 00 00 00'), BINARY_ECHO)).message).toBe(
      'TTHeader KEYVALUE count 2 needs at least 8 bytes, 7 remain',
    );
    expect(decodeError(new TTHeaderDecoder(), frame(hex('00 00 10 00 01 00 09 00 09 45 00 00'), BINARY_ECHO)).message).toBe(
      'TTHeader INTKEYVALUE value needs 9 bytes at header offset 9, only 3 remain',
    );
    expect(decodeError(new TTHeaderDecoder(), frame(hex('00 00 11 00'), BINARY_ECHO)).message).toBe(
      'TTHeader ACL token length needs 2 bytes at header offset 3, only 1 remain',
    );
    expect(decodeError(new TTHeaderDecoder(), frame(hex('00 09 01 01'), BINARY_ECHO)).message).toBe(
      'TTHeader transform count 9 exceeds the 2 bytes left in the header',
    );
  });

  test('header size larger than the frame, or zero', () => {
    const wire = Buffer.from(KITEX_EXAMPLE);
    wire.writeUInt16BE(0xffff, 12);
    expect(decodeError(new TTHeaderDecoder(), wire).message).toBe(
      'TTHeader header size 262140 bytes (65535 words) exceeds the 42 bytes left in the frame of 52',
    );
    wire.writeUInt16BE(0, 12);
    expect(decodeError(new TTHeaderDecoder(), wire).code).toBe('BAD_HEADER');
  });

  test('TTHeaderFramed inner length that disagrees with the frame', () => {
    const framed = encode(BINARY_ECHO, {}, true);
    framed.writeUInt32BE(25, 18);
    expect(decodeError(new TTHeaderDecoder(), framed).message).toBe(
      'TTHeader TTHeaderFramed payload declares 25 bytes, but 26 follow its length',
    );
  });

  test('frame length limits and magic', () => {
    expect(decodeError(new TTHeaderDecoder(), hex('7f ff ff ff')).code).toBe('FRAME_TOO_LARGE');
    expect(decodeError(new TTHeaderDecoder(), hex('00 00 00 20 0f ff')).message).toMatch(
      /magic 0x0fff, expected 0x1000 \(an Apache THeader frame/,
    );
  });
});

describe('TTHeaderEncoder', () => {
  test('limits of the format are refused before anything is written', () => {
    const out = new BufferSink();
    const encoder = new TTHeaderEncoder(out);
    expect(caught(() => encoder.begin({ headers: Metadata.from({ k: 'x'.repeat(70_000) }) })).message).toBe(
      'TTHeader encoder: value of "k" is 70000 bytes, the format allows at most 65535',
    );
    const many = new Metadata();
    for (let i = 0; i < 2000; i++) many.set(`key-${i}`, 'v'.repeat(30));
    expect(caught(() => encoder.begin({ headers: many })).code).toBe('HEADER_TOO_LARGE');
    expect(caught(() => encoder.begin({ transforms: [1] })).code).toBe('UNKNOWN_TRANSFORM');
    expect(out.length).toBe(0);
  });

  test('an oversized frame is taken back out of the output', () => {
    const out = new BufferSink();
    const encoder = new TTHeaderEncoder(out, { maxFrameSize: 30 }, true);
    encoder.begin();
    encoder.sink.reserve(20).fill(0);
    encoder.sink.commit(20);
    expect(caught(() => encoder.end()).message).toBe(
      'TTHeader encoder: frame of 38 bytes exceeds maxFrameSize 30; it was taken back out of the output',
    );
    expect(out.length).toBe(0);
  });

  test('compact payloads carry protocol id 2', () => {
    const wire = encode(hex('82 21 01 01 61 00'), { protocol: ProtocolId.COMPACT });
    expect(wire[14]).toBe(2);
    expect(decodeAll(new TTHeaderDecoder(), readerOf(wire))[0].protocol).toBe(ProtocolId.COMPACT);
  });
});
