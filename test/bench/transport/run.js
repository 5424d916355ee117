#!/usr/bin/env node
'use strict';
// Transport micro-benchmark: framing overhead per message of every thriftpoll transport, in one run, with
// Apache's npm `thrift` framing measured alongside where it has an equivalent.
//
// Usage: node test/bench/transport/run.js [--time-ms N] [--rounds N] [--size BYTES] [--transport NAME]
//                                          [--op encode|decode] [--no-build]
// Under `npm run bench -- --quick` (THRIFTPOLL_BENCH_QUICK=1) points are shorter.
//
// One JSON line per measurement on stdout:
//   {"transport":"framed","protocol":"binary","op":"decode","payload_bytes":1047,"ns_per_message":N,
//    "baseline_ns":N,"overhead_ns":N,"thriftpoll_ops":N,"apache_ops":N}
// Progress goes to stderr. Exit status 1 if a transport does not round-trip the payload exactly.
//
// What is measured (per message, payload = a ready-encoded 1 KiB echo CALL, so protocol work is excluded):
//   encode  encoder.begin(envelope) + the payload written into encoder.sink (reserve/set/commit) + end(),
//           into a reused BufferSink (emptied every 64 messages, as a flush would);
//           baseline: the same payload copied into the sink with no framing.
//   decode  decoder.decode() over a stream of messages held in 64 KiB blocks (as the engine delivers
//           them), until every message is taken;
//           baseline: taking each message's known length as views (reader.nextChunks), no framing.
//   overhead_ns = ns_per_message - baseline_ns: what the framing itself costs.
//   Apache: TFramedTransport/TBufferedTransport write+flush per message (encode), TFramedTransport.receiver
//   over the same blocks (decode), THeader writeHeaders+flush (encode). Apache's unframed and THeader readers
//   cannot find message ends without decoding the message, so they have no decode figure (n/a).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..', '..');
const args = parseArgs(process.argv.slice(2));

if (!args.noBuild) {
  // Compile the transport package and its references (incremental) so the benchmark never runs stale code.
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const built = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'packages', 'transport')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) {
    process.stderr.write('bench:transport: building packages/transport failed\n');
    process.exit(1);
  }
}

process.noDeprecation = true; // Apache's library calls the deprecated `new Buffer()`.
// LinkBuffer is pure JS; its module is loaded on its own so this benchmark does not need the native addon.
const { LinkBuffer } = require(path.join(root, 'packages', 'netpoll', 'dist', 'linkbuffer.js'));
const { ProtocolId } = require('@thriftpoll/protocol');
const tt = require('@thriftpoll/transport');
const thrift = require('thrift');

const BLOCK = 64 * 1024;
const FLUSH_EVERY = 64;

