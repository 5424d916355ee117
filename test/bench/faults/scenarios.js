'use strict';
/**
 * The fault scenarios of `npm run bench` (issue #12): each runs test/bench/faults/run.js once and turns its JSON
 * line into a table and comparisons. Kept apart from run.js, which only lists them.
 */
const path = require('node:path');
const { spawn } = require('node:child_process');
const { SERVERS } = require('../lib/catalog');
const { markdownTable, fmtInt, fmtBytes, fmtFixed } = require('../lib/table');

const ENTRY = path.join(__dirname, 'run.js');

function runFaults(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`test/bench/faults/run.js ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()));
      } catch (e) {
        reject(new Error(`test/bench/faults/run.js printed no JSON line: ${e.message}`));
      }
    });
  });
}

function available(result) {
  const a = SERVERS['rpc-echo'].availability();
  if (!a.ok) result.notAvailable('thriftpoll RPC', a.why);
  return a.ok;
}

const ms = (us) => fmtFixed(us / 1000, 1);

async function connections(ctx, result, compare) {
  if (!available(result)) return;
  const count = ctx.quick ? 1000 : 10000;
  const r = await runFaults(['--scenario', 'connections', '--connections', String(count), '--rate', '10', '--duration', String(ctx.quick ? 2 : 10)]);
  for (const id of ['rpc-echo', 'net-echo']) result.points.push({ server: id, label: SERVERS[id].label, ...r[id] });
  result.table = markdownTable(
    [{ title: 'server' }, { title: 'connections', align: 'right' }, { title: 'calls/s (asked)', align: 'right' }, { title: 'errors', align: 'right' },
      { title: 'skipped', align: 'right' }, { title: 'p99 ms', align: 'right' }, { title: 'RSS per connection', align: 'right' }],
    result.points.map((p) => [p.label, fmtInt(p.connected), `${fmtInt(p.calls_per_s)} (${fmtInt(r.asked_calls_per_s)})`, fmtInt(p.errors), fmtInt(p.skipped), ms(p.p99_us), fmtBytes(p.rss_per_connection_bytes)]),
  );
  compare(result, 'thriftpoll RPC vs Node net raw echo', r['rpc-echo'].rss_per_connection_bytes, r['net-echo'].rss_per_connection_bytes, 'RSS per connection', 1.5, 'max');
  result.note('skipped: calls due while the previous one on that connection was still out (the load is rate-limited, one call in flight per connection); the load comes from one Node process.');
}

async function slowloris(ctx, result, compare) {
  if (!available(result)) return;
  const r = await runFaults(['--scenario', 'slowloris', '--slow', String(ctx.quick ? 200 : 2000), '--duration', String(ctx.quick ? 2 : 10)]);
  result.points.push(r);
  result.table = markdownTable(
    [{ title: 'rate-limited client (10 x 20 calls/s)' }, { title: 'calls/s', align: 'right' }, { title: 'errors', align: 'right' }, { title: 'p50 ms', align: 'right' }, { title: 'p99 ms', align: 'right' }],
    [['alone', r.without], [`with ${fmtInt(r.slow_connections)} slowloris connections`, r.with]].map(([label, s]) => [label, fmtInt(s.calls_per_s), fmtInt(s.errors), ms(s.p50_us), ms(s.p99_us)]),
  );
  compare(result, 'with slowloris vs alone', r.with.p99_us, r.without.p99_us, 'p99', 1.5, 'max');
  result.note(`${fmtInt(r.slow_connections_cut)} slowloris connections were cut by the default readTimeout (10 s) during the run.`);
}

async function garbage(ctx, result) {
  if (!available(result)) return;
  const r = await runFaults(['--scenario', 'garbage', '--duration', String(ctx.quick ? 3 : 20)]);
  result.points.push(r);
  result.table = markdownTable(
    [{ title: 'garbage connections' }, { title: 'valid calls/s', align: 'right' }, { title: 'valid errors', align: 'right' }, { title: 'p99 ms', align: 'right' },
      { title: 'RSS before', align: 'right' }, { title: 'RSS peak', align: 'right' }, { title: 'RSS 2 s after', align: 'right' }, { title: 'server log chars', align: 'right' }],
    [[fmtInt(r.garbage_connections), fmtInt(r.valid.calls_per_s), fmtInt(r.valid.errors), ms(r.valid.p99_us), fmtBytes(r.rss_before_bytes), fmtBytes(r.rss_peak_bytes), fmtBytes(r.rss_after_bytes), fmtInt(r.server_output_chars)]],
  );
  const back = r.rss_growth_after_bytes <= 50 * 1024 * 1024;
  result.note(`RSS 2 s after the soak is ${fmtBytes(r.rss_growth_after_bytes)} above where it started: ${back ? 'within' : 'NOT within'} the 50 MB target.`);
}

module.exports = {
  FAULT_SCENARIOS: [
    { id: 'connections10k', title: 'Faults: 10,000 connections at 10 calls/s each (issue #12)', run: connections,
      describe: (c) => `${c.quick ? '1,000' : '10,000'} rate-limited connections x 10 calls/s, framed binary echo, thriftpoll RPC vs Node net raw echo` },
    { id: 'slowloris', title: 'Faults: slowloris vs a rate-limited client (issue #12)', run: slowloris,
      describe: (c) => `${c.quick ? 200 : 2000} connections trickling a byte per second, default readTimeout; p99 of a 200 calls/s client` },
    { id: 'garbage', title: 'Faults: valid load mixed with garbage (issue #12)', run: garbage,
      describe: (c) => `${c.quick ? 3 : 20} s of 200 valid calls/s with 50 garbage connections/s; server RSS and log volume` },
  ],
};
