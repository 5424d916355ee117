import * as net from 'node:net';

import { type Connection, createEventLoop, dial } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, netClient, pattern, until } from './helpers';

/**
 * The `uring` mode's receive and send paths on the real kernel: a multishot receive into a provided-buffer ring
 * of engine blocks, sends as ring entries. A ring far smaller than the connections receiving at once runs dry
 * (ENOBUFS ends the multishot receives, which are re-armed after the refill); the read cap cancels the receive
 * and a release re-arms it; a peer's data followed by its FIN arrives whole before the EOF.
 */
describe('uring receive and send', () => {
  const engines = engineFactory();
  afterEach(() => engines.destroyAll());

  test('a buffer ring of 2 blocks serves 200 connections echoing at once (ENOBUFS, refill, re-arm)', async () => {
    const engine = engines.create('uring', { blockSize: 4096, uringBuffers: 2 });
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const clients = await Promise.all(Array.from({ length: 200 }, () => dial({ host: '127.0.0.1', port }, { engine, timeout: 20_000 })));
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        clients.map(async (client, i) => {
          const message = frame(pattern(100 + ((i * 997 + round * 31) % 20_000), i + round));
          client.writer.writeBinary(message);
          await client.writer.flush();
          await client.waitFor(message.length, 30_000);
          expect(Buffer.compare(Buffer.from(client.reader.readBinary(message.length)), message)).toBe(0);
          client.reader.release();
        }),
      );
    }
    expect(engine.stats().ringBlocks).toBe(2);
    // The path was taken: receives ended by the kernel (ENOBUFS) and were armed again.
    expect(engine.stats().receiveRearms).toBeGreaterThan(0);
    for (const client of clients) client.close();
    await loop.shutdown({ timeout: 1000 });
    await until(() => engine.stats().connections === 0, 'connections freed');
    expect(engine.stats()).toMatchObject({ inputBytes: 0, outputBytes: 0, blocksInUse: 0, ringBlocks: 2 });
  }, 60_000);

  test('a buffer ring of 1 block: 50 net clients sending multi-block messages at once are echoed byte for byte', async () => {
    const engine = engines.create('uring', { blockSize: 4096, uringBuffers: 1 });
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const clients = await Promise.all(Array.from({ length: 50 }, () => netClient({ host: '127.0.0.1', port })));
    const sent = clients.map(() => [] as Buffer[]);
    for (let round = 0; round < 4; round++) {
      // Every client writes before any reply is read: the one block is taken at once, so most receives end
      // with ENOBUFS and must be re-armed for their data to arrive.
      clients.forEach((client, i) => {
        const message = frame(pattern(1 + ((i * 7919 + round * 104_729) % 30_000), 1000 * round + i));
        sent[i]?.push(message);
        client.socket.write(message);
      });
      await until(
        () => clients.every((client, i) => client.received().length === Buffer.concat(sent[i] ?? []).length),
        `round ${round + 1}: every echo complete`,
        30_000,
      );
    }
    clients.forEach((client, i) => expect(client.received().equals(Buffer.concat(sent[i] ?? []))).toBe(true));
    expect(engine.stats().receiveRearms).toBeGreaterThan(0);
    expect(engine.stats().ringBlocks).toBe(1);
    for (const client of clients) client.socket.destroy();
    await loop.shutdown({ timeout: 1000 });
    await until(() => engine.stats().connections === 0, 'connections freed');
    expect(engine.stats()).toMatchObject({ inputBytes: 0, outputBytes: 0, blocksInUse: 0, ringBlocks: 1 });
  }, 90_000);

  test('past the read cap the receive stops; each release re-arms it until everything has arrived', async () => {
    const engine = engines.create('uring', { blockSize: 4096, uringBuffers: 4 });
    const cap = 16 * 1024;
    const total = 1024 * 1024;
    let received = 0;
    let maxBuffered = 0;
    let pause: Promise<void> | undefined;
    const loop = createEventLoop(
      {
        async onRequest(connection) {
          maxBuffered = Math.max(maxBuffered, connection.reader.len());
          // Every 64 KiB the handler dawdles, so input piles up against the cap.
          if (received % (64 * 1024) < 4096) await (pause ??= new Promise((resolve) => setTimeout(resolve, 20)));
          pause = undefined;
          const n = connection.reader.len();
          connection.reader.skip(n);
          received += n;
        },
      },
      { engine, readBufferCap: cap },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const peer = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => peer.once('connect', resolve));
    peer.end(pattern(total));
    await until(() => received === total, `all ${total} bytes (got ${received})`, 30_000);
    // The overshoot past the cap is what the kernel had already put into the 4-block ring.
    expect(maxBuffered).toBeLessThanOrEqual(cap + 6 * 4096);
    peer.destroy();
    await loop.shutdown({ timeout: 1000 });
  }, 60_000);

  test('data followed at once by the peer\'s FIN arrives whole before the EOF, and isActive() turns false', async () => {
    const engine = engines.create('uring', { blockSize: 4096, uringBuffers: 4 });
    const payload = pattern(300 * 1024, 3);
    let disconnected = false;
    const loop = createEventLoop(
      {
        onRequest(connection) {
          if (connection.reader.len() < payload.length) {
            connection.wakeAt(payload.length);
            return;
          }
          const got = Buffer.from(connection.reader.readBinary(payload.length));
          connection.writer.writeBinary(Buffer.from(got.equals(payload) ? 'ok' : 'bad'));
          return connection.writer.flush();
        },
        onDisconnect() {
          disconnected = true;
        },
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const answer: Buffer[] = [];
    const peer = net.connect(port, '127.0.0.1');
    peer.on('data', (chunk: Buffer) => answer.push(chunk));
    await new Promise((resolve) => peer.once('connect', resolve));
    peer.end(payload);  // data and FIN in one go: the EOF completion is queued right behind the data
    await until(() => Buffer.concat(answer).toString() === 'ok', 'the half-closed peer gets its answer', 30_000);
    await until(() => disconnected, 'onDisconnect after the data');
    peer.destroy();
    await loop.shutdown({ timeout: 1000 });
  }, 60_000);

  test('a quiet connection\'s replies are written at once; a turn with many replies sends all but four through the ring', async () => {
    const engine = engines.create('uring', { blockSize: 4096, uringBuffers: 8 });
    const waiting: Connection[] = [];
    let gather = false;
    const loop = createEventLoop(
      {
        onRequest(connection) {
          if (!gather) return echoFrames(connection);
          // Replies held back until every client has asked, then all written in this one turn.
          if (connection.reader.len() < 4) return undefined;
          waiting.push(connection);
          if (waiting.length < 40) return undefined;
          return Promise.all(waiting.map((held) => echoFrames(held))).then(() => undefined);
        },
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const quiet = await netClient({ host: '127.0.0.1', port });
    for (let i = 1; i <= 20; i++) {
      quiet.socket.write(frame(pattern(100, i)));
      await until(() => quiet.received().length === 104 * i, `reply ${i}`);
    }
    // Ping-pong: one reply per loop turn, each taken whole by the socket, none a ring entry.
    expect(engine.stats()).toMatchObject({ directSends: 20, ringSends: 0 });

    gather = true;
    const clients = await Promise.all(Array.from({ length: 40 }, () => netClient({ host: '127.0.0.1', port })));
    const messages = clients.map((_, i) => frame(pattern(200 + i, i)));
    clients.forEach((client, i) => client.socket.write(messages[i] ?? Buffer.alloc(0)));
    await until(() => clients.every((client, i) => client.received().equals(messages[i] ?? Buffer.alloc(0))), 'every held reply');
    expect(engine.stats().directSends).toBeLessThanOrEqual(24);
    expect(engine.stats().ringSends).toBeGreaterThanOrEqual(36);
    for (const client of [quiet, ...clients]) client.socket.destroy();
    await loop.shutdown({ timeout: 1000 });
  }, 60_000);

  test('a client connection writes many flushes in one turn and reads them back in order', async () => {
    const engine = engines.create('uring', { blockSize: 4096, uringBuffers: 8 });
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { path } = { path: `/tmp/thriftpoll-uring-io-${process.pid}.sock` };
    await loop.serve({ path });
    const client = await dial({ path }, { engine });
    const messages = Array.from({ length: 50 }, (_, i) => frame(pattern(10 + i * 701, i)));
    // Fifty flushes in one JavaScript turn: one send in flight at a time, the rest follow its completion.
    const flushes = messages.map((message) => {
      client.writer.writeBinary(message);
      return client.writer.flush();
    });
    await Promise.all(flushes);
    const expected = Buffer.concat(messages);
    await client.waitFor(expected.length, 30_000);
    expect(Buffer.compare(Buffer.from(client.reader.readBinary(expected.length)), expected)).toBe(0);
    client.close();
    await loop.shutdown({ timeout: 1000 });
  }, 60_000);
});
