import * as net from 'node:net';
import { MessageType, TApplicationException, TApplicationExceptionType } from '@thriftpoll/protocol';
import { createClient, RpcError } from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';
import { decodeFramedReply, echoResult, framedMessage } from './helpers/raw';

/**
 * Calls the server provably never ran are retry-safe and, by default, sent once more on a fresh connection. The
 * server here is a hand-written Framed Binary peer, so that the connection can end exactly where the test needs.
 */

const ENGINES = ['netpoll', 'net'] as const;

/** Splits the Framed requests out of `buffer`; returns them and what is left. */
function takeFrames(buffer: Buffer): { frames: Buffer[]; rest: Buffer } {
  const frames: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 4) {
    const length = buffer.readUInt32BE(offset);
    if (buffer.length - offset < 4 + length) break;
    frames.push(buffer.subarray(offset, offset + 4 + length));
    offset += 4 + length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

/**
 * A peer whose first connection, once it holds `waitFor` requests, refuses the first as shutting down (unless
 * `refuse` is false) and then closes (FIN) without answering the others; later connections echo. Reports what
 * it echoed.
 */
async function shuttingDownPeer(waitFor: number, refuse = true): Promise<{ port: number; echoed: string[]; close: () => Promise<void> }> {
  const echoed: string[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    const first = connections++ === 0;
    let buffered: Buffer = Buffer.alloc(0);
    let requests: Buffer[] = [];
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      const { frames, rest } = takeFrames(Buffer.concat([buffered, chunk]));
      buffered = rest;
      if (!first) {
        for (const frame of frames) {
          const { seqid } = decodeFramedReply(frame);
          const msg = `seqid ${seqid} on a fresh connection`;
          echoed.push(msg);
          socket.write(framedMessage('echo', MessageType.REPLY, seqid, echoResult('a', msg)));
        }
        return;
      }
      requests = requests.concat(frames);
      if (requests.length < waitFor) return;
      if (!refuse) {
        socket.end();
        return;
      }
      const refused = decodeFramedReply(requests[0]);
      const refusal = new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, 'overloaded (shuttingDown): the server is shutting down');
      socket.end(framedMessage('echo', MessageType.EXCEPTION, refused.seqid, (writer) => refusal.write(writer)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { port, echoed, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe.each(ENGINES)('calls that provably never ran (%s client)', (engine) => {
  test('calls written after one the server refused as shutting down are retry-safe when the connection then ends', async () => {
    const peer = await shuttingDownPeer(3);
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port: peer.port }, engine, mode: 'mux', resendUnsent: false });
    try {
      const outcomes = await Promise.all([1, 2, 3].map((i) => client.echo({ action: 'a', msg: `call ${i}` }).catch((e: unknown) => e)));
      expect(outcomes[0]).toMatchObject({ code: 'EOVERLOAD', limit: 'shuttingDown', retrySafe: true });
      for (const outcome of outcomes.slice(1)) {
        expect(outcome).toBeInstanceOf(RpcError);
        expect(outcome).toMatchObject({ code: 'ECONNRESET', retrySafe: true });
        expect((outcome as Error).message).toMatch(/the server was shutting down and had refused an earlier call on this connection, so it never ran this one/);
      }
    } finally {
      await client.$close();
      await peer.close();
    }
  });

  test('by default each such call is sent once more, on a fresh connection', async () => {
    const peer = await shuttingDownPeer(3);
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port: peer.port }, engine, mode: 'mux' });
    try {
      const replies = await Promise.all([1, 2, 3].map((i) => client.echo({ action: 'a', msg: `call ${i}` })));
      for (const reply of replies) expect(reply.msg).toMatch(/^seqid \d+ on a fresh connection$/);
      expect(peer.echoed).toHaveLength(3);
    } finally {
      await client.$close();
      await peer.close();
    }
  });

  test('a call that failed after it may have run is not resent', async () => {
    // The first connection ends after 1 request without a word: the call may have run.
    const peer = await shuttingDownPeer(1, false);
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port: peer.port }, engine });
    try {
      await expect(client.echo({ action: 'a', msg: 'unanswered' })).rejects.toMatchObject({ code: 'ECONNRESET', retrySafe: false });
      expect(peer.echoed).toHaveLength(0);
    } finally {
      await client.$close();
      await peer.close();
    }
  });
});
