import fc from 'fast-check';
import { ProtocolId } from '@thriftpoll/protocol';
import {
  BufferSink,
  KITEX_ACL_TOKEN_KEY,
  Metadata,
  THeaderTransform,
  createDecoder,
  createEncoder,
  type TransportKind,
} from '@thriftpoll/transport';
import { bytesOf, decodeAll, expectBytes, hex, readerOf } from './helpers/bytes';
import { BINARY_ECHO, writeMessage } from './helpers/messages';

/** Output memory is not zeroed (engine blocks are reused): a sink whose fresh regions hold garbage. */
class DirtySink extends BufferSink {
  override reserve(size: number): Uint8Array {
    const region = super.reserve(size);
    region.fill(0xee);
    return region;
  }
}

function roundTrip(transport: TransportKind, headers: Metadata, protocol = ProtocolId.BINARY, transforms: THeaderTransform[] = []) {
  const out = new DirtySink(64);
  writeMessage(createEncoder(transport, out, { droppedMetadata: 'ignore' }), BINARY_ECHO, { protocol, seqid: -7, flags: 0xbeef, headers, transforms });
  const wire = out.take();
  const [message] = decodeAll(createDecoder('detect'), readerOf(wire));
  return { wire, message };
}

const text = fc.fullUnicodeString({ maxLength: 80 });

describe('metadata survives encode -> decode for any keys and values', () => {
  test('THeader string headers (any Unicode, short and long), with and without zlib', () => {
    fc.assert(
      fc.property(fc.dictionary(text, text, { maxKeys: 8 }), fc.boolean(), (record, zlib) => {
        const headers = Metadata.from(record);
        const { message } = roundTrip('theader', headers, ProtocolId.COMPACT, zlib ? [THeaderTransform.ZLIB] : []);
        expect(message.headers.toRecord()).toEqual({ ...record });
        expect(message.seqid).toBe(-7);
        expect(message.flags).toBe(0xbeef);
        expectBytes(bytesOf(message.payload), BINARY_ECHO);
      }),
      { numRuns: 200 },
    );
  });

  test('TTHeader string and int headers and the ACL token', () => {
    fc.assert(
      fc.property(
        fc.dictionary(text, text, { maxKeys: 8 }),
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 0xffff }), text), { selector: ([k]) => k, maxLength: 8 }),
        fc.option(text, { nil: undefined }),
        fc.boolean(),
        (record, ints, token, framed) => {
          const headers = Metadata.from(record, ints);
          if (token !== undefined) headers.set(KITEX_ACL_TOKEN_KEY, token);
          const { message } = roundTrip(framed ? 'ttheader-framed' : 'ttheader', headers);
          expect(message.transport).toBe(framed ? 'ttheader-framed' : 'ttheader');
          expect(message.headers.toRecord()).toEqual(headers.toRecord());
          expect(new Map(message.headers.intEntries())).toEqual(new Map(ints));
          expectBytes(bytesOf(message.payload), BINARY_ECHO);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('interleaved encoders (a zlib message open while another is written) keep their own headers', () => {
    const outA = new BufferSink();
    const outB = new BufferSink();
    const a = createEncoder('theader', outA);
    const b = createEncoder('theader', outB);
    a.begin({ headers: Metadata.from({ 'a-key': 'a-value ✓' }), transforms: [THeaderTransform.ZLIB] });
    a.sink.reserve(BINARY_ECHO.length).set(BINARY_ECHO);
    a.sink.commit(BINARY_ECHO.length);
    b.begin({ headers: Metadata.from({ b: 'bb', c: 'ccc' }) });
    b.sink.reserve(BINARY_ECHO.length).set(BINARY_ECHO);
    b.sink.commit(BINARY_ECHO.length);
    b.end();
    a.end();
    const [fromA] = decodeAll(createDecoder('theader'), readerOf(outA.take()));
    const [fromB] = decodeAll(createDecoder('theader'), readerOf(outB.take()));
    expect(fromA.headers.toRecord()).toEqual({ 'a-key': 'a-value ✓' });
    expect(fromB.headers.toRecord()).toEqual({ b: 'bb', c: 'ccc' });
    expectBytes(bytesOf(fromA.payload), BINARY_ECHO);
  });

  test('header padding is written as zeros even into dirty output memory', () => {
    const theader = roundTrip('theader', Metadata.from({ a: 'bc' })).wire;
    expectBytes(theader.subarray(14, 26), hex('00 00 01 01 01 61 02 62 63 | 00 00 00'));
    const ttheader = roundTrip('ttheader', Metadata.from({ a: 'b' })).wire;
    expectBytes(ttheader.subarray(14, 26), hex('00 00 01 00 01 00 01 61 00 01 62 | 00'));
  });
});
