#!/usr/bin/env node
'use strict';
/**
 * Fault scenarios against the thriftpoll RPC echo server (`npm run echo:server`, framed binary), each printing one
 * JSON line on stdout. Run by `npm run bench` (scenarios connections10k, slowloris, garbage) or by hand:
 *
 *   node test/bench/faults/run.js --scenario connections --connections 10000 --rate 10 --duration 10
 *   node test/bench/faults/run.js --scenario slowloris --slow 2000 --duration 10
 *   node test/bench/faults/run.js --scenario garbage --duration 20
 *
 *   connections  N connections each making `rate` calls/s (one in flight): errors, p99, and the server's RSS per
 *                connection, next to Node `net` (test/bench/net-echo) holding the same connections at the same
 *                rate with same-size raw payloads.
 *   slowloris    a rate-limited client (10 connections x 20 calls/s) alone, then with `slow` connections trickling
 *                one byte of a request per second (reconnecting when the server's default readTimeout cuts them):
 *                p99 with / p99 without (target <= 1.5).
 *   garbage      the rate-limited client for `duration` s while 50 connections/s send garbage (random bytes,
 *                HTTP requests, absurd frame lengths): the client's errors, and the server's RSS before, at peak and
 *                2 s after (target: back within 50 MB), and how many characters the server wrote (its logs).
 *
 * The load comes from this Node process (timers, not a closed loop): on a small machine it cannot reach 100,000
 * calls/s; `calls_per_s` says what was achieved, next to what was asked.
 */
const crypto = require('node:crypto');
const net = require('node:net');
const { binaryProtocol, GrowableBuffer, MessageType, TType } = require('@thriftpoll/protocol');
const { startCatalogServer } = require('../lib/catalog');
const { treeRssBytes } = require('../lib/proc');
const { LatencyRecorder } = require('../lib/latency');
const { delay, freePort } = require('../lib/server');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1];
}
const numberOption = (name, fallback) => Number(option(name, String(fallback)));

const MSG_BYTES = 64;

/** A framed binary EchoServer.echo call (examples/echo's IDL: echo(1: Request req), Request { 1: action, 2: msg }). */
function echoCall(seqid) {
  const out = new GrowableBuffer();
  const w = binaryProtocol.createWriter(out);
  w.writeMessageBegin('echo', MessageType.CALL, seqid);
  w.writeStructBegin('echo_args');
  w.writeFieldBegin(TType.STRUCT, 1);
  w.writeStructBegin('Request');
  w.writeFieldBegin(TType.STRING, 1);
  w.writeString('echo');
  w.writeFieldEnd();
  w.writeFieldBegin(TType.STRING, 2);
  w.writeString('m'.repeat(MSG_BYTES));
  w.writeFieldEnd();
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeFieldEnd();
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeMessageEnd();
  const payload = out.toBuffer();
  const frame = Buffer.alloc(4 + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, 4);
  return frame;
}

/**
 * `count` connections to host:port, each sending one request every 1000/rate ms when its previous one was
 * answered (a due request whose predecessor is still out is counted as `skipped`). `raw`: the request is echoed
 * byte for byte (Node net echo) instead of answered with a framed reply.
 */
async function rateLimitedLoad({ host, port, count, rate, raw = false }) {
  const latency = new LatencyRecorder();
  const stats = { sent: 0, answered: 0, skipped: 0, errors: 0, connected: 0 };
  const frame = echoCall(1);
  const period = 1000 / rate;
  const sockets = [];
  const connectOne = () =>
    new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const state = { socket, sentAt: 0, waiting: false, buffered: Buffer.alloc(0), next: 0, closed: false };
      socket.setNoDelay(true);
      socket.on('connect', () => {
        stats.connected++;
        resolve(state);
      });
      socket.on('error', () => {
        if (!state.closed) stats.errors++;
        state.closed = true;
        resolve(state);
      });
      socket.on('close', () => {
        if (!state.closed && !stopping) stats.errors++;
        state.closed = true;
      });
      socket.on('data', (chunk) => {
        state.buffered = state.buffered.length === 0 ? chunk : Buffer.concat([state.buffered, chunk]);
        const need = raw ? frame.length : state.buffered.length >= 4 ? 4 + state.buffered.readUInt32BE(0) : Infinity;
        if (state.buffered.length < need) return;
        const reply = state.buffered.subarray(0, need);
        state.buffered = state.buffered.subarray(need);
        // Framed binary reply header: version | type in the first i32 of the payload.
        if (!raw && (reply.readUInt32BE(4) & 0xff) !== MessageType.REPLY) stats.errors++;
        stats.answered++;
        latency.record(Number(process.hrtime.bigint() - state.sentAt) / 1000);
        state.waiting = false;
      });
      sockets.push(state);
    });
  let stopping = false;
  for (let i = 0; i < count; i += 256) await Promise.all(Array.from({ length: Math.min(256, count - i) }, connectOne));
  const started = Date.now();
  sockets.forEach((state, i) => (state.next = started + (i * period) / count));
  const timer = setInterval(() => {
    const now = Date.now();
    for (const state of sockets) {
      if (state.closed || now < state.next) continue;
      state.next += period;
      if (state.waiting) {
        stats.skipped++;
        continue;
      }
      state.waiting = true;
      state.sentAt = process.hrtime.bigint();
      stats.sent++;
      state.socket.write(frame);
    }
  }, 5);
  return {
    stats,
    latency,
    started,
    stop() {
      stopping = true;
      clearInterval(timer);
      for (const state of sockets) state.socket.destroy();
    },
  };
}

