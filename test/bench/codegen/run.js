#!/usr/bin/env node
'use strict';
// Codegen benchmark (issue #5):
//   1. generation time of the IDL compiler for a ~5,000-line IDL in the style of real service repositories
//      (a chain of 6 included files, ~250 annotated structs, services extending across files);
//   2. encode/decode speed of thriftpoll's *generated* codecs against Apache's *generated* code
//      (`thrift --gen js:node`, Debian's compiler) for the same IDL, on Apache's npm runtime, Binary and Compact:
//      the echo Request (1 KiB msg, idl/echo.thrift) and a ~2 KiB Complex (test/bench/codegen/bench.thrift).
//
//   3. with --presence only: the cost of field presence, paired in one process: the complex struct's codecs generated
//      with `zeroValues` (Kitex-style zero values, the behaviour before presence) against the default (presence).
//
// Usage: node test/bench/codegen/run.js [--quick] [--time-ms N] [--rounds N] [--no-build] [--presence]
// Prints one JSON line per measurement on stdout:
//   {"bench":"codegen","case":"generate","idl_lines":N,"idl_files":6,"output_lines":N,"ms":N,"ms_min":N,"runs":N}
//   {"bench":"codegen","case":"echo-1k","protocol":"binary","op":"encode","thriftpoll_ops":N,"apache_ops":N}
// Progress goes to stderr. Exits 1 if the two sides disagree on bytes, or if Debian's `thrift` is missing.
//
// Both sides are measured the same way as in the protocol benchmark: thriftpoll encodes into a reused
// GrowableBuffer and decodes with a reused reader; Apache encodes through TBufferedTransport + a protocol per
// message + flush(), and decodes through a TBufferedTransport over the message. Rounds alternate between the two
// so that both see the same machine load; figures are medians, indicative on a shared machine.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert');

const root = path.resolve(__dirname, '..', '..', '..');
const outDir = path.join(root, 'test', 'bench', 'out', 'codegen');
const args = parseArgs(process.argv.slice(2));

