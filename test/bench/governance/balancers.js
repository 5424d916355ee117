#!/usr/bin/env node
'use strict';
// Per-call cost of each load balancer's pick() (and of the circuit breakers' filter + admit + record), in ns,
// over N endpoints: what balancing adds to every call. One process, no I/O; indicative on a shared machine.
//
// Usage: node test/bench/governance/balancers.js [--endpoints N] [--rounds N] [--no-build]
// Prints one JSON line per balancer on stdout: {"balancer":"weighted-round-robin","endpoints":N,"ns_per_pick":X}
// (median of --rounds rounds of 1e6 picks).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..', '..');
const args = { endpoints: 10, rounds: 7, noBuild: false };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const next = Number(process.argv[i + 1]);
  if (a === '--endpoints' && Number.isInteger(next) && next > 0) args.endpoints = (i++, next);
  else if (a === '--rounds' && Number.isInteger(next) && next > 0) args.rounds = (i++, next);
  else if (a === '--no-build') args.noBuild = true;
  else {
    process.stderr.write(`bench:balancers: unexpected argument ${a}\nusage: node test/bench/governance/balancers.js [--endpoints N] [--rounds N] [--no-build]\n`);
    process.exit(2);
  }
}

if (!args.noBuild) {
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const built = spawnSync(process.execPath, [tsc, '-b', path.join(root, 'packages', 'rpc')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) {
    process.stderr.write('bench:balancers: building packages/rpc failed\n');
    process.exit(1);
  }
}

const rpc = require('@thriftpoll/rpc');

const PICKS = 1_000_000;
const endpoints = rpc.parseEndpoints(Array.from({ length: args.endpoints }, (_, i) => ({ address: `10.0.0.${i + 1}:9000`, weight: 10 + (i % 3) * 10 })));
const keys = Array.from({ length: 1024 }, (_, i) => `user-${i}`);
const calls = keys.map((hashKey) => ({ service: 'Echo', method: 'echo', hashKey }));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/** ns per iteration of `body(i)`, median over rounds (the first round warms up and is dropped). */
function measure(body) {
  const rounds = [];
  for (let round = 0; round <= args.rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PICKS; i++) body(i);
    const ns = Number(process.hrtime.bigint() - start) / PICKS;
    if (round > 0) rounds.push(ns);
  }
  return Math.round(median(rounds) * 10) / 10;
}

const results = [];
let sink = 0;
for (const name of rpc.BALANCER_NAMES) {
  const balancer = rpc.createBalancer(name);
  balancer.rebalance?.(endpoints);
  const ns = measure((i) => {
    sink += balancer.pick(endpoints, calls[i & 1023]).weight;
  });
  results.push({ balancer: name, endpoints: args.endpoints, ns_per_pick: ns });
}

// The breakers on the same path: filter the candidates, admit the attempt, record its outcome.
const breakers = new rpc.CircuitBreakers({});
const context = { service: 'Echo', method: 'echo' };
results.push({
  balancer: 'circuit-breakers (filter+admit+record)',
  endpoints: args.endpoints,
  ns_per_pick: measure((i) => {
    const candidates = breakers.filter(endpoints);
    const endpoint = candidates[i % candidates.length];
    breakers.admit(context, endpoint);
    breakers.record(context, endpoint.key, undefined);
    sink += endpoint.weight;
  }),
});

if (sink === 0.5) process.stderr.write('unreachable\n');
for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
