import { ProtocolId } from '@thriftpoll/protocol';
import { BufferSink, Metadata, createDecoder, createEncoder, type TransportKind } from '@thriftpoll/transport';
import { utf8Slice, writeUtf8 } from '../../packages/transport/src/bytes';
import { decodeAll, readerOf } from './helpers/bytes';
import { BINARY_ECHO, writeMessage } from './helpers/messages';

/** Header strings: decoded with the protocols' UTF-8 codec, byte for byte what Buffer#toString('utf8') gives. */
const HEADER_TRANSPORTS: readonly TransportKind[] = ['theader', 'ttheader', 'ttheader-framed'];

function encode(transport: TransportKind, headers: Metadata): Buffer {
  const out = new BufferSink(64);
  writeMessage(createEncoder(transport, out), BINARY_ECHO, { protocol: ProtocolId.BINARY, seqid: 1, flags: 0, headers });
  return Buffer.from(out.take());
}

function decodeHeaders(wire: Uint8Array): Record<string, string> {
  const [message] = decodeAll(createDecoder('detect'), readerOf(wire));
  return message.headers.toRecord();
}

describe.each(HEADER_TRANSPORTS)('%s header strings', (transport) => {
  test('a leading U+FEFF is part of the key or value (short and long), not a BOM to strip', () => {
    const record = { '\ufeffkey': '\ufeffvalue', long: `\ufeff${'é'.repeat(50)}`, plain: 'ascii' };
    expect(decodeHeaders(encode(transport, Metadata.from(record)))).toEqual(record);
  });

  test.each([
    ['short', 'ZZZZ', [0xc3, 0x28, 0xff, 0x61]],
    ['long', 'Z'.repeat(100), [...Array(48).fill(0x62), 0xe2, 0x82, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, ...Array(44).fill(0x63)]],
  ])('malformed UTF-8 in a %s value becomes U+FFFD exactly as Buffer#toString does', (_size, placeholder, raw) => {
    const wire = encode(transport, Metadata.from({ k: placeholder }));
    const at = wire.indexOf(placeholder);
    expect(at).toBeGreaterThan(0);
    const bad = Buffer.from(raw);
    expect(bad.length).toBe(placeholder.length);
    bad.copy(wire, at);
    const value = decodeHeaders(wire).k;
    expect(value).toBe(bad.toString('utf8'));
    expect(value).toContain('\ufffd');
  });
});

describe('utf8Slice and writeUtf8 over plain Uint8Arrays (not Buffers)', () => {
  test('a view with a byte offset decodes the right bytes', () => {
    const backing = new Uint8Array(Buffer.from('xx✓ ok é\ufeff tail'));
    const view = backing.subarray(2);
    const expected = Buffer.from(view).toString('utf8', 0, view.length);
    expect(utf8Slice(view, 0, view.length)).toBe(expected);
    expect(utf8Slice(view, 3, 6)).toBe(' ok');
    expect(utf8Slice(new Uint8Array([0xc3, 0x28]), 0, 2)).toBe('\ufffd(');
  });

  test.each(['ascii', 'short ✓', 'é'.repeat(70), 'a'.repeat(100), 'lone \ud800 surrogate'])('writes %j at an offset into a view', (text) => {
    const length = Buffer.byteLength(text);
    const backing = new Uint8Array(length + 10).fill(0xee);
    const view = backing.subarray(3);
    expect(writeUtf8(view, 2, text, length)).toBe(2 + length);
    expect(Buffer.from(view.subarray(2, 2 + length))).toEqual(Buffer.from(text, 'utf8'));
    // Nothing written around it.
    expect([...backing.subarray(0, 5)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee]);
    expect(backing[5 + length]).toBe(0xee);
  });
});
