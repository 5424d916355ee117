import { createEventLoop, dial } from '@thriftpoll/netpoll';

import { engineFactory, MODES, netClient, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

describe.each(MODES)('backpressure (%s mode)', (mode) => {
  test('slow reader: unsent output stays bounded by writeBufferCap while the writer awaits drained()', async () => {
    const engine = engines.create(mode);
    const cap = 1024 * 1024;
    const chunk = Buffer.alloc(256 * 1024, 0x5a);
    const total = 48 * 1024 * 1024;
    let maxPending = 0;
    let waits = 0;
    let done: Promise<void> | undefined;
    const loop = createEventLoop(
      {
        onRequest(connection) {
          connection.reader.skip(connection.reader.len());
          if (done !== undefined) return undefined;
          const { writer } = connection;
          done = (async () => {
            for (let sent = 0; sent < total; sent += chunk.length) {
              writer.writeBinary(chunk);
              void writer.flush().catch(() => undefined);
              maxPending = Math.max(maxPending, writer.pending());
              if (writer.needsDrain()) {
                waits++;
                await writer.drained();
              }
            }
            await writer.flush();
          })();
          return undefined;
        },
      },
      { engine, writeBufferCap: cap },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await netClient({ host: '127.0.0.1', port });
    client.socket.pause();
    client.socket.write('start');
    await until(() => waits > 0, 'the writer hit the cap');
    // While the peer reads nothing, the engine holds at most the cap plus one chunk.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stalled = engine.stats().outputBytes;
    expect(stalled).toBeLessThanOrEqual(cap + chunk.length);
    let received = 0;
    client.socket.removeAllListeners('data');
    client.socket.on('data', (data: Buffer) => {
      received += data.length;
    });
    client.socket.resume();
    await done;
    await until(() => received === total, 'everything arrives once the peer reads');
    expect(maxPending).toBeLessThanOrEqual(cap + chunk.length);
    client.socket.destroy();
    await loop.shutdown();
  });

  test('read throttling: a handler that does not consume caps buffered input, then everything arrives', async () => {
    const uringBuffers = 8;
    const engine = engines.create(mode, { blockSize: 16 * 1024, uringBuffers });
    const cap = 128 * 1024;
    let release: (() => void) | undefined;
    let consumed = 0;
    const loop = createEventLoop(
      {
        async onRequest(connection) {
          if (release === undefined) {
            // Hold the first request until the test lets go: input piles up in the meantime.
            await new Promise<void>((resolve) => {
              release = resolve;
            });
          }
          const n = connection.reader.len();
          connection.reader.skip(n);
          consumed += n;
        },
      },
      { engine, readBufferCap: cap },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await dial({ host: '127.0.0.1', port }, { engine });
    const total = 16 * 1024 * 1024;
    const block = Buffer.alloc(1024 * 1024, 7);
    const sending = (async () => {
      for (let sent = 0; sent < total; sent += block.length) {
        client.writer.writeBinary(block);
        await client.writer.flush();
      }
    })();
    await until(() => release !== undefined, 'first request');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { inputBytes } = engine.stats();
    // Reading stops within one readv (at most two blocks) past the cap; on uring, within what the kernel had
    // already received into the buffer ring when the cancellation of the multishot receive landed.
    const overshoot = mode === 'uring' ? (uringBuffers + 2) * 16 * 1024 : 2 * 16 * 1024;
    expect(inputBytes).toBeLessThanOrEqual(cap + overshoot);
    expect(inputBytes).toBeGreaterThan(0);
    release?.();
    await sending;
    await until(() => consumed === total, 'all input consumed after the handler resumed');
    client.close();
    await loop.shutdown();
  });
});
