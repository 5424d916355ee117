#!/usr/bin/env node
'use strict';
// Generic (IDL loaded at run time, JSON-shaped values) vs generated-style codecs, in one process, on the protocol
// benchmark's structs: the echo Request (1 KiB msg) and the ~2 KiB Complex, Binary and Compact.
//
// Usage: node test/bench/generic/run.js [--time-ms N] [--rounds N]     (build first: npx tsc -b)
// Prints one JSON line per measurement on stdout:
//   {"case":"complex","protocol":"binary","op":"decode","generated_ops":N,"generic_ops":N,"generic_vs_generated":0.42}
// Exit code 1 when the two disagree on bytes or values.
const path = require('node:path');
const assert = require('node:assert');
const tp = require('@thriftpoll/protocol');
const { loadIdl } = require('@thriftpoll/generic');
const generated = require('../protocol/thriftpoll-codecs');
const payloads = require('../protocol/payloads');

const args = { timeMs: 300, rounds: 3 };
for (let i = 2; i < process.argv.length; i += 2) {
  const flag = process.argv[i];
  const n = Number(process.argv[i + 1]);
  if ((flag !== '--time-ms' && flag !== '--rounds') || !Number.isInteger(n) || n <= 0) {
    process.stderr.write('usage: node test/bench/generic/run.js [--time-ms N] [--rounds N]\n');
    process.exit(2);
  }
  args[flag === '--time-ms' ? 'timeMs' : 'rounds'] = n;
}

/** The JSON shape of a generated-style value: Map -> object, Set -> array, bigint -> string, bytes -> base64. */
function toJson(value) {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, toJson(v)]));
  if (value instanceof Set) return [...value].map(toJson);
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}

const idl = loadIdl(path.join(__dirname, 'bench.thrift'));
const CASES = {
  'echo-1k': { value: payloads.echoRequest(), generated: generated.Request, generic: idl.struct('Request') },
  complex: { value: payloads.complex(), generated: generated.Complex, generic: idl.struct('Complex') },
};
const PROTOCOLS = { binary: tp.binaryProtocol, compact: tp.compactProtocol };

function opsPerSecond(run) {
  let best = 0;
  for (let round = 0; round < args.rounds; round++) {
    const start = process.hrtime.bigint();
    const until = start + BigInt(args.timeMs) * 1_000_000n;
    let ops = 0;
    let now = start;
    while (now < until) {
      for (let i = 0; i < 64; i++) run();
      ops += 64;
      now = process.hrtime.bigint();
    }
    best = Math.max(best, ops / (Number(now - start) / 1e9));
  }
  return Math.round(best);
}

let failed = false;
for (const [caseName, c] of Object.entries(CASES)) {
  const json = toJson(c.value);
  for (const [protocolName, protocol] of Object.entries(PROTOCOLS)) {
    const out = new tp.GrowableBuffer();
    const bytes = tp.serialize(c.generated, c.value, protocol);
    try {
      assert.deepStrictEqual(tp.serialize(c.generic, json, protocol), bytes, 'generic encode differs from generated encode');
      assert.deepStrictEqual(JSON.parse(JSON.stringify(tp.deserialize(c.generic, bytes, protocol))), json, 'generic decode differs');
    } catch (error) {
      process.stderr.write(`${caseName}/${protocolName}: ${error.message}\n`);
      failed = true;
      continue;
    }
    const writer = protocol.createWriter(out);
    const reader = protocol.createReader(bytes);
    const encode = (codec, value) => () => {
      out.reset();
      codec.encode(writer, value);
      writer.commit();
    };
    const decode = (codec) => () => {
      reader.reset(bytes);
      codec.decode(reader);
    };
    for (const [op, generatedRun, genericRun] of [
      ['encode', encode(c.generated, c.value), encode(c.generic, json)],
      ['decode', decode(c.generated), decode(c.generic)],
    ]) {
      const generatedOps = opsPerSecond(generatedRun);
      const genericOps = opsPerSecond(genericRun);
      const line = { case: caseName, protocol: protocolName, op, generated_ops: generatedOps, generic_ops: genericOps, generic_vs_generated: Number((genericOps / generatedOps).toFixed(2)) };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  }
}
process.exitCode = failed ? 1 : 0;
