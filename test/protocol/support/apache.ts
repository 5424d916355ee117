import { GrowableBuffer, binaryProtocol, compactProtocol } from '@thriftpoll/protocol';
import type {
  ByteSource,
  FieldHeader,
  ListHeader,
  MapHeader,
  MessageHeader,
  MessageType,
  Protocol,
  ProtocolReader,
  ProtocolWriter,
  ReaderOptions,
  SetHeader,
  TType,
  WriterOptions,
} from '@thriftpoll/protocol';

/**
 * Apache's npm `thrift` (a devDependency without type declarations) as a peer for the interop tests: adapters
 * that present its TBinaryProtocol/TCompactProtocol as thriftpoll's ProtocolWriter/ProtocolReader, so one generic
 * codec (schema.ts) drives both libraries. Apache's i64 values (node-int64) are converted to and from bigint
 * exactly; nothing else is changed, so Apache's own behaviour (and bugs) show through.
 */

interface Int64 {
  buffer: Buffer;
  offset: number;
}
type Int64Class = new (hi: number, lo: number) => Int64;

interface ApacheTransport {
  inBuf: Buffer;
  readCursor: number;
  writeCursor: number;
  flush(): void;
}
type ApacheTransportClass = new (buffer?: Buffer, onFlush?: (message: Buffer) => void) => ApacheTransport;

/**
 * The write side of Apache's TBinaryProtocol/TCompactProtocol, as both test areas drive it. `I64` is what
 * writeI64 is given: Apache takes a plain number (exact up to 2^53) or a node-int64.
 */
export interface ApacheProtocolWriter<I64 = Int64> {
  writeMessageBegin(name: string, type: number, seqid: number): void;
  writeMessageEnd(): void;
  writeStructBegin(name: string): void;
  writeStructEnd(): void;
  writeFieldBegin(name: string, type: number, id: number): void;
  writeFieldEnd(): void;
  writeFieldStop(): void;
  writeMapBegin(keyType: number, valueType: number, size: number): void;
  writeMapEnd(): void;
  writeListBegin(elemType: number, size: number): void;
  writeListEnd(): void;
  writeSetBegin(elemType: number, size: number): void;
  writeSetEnd(): void;
  writeBool(value: boolean): void;
  writeByte(value: number): void;
  writeI16(value: number): void;
  writeI32(value: number): void;
  writeI64(value: I64): void;
  writeDouble(value: number): void;
  writeString(value: string): void;
  writeBinary(value: Buffer): void;
  writeUuid(value: string): void;
}

/** The Apache protocol methods the adapters call. */
export interface ApacheProtocol extends ApacheProtocolWriter {
  readMessageBegin(): { fname: string; mtype: number; rseqid: number };
  readMessageEnd(): void;
  readStructBegin(): void;
  readStructEnd(): void;
  readFieldBegin(): { ftype: number; fid: number };
  readFieldEnd(): void;
  readMapBegin(): { ktype: number; vtype: number; size: number };
  readMapEnd(): void;
  readListBegin(): { etype: number; size: number };
  readListEnd(): void;
  readSetBegin(): { etype: number; size: number };
  readSetEnd(): void;
  readBool(): boolean;
  readByte(): number;
  readI16(): number;
  readI32(): number;
  readI64(): Int64;
  readDouble(): number;
  readString(): string;
  readBinary(): Buffer;
  readUuid(): string;
  skip(type: number): void;
}
type ApacheProtocolClass = new (transport: ApacheTransport) => ApacheProtocol;

export interface ApacheApplicationException extends Error {
  type: number;
  message: string;
  write(output: ApacheProtocol): void;
  read(input: ApacheProtocol): void;
}

interface ApacheThrift {
  TBufferedTransport: ApacheTransportClass;
  TBinaryProtocol: ApacheProtocolClass;
  TCompactProtocol: ApacheProtocolClass;
  Thrift: { TApplicationException: new (type?: number, message?: string) => ApacheApplicationException };
}

