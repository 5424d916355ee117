#!/usr/bin/env node
'use strict';
// Protocol micro-benchmark: encode and decode ops/s of thriftpoll vs Apache's npm `thrift`, in the same process,
// for the echo Request (1 KiB msg) and a ~2 KiB complex struct, Binary and Compact.
//
// Usage: node test/bench/protocol/run.js [--time-ms N] [--rounds N] [--case echo-1k|complex]
//                                         [--protocol binary|compact] [--op encode|decode] [--no-build]
// Prints one JSON line per measurement on stdout:
//   {"case":"echo-1k","protocol":"binary","op":"encode","thriftpoll_ops":N,"apache_ops":N}
// Progress and notes go to stderr. Exit code 1 when the two libraries disagree on bytes or values.
//
// thriftpoll encodes into a reused GrowableBuffer (as it would into the engine's output blocks) and decodes with
// a reused reader; Apache encodes through TBufferedTransport + a protocol object per message and flush() (its
// client/server path) and decodes through a TBufferedTransport over the message with a protocol per message.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const assert = require('node:assert');

const root = path.resolve(__dirname, '..', '..', '..');
const args = parseArgs(process.argv.slice(2));

if (!args.noBuild) {
  // Compile the protocol package (incremental, quick when up to date) so the benchmark never runs stale code.
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const built = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'packages', 'protocol')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) {
    process.stderr.write('bench:protocol: building packages/protocol failed\n');
    process.exit(1);
  }
}

process.noDeprecation = true; // Apache's library calls the deprecated `new Buffer()` on every value.
const tp = require('@thriftpoll/protocol');
const thrift = require('thrift');
const ours = require('./thriftpoll-codecs');
const theirs = require('./apache-codecs');
const payloads = require('./payloads');

const PROTOCOLS = {
  binary: { ours: tp.binaryProtocol, Apache: thrift.TBinaryProtocol },
  compact: { ours: tp.compactProtocol, Apache: thrift.TCompactProtocol },
};
const CASES = {
  'echo-1k': { value: payloads.echoRequest(), ours: ours.Request, Apache: theirs.Request },
  complex: { value: payloads.complex(), ours: ours.Complex, Apache: theirs.Complex },
};

function parseArgs(argv) {
  const out = { timeMs: 1000, rounds: 5, noBuild: false, case: undefined, protocol: undefined, op: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--time-ms') out.timeMs = positive(value(), a);
    else if (a === '--rounds') out.rounds = positive(value(), a);
    else if (a === '--case') out.case = oneOf(value(), ['echo-1k', 'complex'], a);
    else if (a === '--protocol') out.protocol = oneOf(value(), ['binary', 'compact'], a);
    else if (a === '--op') out.op = oneOf(value(), ['encode', 'decode'], a);
    else if (a === '--no-build') out.noBuild = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return out;
}

function positive(text, flag) {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) usage(`${flag} needs a positive integer, got ${text}`);
  return n;
}

function oneOf(text, allowed, flag) {
  if (!allowed.includes(text)) usage(`${flag} must be one of ${allowed.join(', ')}, got ${text}`);
  return text;
}

