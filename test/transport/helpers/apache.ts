import * as path from 'node:path';
import { ProtocolId, TType } from '@thriftpoll/protocol';
import type { ApacheProtocolWriter } from '../../protocol/support/apache';
import { generatedDir } from './fixture';

/**
 * Typed access to the parts of Apache's npm `thrift` (a devDependency without type declarations) and of the
 * code its compiler generates for fixtures/echo.thrift that the transport tests use.
 */
export interface ApacheTransport {
  write(buf: Buffer): void;
  flush(): void;
  setProtocolId?(id: number): void;
  setWriteHeader?(key: string, value: string): void;
  getReadHeaders?(): Record<string, string>;
  setSeqId?(seqid: number): void;
}
export type ApacheTransportClass = {
  new (buffer?: Buffer, onFlush?: (buf: Buffer) => void): ApacheTransport;
  receiver(callback: (transport: ApacheTransport) => void, seqid?: number, maxLength?: number): (data: Buffer) => void;
};
/** Apache's TBinaryProtocol/TCompactProtocol: every write method (i64 as a number), and the reads the tests make. */
export interface ApacheProtocol extends ApacheProtocolWriter<number> {
  readMessageBegin(): { fname: string; mtype: number; rseqid: number };
  readStructBegin(): void;
  readFieldBegin(): { fname: string; ftype: number; fid: number };
  readString(): string;
  flush(): void;
  setProtocol?(): void;
}
export type ApacheProtocolClass = new (transport: ApacheTransport) => ApacheProtocol;

export interface ApacheConnection {
  on(event: string, listener: (...args: unknown[]) => void): void;
  end(): void;
  transport: ApacheTransportClass;
}

export interface ApacheThrift {
  TBufferedTransport: ApacheTransportClass;
  TFramedTransport: ApacheTransportClass;
  TBinaryProtocol: ApacheProtocolClass;
  TCompactProtocol: ApacheProtocolClass;
  THeaderProtocol: ApacheProtocolClass;
  createServer(service: unknown, handler: unknown, options: unknown): import('node:net').Server;
  createConnection(host: string, port: number, options: unknown): ApacheConnection;
  createClient(service: unknown, connection: ApacheConnection): EchoClient;
  Thrift: { MessageType: Record<string, number>; TApplicationException: new (...args: unknown[]) => Error };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const thrift = require('thrift') as ApacheThrift;

type Callback<T> = (error: unknown, result?: T) => void;

/** Runs a callback-style call (a generated client method) and settles with its error or result. */
export function promise<T>(invoke: (done: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => invoke((error, result) => (error === null || error === undefined ? resolve(result as T) : reject(error))));
}

export interface Payload {
  text: string | null;
  number: unknown;
  numbers: number[] | null;
  tags: Record<string, string> | null;
  blob: Buffer | null;
}

/** The generated client (callback style: the compiler's promise style needs `Q`, which thrift 0.24 dropped). */
export interface EchoClient {
  echo(text: string, callback: Callback<string>): void;
  roundtrip(payload: Payload, callback: Callback<Payload>): void;
  headers(callback: Callback<Record<string, string>>): void;
  refuse(reason: string, callback: Callback<void>): void;
  /** Oneway: the callback runs once the call is written (the promise form needs `Q`). */
  ping(callback: Callback<void>): void;
  _reqs: Record<number, unknown>;
  [recv: `recv_${string}`]: (input: ApacheProtocol, mtype: number, rseqid: number) => void;
}

/** Handler in the generated processor's callback style (the error argument must be null on success). */
export interface EchoHandler {
  echo(text: string, done: Callback<string>): void;
  roundtrip(payload: Payload, done: Callback<Payload>): void;
  headers(done: Callback<Record<string, string>>): void;
  refuse(reason: string, done: Callback<void>): void;
  ping(): void;
}

export interface EchoService {
  Client: new (output: ApacheTransport, protocol: ApacheProtocolClass) => EchoClient;
  Processor: new (handler: EchoHandler) => { process(input: ApacheProtocol, output: ApacheProtocol): void };
}

export interface EchoTypes {
  Payload: new (fields: Partial<Payload>) => Payload;
  Refused: new (fields: { reason: string }) => Error & { reason: string };
}

export function loadEcho(): { Echo: EchoService; types: EchoTypes } {
  const dir = generatedDir();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Echo = require(path.join(dir, 'Echo.js')) as EchoService;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const types = require(path.join(dir, 'echo_types.js')) as EchoTypes;
  return { Echo, types };
}

export function apacheProtocolClass(protocol: ProtocolId): ApacheProtocolClass {
  return protocol === ProtocolId.COMPACT ? thrift.TCompactProtocol : thrift.TBinaryProtocol;
}

/** Encodes one message with Apache's protocol implementation; returns its bytes. */
export function apacheEncode(protocol: ProtocolId, write: (output: ApacheProtocol) => void): Buffer {
  let bytes: Buffer | undefined;
  const transport = new thrift.TBufferedTransport(undefined, (buf) => {
    bytes = Buffer.from(buf);
  });
  const output = new (apacheProtocolClass(protocol))(transport);
  write(output);
  output.flush();
  if (bytes === undefined) throw new Error('Apache protocol flushed nothing');
  return bytes;
}

/** An Apache protocol reading one already-received message. */
export function apacheInput(protocol: ProtocolId, bytes: Buffer): ApacheProtocol {
  return new (apacheProtocolClass(protocol))(new thrift.TFramedTransport(bytes));
}

/** An Echo.echo CALL of `text` (args { 1: string text }) as Apache's generated client writes it. */
export function apacheEchoCall(protocol: ProtocolId, text: string, seqid: number): Buffer {
  return apacheEncode(protocol, (out) => {
    out.writeMessageBegin('echo', thrift.Thrift.MessageType.CALL, seqid);
    out.writeStructBegin('args');
    out.writeFieldBegin('text', TType.STRING, 1);
    out.writeString(text);
    out.writeFieldEnd();
    out.writeFieldStop();
    out.writeStructEnd();
    out.writeMessageEnd();
  });
}
