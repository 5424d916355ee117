import type { Socket } from 'node:net';

import { createEventLoop, type Engine, type EngineMode } from '@thriftpoll/netpoll';

import { echoFrames, engineFactory, frame, netClient, pattern, sleep, until } from './helpers';

/**
 * Receive completions on `uring` must reach JavaScript by themselves, whatever else the process is doing.
 * With IORING_SETUP_DEFER_TASKRUN the kernel runs a receive's completion work only inside the engine's own
 * io_uring_enter, so while libuv slept in epoll_wait a reply waited for some later wake-up: on this machine's
 * kernel (6.18) ten connections playing ping-pong then ran 12x slower than on `inline` (4.9 s against 0.4 s for
 * 3,000 round trips; the fixed-rate benchmark's 10 x 1 call/ms fell to 630 calls/s). The bounds below are
 * liveness and a generous ratio to `inline` measured in the same process, never an absolute speed.
 */
describe('uring completions need no unrelated wake-up', () => {
  const engines = engineFactory();
  afterEach(() => engines.destroyAll());

  test('a quiet process: 20 small messages 50 ms apart on one connection are each echoed', async () => {
    const engine = engines.create('uring');
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    let expected = Buffer.alloc(0);
    for (let i = 0; i < 20; i++) {
      await sleep(50);
      const message = frame(pattern(16, i + 1));
      expected = Buffer.concat([expected, message]);
      client.socket.write(message);
      // Nothing but this reply can wake the engine: a completion left behind shows as a timeout here.
      await until(() => client.received().length >= expected.length, `echo of message ${i + 1} of 20`, 2000);
      expect(client.received().equals(expected)).toBe(true);
    }
    client.socket.destroy();
    await loop.shutdown({ timeout: 1000 });
  }, 60_000);

  /** Resolves on the socket's data event once `done()` holds (no polling timer: the reply itself wakes us). */
  function received(socket: Socket, done: () => boolean, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.off('data', check);
        reject(new Error(`no ${what} within 2 s`));
      }, 2000);
      function check(): void {
        if (!done()) return;
        clearTimeout(timer);
        socket.off('data', check);
        resolve();
      }
      socket.on('data', check);
      check();
    });
  }

  /** 10 connections x 300 sequential round trips of a 16-byte frame; returns the milliseconds it took. */
  async function pingPong(engine: Engine): Promise<number> {
    const loop = createEventLoop({ onRequest: echoFrames }, { engine });
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const clients = await Promise.all(Array.from({ length: 10 }, () => netClient({ host: '127.0.0.1', port })));
    const started = Date.now();
    await Promise.all(
      clients.map(async (client, k) => {
        let expected = Buffer.alloc(0);
        for (let i = 0; i < 300; i++) {
          const message = frame(pattern(16, i * 16 + k));
          expected = Buffer.concat([expected, message]);
          client.socket.write(message);
          await received(client.socket, () => client.received().length >= expected.length, `reply ${i + 1} of 300 on connection ${k}`);
        }
        expect(client.received().equals(expected)).toBe(true);
      }),
    );
    const elapsed = Date.now() - started;
    for (const client of clients) client.socket.destroy();
    await loop.shutdown({ timeout: 1000 });
    return elapsed;
  }

  test('10 connections in ping-pong run on uring at a pace comparable to inline (a generous 4x + 2 s)', async () => {
    const best: Record<EngineMode, number> = { inline: Infinity, threads: Infinity, uring: Infinity };
    for (let round = 0; round < 2; round++) {
      for (const mode of ['inline', 'uring'] as const) best[mode] = Math.min(best[mode], await pingPong(engines.create(mode)));
    }
    expect(best.uring).toBeLessThan(4 * best.inline + 2000);
  }, 120_000);
});