function usage(error) {
  const text =
    'usage: node test/bench/protocol/run.js [--time-ms N] [--rounds N] [--case echo-1k|complex] ' +
    '[--protocol binary|compact] [--op encode|decode] [--no-build]\n';
  if (error) {
    process.stderr.write(`bench:protocol: ${error}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

/** An Apache transport that collects what flush() produces. */
function apacheWriteTransport() {
  const state = { last: null };
  const transport = new thrift.TBufferedTransport(undefined, (buf) => {
    state.last = buf;
  });
  return { transport, state };
}

/** Points an Apache TBufferedTransport at `bytes` for reading. */
function apacheReadTransport(transport, bytes) {
  transport.inBuf = bytes;
  transport.readCursor = 0;
  transport.writeCursor = bytes.length;
}

function setup(caseName, protocolName) {
  const c = CASES[caseName];
  const p = PROTOCOLS[protocolName];
  const out = new tp.GrowableBuffer({ initialCapacity: 8192 });
  const writer = p.ours.createWriter(out);
  const reader = p.ours.createReader(new Uint8Array(0));

  // Reference bytes from thriftpoll; the Apache value is what Apache decodes from them (node-int64, objects).
  c.ours.encode(writer, c.value);
  writer.commit();
  const bytes = out.toBuffer();
  const apacheIn = new thrift.TBufferedTransport();
  apacheReadTransport(apacheIn, bytes);
  const apacheValue = new c.Apache();
  apacheValue.read(new p.Apache(apacheIn));
  const { transport: apacheOut, state } = apacheWriteTransport();

  const ops = {
    ours: {
      encode() {
        out.reset();
        c.ours.encode(writer, c.value);
        writer.commit();
        return out.length;
      },
      decode() {
        reader.reset(bytes);
        return c.ours.decode(reader);
      },
    },
    apache: {
      encode() {
        const protocol = new p.Apache(apacheOut);
        apacheValue.write(protocol);
        apacheOut.flush();
        return state.last.length;
      },
      decode() {
        apacheReadTransport(apacheIn, bytes);
        const value = new c.Apache();
        value.read(new p.Apache(apacheIn));
        return value;
      },
    },
  };

  // The two libraries must agree before their speed means anything.
  ops.apache.encode();
  assert.ok(Buffer.compare(state.last, bytes) === 0, `${caseName}/${protocolName}: Apache's encoding differs from thriftpoll's`);
  assert.deepStrictEqual(ops.ours.decode(), c.value, `${caseName}/${protocolName}: thriftpoll does not decode its own bytes back`);
  return { ops, size: bytes.length };
}

/** Runs fn in batches for about `ms` milliseconds; returns ops/s. */
function timed(fn, batch, ms) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  const start = process.hrtime.bigint();
  let count = 0;
  let now = start;
  let sink = 0;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) sink ^= fn() === undefined ? 0 : 1;
    count += batch;
    now = process.hrtime.bigint();
  }
  if (sink === 2) process.stderr.write(''); // keep results observable
  return (count * 1e9) / Number(now - start);
}

/** A batch size that takes about 2 ms, so that reading the clock costs nothing measurable. */
function calibrate(fn) {
  let batch = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    if (Number(process.hrtime.bigint() - t0) > 2e6 || batch > 1e6) return batch;
    batch *= 2;
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/**
 * Measures functions in alternating rounds (ours, theirs, ..., ours, theirs, ...) so that all see the same
 * machine load, after a warm-up; returns the median ops/s of each.
 */
function measureTogether(fns) {
  const batches = fns.map(calibrate);
  const warm = Math.min(500, args.timeMs / 2);
  fns.forEach((fn, i) => timed(fn, batches[i], warm));
  const slice = args.timeMs / args.rounds;
  const rates = fns.map(() => []);
  for (let r = 0; r < args.rounds; r++) fns.forEach((fn, i) => rates[i].push(timed(fn, batches[i], slice)));
  return rates.map(median);
}

/** Converts the request's strings from UTF-8 and nothing else: the ceiling for any string-returning decoder. */
function stringCeiling(value) {
  const action = Buffer.from(value.action);
  const msg = Buffer.from(value.msg);
  return () => action.toString('utf8').length + msg.toString('utf8').length;
}

function main() {
  process.stderr.write(
    `bench:protocol: node ${process.version}, ${args.rounds} alternating rounds of ${Math.round(args.timeMs / args.rounds)} ms ` +
      'per library and measurement, medians (indicative on a shared machine)\n',
  );
  for (const caseName of Object.keys(CASES)) {
    if (args.case && args.case !== caseName) continue;
    for (const protocolName of Object.keys(PROTOCOLS)) {
      if (args.protocol && args.protocol !== protocolName) continue;
      const { ops, size } = setup(caseName, protocolName);
      for (const op of ['encode', 'decode']) {
        if (args.op && args.op !== op) continue;
        // Any decoder that returns JS strings must turn the UTF-8 bytes into strings; for echo-1k that alone bounds
        // the decode rate, so it is measured alongside (same rounds) and reported on stderr.
        const ceiling = caseName === 'echo-1k' && op === 'decode' ? stringCeiling(CASES[caseName].value) : undefined;
        const [thriftpollOps, apacheOps, ceilingOps] = measureTogether(
          ceiling === undefined ? [ops.ours[op], ops.apache[op]] : [ops.ours[op], ops.apache[op], ceiling],
        );
        process.stderr.write(
          `  ${caseName} ${protocolName} ${op} (${size} bytes): ${(thriftpollOps / apacheOps).toFixed(1)}x Apache\n`,
        );
        if (ceilingOps !== undefined) {
          process.stderr.write(
            `    (UTF-8 to string conversion of action + msg alone: ${(ceilingOps / apacheOps).toFixed(1)}x Apache; ` +
              `thriftpoll decodes at ${Math.round((100 * thriftpollOps) / ceilingOps)}% of that ceiling)\n`,
          );
        }
        process.stdout.write(
          JSON.stringify({
            case: caseName,
            protocol: protocolName,
            op,
            thriftpoll_ops: Math.round(thriftpollOps),
            apache_ops: Math.round(apacheOps),
          }) + '\n',
        );
      }
    }
  }
}

main();
