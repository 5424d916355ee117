#!/usr/bin/env node
'use strict';
// Binary against Compact decoding of the same value, in one process, without Apache: how many ns each reader needs
// per decode (reset + decode, as in run.js), next to V8's UTF-8 to string conversion of the value's strings.
// A gap between the two protocols that the conversion does not explain points at the reader itself.
//
// Usage: node test/bench/protocol/readers.js [--case echo-1k|complex] [--rounds N] [--no-build]
// Prints one JSON line per case on stdout: {"case":"echo-1k","binary_ns":N,"compact_ns":N,"strings_ns":N|null}
// (medians of N alternating rounds; indicative on a shared machine).
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const assert = require('node:assert');

const root = path.resolve(__dirname, '..', '..', '..');
const args = { case: undefined, rounds: 15, noBuild: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--case' && ['echo-1k', 'complex'].includes(process.argv[i + 1])) args.case = process.argv[++i];
  else if (a === '--rounds' && Number.isInteger(Number(process.argv[i + 1])) && Number(process.argv[i + 1]) > 0) args.rounds = Number(process.argv[++i]);
  else if (a === '--no-build') args.noBuild = true;
  else {
    process.stderr.write(`bench:readers: unexpected argument ${a}\nusage: node test/bench/protocol/readers.js [--case echo-1k|complex] [--rounds N] [--no-build]\n`);
    process.exit(2);
  }
}

if (!args.noBuild) {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const built = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'packages', 'protocol')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) {
    process.stderr.write('bench:readers: building packages/protocol failed\n');
    process.exit(1);
  }
}

const tp = require('@thriftpoll/protocol');
const payloads = require('./payloads');

/**
 * A fresh copy of the benchmark codecs for each protocol: one shared decode function would see both reader
 * classes and run polymorphic, which is not what an application using one protocol gets.
 */
function freshCodecs() {
  const file = require.resolve('./thriftpoll-codecs');
  delete require.cache[file];
  return require(file);
}

function decoder(protocol, codecName, value) {
  const codec = freshCodecs()[codecName];
  const out = new tp.GrowableBuffer({ initialCapacity: 8192 });
  const writer = protocol.createWriter(out);
  codec.encode(writer, value);
  writer.commit();
  const bytes = out.toBuffer();
  const reader = protocol.createReader(new Uint8Array(0));
  const decode = () => {
    reader.reset(bytes);
    return codec.decode(reader);
  };
  assert.deepStrictEqual(decode(), value, `${codecName}: the value does not decode back`);
  return decode;
}

/** Mean ns per call over n calls. */
function nsPerCall(fn, n) {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink ^= fn() === undefined ? 0 : 1;
  const ns = Number(process.hrtime.bigint() - start) / n;
  if (sink === 2) process.stderr.write('');
  return ns;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

const CASES = {
  'echo-1k': { codec: 'Request', value: payloads.echoRequest(), calls: 100000 },
  complex: { codec: 'Complex', value: payloads.complex(), calls: 5000 },
};

process.stderr.write(`bench:readers: node ${process.version}, ${args.rounds} alternating rounds, medians (indicative on a shared machine)\n`);
for (const [name, c] of Object.entries(CASES)) {
  if (args.case && args.case !== name) continue;
  const fns = {
    binary: decoder(tp.binaryProtocol, c.codec, c.value),
    compact: decoder(tp.compactProtocol, c.codec, c.value),
  };
  if (name === 'echo-1k') {
    const action = Buffer.from(c.value.action);
    const msg = Buffer.from(c.value.msg);
    fns.strings = () => action.toString('utf8').length + msg.toString('utf8').length;
  }
  const keys = Object.keys(fns);
  for (const k of keys) nsPerCall(fns[k], c.calls); // warm-up: optimized code before measuring
  const samples = Object.fromEntries(keys.map((k) => [k, []]));
  for (let r = 0; r < args.rounds; r++) for (const k of keys) samples[k].push(nsPerCall(fns[k], c.calls));
  const ns = Object.fromEntries(keys.map((k) => [k, Math.round(median(samples[k]))]));
  process.stderr.write(`  ${name}: binary ${ns.binary} ns, compact ${ns.compact} ns per decode${ns.strings ? `, UTF-8 conversion of the strings alone ${ns.strings} ns` : ''}\n`);
  process.stdout.write(JSON.stringify({ case: name, binary_ns: ns.binary, compact_ns: ns.compact, strings_ns: ns.strings ?? null }) + '\n');
}