function parseArgs(argv) {
  const out = { timeMs: 1500, rounds: 5, generateRuns: 7, noBuild: false, presence: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--time-ms') out.timeMs = positive(value(), a);
    else if (a === '--rounds') out.rounds = positive(value(), a);
    else if (a === '--quick') Object.assign(out, { timeMs: 300, rounds: 3, generateRuns: 3 });
    else if (a === '--no-build') out.noBuild = true;
    else if (a === '--presence') out.presence = true;
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

function usage(error) {
  const text = 'usage: node test/bench/codegen/run.js [--quick] [--time-ms N] [--rounds N] [--no-build] [--presence]\n';
  if (error) {
    process.stderr.write(`bench:codegen: ${error}\n${text}`);
    process.exit(2);
  }
  process.stdout.write(text);
  process.exit(0);
}

function fail(message) {
  process.stderr.write(`bench:codegen: ${message}\n`);
  process.exit(1);
}

function emit(record) {
  process.stdout.write(`${JSON.stringify({ bench: 'codegen', ...record })}\n`);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

// ---- build ------------------------------------------------------------------------------------------------

if (!args.noBuild) {
  // The compiler, the protocol package and the `thriftpoll` bin's package run from their compiled output; build
  // them (quick when up to date).
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const built = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'codegen'), path.join(root, 'packages', 'thriftpoll')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) fail('building codegen, packages/protocol and packages/thriftpoll with tsc -b failed');
}
for (const built of ['codegen/dist/index.js', 'packages/protocol/dist/index.js', 'packages/thriftpoll/dist/cli.js']) {
  if (!fs.existsSync(path.join(root, built))) fail(`${built} is missing; run \`npx tsc -b\` or drop --no-build`);
}

process.noDeprecation = true; // Apache's library calls the deprecated `new Buffer()` on every value.
const codegen = require(path.join(root, 'codegen', 'dist', 'index.js'));
const tp = require('@thriftpoll/protocol');
const ts = require('typescript');
const { writeLargeIdl } = require('./large-idl');

// ---- 1. generation time -----------------------------------------------------------------------------------

function benchGeneration() {
  const idlDir = path.join(outDir, 'large-idl');
  fs.rmSync(idlDir, { recursive: true, force: true });
  const large = writeLargeIdl(idlDir);
  const times = [];
  const parseTimes = [];
  let generated = [];
  for (let run = 0; run < args.generateRuns; run++) {
    const t0 = process.hrtime.bigint();
    const { schema } = codegen.loadSchema([large.entry]);
    const t1 = process.hrtime.bigint();
    generated = codegen.generate(schema);
    const t2 = process.hrtime.bigint();
    parseTimes.push(Number(t1 - t0) / 1e6);
    times.push(Number(t2 - t0) / 1e6);
  }
  // The whole command, as a user runs it (node start-up, reading, writing files).
  const genDir = path.join(outDir, 'large-gen');
  const c0 = process.hrtime.bigint();
  const cli = spawnSync(process.execPath, [path.join(root, 'packages', 'thriftpoll', 'bin', 'thriftpoll.js'), 'gen', large.entry, '-o', genDir, '-q'], { encoding: 'utf8' });
  const cliMs = Number(process.hrtime.bigint() - c0) / 1e6;
  if (cli.status !== 0) fail(`thriftpoll gen failed on the large IDL:\n${cli.stderr}`);
  const outputLines = generated.reduce((n, f) => n + f.contents.split('\n').length - 1, 0);
  process.stderr.write(
    `  generate: ${large.lines} IDL lines in ${large.files.length} files -> ${generated.length} modules, ${outputLines} lines of TypeScript; ` +
      `median ${median(times).toFixed(0)} ms (parse+resolve ${median(parseTimes).toFixed(0)} ms) in-process, ${cliMs.toFixed(0)} ms for the CLI\n`,
  );
  emit({
    case: 'generate',
    idl_lines: large.lines,
    idl_files: large.files.length,
    output_lines: outputLines,
    ms: Math.round(median(times)),
    ms_min: Math.round(Math.min(...times)),
    parse_ms: Math.round(median(parseTimes)),
    cli_ms: Math.round(cliMs),
    runs: times.length,
  });
}

// ---- 2. generated codecs against Apache's generated code --------------------------------------------------

/** thriftpoll's generated TypeScript, transpiled to CommonJS next to the repository's node_modules. */
function thriftpollModules(idl, dir, options = {}) {
  const { schema } = codegen.loadSchema([idl]);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const modules = {};
  for (const file of codegen.generate(schema, options)) {
    const js = ts.transpileModule(file.contents, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    fs.writeFileSync(path.join(dir, `${file.module}.js`), js);
  }
  for (const file of fs.readdirSync(dir)) modules[path.basename(file, '.js')] = require(path.join(dir, file));
  return modules;
}

/** Apache's generated JavaScript (`thrift --gen js:node`). */
function apacheModules(idl, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const run = spawnSync('thrift', ['--gen', 'js:node', '-out', dir, idl], { encoding: 'utf8' });
  if (run.error) fail(`Debian's thrift compiler is needed for the Apache side (package thrift-compiler; .ci/run installs it): ${run.error.message}`);
  if (run.status !== 0) fail(`thrift --gen js:node ${idl} failed:\n${run.stderr}`);
  const modules = {};
  for (const file of fs.readdirSync(dir)) modules[path.basename(file, '.js')] = require(path.join(dir, file));
  return modules;
}

function payloads() {
  let msg = '';
  for (let i = 0; msg.length < 1024; i++) msg += String.fromCharCode(0x61 + (i % 26));
  const sub = (i) => ({
    id: 1000 + i,
    name: `sub-name-${i}`,
    score: i * 1.25 + 0.5,
    tags: [BigInt(i), 1700000000000n + BigInt(i), -BigInt(i * 7)],
    active: i % 2 === 0,
  });
  const byName = new Map();
  for (let i = 0; i < 10; i++) byName.set(`key-${i}`, sub(i));
  const items = [];
  for (let i = 10; i < 20; i++) items.push(sub(i));
  const blob = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) blob[i] = (i * 37) & 0xff;
  return {
    echo: { action: 'echo', msg },
    complex: {
      byName,
      items,
      labels: new Set(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']),
      inner: {
        label: 'inner-label',
        sub: sub(99),
        level: 3,
        note: 'A free-text note of a couple of hundred characters, the kind of description or comment field that real structs carry next to their ids and flags. It makes the payload about 2 KiB.',
      },
      createdAt: 1732357800123n,
      blob,
    },
  };
}

function timed(fn, batch, ms) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  const start = process.hrtime.bigint();
  let count = 0;
  let now = start;
  let keep = 0;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) keep ^= fn() === undefined ? 0 : 1;
    count += batch;
    now = process.hrtime.bigint();
  }
  if (keep === 2) process.stderr.write('');
  return (count * 1e9) / Number(now - start);
}

