import * as net from 'node:net';
import { deflateSync } from 'node:zlib';
import { ProtocolId } from '@thriftpoll/protocol';
import { BufferSink, HTTP_REPLY, Metadata, THeaderTransform, TransportError, createEncoder, type TransportKind } from '@thriftpoll/transport';
import { apacheEchoCall, loadEcho, thrift, type EchoClient } from './helpers/apache';
import { hex } from './helpers/bytes';
import { writeMessage } from './helpers/messages';
import { startTestServer, type ConnectionRecord, type TestServer } from './helpers/server';

/**
 * Hostile peers against a live server (this package's detection + codecs over Node `net`): each bad
 * connection is refused with a clear error and closed, without buffering what it declares, while a
 * well-behaved client on another connection keeps getting answers.
 */
const { Echo } = loadEcho();

interface Raw {
  socket: net.Socket;
  /** Everything received, once the server has closed the connection. */
  closed: Promise<Buffer>;
}

function raw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const closed = new Promise<Buffer>((done) => {
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', () => done(Buffer.concat(chunks)));
    });
    socket.on('error', () => undefined); // writes after the server hung up fail: expected
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** An echo call of `text`, framed by `transport`. */
function echoRequest(transport: TransportKind, text: string, envelope: Parameters<ReturnType<typeof createEncoder>['begin']>[0] = {}): Buffer {
  const out = new BufferSink();
  writeMessage(createEncoder(transport, out), apacheEchoCall(ProtocolId.BINARY, text, 1), { seqid: 1, ...envelope });
  return out.take();
}

/** A well-behaved Apache client making calls on its own connection for as long as `busy` runs. */
async function withHealthyTraffic<T>(port: number, busy: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const connection = thrift.createConnection('127.0.0.1', port, { transport: thrift.TFramedTransport, protocol: thrift.TBinaryProtocol });
  const errors: unknown[] = [];
  connection.on('error', (error) => errors.push(error));
  await new Promise<void>((resolve) => connection.on('connect', () => resolve()));
  const client: EchoClient = thrift.createClient(Echo, connection);
  let running = true;
  let calls = 0;
  const loop = (async () => {
    while (running) {
      const reply = await new Promise<string>((resolve, reject) => client.echo(`call ${calls}`, (e, r) => (e ? reject(e) : resolve(r!))));
      expect(reply).toBe(`call ${calls}`);
      calls++;
    }
  })();
  try {
    const result = await busy();
    running = false;
    await loop;
    return { result, calls };
  } finally {
    running = false;
    connection.end();
    expect(errors).toEqual([]);
  }
}

function recordOf(server: TestServer, index: number): ConnectionRecord {
  return server.connections[index];
}

