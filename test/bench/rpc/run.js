#!/usr/bin/env node
'use strict';
// RPC server-path micro-benchmark: what thriftpoll's server spends per request in user space, without sockets.
//
// Usage: node test/bench/rpc/run.js [--time-ms N] [--rounds N] [--size BYTES] [--connections LIST] [--observe LIST] [--no-build]
// Under `npm run bench -- --quick` (THRIFTPOLL_BENCH_QUICK=1) points are shorter.
//
// One JSON line per measurement on stdout:
//   {"bench":"rpc-server-path","connections":100,"size":1024,"ns_per_request":N,"requests_per_s":N}
// Progress goes to stderr. Exit status 1 if a reply is not the expected echo.
//
// --observe none,metrics,context,all measures the same path with the server's observability on: `metrics`
// (Prometheus metrics into a fresh prom-client Registry), `context` (propagateContext), `all` (both); default none.
//
// What is measured: the public createServer() with the echo example's generated EchoServer and handler, over an
// in-memory engine (the `engine` option takes any NetEngine): each connection's reader is a netpoll LinkBuffer
// that gets the request's bytes as a view, as the native engine appends a read; its writer keeps replies in a
// reused buffer and flush() hands them to a checker instead of a socket. Per request: the frame decode, message
// header, method lookup, argument decode (a Request with a `size`-byte string), the handler, result encode and
// framing, the flush and the session's bookkeeping. Not measured: the engine's event handling and the kernel
// (see docs/rpc.md: about 1 us and 6 us per request). Connections take turns one request each per batch, as
// the engine's batches do under a closed-loop load, so many connections show the cost of cold per-connection
// state.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..', '..');
const args = parseArgs(process.argv.slice(2));

