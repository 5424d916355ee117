import { MessageType, TType } from '@thriftpoll/protocol';
import { ApacheReader, ApacheWriter, encodeApache, encodeOurs, readerOurs } from './support/apache';
import type { ProtocolName } from './support/apache';
import { corpus } from './support/corpus';
import { normalize, readStruct, writeStruct } from './support/schema';

/**
 * Byte-for-byte interop with Apache's npm `thrift` (the real library, not a re-implementation): for every corpus
 * value and both protocols, thriftpoll's encoding equals Apache's, Apache decodes thriftpoll's bytes to the
 * value, and thriftpoll decodes Apache's bytes to the value.
 */
const entries = corpus();

describe.each<ProtocolName>(['binary', 'compact'])('%s protocol', (protocol) => {
  describe.each(entries)('$name', ({ desc, value }) => {
    const expected = normalize(desc, value);

    test('thriftpoll encodes exactly the bytes Apache encodes', () => {
      const ours = encodeOurs(protocol, (w) => writeStruct(w, desc, value));
      const theirs = encodeApache(protocol, (w) => writeStruct(w, desc, value));
      expect(ours.equals(theirs)).toBe(true);
    });

    test('Apache decodes what thriftpoll encodes', () => {
      const ours = encodeOurs(protocol, (w) => writeStruct(w, desc, value));
      const reader = new ApacheReader(protocol, ours);
      expect(readStruct(reader, desc)).toEqual(expected);
      expect(reader.remaining()).toBe(0);
    });

    test('thriftpoll decodes what Apache encodes (one view and one view per byte)', () => {
      const theirs = encodeApache(protocol, (w) => writeStruct(w, desc, value));
      const reader = readerOurs(protocol, theirs);
      expect(readStruct(reader, desc)).toEqual(expected);
      expect(reader.remaining()).toBe(0);
      if (theirs.length <= 4096) {
        const split = readerOurs(protocol, Array.from(theirs, (b) => Uint8Array.of(b)));
        expect(readStruct(split, desc)).toEqual(expected);
        expect(split.remaining()).toBe(0);
      }
    });
  });

  describe('messages', () => {
    const Args = entries.find((e) => e.name === 'Everything');
    if (Args === undefined) throw new Error('corpus has no Everything entry');
    const seqids = [0, 1, 127, 128, 16384, 2147483647];
    const types = [MessageType.CALL, MessageType.REPLY, MessageType.EXCEPTION, MessageType.ONEWAY];
    const names = ['echo', '', 'Service:méthode', 'x'.repeat(300)];

    test.each(types)('type %i: headers are identical and read back both ways', (type) => {
      for (const seqid of seqids) {
        for (const name of names) {
          const fill = (w: import('@thriftpoll/protocol').ProtocolWriter) => {
            w.writeMessageBegin(name, type, seqid);
            writeStruct(w, Args.desc, Args.value);
            w.writeMessageEnd();
          };
          const ours = encodeOurs(protocol, fill);
          const theirs = encodeApache(protocol, fill);
          expect(ours.equals(theirs)).toBe(true);

          const apacheReader = new ApacheReader(protocol, ours);
          expect(apacheReader.readMessageBegin()).toEqual({ name, type, seqid });
          expect(readStruct(apacheReader, Args.desc)).toEqual(normalize(Args.desc, Args.value));

          const reader = readerOurs(protocol, theirs);
          expect(reader.readMessageBegin()).toEqual({ name, type, seqid });
          expect(readStruct(reader, Args.desc)).toEqual(normalize(Args.desc, Args.value));
          reader.readMessageEnd();
          expect(reader.remaining()).toBe(0);
        }
      }
    });
  });

  test('skip() passes over every corpus value exactly as Apache encodes it', () => {
    for (const { desc, value } of entries) {
      const theirs = encodeApache(protocol, (w) => {
        writeStruct(w, desc, value);
        w.writeI32(0x5eed);
      });
      const reader = readerOurs(protocol, theirs);
      reader.skip(TType.STRUCT);
      expect(reader.readI32()).toBe(0x5eed);
      expect(reader.remaining()).toBe(0);
    }
  });
});

describe('non-strict Binary message headers', () => {
  test("thriftpoll's non-strict header equals Apache's strictWrite=false header, and both read it", () => {
    const ours = encodeOurs(
      'binary',
      (w) => {
        w.writeMessageBegin('legacy', MessageType.CALL, 77);
        w.writeStructBegin('args');
        w.writeFieldStop();
        w.writeStructEnd();
        w.writeMessageEnd();
      },
      { strictWrite: false },
    );
    expect(ours.toString('hex')).toBe('000000066c65676163790100' + '00004d' + '00');

    const writer = new ApacheWriter('binary');
    (writer.protocol as unknown as { strictWrite: boolean }).strictWrite = false;
    writer.writeMessageBegin('legacy', MessageType.CALL, 77);
    writer.writeStructBegin('args');
    writer.writeFieldStop();
    writer.writeStructEnd();
    writer.writeMessageEnd();
    expect(writer.bytes().equals(ours)).toBe(true);

    const reader = readerOurs('binary', ours);
    expect(reader.readMessageBegin()).toEqual({ name: 'legacy', type: MessageType.CALL, seqid: 77 });
  });
});