describe('hostile peers on a live server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ decoder: { maxMessageSize: 1024 * 1024 } });
  });
  afterAll(() => server.close());

  const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  function theaderFrame(header: Buffer, payload: Buffer): Buffer {
    const fixed = Buffer.alloc(14);
    fixed.writeUInt32BE(10 + header.length + payload.length, 0);
    fixed.writeUInt16BE(0x0fff, 4);
    fixed.writeInt32BE(1, 8);
    fixed.writeUInt16BE(header.length / 4, 12);
    return Buffer.concat([fixed, header, payload]);
  }

  test.each([
    ['frame length 0x7fffffff, then a flood', hex('7f ff ff ff'), 'FRAME_TOO_LARGE', /frame length 2147483647 exceeds maxFrameSize 16384000/],
    ['negative frame length', hex('ff ff ff fe 00 00 00 00'), 'UNRECOGNIZED_TRANSPORT', /-2 is negative/],
    ['THeader header size beyond the frame', theaderFrame(hex('00 00 00 00'), Buffer.alloc(20)).fill(0xff, 12, 14), 'BAD_HEADER', /exceeds the 24 bytes left in the frame/],
    ['THeader unknown protocol id', theaderFrame(hex('05 00 00 00'), Buffer.alloc(20)), 'UNKNOWN_PROTOCOL', /protocol id 5 is not supported/],
    ['THeader unknown transform', theaderFrame(hex('00 01 03 00'), Buffer.alloc(20)), 'UNKNOWN_TRANSFORM', /transform 3 \(snappy\)/],
    ['zlib bomb', theaderFrame(hex('00 01 01 00'), bomb), 'MESSAGE_TOO_LARGE', /inflates beyond maxMessageSize 1048576; refused while inflating/],
    ['TTHeader with a cut info block', Buffer.concat([hex('00 00 00 12 10 00 00 00 00 00 00 01 00 02 00 00 01 ff 00 00')]), 'BAD_HEADER', /KEYVALUE count 65280/],
    ['garbage', Buffer.from('\x00\x00\x00\x10garbage garbage!'), 'UNRECOGNIZED_TRANSPORT', /first bytes 00 00 00 10 67 61 72 62 match no Thrift transport/],
    ['a TLS client hello', hex('16 03 01 00 a5 01 00 00 a1 03 03'), 'UNRECOGNIZED_TRANSPORT', /TLS handshake/],
  ])('%s: refused and closed at once; the flood that follows is not buffered', async (_name, bytes, code, message) => {
    const { result: record } = await withHealthyTraffic(server.port, async () => {
      const index = server.connections.length;
      const peer = await raw(server.port);
      peer.socket.write(bytes);
      // Keep sending after the bad bytes: a decoder that waited for a declared length would buffer all this.
      const flood = Buffer.alloc(64 * 1024);
      const interval = setInterval(() => peer.socket.writable && peer.socket.write(flood), 5);
      await peer.closed;
      clearInterval(interval);
      return recordOf(server, index);
    });
    expect(record.error).toBeInstanceOf(TransportError);
    expect((record.error as TransportError).code).toBe(code);
    expect((record.error as Error).message).toMatch(message);
    expect(record.messages).toEqual([]);
    // Node hands the server at most 64 KiB per read: only the first read was ever buffered.
    expect(record.maxBuffered).toBeLessThanOrEqual(bytes.length + 64 * 1024);
  });

  test('an HTTP request gets a one-line explanation, then the connection closes', async () => {
    const index = server.connections.length;
    const peer = await raw(server.port);
    peer.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const received = await peer.closed;
    expect(received).toEqual(Buffer.from(HTTP_REPLY));
    expect((recordOf(server, index).error as TransportError).code).toBe('HTTP_REQUEST');
  });

  test.each<TransportKind>(['framed', 'buffered', 'theader', 'ttheader'])('%s: half a message, then close: TRUNCATED, no hang', async (transport) => {
    const index = server.connections.length;
    const request = echoRequest(transport, 'never finished');
    const peer = await raw(server.port);
    peer.socket.end(request.subarray(0, Math.floor(request.length / 2)));
    await peer.closed;
    await server.closedConnections(index + 1);
    const record = recordOf(server, index);
    expect((record.error as TransportError).code).toBe('TRUNCATED');
    expect((record.error as Error).message).toMatch(/^connection closed after \d+/);
  });

  test('1 byte every 100 ms on four connections (Framed, Buffered, THeader, TTHeader): answered once complete, others unaffected', async () => {
    const kinds: TransportKind[] = ['framed', 'buffered', 'theader', 'ttheader'];
    const requests = kinds.map((kind) => echoRequest(kind, 'slow', kind === 'theader' || kind === 'ttheader' ? { headers: Metadata.from({ a: 'b' }) } : {}));
    const longest = Math.max(...requests.map((r) => r.length));
    const { result, calls } = await withHealthyTraffic(server.port, async () => {
      const first = server.connections.length;
      const peers = await Promise.all(kinds.map(() => raw(server.port)));
      const replies = peers.map(
        (peer) =>
          new Promise<Buffer>((resolve) => {
            const chunks: Buffer[] = [];
            peer.socket.on('data', (chunk: Buffer) => {
              chunks.push(chunk);
              const all = Buffer.concat(chunks);
              if (all.includes(Buffer.from('slow'))) resolve(all);
            });
          }),
      );
      let midpointMessages = -1;
      for (let at = 0; at < longest; at++) {
        peers.forEach((peer, i) => {
          if (at < requests[i].length) peer.socket.write(requests[i].subarray(at, at + 1));
        });
        if (at === Math.floor(longest / 2)) {
          midpointMessages = kinds.reduce((n, _k, i) => n + recordOf(server, first + i).messages.length, 0);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Every peer gets its reply; then we hang up.
      const received = await Promise.all(replies);
      peers.forEach((peer) => peer.socket.end());
      return { first, replies: received, midpointMessages };
    });
    expect(result.midpointMessages).toBe(0); // nothing handled before a message was complete
    kinds.forEach((kind, i) => {
      const record = recordOf(server, result.first + i);
      expect(record.error).toBeUndefined();
      expect(record.messages).toHaveLength(1);
      expect(record.messages[0].transport).toBe(kind);
      // Memory: never more than the message itself (plus nothing) was buffered for the slow peer.
      expect(record.maxBuffered).toBeLessThanOrEqual(requests[i].length);
      expect(result.replies[i].includes(Buffer.from('slow'))).toBe(true);
    });
    expect(calls).toBeGreaterThan(5); // the healthy client was served all along
  }, 60_000);

  test('THeader zlib and headers reply in kind on a live connection', async () => {
    const peer = await raw(server.port);
    const request = echoRequest('theader', 'zipped', { transforms: [THeaderTransform.ZLIB], headers: Metadata.from({ k: 'v' }) });
    const chunks: Buffer[] = [];
    const reply = new Promise<Buffer>((resolve) => {
      peer.socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        const all = Buffer.concat(chunks);
        if (all.length >= 4 && all.length >= 4 + all.readUInt32BE(0)) resolve(all);
      });
    });
    peer.socket.write(request);
    const bytes = await reply;
    expect(bytes.readUInt16BE(4)).toBe(0x0fff);
    // header: binary, 1 transform: zlib
    expect([...bytes.subarray(14, 17)]).toEqual([0, 1, 1]);
    peer.socket.end();
  });
});