/**
 * Apache's library is loaded with Node's own require, outside jest's module registry: it depends on the ESM-only
 * `uuid` package, which Node 20 can require() but jest's CommonJS sandbox cannot. Loading it natively keeps the
 * real `uuid` (not a mock) under Apache's uuid fields. (`process.getBuiltinModule` reaches Node's own `module`
 * builtin; jest substitutes its own when the test requires 'node:module'.)
 */
const nodeModule = (process as unknown as { getBuiltinModule(id: string): typeof import('node:module') }).getBuiltinModule('node:module');
export const nativeRequire = nodeModule.createRequire(__filename);
export const apache = nativeRequire('thrift') as ApacheThrift;
const Int64 = nativeRequire('node-int64') as Int64Class;

export type ProtocolName = 'binary' | 'compact';

export const PROTOCOLS: Record<ProtocolName, { ours: Protocol; Apache: ApacheProtocolClass }> = {
  binary: { ours: binaryProtocol, Apache: apache.TBinaryProtocol },
  compact: { ours: compactProtocol, Apache: apache.TCompactProtocol },
};

export function bigintToInt64(value: bigint): Int64 {
  const u = BigInt.asUintN(64, value);
  return new Int64(Number(u >> 32n), Number(u & 0xffffffffn));
}

export function int64ToBigint(value: Int64): bigint {
  return value.buffer.readBigInt64BE(value.offset);
}

/** Encodes with thriftpoll: `fill` writes through the writer, the bytes are returned. */
export function encodeOurs(protocol: ProtocolName, fill: (w: ProtocolWriter) => void, options?: WriterOptions): Buffer {
  const out = new GrowableBuffer();
  const writer = PROTOCOLS[protocol].ours.createWriter(out, options);
  fill(writer);
  writer.commit();
  return out.toBuffer();
}

export function readerOurs(protocol: ProtocolName, source: ByteSource, options?: ReaderOptions): ProtocolReader {
  return PROTOCOLS[protocol].ours.createReader(source, options);
}

/** A ProtocolWriter that drives Apache's protocol over a TBufferedTransport; commit() flushes. */
export class ApacheWriter implements ProtocolWriter {
  readonly protocol: ApacheProtocol;
  private readonly transport: ApacheTransport;
  private readonly chunks: Buffer[] = [];

  constructor(name: ProtocolName) {
    this.transport = new apache.TBufferedTransport(undefined, (message) => this.chunks.push(message));
    this.protocol = new PROTOCOLS[name].Apache(this.transport);
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  commit(): void {
    this.transport.flush();
  }
  writeMessageBegin(name: string, type: MessageType, seqid: number): void {
    this.protocol.writeMessageBegin(name, type, seqid);
  }
  writeMessageEnd(): void {
    this.protocol.writeMessageEnd();
    this.commit();
  }
  writeStructBegin(name: string): void {
    this.protocol.writeStructBegin(name);
  }
  writeStructEnd(): void {
    this.protocol.writeStructEnd();
  }
  writeFieldBegin(type: TType, id: number): void {
    this.protocol.writeFieldBegin(`field${id}`, type, id);
  }
  writeFieldEnd(): void {
    this.protocol.writeFieldEnd();
  }
  writeFieldStop(): void {
    this.protocol.writeFieldStop();
  }
  writeMapBegin(keyType: TType, valueType: TType, size: number): void {
    this.protocol.writeMapBegin(keyType, valueType, size);
  }
  writeMapEnd(): void {
    this.protocol.writeMapEnd();
  }
  writeListBegin(elemType: TType, size: number): void {
    this.protocol.writeListBegin(elemType, size);
  }
  writeListEnd(): void {
    this.protocol.writeListEnd();
  }
  writeSetBegin(elemType: TType, size: number): void {
    this.protocol.writeSetBegin(elemType, size);
  }
  writeSetEnd(): void {
    this.protocol.writeSetEnd();
  }
  writeBool(value: boolean): void {
    this.protocol.writeBool(value);
  }
  writeByte(value: number): void {
    this.protocol.writeByte(value);
  }
  writeI16(value: number): void {
    this.protocol.writeI16(value);
  }
  writeI32(value: number): void {
    this.protocol.writeI32(value);
  }
  writeI64(value: bigint): void {
    this.protocol.writeI64(bigintToInt64(value));
  }
  writeDouble(value: number): void {
    this.protocol.writeDouble(value);
  }
  writeString(value: string): void {
    this.protocol.writeString(value);
  }
  writeBinary(value: Uint8Array): void {
    this.protocol.writeBinary(Buffer.from(value));
  }
  writeUuid(value: string): void {
    this.protocol.writeUuid(value);
  }
}

/** Encodes with Apache: `fill` writes through the adapter, the bytes are returned. */
export function encodeApache(protocol: ProtocolName, fill: (w: ProtocolWriter) => void): Buffer {
  const writer = new ApacheWriter(protocol);
  fill(writer);
  writer.commit();
  return writer.bytes();
}

/** A ProtocolReader that drives Apache's protocol over a TBufferedTransport holding `bytes`. */
export class ApacheReader implements ProtocolReader {
  readonly protocol: ApacheProtocol;
  private readonly transport: ApacheTransport;
  private readonly field: FieldHeader = { type: 0, id: 0 };