/** Slowloris: `count` connections, each trickling a request one byte per `intervalMs`, reconnecting when cut. */
function slowloris({ host, port, count, intervalMs }) {
  const frame = echoCall(1);
  const stats = { cut: 0 };
  let stopping = false;
  const sockets = new Set();
  const open = () => {
    if (stopping) return;
    const socket = net.connect({ host, port });
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < frame.length - 1) socket.write(frame.subarray(sent, ++sent));
    }, intervalMs);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
      if (!stopping) {
        stats.cut++;
        setTimeout(open, 100);
      }
    });
    sockets.add(socket);
  };
  for (let i = 0; i < count; i++) setTimeout(open, (i * 1000) / count);
  return {
    stats,
    stop() {
      stopping = true;
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Garbage peers: `perSecond` connections/s, each sending one kind of garbage and closing. */
function garbage({ host, port, perSecond }) {
  const kinds = [
    () => crypto.randomBytes(1024),
    () => Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'),
    () => Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x80, 0x01, 0x00, 0x01]),
  ];
  const stats = { sent: 0 };
  let index = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < Math.max(1, perSecond / 10); i++) {
      const socket = net.connect({ host, port });
      const bytes = kinds[index++ % kinds.length]();
      socket.on('error', () => undefined);
      socket.on('connect', () => {
        stats.sent++;
        socket.end(bytes);
      });
      setTimeout(() => socket.destroy(), 2000);
    }
  }, 100);
  return { stats, stop: () => clearInterval(timer) };
}

async function withServer(id, fn) {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const server = await startCatalogServer(id, { host, port });
  try {
    return await fn({ host, port, server });
  } finally {
    await server.stop({ timeoutMs: 5000 });
  }
}

function summary(run, seconds) {
  return { ...run.stats, calls_per_s: Math.round(run.stats.answered / seconds), ...run.latency.summary() };
}

async function scenarioConnections() {
  const count = numberOption('connections', 10000);
  const rate = numberOption('rate', 10);
  const seconds = numberOption('duration', 10);
  const result = { scenario: 'connections', connections: count, rate_per_connection: rate, asked_calls_per_s: count * rate, duration_s: seconds };
  for (const [id, raw] of [['rpc-echo', false], ['net-echo', true]]) {
    result[id] = await withServer(id, async ({ host, port, server }) => {
      const before = treeRssBytes(server.pid);
      const run = await rateLimitedLoad({ host, port, count, rate, raw });
      await delay(seconds * 1000);
      const during = treeRssBytes(server.pid);
      run.stop();
      return { ...summary(run, seconds), rss_before_bytes: before, rss_bytes: during, rss_per_connection_bytes: Math.round((during - before) / count) };
    });
  }
  return result;
}

async function scenarioSlowloris() {
  const slow = numberOption('slow', 2000);
  const seconds = numberOption('duration', 10);
  return withServer('rpc-echo', async ({ host, port }) => {
    const alone = await rateLimitedLoad({ host, port, count: 10, rate: 20 });
    await delay(seconds * 1000);
    alone.stop();
    const attack = slowloris({ host, port, count: slow, intervalMs: 1000 });
    await delay(1500);
    const attacked = await rateLimitedLoad({ host, port, count: 10, rate: 20 });
    await delay(seconds * 1000);
    attacked.stop();
    attack.stop();
    const without = summary(alone, seconds);
    const withSlow = summary(attacked, seconds);
    return {
      scenario: 'slowloris',
      slow_connections: slow,
      duration_s: seconds,
      without,
      with: withSlow,
      slow_connections_cut: attack.stats.cut,
      p99_ratio: without.p99_us > 0 ? Math.round((withSlow.p99_us / without.p99_us) * 100) / 100 : null,
    };
  });
}

async function scenarioGarbage() {
  const seconds = numberOption('duration', 20);
  const perSecond = numberOption('garbage-per-second', 50);
  return withServer('rpc-echo', async ({ host, port, server }) => {
    const before = treeRssBytes(server.pid);
    let output = 0;
    const countOutput = (chunk) => (output += chunk.length);
    server.child.stdout.on('data', countOutput);
    server.child.stderr.on('data', countOutput);
    const valid = await rateLimitedLoad({ host, port, count: 10, rate: 20 });
    const bad = garbage({ host, port, perSecond });
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, treeRssBytes(server.pid))), 250);
    await delay(seconds * 1000);
    bad.stop();
    valid.stop();
    await delay(2000);
    clearInterval(sampler);
    const after = treeRssBytes(server.pid);
    return {
      scenario: 'garbage',
      duration_s: seconds,
      garbage_connections: bad.stats.sent,
      valid: summary(valid, seconds),
      rss_before_bytes: before,
      rss_peak_bytes: peak,
      rss_after_bytes: after,
      rss_growth_after_bytes: after - before,
      server_output_chars: output,
    };
  });
}

const SCENARIOS = { connections: scenarioConnections, slowloris: scenarioSlowloris, garbage: scenarioGarbage };

const name = option('scenario', undefined);
if (!SCENARIOS[name]) {
  process.stderr.write(`faults: --scenario must be one of ${Object.keys(SCENARIOS).join(', ')}, got ${name}\n`);
  process.exit(2);
}
SCENARIOS[name]()
  .then((result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  })
  .catch((error) => {
    process.stderr.write(`faults ${name}: ${error.stack || error}\n`);
    process.exit(1);
  });
