import { TApplicationExceptionType, ThriftError } from './errors';
import type { ProtocolReader, ProtocolWriter } from './protocol';
import { TType } from './types';

/**
 * The error a Thrift server returns in an EXCEPTION message when a call fails outside the IDL's declared
 * exceptions (unknown method, handler crash, bad request...). On the wire it is the struct
 *
 *   struct TApplicationException { 1: string message, 2: i32 type }
 *
 * Encoding and decoding:
 *   - `TApplicationException.decode(reader)` (also `read`) reads one from any protocol;
 *   - `exception.write(writer)` / `TApplicationException.encode(writer, exception)` writes one.
 * The class itself satisfies `StructCodec<TApplicationException>`.
 *
 * Written fields: `message` when not empty, `type` always (Apache's Node library never sends the type; Java, C++
 * and Go do, and so does this). Read: unknown fields are skipped, a missing message is '', a missing type UNKNOWN.
 * A type code this library does not know is kept as the number, and `code` is then 'UNKNOWN'.
 */
export class TApplicationException extends ThriftError {
  /** Apache's numeric type code, as sent or received. */
  readonly type: TApplicationExceptionType;

  constructor(type: TApplicationExceptionType = TApplicationExceptionType.UNKNOWN, message = '', options?: { cause?: unknown }) {
    super(message, options);
    this.type = type;
  }

  /** The type code's name, e.g. `UNKNOWN_METHOD`; 'UNKNOWN' for a code this library does not know. */
  get code(): keyof typeof TApplicationExceptionType {
    const name = TApplicationExceptionType[this.type] as keyof typeof TApplicationExceptionType | undefined;
    return name ?? 'UNKNOWN';
  }

  /** Writes this exception as its struct (no message header). */
  write(writer: ProtocolWriter): void {
    TApplicationException.encode(writer, this);
  }

  /** Writes `value` as the TApplicationException struct (no message header). */
  static encode(writer: ProtocolWriter, value: TApplicationException): void {
    writer.writeStructBegin('TApplicationException');
    if (value.message !== '') {
      writer.writeFieldBegin(TType.STRING, 1);
      writer.writeString(value.message);
      writer.writeFieldEnd();
    }
    writer.writeFieldBegin(TType.I32, 2);
    writer.writeI32(value.type);
    writer.writeFieldEnd();
    writer.writeFieldStop();
    writer.writeStructEnd();
  }

  /** Reads the TApplicationException struct (the message header is the caller's). Throws what the reader throws. */
  static decode(reader: ProtocolReader): TApplicationException {
    let message = '';
    let type: number = TApplicationExceptionType.UNKNOWN;
    reader.readStructBegin();
    for (;;) {
      const field = reader.readFieldBegin();
      const fieldType = field.type;
      if (fieldType === TType.STOP) break;
      if (field.id === 1 && fieldType === TType.STRING) {
        message = reader.readString();
      } else if (field.id === 2 && fieldType === TType.I32) {
        type = reader.readI32();
      } else {
        reader.skip(fieldType);
      }
      reader.readFieldEnd();
    }
    reader.readStructEnd();
    return new TApplicationException(type, message);
  }

  /** Same as decode(). */
  static read(reader: ProtocolReader): TApplicationException {
    return TApplicationException.decode(reader);
  }
}