  constructor(name: ProtocolName, bytes: Buffer) {
    this.transport = new apache.TBufferedTransport();
    this.transport.inBuf = bytes;
    this.transport.readCursor = 0;
    this.transport.writeCursor = bytes.length;
    this.protocol = new PROTOCOLS[name].Apache(this.transport);
  }

  reset(): void {
    throw new Error('ApacheReader cannot be reset');
  }
  remaining(): number {
    return this.transport.writeCursor - this.transport.readCursor;
  }
  readMessageBegin(): MessageHeader {
    const header = this.protocol.readMessageBegin();
    return { name: header.fname, type: header.mtype, seqid: header.rseqid };
  }
  readMessageEnd(): void {
    this.protocol.readMessageEnd();
  }
  readStructBegin(): void {
    this.protocol.readStructBegin();
  }
  readStructEnd(): void {
    this.protocol.readStructEnd();
  }
  readFieldBegin(): FieldHeader {
    const header = this.protocol.readFieldBegin();
    this.field.type = header.ftype;
    this.field.id = header.fid;
    return this.field;
  }
  readFieldEnd(): void {
    this.protocol.readFieldEnd();
  }
  readMapBegin(): MapHeader {
    const header = this.protocol.readMapBegin();
    return { keyType: header.ktype, valueType: header.vtype, size: header.size };
  }
  readMapEnd(): void {
    this.protocol.readMapEnd();
  }
  readListBegin(): ListHeader {
    const header = this.protocol.readListBegin();
    return { elemType: header.etype, size: header.size };
  }
  readListEnd(): void {
    this.protocol.readListEnd();
  }
  readSetBegin(): SetHeader {
    const header = this.protocol.readSetBegin();
    return { elemType: header.etype, size: header.size };
  }
  readSetEnd(): void {
    this.protocol.readSetEnd();
  }
  readBool(): boolean {
    return this.protocol.readBool();
  }
  readByte(): number {
    return this.protocol.readByte();
  }
  readI16(): number {
    return this.protocol.readI16();
  }
  readI32(): number {
    return this.protocol.readI32();
  }
  readI64(): bigint {
    return int64ToBigint(this.protocol.readI64());
  }
  readDouble(): number {
    return this.protocol.readDouble();
  }
  readString(): string {
    return this.protocol.readString();
  }
  readBinary(): Uint8Array {
    return this.protocol.readBinary();
  }
  readUuid(): string {
    return this.protocol.readUuid();
  }
  skip(type: TType): void {
    this.protocol.skip(type);
  }
}
