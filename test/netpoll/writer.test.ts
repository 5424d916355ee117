import * as net from 'node:net';

import { type Connection, createEventLoop, dial, FLUSHED, OutputBuffer } from '@thriftpoll/netpoll';
import type { ByteSink } from '@thriftpoll/protocol';

import { engineFactory, frame, pattern, until } from './helpers';

const engines = engineFactory();
afterEach(() => engines.destroyAll());

/** A server that collects every byte it receives; the client writes, flushes, and we compare. */
async function collector(mode: 'inline' | 'threads', blockSize = 4096) {
  const engine = engines.create(mode, { blockSize });
  const received: Buffer[] = [];
  const loop = createEventLoop(
    {
      onRequest(connection) {
        const { reader } = connection;
        received.push(Buffer.from(reader.readBinary(reader.len())));
      },
    },
    { engine },
  );
  const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
  const client = await dial({ host: '127.0.0.1', port }, { engine });
  return {
    engine,
    client,
    bytes: () => Buffer.concat(received),
    async stop() {
      client.close();
      await loop.shutdown();
      await until(() => engine.stats().connections === 0, 'closed');
    },
  };
}

describe('Writer', () => {
  test('malloc, writeString, writeByte and writeBinary interleave across block boundaries in order', async () => {
    const t = await collector('inline');
    const { writer } = t.client;
    const expected: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const text = `message ${i} héllo `;
      writer.writeString(text);
      expected.push(Buffer.from(text));
      const region = writer.malloc(7);
      region.set(pattern(7, i));
      expected.push(pattern(7, i));
      writer.writeByte(i & 0xff);
      expected.push(Buffer.from([i & 0xff]));
      const blob = pattern(i * 13, i + 1);
      writer.writeBinary(blob);
      expected.push(blob);
      if (i % 37 === 0) await writer.flush();
    }
    const total = Buffer.concat(expected);
    expect(writer.mallocLen()).toBeGreaterThan(0);
    await writer.flush();
    expect(writer.mallocLen()).toBe(0);
    await until(() => t.bytes().length === total.length, 'all bytes received');
    expect(t.bytes().equals(total)).toBe(true);
    await t.stop();
    expect(t.engine.stats().blocksInUse).toBe(0);
  });

  test('a length prefix malloc()ed first can be filled in just before flush()', async () => {
    const t = await collector('threads');
    const { writer } = t.client;
    const prefix = writer.malloc(4);
    const size = writer.writeString('x'.repeat(10_000)) + writer.writeString('end');
    Buffer.from(prefix.buffer, prefix.byteOffset, 4).writeUInt32BE(size, 0);
    await writer.flush();
    await until(() => t.bytes().length === 4 + size, 'frame received');
    expect(t.bytes().readUInt32BE(0)).toBe(10_003);
    expect(t.bytes().subarray(4).toString()).toBe(`${'x'.repeat(10_000)}end`);
    await t.stop();
  });

  test('mallocAck keeps the first n bytes written since the last flush', async () => {
    const t = await collector('inline');
    const { writer } = t.client;
    writer.writeString('keep-');
    writer.writeBinary(pattern(9000, 5));
    writer.writeString('-drop-this-tail');
    writer.mallocAck(5 + 9000);
    expect(writer.mallocLen()).toBe(9005);
    expect(() => writer.mallocAck(9006)).toThrow(RangeError);
    writer.writeString('|next');
    await writer.flush();
    const expected = Buffer.concat([Buffer.from('keep-'), pattern(9000, 5), Buffer.from('|next')]);
    await until(() => t.bytes().length === expected.length, 'received');
    expect(t.bytes().equals(expected)).toBe(true);
    await t.stop();
    expect(t.engine.stats().blocksInUse).toBe(0);
  });

  test('reserve/commit satisfy the protocol ByteSink contract', async () => {
    const t = await collector('inline');
    const sink: ByteSink = t.client.writer;
    const region = sink.reserve(10);
    expect(region.length).toBeGreaterThanOrEqual(10);
    region.set([1, 2, 3]);
    sink.commit(3);
    const big = sink.reserve(10_000);
    expect(big.length).toBeGreaterThanOrEqual(10_000);
    big.fill(9, 0, 10_000);
    sink.commit(10_000);
    expect(() => sink.commit(1)).toThrow(RangeError);
    await t.client.writer.flush();
    await until(() => t.bytes().length === 10_003, 'received');
    expect([...t.bytes().subarray(0, 4)]).toEqual([1, 2, 3, 9]);
    await t.stop();
  });

  test('append() moves a standalone buffer without copying; discard() frees its blocks', async () => {
    const t = await collector('threads');
    const staged = new OutputBuffer(t.engine);
    staged.writeBinary(frame(pattern(20_000, 9)));
    t.client.writer.writeString('head');
    t.client.writer.append(staged);
    expect(staged.mallocLen()).toBe(0);
    t.client.writer.writeString('tail');
    await t.client.writer.flush();
    const expected = Buffer.concat([Buffer.from('head'), frame(pattern(20_000, 9)), Buffer.from('tail')]);
    await until(() => t.bytes().length === expected.length, 'received');
    expect(t.bytes().equals(expected)).toBe(true);
    const unused = new OutputBuffer(t.engine);
    unused.writeBinary(pattern(50_000));
    unused.discard();
    await t.stop();
    expect(t.engine.stats().blocksInUse).toBe(0);
  });

  test('flush() with nothing new resolves once earlier bytes are sent', async () => {
    const t = await collector('inline');
    await expect(t.client.writer.flush()).resolves.toBeUndefined();
    t.client.writer.writeBinary(pattern(3 * 1024 * 1024));
    const first = t.client.writer.flush();
    const second = t.client.writer.flush();
    await Promise.all([first, second]);
    expect(t.client.writer.pending()).toBe(0);
    await until(() => t.bytes().length === 3 * 1024 * 1024, 'received');
    await t.stop();
  });
});

