import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { type Connection, Engine, type EngineMode, type EngineOptions } from '@thriftpoll/netpoll';

export const MODES: EngineMode[] = ['inline', 'threads', 'uring'];

/** A 4-byte big-endian length followed by the payload. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

/** Deterministic bytes. */
export function pattern(length: number, seed = 7): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The echo handler of examples/echo-raw: whole frames are written back, woken once per frame. */
export function echoFrames(connection: Connection): Promise<void> | undefined {
  const { reader, writer } = connection;
  let echoed = false;
  while (reader.len() >= 4) {
    const size = reader.peekUint32();
    if (reader.len() < 4 + size) {
      connection.wakeAt(4 + size);
      break;
    }
    for (const chunk of reader.nextChunks(4 + size)) writer.writeBinary(chunk);
    echoed = true;
  }
  return echoed ? writer.flush() : undefined;
}

/** Polls until `check` returns true (generous default: liveness only, never speed). */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A temporary directory for Unix socket paths, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-netpoll-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Engines created by a test file; destroyed after each test. */
export function engineFactory(): { create: (mode: EngineMode, options?: Omit<EngineOptions, 'mode'>) => Engine; destroyAll: () => void } {
  const engines: Engine[] = [];
  return {
    create(mode, options = {}) {
      const engine = new Engine({ mode, ...options });
      engines.push(engine);
      return engine;
    },
    destroyAll() {
      for (const engine of engines.splice(0)) engine.destroy();
    },
  };
}

/** Connects a Node `net` socket and collects everything it receives. */
export async function netClient(options: net.NetConnectOpts): Promise<{ socket: net.Socket; received: () => Buffer; ended: Promise<void>; closed: Promise<boolean> }> {
  const socket = net.connect(options);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => socket.on('end', () => resolve()));
  const closed = new Promise<boolean>((resolve) => socket.on('close', (hadError) => resolve(hadError)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), ended, closed };
}

/** Open file descriptors of this process. */
export function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** Records waitFor + next as one call, for client-side request/response tests. */
export async function readFrame(connection: Connection, timeoutMs = 10_000): Promise<Buffer> {
  await connection.waitFor(4, timeoutMs);
  const size = connection.reader.peekUint32();
  await connection.waitFor(4 + size, timeoutMs);
  connection.reader.skip(4);
  const payload = Buffer.from(connection.reader.readBinary(size));
  connection.reader.release();
  return payload;
}
