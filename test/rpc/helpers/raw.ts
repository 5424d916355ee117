import * as net from 'node:net';
import { BinaryWriter, GrowableBuffer, MessageType, TType, binaryProtocol, TApplicationException } from '@thriftpoll/protocol';

/** A Framed Binary message built by hand, for sending what a well-behaved client never would. */
export function framedMessage(name: string, type: MessageType, seqid: number, body: (writer: BinaryWriter) => void): Buffer {
  const out = new GrowableBuffer();
  const writer = binaryProtocol.createWriter(out);
  writer.writeMessageBegin(name, type, seqid);
  body(writer);
  writer.writeMessageEnd();
  const payload = out.toBuffer();
  const frame = Buffer.alloc(4 + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, 4);
  return frame;
}

/** An empty args struct. */
export function emptyStruct(writer: BinaryWriter): void {
  writer.writeStructBegin('args');
  writer.writeFieldStop();
  writer.writeStructEnd();
}

/** Writes `outer` whose field `id` is an `inner` struct of the string fields `action` (id 1) and `msg` (id 2); undefined ones are left out. */
function echoStruct(outer: string, id: number, inner: string, fields: { action?: string; msg?: string }): (writer: BinaryWriter) => void {
  return (writer) => {
    writer.writeStructBegin(outer);
    writer.writeFieldBegin(TType.STRUCT, id);
    writer.writeStructBegin(inner);
    if (fields.action !== undefined) {
      writer.writeFieldBegin(TType.STRING, 1);
      writer.writeString(fields.action);
      writer.writeFieldEnd();
    }
    if (fields.msg !== undefined) {
      writer.writeFieldBegin(TType.STRING, 2);
      writer.writeString(fields.msg);
      writer.writeFieldEnd();
    }
    writer.writeFieldStop();
    writer.writeStructEnd();
    writer.writeFieldEnd();
    writer.writeFieldStop();
    writer.writeStructEnd();
  };
}

/**
 * Writes an echo args struct whose Request (field 1) carries the given string fields: `action` (id 1) and `msg`
 * (id 2); a field left undefined is not written, to build requests a validating server must refuse.
 */
export function echoRequest(fields: { action?: string; msg?: string }): (writer: BinaryWriter) => void {
  return echoStruct('echo_args', 1, 'Request', fields);
}

/** Writes the echo result struct whose success (field 0) is the Response { action, msg }: what a server answers. */
export function echoResult(action: string, msg: string): (writer: BinaryWriter) => void {
  return echoStruct('echo_result', 0, 'Response', { action, msg });
}

/** An echo args struct whose Request lacks its required `msg`. */
export const requestWithoutMsg = echoRequest({ action: 'a' });

/** A raw TCP conversation: send bytes, collect everything received until the server closes (or a timeout). */
export function converse(port: number, data: Buffer, options: { waitClose?: boolean; timeout?: number } = {}): Promise<{ received: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => finish(false), options.timeout ?? 10000);
    socket.on('error', () => finish(true));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (options.waitClose === false) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('connect', () => socket.write(data));
  });
}

/** Decodes a Framed Binary reply: its header and, for EXCEPTION messages, the TApplicationException. */
export function decodeFramedReply(frame: Buffer): { name: string; type: MessageType; seqid: number; exception?: TApplicationException } {
  const length = frame.readUInt32BE(0);
  const reader = binaryProtocol.createReader(frame.subarray(4, 4 + length));
  const header = reader.readMessageBegin();
  const result: { name: string; type: MessageType; seqid: number; exception?: TApplicationException } = { ...header };
  if (header.type === MessageType.EXCEPTION) result.exception = TApplicationException.decode(reader);
  return result;
}
