import {
  MessageType,
  TApplicationException,
  TApplicationExceptionType,
  TType,
  ThriftError,
  binaryProtocol,
  compactProtocol,
  deserialize,
  serialize,
} from '@thriftpoll/protocol';
import type { StructCodec } from '@thriftpoll/protocol';
import { encodeOurs, readerOurs } from './support/apache';
import type { ProtocolName } from './support/apache';

const protocols: ProtocolName[] = ['binary', 'compact'];

describe('TApplicationException', () => {
  test('is a ThriftError with a type, a code name and a message', () => {
    const error = new TApplicationException(TApplicationExceptionType.UNKNOWN_METHOD, 'no method "x"');
    expect(error).toBeInstanceOf(ThriftError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TApplicationException');
    expect(error.type).toBe(1);
    expect(error.code).toBe('UNKNOWN_METHOD');
    expect(error.message).toBe('no method "x"');
    expect(new TApplicationException().code).toBe('UNKNOWN');
    expect(new TApplicationException(42 as TApplicationExceptionType).code).toBe('UNKNOWN');
    expect(new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, 'boom', { cause: 'x' }).cause).toBe('x');
  });

  test.each(protocols)('%s: golden bytes for { message, type }', (protocol) => {
    const bytes = encodeOurs(protocol, (w) => new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, 'oops').write(w));
    expect(bytes.toString('hex')).toBe(
      protocol === 'binary'
        ? '0b0001' + '00000004' + '6f6f7073' + '080002' + '00000006' + '00'
        : '18' + '04' + '6f6f7073' + '15' + '0c' + '00',
    );
  });

  test.each(protocols)('%s: an empty message is not written; the type always is', (protocol) => {
    const bytes = encodeOurs(protocol, (w) => TApplicationException.encode(w, new TApplicationException(TApplicationExceptionType.MISSING_RESULT)));
    expect(bytes.toString('hex')).toBe(protocol === 'binary' ? '080002' + '00000005' + '00' : '25' + '0a' + '00');
  });

  test.each(protocols)('%s: every type code round-trips, inside an EXCEPTION message', (protocol) => {
    for (let type = 0; type <= 11; type++) {
      const bytes = encodeOurs(protocol, (w) => {
        w.writeMessageBegin('call', MessageType.EXCEPTION, 5);
        new TApplicationException(type, `type ${type}`).write(w);
        w.writeMessageEnd();
      });
      const reader = readerOurs(protocol, bytes);
      expect(reader.readMessageBegin()).toEqual({ name: 'call', type: MessageType.EXCEPTION, seqid: 5 });
      const decoded = TApplicationException.read(reader);
      reader.readMessageEnd();
      expect(decoded.type).toBe(type);
      expect(decoded.code).toBe(TApplicationExceptionType[type]);
      expect(decoded.message).toBe(`type ${type}`);
      expect(reader.remaining()).toBe(0);
    }
  });

  test.each(protocols)('%s: unknown fields and fields of the wrong type are skipped', (protocol) => {
    const bytes = encodeOurs(protocol, (w) => {
      w.writeStructBegin('TApplicationException');
      w.writeFieldBegin(TType.I32, 1); // message with the wrong type
      w.writeI32(7);
      w.writeFieldBegin(TType.LIST, 3);
      w.writeListBegin(TType.STRING, 1);
      w.writeString('extra');
      w.writeListEnd();
      w.writeFieldBegin(TType.I32, 2);
      w.writeI32(TApplicationExceptionType.PROTOCOL_ERROR);
      w.writeFieldBegin(TType.STRING, 1);
      w.writeString('late message');
      w.writeFieldStop();
      w.writeStructEnd();
    });
    const decoded = TApplicationException.decode(readerOurs(protocol, bytes));
    expect(decoded.type).toBe(TApplicationExceptionType.PROTOCOL_ERROR);
    expect(decoded.message).toBe('late message');
  });

  test('the class is a StructCodec: serialize() / deserialize() work with it', () => {
    const codec: StructCodec<TApplicationException> = TApplicationException;
    for (const protocol of [binaryProtocol, compactProtocol]) {
      const bytes = serialize(codec, new TApplicationException(TApplicationExceptionType.BAD_SEQUENCE_ID, 'seq'), protocol);
      const back = deserialize(codec, bytes, protocol);
      expect(back).toBeInstanceOf(TApplicationException);
      expect([back.type, back.message]).toEqual([TApplicationExceptionType.BAD_SEQUENCE_ID, 'seq']);
    }
  });
});