describe('FLUSHED', () => {
  test.each(['inline', 'uring'] as const)('%s: flush() returns FLUSHED exactly when the kernel took every byte at once', async (mode) => {
    const engine = engines.create(mode);
    // A peer that does not read: a large flush stays partly unsent.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      socket.pause();
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await dial({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, { engine });
    await until(() => sockets.length === 1, 'the peer accepted');
    client.writer.writeBinary(pattern(100));
    expect(client.writer.flush()).toBe(FLUSHED);
    client.writer.writeBinary(pattern(16 * 1024 * 1024));
    const waiting = client.writer.flush();
    expect(waiting).not.toBe(FLUSHED);
    expect(client.writer.pending()).toBeGreaterThan(0);
    // Nothing new, but earlier bytes unsent: still a promise of its own.
    expect(client.writer.flush()).not.toBe(FLUSHED);
    for (const socket of sockets) socket.resume();
    await waiting;
    expect(client.writer.flush()).toBe(FLUSHED);
    client.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }, 60_000);
});

describe('Reader views', () => {
  test('a slice outlives release() and the connection keeps its memory until the slice is released', async () => {
    const engine = engines.create('inline');
    let slice: ReturnType<Connection['reader']['slice']> | undefined;
    const loop = createEventLoop(
      {
        onRequest(connection) {
          if (connection.reader.len() < 10) return;
          slice = connection.reader.slice(10);
        },
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await dial({ host: '127.0.0.1', port }, { engine });
    client.writer.writeBinary(Buffer.from('0123456789'));
    await client.writer.flush();
    await until(() => slice !== undefined, 'sliced');
    // The handler returned and the reader was released, but the slice still holds its bytes.
    expect(engine.stats().inputBytes).toBe(10);
    expect(slice?.readString(10)).toBe('0123456789');
    slice?.release();
    await until(() => engine.stats().inputBytes === 0, 'memory released with the slice');
    client.close();
    await loop.shutdown();
  });
});

describe('Writer after close', () => {
  test('writes after close use no engine memory and flush rejects with ECLOSED', async () => {
    const t = await collector('inline');
    t.client.close();
    const before = t.engine.stats().blocksInUse;
    t.client.writer.writeBinary(pattern(300_000));
    t.client.writer.malloc(10).fill(1);
    expect(t.engine.stats().blocksInUse).toBe(before);
    await expect(t.client.writer.flush()).rejects.toMatchObject({ code: 'ECLOSED' });
    await t.stop();
    expect(t.engine.stats().blocksInUse).toBe(0);
  });
});

describe('Zero-copy input', () => {
  test('next() returns views into the engine slab, not copies; readBinary() returns owned copies', async () => {
    const engine = engines.create('inline');
    const seen: Array<{ view: Uint8Array; copy: Uint8Array }> = [];
    const loop = createEventLoop(
      {
        onRequest(connection) {
          if (connection.reader.len() < 8) return;
          const view = connection.reader.next(4);
          const copy = connection.reader.readBinary(4);
          seen.push({ view, copy });
        },
      },
      { engine },
    );
    const { port } = await loop.serve({ host: '127.0.0.1', port: 0 });
    const client = await dial({ host: '127.0.0.1', port }, { engine });
    for (const text of ['abcdefgh', 'ijklmnop']) {
      client.writer.writeString(text);
      await client.writer.flush();
      await until(() => seen.length === (text === 'abcdefgh' ? 1 : 2), 'request handled');
    }
    // Both views are windows on the same slab memory (the engine's pooled block), far larger than 4 bytes.
    expect(seen[0].view.buffer).toBe(seen[1].view.buffer);
    expect(seen[0].view.buffer.byteLength).toBeGreaterThanOrEqual(engine.blockSize);
    expect(seen[0].copy.buffer).not.toBe(seen[0].view.buffer);
    expect(Buffer.from(seen[1].copy).toString()).toBe('mnop');
    client.close();
    await loop.shutdown();
  });
});