function calibrate(fn) {
  for (let batch = 1; ; batch *= 2) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    if (Number(process.hrtime.bigint() - t0) > 2e6 || batch > 1e6) return batch;
  }
}

function measurePair(ours, theirs) {
  const bo = calibrate(ours);
  const bt = calibrate(theirs);
  timed(ours, bo, Math.min(300, args.timeMs / 2));
  timed(theirs, bt, Math.min(300, args.timeMs / 2));
  const slice = args.timeMs / args.rounds;
  const a = [];
  const b = [];
  for (let r = 0; r < args.rounds; r++) {
    a.push(timed(ours, bo, slice));
    b.push(timed(theirs, bt, slice));
  }
  // Medians, then the best rounds (less sensitive to other load on a shared machine).
  return [median(a), median(b), Math.max(...a), Math.max(...b)];
}

function benchCodecs() {
  const thrift = require('thrift');
  const values = payloads();
  const oursEcho = thriftpollModules(path.join(root, 'idl', 'echo.thrift'), path.join(outDir, 'ts-echo'));
  const oursBench = thriftpollModules(path.join(__dirname, 'bench.thrift'), path.join(outDir, 'ts-bench'));
  const apacheEcho = apacheModules(path.join(root, 'idl', 'echo.thrift'), path.join(outDir, 'apache-echo'));
  const apacheBench = apacheModules(path.join(__dirname, 'bench.thrift'), path.join(outDir, 'apache-bench'));
  const cases = {
    'echo-1k': { value: values.echo, ours: oursEcho.echo.Request, Apache: apacheEcho.echo_types.Request },
    complex: { value: values.complex, ours: oursBench.bench.Complex, Apache: apacheBench.bench_types.Complex },
  };
  const protocols = {
    binary: { ours: tp.binaryProtocol, Apache: thrift.TBinaryProtocol },
    compact: { ours: tp.compactProtocol, Apache: thrift.TCompactProtocol },
  };
  const ratios = [];
  for (const [caseName, c] of Object.entries(cases)) {
    for (const [protocolName, p] of Object.entries(protocols)) {
      const out = new tp.GrowableBuffer({ initialCapacity: 8192 });
      const writer = p.ours.createWriter(out);
      const reader = p.ours.createReader(new Uint8Array(0));
      c.ours.encode(writer, c.value);
      writer.commit();
      const bytes = out.toBuffer();

      // Apache's value is what its generated code decodes from thriftpoll's bytes (node-int64, objects, arrays).
      const apacheIn = new thrift.TBufferedTransport();
      const point = () => {
        apacheIn.inBuf = bytes;
        apacheIn.readCursor = 0;
        apacheIn.writeCursor = bytes.length;
      };
      point();
      const apacheValue = new c.Apache();
      apacheValue.read(new p.Apache(apacheIn));
      let last = null;
      const apacheOut = new thrift.TBufferedTransport(undefined, (buf) => {
        last = buf;
      });

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
            apacheValue.write(new p.Apache(apacheOut));
            apacheOut.flush();
            return last.length;
          },
          decode() {
            point();
            const v = new c.Apache();
            v.read(new p.Apache(apacheIn));
            return v;
          },
        },
      };
      ops.apache.encode();
      assert.ok(Buffer.compare(last, bytes) === 0, `${caseName}/${protocolName}: Apache's generated code writes different bytes`);
      assert.deepStrictEqual(ops.ours.decode(), c.value, `${caseName}/${protocolName}: thriftpoll does not decode its own bytes back`);
      for (const op of ['encode', 'decode']) {
        const [thriftpollOps, apacheOps] = measurePair(ops.ours[op], ops.apache[op]);
        ratios.push(thriftpollOps / apacheOps);
        process.stderr.write(`  ${caseName} ${protocolName} ${op} (${bytes.length} bytes): ${Math.round(thriftpollOps)} vs ${Math.round(apacheOps)} ops/s = ${(thriftpollOps / apacheOps).toFixed(1)}x Apache\n`);
        emit({ case: caseName, protocol: protocolName, op, thriftpoll_ops: Math.round(thriftpollOps), apache_ops: Math.round(apacheOps) });
      }
    }
  }
  process.stderr.write(`  generated codecs: ${Math.min(...ratios).toFixed(1)}x to ${Math.max(...ratios).toFixed(1)}x Apache's generated code (target 5x)\n`);
}

