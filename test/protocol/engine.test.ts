import * as net from 'node:net';
import { createEventLoop } from '@thriftpoll/netpoll';
import type { Connection, EventLoop } from '@thriftpoll/netpoll';
import { BinaryReader, BinaryWriter, CompactReader, CompactWriter, MessageType } from '@thriftpoll/protocol';
import { ApacheReader, encodeApache } from './support/apache';
import type { ProtocolName } from './support/apache';
import { T, readStruct, writeStruct } from './support/schema';

/**
 * The protocols on the real engine: a thriftpoll server decodes framed requests straight from the connection's
 * input views (`reader.nextChunks()`, no copy, frames spanning blocks) and encodes replies straight into the
 * connection's output blocks (the writer is the ByteSink); the client is Node `net` with Apache's encoder and
 * decoder. Loopback only.
 */
const Args = T.struct('echo_args', [
  [1, 'text', T.string],
  [2, 'data', T.binary],
  [3, 'numbers', T.list(T.i64)],
]);
const Result = T.struct('echo_result', [[0, 'success', Args]]);

interface Server {
  loop: EventLoop;
  port: number;
}

async function startServer(protocol: ProtocolName): Promise<Server> {
  const reader = protocol === 'binary' ? new BinaryReader() : new CompactReader();
  const onRequest = (connection: Connection): Promise<void> | undefined => {
    const input = connection.reader;
    const output = connection.writer;
    let replied = false;
    while (input.len() >= 4) {
      const size = input.peekUint32();
      if (input.len() < 4 + size) {
        connection.wakeAt(4 + size);
        break;
      }
      input.skip(4);
      reader.reset(input.nextChunks(size));
      const call = reader.readMessageBegin();
      const args = readStruct(reader, Args);
      reader.readMessageEnd();

      const prefix = output.malloc(4);
      const start = output.mallocLen();
      const writer = protocol === 'binary' ? new BinaryWriter(output) : new CompactWriter(output);
      writer.writeMessageBegin(call.name, MessageType.REPLY, call.seqid);
      writeStruct(writer, Result, { success: args });
      writer.writeMessageEnd();
      const length = output.mallocLen() - start;
      prefix[0] = length >>> 24;
      prefix[1] = length >>> 16;
      prefix[2] = length >>> 8;
      prefix[3] = length;
      replied = true;
    }
    return replied ? output.flush() : undefined;
  };
  const loop = createEventLoop({ onRequest });
  const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
  if (port === undefined) throw new Error('serve() gave no port');
  return { loop, port };
}

/** Sends framed requests over a Node socket and collects `count` framed replies. */
function exchange(port: number, frames: Buffer[], count: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const replies: Buffer[] = [];
    let pending = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
        const size = pending.readUInt32BE(0);
        replies.push(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
      }
      if (replies.length === count) {
        socket.end();
        resolve(replies);
      }
    });
    // Written in odd-sized pieces so that frames reach the engine split across reads and blocks.
    const all = Buffer.concat(frames);
    for (let at = 0, step = 1; at < all.length; at += step, step = step < 40_000 ? step * 3 + 1 : 7_919) socket.write(all.subarray(at, at + step));
  });
}

function frame(message: Buffer): Buffer {
  const out = Buffer.alloc(4 + message.length);
  out.writeUInt32BE(message.length, 0);
  message.copy(out, 4);
  return out;
}

describe.each<ProtocolName>(['binary', 'compact'])('%s over the engine', (protocol) => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer(protocol);
  });
  afterAll(async () => {
    await server.loop.shutdown({ timeout: 5000 });
  });

  test('requests decoded from input views, replies encoded into output blocks, read back by Apache', async () => {
    const calls = [
      { text: 'hello', data: Buffer.from([1, 2, 3]), numbers: [1n, -(2n ** 63n)] },
      { text: 'é'.repeat(100_000), data: Buffer.alloc(300_000, 7), numbers: Array.from({ length: 5000 }, (_, i) => BigInt(i) * 1_000_000_007n) },
      { text: '', data: Buffer.alloc(0), numbers: [] },
    ];
    const frames = calls.map((args, i) =>
      frame(
        encodeApache(protocol, (w) => {
          w.writeMessageBegin('echo', MessageType.CALL, 100 + i);
          writeStruct(w, Args, args);
          w.writeMessageEnd();
        }),
      ),
    );
    const replies = await exchange(server.port, frames, calls.length);
    replies.forEach((reply, i) => {
      const reader = new ApacheReader(protocol, Buffer.from(reply));
      expect(reader.readMessageBegin()).toEqual({ name: 'echo', type: MessageType.REPLY, seqid: 100 + i });
      const echoed = readStruct(reader, Result).success as typeof calls[number];
      expect(echoed.text).toBe(calls[i].text);
      expect(Buffer.compare(echoed.data, calls[i].data)).toBe(0); // toEqual on 300 KB would crawl
      expect(echoed.numbers.join()).toBe(calls[i].numbers.join());
      expect(reader.remaining()).toBe(0);
    });
  });
});