function parseArgs(argv) {
  const quick = process.env.THRIFTPOLL_BENCH_QUICK === '1';
  const out = { timeMs: quick ? 150 : 600, rounds: quick ? 2 : 5, size: 1024, noBuild: false, transport: undefined, op: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--time-ms') out.timeMs = positive(value(), a);
    else if (a === '--rounds') out.rounds = positive(value(), a);
    else if (a === '--size') out.size = positive(value(), a);
    else if (a === '--transport') out.transport = value();
    else if (a === '--op') out.op = oneOf(value(), ['encode', 'decode'], a);
    else if (a === '--no-build') out.noBuild = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return out;
}

function positive(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) usage(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

function oneOf(text, allowed, name) {
  if (!allowed.includes(text)) usage(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`);
  return text;
}

function usage(problem) {
  if (problem) process.stderr.write(`bench:transport: ${problem}\n`);
  process.stderr.write('usage: node test/bench/transport/run.js [--time-ms N] [--rounds N] [--size BYTES] [--transport NAME] [--op encode|decode] [--no-build]\n');
  process.exit(problem ? 2 : 0);
}

/** A ready-encoded echo CALL carrying `size` bytes of text, in Binary or Compact. */
function echoCall(protocol, size) {
  const text = Buffer.alloc(size, 'x');
  if (protocol === ProtocolId.BINARY) {
    const head = Buffer.from([0x80, 0x01, 0x00, 0x01, 0, 0, 0, 4, 0x65, 0x63, 0x68, 0x6f, 0, 0, 0, 1, 0x0b, 0x00, 0x01, 0, 0, 0, 0]);
    head.writeUInt32BE(size, 19);
    return Buffer.concat([head, text, Buffer.from([0])]);
  }
  const varint = [];
  for (let v = size; ; v >>>= 7) {
    if (v < 0x80) {
      varint.push(v);
      break;
    }
    varint.push((v & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x82, 0x21, 0x01, 0x04, 0x65, 0x63, 0x68, 0x6f, 0x18, ...varint]), text, Buffer.from([0])]);
}

const HEADERS = tt.Metadata.from({ 'trace-id': 'abcdef0123456789', caller: 'bench' });

/** The cases: transport, protocol, envelope. */
function cases() {
  const list = [];
  for (const protocol of [ProtocolId.BINARY, ProtocolId.COMPACT]) {
    const p = protocol === ProtocolId.BINARY ? 'binary' : 'compact';
    list.push({ name: 'buffered', transport: 'buffered', protocol, p, envelope: { protocol } });
    list.push({ name: 'framed', transport: 'framed', protocol, p, envelope: { protocol } });
    list.push({ name: 'theader', transport: 'theader', protocol, p, envelope: { protocol, seqid: 1 } });
    list.push({ name: 'theader+headers', transport: 'theader', protocol, p, envelope: { protocol, seqid: 1, headers: HEADERS } });
    list.push({ name: 'theader+zlib', transport: 'theader', protocol, p, envelope: { protocol, seqid: 1, transforms: [tt.THeaderTransform.ZLIB] } });
    list.push({ name: 'ttheader', transport: 'ttheader', protocol, p, envelope: { protocol, seqid: 1 } });
    list.push({ name: 'ttheader+headers', transport: 'ttheader', protocol, p, envelope: { protocol, seqid: 1, headers: HEADERS.clone().setInt(tt.KitexIntKey.ToMethod, 'echo') } });
    list.push({ name: 'ttheader-framed', transport: 'ttheader-framed', protocol, p, envelope: { protocol, seqid: 1 } });
  }
  return list.filter((c) => args.transport === undefined || c.name === args.transport || c.transport === args.transport);
}

/** Runs `fn(n)` (which processes n messages) for about timeMs; returns ns per message (best of rounds). */
function measure(fn, batch) {
  fn(batch); // warm-up
  let best = Infinity;
  for (let round = 0; round < args.rounds; round++) {
    let messages = 0;
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(args.timeMs) * 1_000_000n;
    let now = start;
    while (now < deadline) {
      fn(batch);
      messages += batch;
      now = process.hrtime.bigint();
    }
    best = Math.min(best, Number(now - start) / messages);
  }
  return best;
}

function encodeRaw(payload) {
  const sink = new tt.BufferSink(BLOCK);
  return (n) => {
    for (let i = 0; i < n; i++) {
      const region = sink.reserve(payload.length);
      region.set(payload);
      sink.commit(payload.length);
      if (i % FLUSH_EVERY === FLUSH_EVERY - 1) sink.reset();
    }
    sink.reset();
  };
}

function encodeOurs(c, payload) {
  const sink = new tt.BufferSink(BLOCK);
  const encoder = tt.createEncoder(c.transport, sink, { droppedMetadata: 'ignore' });
  return (n) => {
    for (let i = 0; i < n; i++) {
      encoder.begin(c.envelope);
      const region = encoder.sink.reserve(payload.length);
      region.set(payload);
      encoder.sink.commit(payload.length);
      encoder.end();
      if (i % FLUSH_EVERY === FLUSH_EVERY - 1) sink.reset();
    }
    sink.reset();
  };
}

/** Apache's framing of one message as its clients do it: transport.write(payload) then flush(). */
function encodeApache(c, payload) {
  if (c.name === 'buffered' || c.name === 'framed') {
    const Transport = c.name === 'framed' ? thrift.TFramedTransport : thrift.TBufferedTransport;
    let sent = 0;
    const transport = new Transport(undefined, (buf) => {
      sent += buf.length;
    });
    return (n) => {
      for (let i = 0; i < n; i++) {
        transport.write(payload);
        transport.flush();
      }
      return sent;
    };
  }
  if (c.name === 'theader' || c.name === 'theader+headers') {
    let sent = 0;
    const transport = new thrift.TBufferedTransport(undefined, (buf) => {
      sent += buf.length;
    });
    transport.setProtocolId(c.protocol);
    return (n) => {
      for (let i = 0; i < n; i++) {
        if (c.name === 'theader+headers') for (const [k, v] of HEADERS.entries()) transport.setWriteHeader(k, v);
        transport.write(payload);
        transport.writeHeaders();
        transport.flush();
      }
      return sent;
    };
  }
  return undefined;
}

/** A stream of `count` framed messages in BLOCK-sized chunks, and each message's wire length. */
function stream(c, payload, count) {
  const sink = new tt.BufferSink(BLOCK);
  const encoder = tt.createEncoder(c.transport, sink, { droppedMetadata: 'ignore' });
  const lengths = [];
  for (let i = 0; i < count; i++) {
    encoder.begin(c.envelope);
    encoder.sink.reserve(payload.length).set(payload);
    encoder.sink.commit(payload.length);
    lengths.push(encoder.end());
  }
  const bytes = sink.take();
  const blocks = [];
  for (let at = 0; at < bytes.length; at += BLOCK) blocks.push(bytes.subarray(at, Math.min(bytes.length, at + BLOCK)));
  return { blocks, lengths, bytes };
}

function decodeRaw(data) {
  return () => {
    const reader = new LinkBuffer();
    for (const block of data.blocks) reader.append(block);
    for (const length of data.lengths) reader.nextChunks(length);
    reader.release();
  };
}

function decodeOurs(c, data, payload, check) {
  return () => {
    const reader = new LinkBuffer();
    for (const block of data.blocks) reader.append(block);
    const decoder = tt.createDecoder(c.transport);
    let count = 0;
    for (;;) {
      const message = decoder.decode(reader);
      if (message === undefined) break;
      if (check) verify(c, message, payload);
      count++;
    }
    reader.release();
    if (count !== data.lengths.length) throw new Error(`${c.name}: decoded ${count} of ${data.lengths.length} messages`);
  };
}

function decodeApache(c, data) {
  if (c.name !== 'framed') return undefined;
  return () => {
    let count = 0;
    const receive = thrift.TFramedTransport.receiver(() => {
      count++;
    });
    for (const block of data.blocks) receive(block);
    if (count !== data.lengths.length) throw new Error(`Apache framed: ${count} of ${data.lengths.length} frames`);
  };
}

function verify(c, message, payload) {
  const source = message.payload;
  const bytes = source instanceof Uint8Array ? Buffer.from(source) : Buffer.concat(source);
  if (!bytes.equals(payload) || message.protocol !== c.protocol) {
    process.stderr.write(`bench:transport: ${c.name} ${c.p} does not round-trip the payload\n`);
    process.exit(1);
  }
}

function main() {
  const results = [];
  for (const c of cases()) {
    const payload = echoCall(c.protocol, args.size);
    if (args.op === undefined || args.op === 'encode') {
      const baseline = measure(encodeRaw(payload), 256);
      const ours = measure(encodeOurs(c, payload), 256);
      const apacheFn = encodeApache(c, payload);
      const apache = apacheFn ? measure(apacheFn, 256) : undefined;
      results.push(line(c, 'encode', payload.length, ours, baseline, apache));
    }
    if (args.op === undefined || args.op === 'decode') {
      const count = Math.max(64, Math.floor((1024 * 1024) / (payload.length + 64)));
      const data = stream(c, payload, count);
      decodeOurs(c, data, payload, true)(); // correctness first
      const baseline = measure(decodeRaw(data), 1) / count;
      const ours = measure(decodeOurs(c, data, payload, false), 1) / count;
      const apacheFn = decodeApache(c, data);
      const apache = apacheFn ? measure(apacheFn, 1) / count : undefined;
      results.push(line(c, 'decode', payload.length, ours, baseline, apache));
    }
  }
  return results;
}

function line(c, op, payloadBytes, ours, baseline, apache) {
  const record = {
    transport: c.name,
    protocol: c.p,
    op,
    payload_bytes: payloadBytes,
    ns_per_message: round(ours),
    baseline_ns: round(baseline),
    overhead_ns: round(Math.max(0, ours - baseline)),
    thriftpoll_ops: Math.round(1e9 / ours),
  };
  if (apache !== undefined) record.apache_ops = Math.round(1e9 / apache);
  process.stdout.write(JSON.stringify(record) + '\n');
  process.stderr.write(
    `  ${c.name.padEnd(17)} ${c.p.padEnd(8)} ${op.padEnd(7)} ${record.ns_per_message.toFixed(0).padStart(7)} ns/msg` +
      ` (framing ${record.overhead_ns.toFixed(0).padStart(6)} ns)` +
      (apache !== undefined ? `  Apache ${apache.toFixed(0).padStart(7)} ns/msg` : '') +
      '\n',
  );
  return record;
}

function round(n) {
  return Math.round(n * 10) / 10;
}

process.stderr.write(`bench:transport: ${args.size}-byte text payload, ${args.rounds} rounds x ${args.timeMs} ms per point (best round)\n`);
main();