/** Presence against zero values: the same fully set Complex, through both generated codecs, rounds alternating. */
function benchPresence() {
  const value = payloads().complex;
  const zero = thriftpollModules(path.join(__dirname, 'bench.thrift'), path.join(outDir, 'ts-bench-zero'), { zeroValues: true }).bench.Complex;
  const presence = thriftpollModules(path.join(__dirname, 'bench.thrift'), path.join(outDir, 'ts-bench-presence')).bench.Complex;
  for (const [protocolName, protocol] of [['binary', tp.binaryProtocol], ['compact', tp.compactProtocol]]) {
    const out = new tp.GrowableBuffer({ initialCapacity: 8192 });
    const writer = protocol.createWriter(out);
    const reader = protocol.createReader(new Uint8Array(0));
    const encoder = (codec) => () => {
      out.reset();
      codec.encode(writer, value);
      writer.commit();
      return out.length;
    };
    encoder(presence)();
    const bytes = out.toBuffer();
    encoder(zero)();
    assert.ok(Buffer.compare(out.toBuffer(), bytes) === 0, `presence/${protocolName}: the two codecs write different bytes`);
    const decoder = (codec) => () => {
      reader.reset(bytes);
      return codec.decode(reader);
    };
    for (const [op, make] of [['encode', encoder], ['decode', decoder]]) {
      const [after, before, bestAfter, bestBefore] = measurePair(make(presence), make(zero));
      const change = (after / before - 1) * 100;
      const bestChange = (bestAfter / bestBefore - 1) * 100;
      const signed = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
      process.stderr.write(
        `  presence complex ${protocolName} ${op}: median ${Math.round(after)} ops/s vs ${Math.round(before)} with zero values (${signed(change)}), ` +
          `best ${Math.round(bestAfter)} vs ${Math.round(bestBefore)} (${signed(bestChange)})\n`,
      );
      emit({
        case: 'presence',
        protocol: protocolName,
        op,
        presence_ops: Math.round(after),
        zero_values_ops: Math.round(before),
        change_pct: Number(change.toFixed(1)),
        best_change_pct: Number(bestChange.toFixed(1)),
      });
    }
  }
}

process.stderr.write(`bench:codegen: node ${process.version}; figures are medians, indicative on a shared machine\n`);
fs.mkdirSync(outDir, { recursive: true });
if (args.presence) {
  benchPresence();
} else {
  benchGeneration();
  benchCodecs();
}