if (!args.noBuild) {
  // The example's generated code and every package it uses, built incrementally (nothing runs stale code).
  const built = spawnSync(process.execPath, [path.join(root, 'examples', 'build.js'), '--quiet'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) {
    process.stderr.write('bench:rpc: building the echo example failed\n');
    process.exit(1);
  }
}

const { createServer } = require('@thriftpoll/rpc');
const { LinkBuffer } = require('@thriftpoll/netpoll');
const { EchoServer } = require(path.join(root, 'examples', 'echo', 'dist', 'gen', 'echo.js'));

const RESOLVED = Promise.resolve();

/** A framed strict-Binary CALL of echo(Request{action, msg}) with seqid 0 (patched per request). */
function echoCall(action, msg) {
  const a = Buffer.from(action);
  const m = Buffer.from(msg);
  const body = Buffer.alloc(4 + 4 + 4 + 4 + 4 + 3 + (3 + 4 + a.length) + (3 + 4 + m.length) + 1 + 1);
  let at = 4;
  at = body.writeUInt32BE(0x80010001, at);
  at = body.writeUInt32BE(4, at);
  at += body.write('echo', at, 'latin1');
  at = body.writeInt32BE(0, at); // seqid
  at = body.writeUInt8(12, at); // STRUCT
  at = body.writeInt16BE(1, at); // echo_args.req
  at = body.writeUInt8(11, at); // STRING
  at = body.writeInt16BE(1, at); // Request.action
  at = body.writeUInt32BE(a.length, at);
  at += a.copy(body, at);
  at = body.writeUInt8(11, at); // STRING
  at = body.writeInt16BE(2, at); // Request.msg
  at = body.writeUInt32BE(m.length, at);
  at += m.copy(body, at);
  at = body.writeUInt8(0, at); // STOP of Request
  at = body.writeUInt8(0, at); // STOP of echo_args
  body.writeUInt32BE(at - 4, 0);
  return body.subarray(0, at);
}

/** A NetWriter over one reused buffer: flush() passes the bytes to `sent` and starts again at its front. */
class MemoryWriter {
  constructor(sent) {
    this.buffer = Buffer.alloc(64 * 1024);
    this.position = 0;
    this.sent = sent;
  }
  reserve(size) {
    if (this.buffer.length - this.position < size) throw new RangeError(`bench writer: ${size} bytes do not fit`);
    return this.buffer.subarray(this.position);
  }
  commit(size) {
    this.position += size;
  }
  malloc(size) {
    const region = this.reserve(size).subarray(0, size);
    this.position += size;
    return region;
  }
  mallocLen() {
    return this.position;
  }
  mallocAck(size) {
    this.position = size;
  }
  flush() {
    this.sent(this.buffer, this.position);
    this.position = 0;
    return RESOLVED;
  }
  needsDrain() {
    return false;
  }
  drained() {
    return RESOLVED;
  }
}

class MemoryConnection {
  constructor(index, sent) {
    this.reader = new LinkBuffer();
    this.writer = new MemoryWriter(sent);
    this.remoteAddress = `127.0.0.1:${10000 + index}`;
    this.localAddress = '127.0.0.1:9090';
    this.handler = undefined;
    this.closed = false;
    this.closeCallbacks = [];
  }
  isActive() {
    return !this.closed;
  }
  setOnRequest(handler) {
    this.handler = handler;
  }
  wakeAt() {}
  addCloseCallback(callback) {
    if (this.closed) callback(undefined);
    else this.closeCallbacks.push(callback);
  }
  setBusy() {}
  setOnPeerClosed() {}
  shutdownWrite() {
    this.close();
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    for (const callback of this.closeCallbacks.splice(0)) callback(undefined);
  }
}

/** The in-memory engine: listen() hands out `count` connections at once. */
function memoryEngine(count, sent) {
  const connections = [];
  return {
    connections,
    engine: {
      name: 'net',
      async listen(_address, onConnection) {
        for (let i = 0; i < count; i++) {
          const connection = new MemoryConnection(i, sent);
          connections.push(connection);
          onConnection(connection);
        }
        return { address: { host: '127.0.0.1', port: 9090 }, stopAccepting: async () => undefined };
      },
      dial() {
        throw new Error('the bench engine only serves');
      },
    },
  };
}

/** Server options of an --observe choice. */
function observeOptions(observe) {
  const metrics = observe === 'metrics' || observe === 'all' ? new (require('prom-client').Registry)() : undefined;
  return { ...(metrics === undefined ? {} : { metrics }), ...(observe === 'context' || observe === 'all' ? { propagateContext: true } : {}) };
}

async function measure(connectionsCount, size, timeMs, observe) {
  const msg = 'x'.repeat(size);
  const request = echoCall('echo', msg);
  let replies = 0;
  let replyBytes = 0;
  let expected = 0;
  const sent = (buffer, length) => {
    // Every reply is a frame: count them and check their size (the first one is checked in full below).
    for (let at = 0; at < length; ) {
      const frame = buffer.readUInt32BE(at);
      if (expected === 0) expected = frame;
      else if (frame !== expected) throw new Error(`reply frame of ${frame} bytes, ${expected} expected`);
      at += 4 + frame;
      replies++;
      replyBytes += 4 + frame;
    }
  };
  let first;
  const check = (buffer, length) => {
    first = Buffer.from(buffer.subarray(0, length));
    sent(buffer, length);
  };
  let sink = check;
  const { engine, connections } = memoryEngine(connectionsCount, (b, n) => sink(b, n));
  const server = createServer({ service: EchoServer, handler: { echo: (req) => ({ action: req.action, msg: req.msg }) }, engine, transport: 'framed', protocol: 'binary', ...observeOptions(observe) });
  await server.listen({ host: '127.0.0.1', port: 9090 });

  let seqid = 0;
  const batch = () => {
    for (const connection of connections) {
      // A fresh view per request, as the engine appends one per read.
      const view = new Uint8Array(request.buffer, request.byteOffset, request.length);
      request.writeInt32BE(seqid++ | 0, 16);
      connection.reader.append(view);
      connection.handler(connection);
      connection.reader.release();
    }
  };
  batch();
  // With middleware (--observe) replies take a few more microtask turns.
  for (let turn = 0; turn < 100 && first === undefined; turn++) await null;
  sink = sent;
  verify(first, msg);

  // Warm-up, then the measured time, in batches of every connection with a microtask turn between batches.
  const run = async (ms) => {
    const start = process.hrtime.bigint();
    const until = start + BigInt(ms) * 1_000_000n;
    let count = 0;
    let now = start;
    while (now < until) {
      for (let k = 0; k < 16; k++) {
        batch();
        await null;
      }
      count += 16 * connections.length;
      now = process.hrtime.bigint();
    }
    return { count, ns: Number(now - start) };
  };
  await run(Math.min(500, timeMs));
  const before = replies;
  const { count, ns } = await run(timeMs);
  for (let turn = 0; turn < 100 && replies - before < count; turn++) await new Promise(setImmediate);
  if (replies - before !== count) throw new Error(`${count} requests sent, ${replies - before} replies`);
  await server.close({ timeout: 100 });
  return { ns_per_request: ns / count, requests_per_s: (count * 1e9) / ns, reply_bytes: replyBytes / replies };
}

/** The first reply must be a REPLY of echo whose result is Response{action: 'echo', msg}. */
function verify(reply, msg) {
  if (!reply) throw new Error('no reply was written');
  const name = reply.toString('latin1', 12, 16);
  const type = reply.readUInt32BE(4) & 0xff;
  const text = reply.toString('latin1');
  if (type !== 2 || name !== 'echo' || !text.includes(msg) || !text.includes('echo')) {
    throw new Error(`the first reply is not the echo REPLY (type ${type}, name '${name}', ${reply.length} bytes)`);
  }
}

async function main() {
  const quick = process.env.THRIFTPOLL_BENCH_QUICK === '1';
  const timeMs = args.timeMs ?? (quick ? 200 : 1000);
  const rounds = args.rounds ?? (quick ? 1 : 3);
  for (const connections of args.connections) for (const observe of args.observe) {
    const results = [];
    for (let r = 0; r < rounds; r++) results.push(await measure(connections, args.size, timeMs, observe));
    results.sort((a, b) => a.ns_per_request - b.ns_per_request);
    const best = results[0];
    const observed = observe === 'none' ? '' : `, observe ${observe}`;
    process.stderr.write(`rpc server path, ${connections} connection(s)${observed}: ${best.ns_per_request.toFixed(0)} ns/request (best of ${rounds})\n`);
    process.stdout.write(`${JSON.stringify({
      bench: 'rpc-server-path',
      connections,
      ...(observe === 'none' ? {} : { observe }),
      size: args.size,
      ns_per_request: Math.round(best.ns_per_request),
      requests_per_s: Math.round(best.requests_per_s),
      reply_bytes: best.reply_bytes,
    })}\n`);
  }
}

function parseArgs(argv) {
  const out = { timeMs: undefined, rounds: undefined, size: 1024, connections: [1, 100, 1000], observe: ['none'], noBuild: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const int = (v, min, max) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) usage(`${a} must be an integer in [${min}, ${max}], got '${v}'`);
      return n;
    };
    if (a === '--time-ms') out.timeMs = int(value(), 10, 600000);
    else if (a === '--rounds') out.rounds = int(value(), 1, 50);
    else if (a === '--size') out.size = int(value(), 0, 60000);
    else if (a === '--connections') out.connections = value().split(',').map((c) => int(c.trim(), 1, 100000));
    else if (a === '--observe') {
      out.observe = value().split(',').map((o) => o.trim());
      for (const o of out.observe) if (!['none', 'metrics', 'context', 'all'].includes(o)) usage(`--observe takes none, metrics, context, all; got '${o}'`);
    } else if (a === '--no-build') out.noBuild = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  return out;
}

function usage(error) {
  const text = 'usage: node test/bench/rpc/run.js [--time-ms N] [--rounds N] [--size BYTES] [--connections LIST] [--observe LIST] [--no-build]\n';
  if (error) {
    process.stderr.write(`bench:rpc: ${error}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`bench:rpc: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
