'use strict';
/**
 * `npm run bench`: every benchmark of thriftpoll that this checkout can run, in one go.
 *
 * Builds the C load generator, then runs the scenarios below. Each server is started on a free loopback
 * port, awaited until it prints `listening`, driven by the load generator, sampled from /proc (CPU time at
 * the edges of the measured window, resident memory), and stopped with SIGTERM. Every figure is put next to
 * its peer measured in the same run (Node `net`, Apache `thrift`) as a ratio.
 *
 *   engine   raw echo ping-pong, C connections x S bytes: thriftpoll engine vs Node net          (issue #2)
 *   idle     the same with 1,000 connections of which 80% are idle                               (issue #2)
 *   memory   10,000 idle connections held open: server RSS per connection                        (issue #2)
 *   rpc      1 KiB EchoServer.echo, framed binary: thriftpoll RPC vs Apache thrift vs Node net
 *   metrics  the RPC echo server with metrics off vs --metrics, interleaved rounds: CPU per request on/off (#16)
 *            raw echo, at concurrency 10, 100 and 1000 (table + SVG chart)                       (issue #6)
 *   client   thriftpoll typed client vs Apache's client against the same server                  (issue #6)
 *   tls      1 KiB echo over TLS (framed binary): thriftpoll RPC server vs Apache thrift's, both driven by
 *            the thriftpoll client (the C load generator speaks no TLS); server CPU per request  (issue #13)
 *   workers  RPC EchoServer in 1 thread vs 2 worker threads: with --work-us of CPU per call and plain
 *            echo, --worker-connections connections                                             (issue #14)
 *   micro    the in-process micro-benchmarks test/bench/{protocol,transport,codegen,rpc}/run.js  (#3-#6)
 *   connections10k, slowloris, garbage   fault scenarios, see test/bench/faults/run.js         (issue #12)
 *   rate     fixed rate (the load generator's --interval): 1,000 conns x 16 B every 100 ms, 100 x 100/s,
 *            10 x 1,000/s; latency from the scheduled send time                                  (issue #18)
 *
 * The engine, rpc and rate scenarios also run the C limit servers (test/bench/limit-echo: epoll and io_uring,
 * built here like the load generator) and the thriftpoll servers on the `uring` engine mode; every row shows
 * its server CPU per request as a ratio to the C epoll limit's in the same run.
 *
 * A scenario whose server or entry point does not exist yet prints "not available: <why>"; one that exists
 * and breaks (does not start, exits, answers wrongly, reports errors) fails the run (exit status 1). Missing
 * targets do not fail the run: figures from a shared machine are indicative.
 *
 * Results go to test/bench/out/: results.json, results.md and rpc-concurrency.svg.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const os = require('node:os');
const { runCli, UsageError } = require('./lib/args');
const { buildLoadgen, loadgenVersion, OUT_DIR } = require('./lib/loadgen');
const { buildLimitServers } = require('./lib/limit');
const { measurePoint, measureIdleMemory } = require('./lib/measure');
const { freePort, onLines, delay, trackChild } = require('./lib/server');
const { SERVERS, CLIENTS, MICRO, ROOT, startCatalogServer, addBaselineServers } = require('./lib/catalog');
const { machineInfo, treeCpuMicros } = require('./lib/proc');
const { markdownTable, fmtInt, fmtFixed, fmtBytes, fmtRatio, ratio } = require('./lib/table');
const { lineChartSvg } = require('./lib/svg');
const { makeTestCertificates } = require('../support/tls-certs');

const { FAULT_SCENARIOS } = require('./faults/scenarios');

const SCENARIO_IDS = ['engine', 'idle', 'memory', 'rpc', 'metrics', 'client', 'tls', 'workers', 'micro', 'rate', ...FAULT_SCENARIOS.map((s) => s.id)];

/** The fixed-rate points (issue #18): connections, one call each every interval_ms, 16-byte payloads. */
const RATE_POINTS = [
  { connections: 1000, interval: 100 },
  { connections: 100, interval: 10 },
  { connections: 10, interval: 1 },
];
const RATE_SIZE = 16;

const spec = {
  duration: { type: 'number', min: 0.2, max: 3600, value: 'SEC', help: 'measured seconds per point (default 5; 1 with --quick)' },
  warmup: { type: 'number', min: 0, max: 600, value: 'SEC', help: 'warm-up seconds before each point, not counted (default 2; 0.5 with --quick)' },
  quick: { type: 'boolean', default: false, help: 'short smoke run: 1 s points, 2,000 held connections' },
  only: { type: 'string', value: 'LIST', help: `comma-separated scenarios to run: ${SCENARIO_IDS.join(',')} (default all)` },
  connections: { type: 'integer', default: 100, min: 1, max: 20000, value: 'C', help: 'engine scenario: connections, one request in flight each' },
  size: { type: 'integer', default: 1024, min: 0, max: 16 * 1024 * 1024, value: 'BYTES', help: 'payload (raw) or msg (rpc) bytes' },
  servers: { type: 'string', value: 'LIST', help: `comma-separated servers to run: ${Object.keys(SERVERS).join(',')} (default all available)` },
  concurrency: { type: 'string', default: '10,100,1000', value: 'LIST', help: 'rpc scenario: concurrency points (connections x 1 call each)' },
  'memory-connections': { type: 'integer', min: 1, max: 18000, value: 'N', help: 'memory scenario: idle connections held (default 10000; 2000 with --quick)' },
  rounds: { type: 'integer', min: 1, max: 20, value: 'N', help: 'measure each point N times, servers interleaved, and report the median-QPS round (default 3; 1 with --quick)' },
  'work-us': { type: 'integer', default: 200, min: 0, max: 100000, value: 'US', help: 'workers scenario: CPU microseconds each call burns in the handler' },
  'worker-connections': { type: 'integer', default: 64, min: 1, max: 20000, value: 'C', help: 'workers scenario: connections, one call in flight each' },
  threads: { type: 'integer', default: 1, min: 1, max: 2, value: '1|2', help: 'load generator threads' },
  pin: { type: 'string', default: 'auto', choices: ['auto', 'on', 'off'], help: 'pin servers to CPU 0 and load generators/clients to CPU 1 (see --cpus); auto: when there are 2 CPUs or more and taskset works' },
  taskset: { type: 'boolean', default: false, help: 'same as --pin on' },
  cpus: { type: 'string', value: 'S:L', help: 'with pinning: server CPU list S and load CPU list L, e.g. 0:1 or 0-1:2-3 (implies --taskset)' },
  out: { type: 'string', value: 'DIR', help: 'where results go (default test/bench/out)' },
  baseline: { type: 'string', value: 'DIR', help: 'also run the engine and RPC echo servers of another built checkout DIR (e.g. a git worktree of the commit before a change), interleaved with this one: a paired before/after comparison' },
  hog: { type: 'boolean', default: false, help: "run a busy loop on the servers' CPU for the whole run (the quiet-hours study: a CPU hog sharing the server's core; needs pinning)" },
};

const USAGE = `usage: npm run bench -- [options]      (or: node test/bench/run.js [options])

Runs the thriftpoll benchmarks available in this checkout; see docs/benchmarks.md.`;

/** Validates and completes the options. Throws an Error with a precise message for bad combinations. */
function resolveConfig(o) {
  const quick = o.quick;
  const baseline = o.baseline ? addBaselineServers(o.baseline) : [];
  const only = o.only ? o.only.split(',').map((s) => s.trim()).filter(Boolean) : SCENARIO_IDS;
  for (const s of only) {
    if (!SCENARIO_IDS.includes(s)) throw new UsageError(`--only: unknown scenario '${s}'; known: ${SCENARIO_IDS.join(', ')}`);
  }
  const servers = o.servers ? o.servers.split(',').map((s) => s.trim()).filter(Boolean) : null;
  for (const s of servers || []) {
    if (!SERVERS[s]) throw new UsageError(`--servers: unknown server '${s}'; known: ${Object.keys(SERVERS).join(', ')}`);
  }
  const concurrency = o.concurrency.split(',').map((s) => Number(s.trim()));
  for (const c of concurrency) {
    if (!Number.isInteger(c) || c < 1 || c > 15000) throw new UsageError(`--concurrency: '${o.concurrency}' must list integers in [1, 15000]`);
  }
  if (o.hog && o.pin === 'off') throw new UsageError("--hog shares the servers' pinned CPU with a busy loop and --pin off pins nothing: choose one");
  if (o.taskset && o.pin === 'off') throw new UsageError('--taskset asks for pinning and --pin off forbids it: choose one');
  if (o.cpus && o.pin === 'off') throw new UsageError('--cpus gives CPUs to pin to and --pin off forbids pinning: choose one');
  const pinMode = o.taskset || o.cpus ? 'on' : o.pin;
  let pin = null;
  let unpinnedWhy = pinMode === 'off' ? '--pin off' : '';
  if (pinMode !== 'off') {
    const text = o.cpus || '0:1';
    const m = /^([0-9,-]+):([0-9,-]+)$/.exec(text);
    if (!m) throw new UsageError(`--cpus expects SERVER_CPUS:LOAD_CPUS such as 0:1; got '${text}'`);
    const probe = !o.cpus && os.cpus().length < 2 ? null : spawnSync('taskset', ['-c', m[1], 'true']);
    if (probe === null) {
      if (pinMode === 'on') throw new UsageError('--pin on needs at least 2 CPUs to keep servers and load apart');
      unpinnedWhy = 'one CPU';
    } else if (probe.error || probe.status !== 0) {
      const why = `cannot run 'taskset -c ${m[1]} true'${probe.error ? ` (${probe.error.message})` : ''}`;
      if (pinMode === 'on') throw new UsageError(`--pin on: ${why}; install util-linux or use --pin off`);
      unpinnedWhy = why;
    } else {
      pin = { server: m[1], load: m[2] };
    }
  }
  return {
    host: '127.0.0.1',
    quick,
    only,
    servers,
    duration: o.duration ?? (quick ? 1 : 5),
    warmup: o.warmup ?? (quick ? 0.5 : 2),
    connections: o.connections,
    size: o.size,
    concurrency,
    headlineConcurrency: concurrency.reduce((best, c) => (Math.abs(c - 100) < Math.abs(best - 100) ? c : best)),
    memoryConnections: o.memoryConnections ?? (quick ? 2000 : 10000),
    threads: o.threads,
    workUs: o.workUs,
    workerConnections: o.workerConnections,
    rounds: o.rounds ?? (quick ? 1 : 3),
    pin,
    unpinnedWhy,
    hog: o.hog,
    baseline,
    outDir: o.out ? path.resolve(o.out) : OUT_DIR,
  };
}

/** Collects what one scenario found: its points, what was missing, what broke, and notes. */
class ScenarioResult {
  constructor(id, title) {
    this.id = id;
    this.title = title;
    this.points = [];
    this.unavailable = [];
    this.failures = [];
    this.notes = [];
    this.comparisons = [];
    this.table = '';
    /** label -> the most CPU other processes used during one of its points (% of a core). */
    this.worstOther = new Map();
  }
  get status() {
    if (this.failures.length) return 'failed';
    if (this.points.length === 0 && this.unavailable.length) return 'not available';
    if (this.unavailable.length) return 'partial';
    return 'ok';
  }
  notAvailable(who, why) {
    this.unavailable.push({ who, why });
    log(`  not available: ${who}: ${why}`);
  }
  fail(who, err) {
    const message = err instanceof Error ? err.message : String(err);
    this.failures.push({ who, message });
    log(`  FAILED: ${who}: ${message}`);
  }
  note(text) {
    if (!this.notes.includes(text)) this.notes.push(text);
  }
  /** Records that other work took pct% of a core while `who` was measured; one note per server, the worst. */
  disturbed(who, pct) {
    const worst = Math.max(pct, this.worstOther.get(who) || 0);
    this.worstOther.set(who, worst);
    const text = `${who}: other processes used up to ${worst}% of a core during its measured windows (other CPU %); ` +
      'such points have lower QPS and higher latency than the server can give (more --rounds, or a quieter machine).';
    const at = this.notes.findIndex((n) => n.startsWith(`${who}: other processes used up to `));
    if (at >= 0) this.notes[at] = text;
    else this.notes.push(text);
  }
  toJSON() {
    const { id, title, points, unavailable, failures, notes, comparisons } = this;
    return { id, title, status: this.status, points, comparisons, unavailable, failures, notes };
  }
}

function log(line) {
  process.stdout.write(`${line}\n`);
}

/** Other work above this share of a core during a point is called out in the report. */
const OTHER_CPU_NOTE_PCT = 20;

/**
 * Checks a loadgen point for errors and for a saturated load generator. Throws on errors, except a peer's
 * timeouts: a peer server (Apache's, Node's) that leaves calls unanswered is a finding about that peer, kept
 * with its figures (errors column) and named in the notes, not a failure of the run.
 */
function checkPoint(result, label, point, peer) {
  const timeouts = (point.errors_by_kind && point.errors_by_kind.timeout) || 0;
  if (peer && point.errors > 0 && timeouts === point.errors) {
    result.note(`${label} @${point.connections} connections: calls left unanswered after the load generator's request ` +
      `timeout (errors column; first: ${point.first_error || 'n/a'}); its QPS counts only the calls it answered.`);
  } else if (point.errors > 0) {
    throw new Error(`${point.errors} error(s) under load (${JSON.stringify(point.errors_by_kind)}); first: ${point.first_error || 'n/a'}`);
  }
  if (point.requests === 0) throw new Error('no request completed in the measured window');
  if (point.cold_at_start > 0) {
    result.note(`${label}: ${point.cold_at_start} connection(s) had not been answered once when the measured window ` +
      'opened (the warm-up waits up to the connect timeout for every connection).');
  }
  if (point.other_cpu_pct !== null && point.other_cpu_pct > OTHER_CPU_NOTE_PCT) result.disturbed(label, point.other_cpu_pct);
  if (point.loadgen_cpu_pct > 90 * point.threads) {
    result.note(`${label}: the load generator used ${point.loadgen_cpu_pct}% CPU; it may be the bottleneck ` +
      '(try --threads 2, or --taskset on a machine with spare cores).');
  }
}

function describePoint(p) {
  return `${fmtInt(p.qps)} req/s, p50 ${fmtFixed(p.p50_us)} us, p99 ${fmtFixed(p.p99_us)} us, ` +
    `server CPU ${fmtFixed(p.cpu_us_per_req, 2)} us/req (${fmtFixed(p.server_cpu_pct)}%), loadgen CPU ${fmtFixed(p.loadgen_cpu_pct)}%`;
}

function serverSelected(ctx, id) {
  return !ctx.servers || ctx.servers.includes(id);
}

/**
 * Starts server `id`, runs fn(handle) and always stops it. Returns fn's value, or undefined when the
 * server is skipped or not available (recorded) or broke (recorded as a failure).
 */
async function withServer(ctx, result, id, fn) {
  const handles = await startServers(ctx, result, [id]);
  const handle = handles.get(id);
  if (!handle) return undefined;
  try {
    return await fn(handle);
  } catch (err) {
    result.fail(SERVERS[id].label, err);
    return undefined;
  } finally {
    await stopServers(result, handles);
  }
}

/** Runs one loadgen point against a started server and returns its record (checked, not yet recorded). */
async function runPoint(ctx, result, id, handle, load, extra, roundTag) {
  const def = SERVERS[id];
  const point = await measurePoint(handle, {
    host: ctx.host, port: handle.port, mode: def.wire, size: ctx.size, duration: ctx.duration, warmup: ctx.warmup,
    threads: ctx.threads, ...load,
  }, { loadgenCpus: ctx.pin && ctx.pin.load, binary: ctx.loadgen });
  const record = { server: id, label: def.label, ...extra, ...point };
  log(`  ${def.label}${extra.concurrency ? ` @${extra.concurrency}` : ''}${roundTag}: ${describePoint(point)}`);
  checkPoint(result, def.label, point, def.peer === true);
  return record;
}

/** Starts every selected, available server of ids; records the others. Resolves with the started handles. */
async function startServers(ctx, result, ids) {
  const handles = new Map();
  for (const id of ids) {
    const def = SERVERS[id];
    if (!serverSelected(ctx, id)) {
      result.note(`${def.label} skipped (not in --servers).`);
      continue;
    }
    const availability = def.availability();
    if (!availability.ok) {
      result.notAvailable(def.label, availability.why);
      continue;
    }
    try {
      const port = await freePort(ctx.host);
      const h = await startCatalogServer(id, { host: ctx.host, port, cpus: ctx.pin && ctx.pin.server, certs: ctx.certs, workUs: ctx.workUs });
      h.port = port;
      handles.set(id, h);
    } catch (err) {
      result.fail(def.label, err);
    }
  }
  return handles;
}

async function stopServers(result, handles) {
  for (const [id, h] of handles) {
    const how = await h.stop();
    if (how === 'killed') result.note(`${SERVERS[id].label} did not exit within 5 s of SIGTERM and was killed.`);
  }
}

/**
 * Measures every server of ids at every load, --rounds times. All servers run at once (idle while another is
 * measured) and take turns, their order rotating each round, so that a burst of other work on the machine
 * hits all of them rather than one. For each server and load the round with the median QPS is recorded,
 * with every round's main figures under `rounds`. A server that breaks is recorded as failed and dropped.
 * loads: [{ load: loadgen options, extra: fields added to the record }].
 */
async function measureServers(ctx, result, ids, loads) {
  const handles = await startServers(ctx, result, ids);
  try {
    for (const { load, extra } of loads) {
      const rounds = new Map();
      for (let r = 0; r < ctx.rounds; r++) {
        const order = [...handles.keys()];
        for (let k = 0; k < r % Math.max(1, order.length); k++) order.push(order.shift());
        for (const id of order) {
          const h = handles.get(id);
          if (!h) continue;
          try {
            const record = await runPoint(ctx, result, id, h, load, extra, ctx.rounds > 1 ? ` [round ${r + 1}/${ctx.rounds}]` : '');
            if (!rounds.has(id)) rounds.set(id, []);
            rounds.get(id).push(record);
          } catch (err) {
            result.fail(SERVERS[id].label, err);
            handles.delete(id);
            await h.stop();
            rounds.delete(id);
          }
        }
      }
      for (const [id, records] of rounds) {
        if (!handles.has(id)) continue;
        const sorted = [...records].sort((a, b) => a.qps - b.qps);
        const median = sorted[Math.floor((sorted.length - 1) / 2)];
        const point = { ...median };
        if (records.length > 1) {
          point.rounds = records.map((x) => ({ qps: x.qps, p50_us: x.p50_us, p99_us: x.p99_us, cpu_us_per_req: x.cpu_us_per_req,
            other_cpu_pct: x.other_cpu_pct }));
        }
        result.points.push(point);
      }
    }
  } finally {
    await stopServers(result, handles);
  }
  if (ctx.rounds > 1) result.note(`Each row is the median-QPS round of ${ctx.rounds}; results.json has every round.`);
}

/** A ratio against a target, for the report. kind: 'min' (ratio >= target) or 'max' (ratio <= target) or 'below' (< target). */
function compare(result, what, a, b, metric, target, kind) {
  const r = ratio(a, b);
  const met = r === null ? null : kind === 'min' ? r >= target : kind === 'max' ? r <= target : r < target;
  const sign = kind === 'min' ? '>=' : kind === 'max' ? '<=' : '<';
  const c = { what, metric, ratio: r === null ? null : Math.round(r * 1000) / 1000, target: `${sign} ${target}x`, met };
  result.comparisons.push(c);
  return c;
}

function comparisonLines(comparisons) {
  return comparisons.map((c) => `- ${c.what}: ${c.metric} ${c.ratio === null ? 'n/a' : `${c.ratio.toFixed(2)}x`} ` +
    `(target ${c.target}: ${c.met === null ? 'n/a' : c.met ? 'met' : 'missed'})`);
}

const LATENCY_COLUMNS = [
  { title: 'QPS', align: 'right' },
  { title: 'p50 us', align: 'right' },
  { title: 'p99 us', align: 'right' },
  { title: 'p999 us', align: 'right' },
  { title: 'server CPU us/req', align: 'right' },
  { title: 'server CPU %', align: 'right' },
  { title: 'loadgen CPU %', align: 'right' },
  { title: 'other CPU %', align: 'right' },
  { title: 'errors', align: 'right' },
];
function latencyCells(p) {
  return [fmtInt(p.qps), fmtFixed(p.p50_us), fmtFixed(p.p99_us), fmtFixed(p.p999_us), fmtFixed(p.cpu_us_per_req, 2),
    fmtFixed(p.server_cpu_pct), fmtFixed(p.loadgen_cpu_pct), fmtFixed(p.other_cpu_pct), fmtInt(p.errors)];
}

const LIMIT_COLUMN = { title: 'CPU/req vs C epoll limit', align: 'right' };

/** The row's server CPU per request as a ratio to the C epoll limit's at the same load (the physical limit). */
function limitCell(p, limit) {
  return limit ? fmtRatio(p.cpu_us_per_req, limit.cpu_us_per_req) : 'n/a';
}

/** The C epoll limit's point speaking `wire` at the load `same` describes (the fields that must match). */
function limitPoint(result, wire, same) {
  const id = wire === 'raw' ? 'c-epoll-raw' : 'c-epoll-framed';
  return result.points.find((p) => p.server === id && Object.entries(same).every(([k, v]) => p[k] === v));
}

/** The engine-vs-net comparison shared by the engine and idle scenarios. */
function engineVersusNet(result, engine, net, what) {
  if (!engine || !net) return;
  compare(result, what, engine.qps, net.qps, 'QPS', 1.3, 'min');
  compare(result, what, engine.cpu_us_per_req, net.cpu_us_per_req, 'server CPU per request', 0.7, 'max');
  compare(result, what, engine.p99_us, net.p99_us, 'p99', 1, 'below');
}

async function scenarioRawEcho(ctx, result, { connections, idle }) {
  await measureServers(ctx, result, ['c-epoll-raw', 'c-uring-raw', 'engine-echo', ...baselineOf(ctx, 'engine-echo'), 'engine-echo-inline',
    'engine-echo-uring', 'net-echo'],
    [{ load: { connections, idle }, extra: { connections, idle } }]);
  const points = Object.fromEntries(result.points.map((p) => [p.server, p]));
  const limit = points['c-epoll-raw'];
  result.table = markdownTable([{ title: 'server' }, { title: 'active conns', align: 'right' }, { title: 'idle conns', align: 'right' },
    ...LATENCY_COLUMNS, LIMIT_COLUMN],
  result.points.map((p) => [p.label, fmtInt(p.connections), fmtInt(p.idle), ...latencyCells(p), limitCell(p, limit)]));
  engineVersusNet(result, points['engine-echo'], points['net-echo'], 'thriftpoll engine vs Node net');
  const uring = points['engine-echo-uring'];
  if (uring && limit) compare(result, 'thriftpoll engine (uring) vs C epoll limit', uring.cpu_us_per_req, limit.cpu_us_per_req, 'server CPU per request', 1, 'max');
  compareWithBaseline(result, points['engine-echo'], points['engine-echo-base']);
}

/** The `--baseline` twin of server `id`, when one runs. */
function baselineOf(ctx, id) {
  return ctx.baseline.includes(`${id}-base`) ? [`${id}-base`] : [];
}

/** This checkout against the baseline's same server: no regression beyond noise (5% of CPU per request). */
function compareWithBaseline(result, now, before) {
  if (!now || !before) return;
  const what = `${now.label} vs ${before.label}`;
  compare(result, what, now.cpu_us_per_req, before.cpu_us_per_req, 'server CPU per request', 1.05, 'max');
  compare(result, what, now.qps, before.qps, 'QPS', 0.95, 'min');
}

async function scenarioEngine(ctx, result) {
  await scenarioRawEcho(ctx, result, { connections: ctx.connections, idle: 0 });
}

async function scenarioIdle(ctx, result) {
  await scenarioRawEcho(ctx, result, { connections: 200, idle: 800 });
}

async function scenarioMemory(ctx, result) {
  const points = {};
  for (const id of ['engine-echo', 'engine-echo-inline', 'engine-echo-uring', 'rpc-echo', 'rpc-echo-inline', 'rpc-echo-uring', 'net-echo']) {
    if (!serverSelected(ctx, id)) continue;
    await withServer(ctx, result, id, async (h) => {
      const m = await measureIdleMemory(h, {
        host: ctx.host, port: h.port, connections: ctx.memoryConnections, loadgenCpus: ctx.pin && ctx.pin.load,
        binary: ctx.loadgen,
      });
      const record = { server: id, label: SERVERS[id].label, ...m };
      log(`  ${record.label}: ${fmtBytes(m.rss_per_conn_bytes)} per connection (${fmtInt(m.connections)} held, ` +
        `RSS ${fmtBytes(m.baseline_rss_bytes)} -> ${fmtBytes(m.held_rss_bytes)})`);
      result.points.push(record);
      points[id] = record;
    });
  }
  result.table = markdownTable([{ title: 'server' }, { title: 'connections', align: 'right' }, { title: 'RSS before', align: 'right' },
    { title: 'RSS held', align: 'right' }, { title: 'RSS per connection', align: 'right' }],
  result.points.map((p) => [p.label, fmtInt(p.connections), fmtBytes(p.baseline_rss_bytes), fmtBytes(p.held_rss_bytes),
    fmtBytes(p.rss_per_conn_bytes)]));
  const e = points['engine-echo'];
  const n = points['net-echo'];
  if (e && n) compare(result, 'thriftpoll engine vs Node net', e.rss_per_conn_bytes, n.rss_per_conn_bytes, 'RSS per idle connection', 1, 'max');
  const u = points['engine-echo-uring'];
  if (u && n) compare(result, 'thriftpoll engine (uring) vs Node net', u.rss_per_conn_bytes, n.rss_per_conn_bytes, 'RSS per idle connection', 1, 'max');
  result.note('RSS includes garbage not yet collected; figures are per connection of the growth, not of the heap.');
}

async function scenarioRpc(ctx, result) {
  await measureServers(ctx, result, ['c-epoll-framed', 'c-uring-framed', 'rpc-echo', ...baselineOf(ctx, 'rpc-echo'), 'rpc-echo-inline',
    ...baselineOf(ctx, 'rpc-echo-inline'), 'rpc-echo-uring', ...baselineOf(ctx, 'rpc-echo-uring'), 'apache-echo', 'net-echo'],
    ctx.concurrency.map((c) => ({ load: { connections: c }, extra: { concurrency: c } })));
  result.table = markdownTable([{ title: 'concurrency', align: 'right' }, { title: 'server' }, ...LATENCY_COLUMNS, LIMIT_COLUMN],
    [...result.points].sort((a, b) => a.concurrency - b.concurrency)
      .map((p) => [fmtInt(p.concurrency), p.label, ...latencyCells(p),
        limitCell(p, limitPoint(result, 'thrift-framed', { concurrency: p.concurrency }))]));
  const at = (id) => result.points.find((p) => p.server === id && p.concurrency === ctx.headlineConcurrency);
  const tp = at('rpc-echo');
  const ap = at('apache-echo');
  const net = at('net-echo');
  const tpUring = at('rpc-echo-uring');
  const tpInline = at('rpc-echo-inline');
  const limit = at('c-epoll-framed');
  compareWithBaseline(result, tp, at('rpc-echo-base'));
  compareWithBaseline(result, tpInline, at('rpc-echo-inline-base'));
  compareWithBaseline(result, tpUring, at('rpc-echo-uring-base'));
  if (tpUring && tpInline) {
    compare(result, `thriftpoll RPC uring vs inline @${ctx.headlineConcurrency}`, tpUring.cpu_us_per_req, tpInline.cpu_us_per_req, 'server CPU per request', 0.85, 'max');
  }
  if (tpUring && limit) {
    compare(result, `thriftpoll RPC uring vs C epoll limit @${ctx.headlineConcurrency}`, tpUring.cpu_us_per_req, limit.cpu_us_per_req, 'server CPU per request', 1.2, 'max');
  }
  if (tp && limit) {
    compare(result, `thriftpoll RPC vs C epoll limit @${ctx.headlineConcurrency}`, tp.cpu_us_per_req, limit.cpu_us_per_req, 'server CPU per request', 1.4, 'max');
  }
  if (tp && ap) {
    compare(result, `thriftpoll RPC vs Apache thrift @${ctx.headlineConcurrency}`, tp.qps, ap.qps, 'QPS', 4, 'min');
    compare(result, `thriftpoll RPC vs Apache thrift @${ctx.headlineConcurrency}`, tp.p99_us, ap.p99_us, 'p99', 1, 'below');
    compare(result, `thriftpoll RPC vs Apache thrift @${ctx.headlineConcurrency}`, tp.cpu_us_per_req, ap.cpu_us_per_req, 'server CPU per request', 1, 'max');
  }
  if (tp && net) {
    compare(result, `thriftpoll RPC vs Node net raw echo @${ctx.headlineConcurrency}`, tp.qps, net.qps, 'QPS', 1.3, 'min');
    compare(result, `thriftpoll RPC vs Node net raw echo @${ctx.headlineConcurrency}`, tp.p99_us, net.p99_us, 'p99', 1, 'below');
  }
  result.note(`Node net answers a raw ${ctx.size}-byte echo (no Thrift); the RPC servers decode and encode a framed ` +
    `binary EchoServer.echo call with a ${ctx.size}-byte msg.`);
  writeRpcChart(ctx, result);
}

function writeRpcChart(ctx, result) {
  const series = (metric) => ['rpc-echo', 'apache-echo', 'net-echo']
    .filter((id) => result.points.some((p) => p.server === id))
    .map((id) => ({
      name: SERVERS[id].label + (id === 'net-echo' ? ' (raw echo)' : ''),
      color: { 'rpc-echo': '#1f6feb', 'apache-echo': '#d1242f', 'net-echo': '#1a7f37' }[id],
      points: result.points.filter((p) => p.server === id).map((p) => ({ x: p.concurrency, y: metric(p) })),
    }));
  if (!result.points.length) return;
  const missing = result.unavailable.map((u) => `${u.who}: not available (${u.why})`);
  const info = machineInfo();
  const svg = lineChartSvg({
    title: `EchoServer.echo, ${ctx.size}-byte msg, framed binary: throughput and p99 vs concurrency`,
    subtitle: `${ctx.duration} s per point after ${ctx.warmup} s warm-up; ${info.cores} x ${info.cpuModel}; ` +
      `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${ctx.pin ? `; pinned ${ctx.pin.server}:${ctx.pin.load}` : ''}`,
    xLabel: 'concurrent calls (connections x 1 in flight)',
    xValues: ctx.concurrency,
    panels: [
      { title: 'Throughput', yLabel: 'requests per second', series: series((p) => p.qps) },
      { title: 'p99 latency (log scale)', yLabel: 'p99 latency (ms)', logY: true, format: (v) => (v >= 10 ? v.toFixed(0) : v.toFixed(2)), series: series((p) => p.p99_us / 1000) },
    ],
    notes: [...missing, 'Driven by the C load generator (test/bench/loadgen); figures from a shared 2-core machine are indicative.'],
  });
  const file = path.join(ctx.outDir, 'rpc-concurrency.svg');
  fs.writeFileSync(file, svg);
  result.chart = path.relative(ROOT, file);
  log(`  chart: ${result.chart}`);
}

/** Runs a JS load client to completion and returns its JSON line. */
function runClient(ctx, id, params) {
  const def = CLIENTS[id];
  const { command, args, cwd } = def.command(params);
  let cmd = command;
  let argv = args;
  if (ctx.pin) {
    argv = ['-c', ctx.pin.load, cmd, ...argv];
    cmd = 'taskset';
  }
  const limitMs = (params.duration + params.warmup) * 1000 + 120000;
  return new Promise((resolve, reject) => {
    const child = trackChild(spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true }), { group: true });
    let last;
    const lines = [];
    onLines(child.stdout, (line) => {
      lines.push(line);
      if (line.startsWith('{')) {
        try {
          last = JSON.parse(line);
        } catch {
          // not the report
        }
      }
    });
    onLines(child.stderr, (line) => lines.push(line));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, limitMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${def.label}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && last && typeof last.qps === 'number') resolve(last);
      else {
        reject(new Error(`${def.label} ${signal ? `was killed (${signal})` : `exited with status ${code}`}` +
          `${last ? '' : ' without a JSON report'}\n${lines.slice(-15).join('\n')}`));
      }
    });
  });
}

async function scenarioClient(ctx, result) {
  const serverId = serverSelected(ctx, 'rpc-echo') && SERVERS['rpc-echo'].availability().ok ? 'rpc-echo' : 'apache-echo';
  if (serverId !== 'rpc-echo') {
    result.note(`The thriftpoll RPC server is not available, so the clients call the ${SERVERS[serverId].label} server.`);
  }
  const concurrency = ctx.headlineConcurrency;
  await withServer(ctx, result, serverId, async (h) => {
    for (const id of ['rpc-client', 'apache-client']) {
      const def = CLIENTS[id];
      const availability = def.availability();
      if (!availability.ok) {
        result.notAvailable(def.label, availability.why);
        continue;
      }
      try {
        const cpuBefore = treeCpuMicros(h.pid);
        const r = await runClient(ctx, id, { host: ctx.host, port: h.port, concurrency, duration: ctx.duration, warmup: ctx.warmup, size: ctx.size });
        h.assertAlive();
        const serverCpu = treeCpuMicros(h.pid) - cpuBefore;
        const record = { client: id, label: def.label, server: serverId, server_label: SERVERS[serverId].label, concurrency, ...r,
          server_cpu_us_whole_run: serverCpu };
        log(`  ${def.label} -> ${SERVERS[serverId].label} @${concurrency}: ${fmtInt(r.qps)} req/s, p50 ${fmtFixed(r.p50_us)} us, ` +
          `p99 ${fmtFixed(r.p99_us)} us, client CPU ${fmtFixed(r.cpu_us_per_req, 2)} us/req, errors ${r.errors}`);
        if (r.errors > 0) throw new Error(`${r.errors} error(s); first: ${r.first_error || 'n/a'}`);
        if (!(r.qps > 0)) throw new Error('no call completed');
        result.points.push(record);
      } catch (err) {
        result.fail(def.label, err);
      }
    }
  });
  result.table = markdownTable([{ title: 'client' }, { title: 'server' }, { title: 'concurrency', align: 'right' },
    { title: 'QPS', align: 'right' }, { title: 'p50 us', align: 'right' }, { title: 'p99 us', align: 'right' },
    { title: 'client CPU us/req', align: 'right' }, { title: 'errors', align: 'right' }],
  result.points.map((p) => [p.label, p.server_label, fmtInt(p.concurrency), fmtInt(p.qps), fmtFixed(p.p50_us), fmtFixed(p.p99_us),
    fmtFixed(p.cpu_us_per_req, 2), fmtInt(p.errors)]));
  const tp = result.points.find((p) => p.client === 'rpc-client');
  const ap = result.points.find((p) => p.client === 'apache-client');
  if (tp && ap) compare(result, `thriftpoll client vs Apache client @${concurrency}`, tp.qps, ap.qps, 'QPS', 3, 'min');
  if (tp && tp.warmup_s === undefined) result.note('The thriftpoll client reports over its whole run (no warm-up excluded).');
}

async function scenarioTls(ctx, result) {
  const concurrency = ctx.headlineConcurrency;
  ctx.certs = makeTestCertificates();
  try {
    for (const serverId of ['rpc-echo-tls', 'apache-echo-tls']) {
      await withServer(ctx, result, serverId, async (h) => {
        const def = CLIENTS['rpc-client-tls'];
        const cpuBefore = treeCpuMicros(h.pid);
        const r = await runClient(ctx, 'rpc-client-tls', { host: ctx.host, port: h.port, concurrency, duration: ctx.duration, warmup: 0, size: ctx.size, certs: ctx.certs });
        h.assertAlive();
        const serverCpu = treeCpuMicros(h.pid) - cpuBefore;
        const record = { server: serverId, label: SERVERS[serverId].label, client: def.label, concurrency, ...r,
          server_cpu_us_per_req: r.requests > 0 ? Math.round((serverCpu / r.requests) * 100) / 100 : null };
        log(`  ${def.label} -> ${SERVERS[serverId].label} @${concurrency}: ${fmtInt(r.qps)} req/s, p50 ${fmtFixed(r.p50_us)} us, ` +
          `p99 ${fmtFixed(r.p99_us)} us, server CPU ${fmtFixed(record.server_cpu_us_per_req, 2)} us/req, errors ${r.errors}`);
        if (r.errors > 0) throw new Error(`${r.errors} error(s); first: ${r.first_error || 'n/a'}`);
        if (!(r.qps > 0)) throw new Error('no call completed');
        result.points.push(record);
      });
    }
  } finally {
    ctx.certs.remove();
    ctx.certs = undefined;
  }
  result.table = markdownTable([{ title: 'server' }, { title: 'client' }, { title: 'concurrency', align: 'right' },
    { title: 'QPS', align: 'right' }, { title: 'p50 us', align: 'right' }, { title: 'p99 us', align: 'right' },
    { title: 'server CPU us/req', align: 'right' }, { title: 'errors', align: 'right' }],
  result.points.map((p) => [p.label, p.client, fmtInt(p.concurrency), fmtInt(p.qps), fmtFixed(p.p50_us), fmtFixed(p.p99_us),
    fmtFixed(p.server_cpu_us_per_req, 2), fmtInt(p.errors)]));
  const tp = result.points.find((p) => p.server === 'rpc-echo-tls');
  const ap = result.points.find((p) => p.server === 'apache-echo-tls');
  if (tp && ap) {
    compare(result, `thriftpoll vs Apache server over TLS @${concurrency}`, tp.qps, ap.qps, 'QPS', 1, 'min');
    compare(result, `thriftpoll vs Apache server over TLS @${concurrency}`, tp.server_cpu_us_per_req, ap.server_cpu_us_per_req, 'server CPU per request', 1, 'max');
  }
  result.note('One mux connection (the echo client default), so the handshake is paid once; server CPU covers the whole client run.');
}

async function scenarioWorkers(ctx, result) {
  const connections = ctx.workerConnections;
  // Never pinned: two workers need both cores (the issue's setting), so the load generator shares them.
  const unpinned = { ...ctx, pin: null };
  // One pair at a time: a CPU-heavy handler (the case workers are for), then the plain echo.
  await measureServers(unpinned, result, ['rpc-work-w1', 'rpc-work-w2'], [{ load: { connections }, extra: { connections, work_us: ctx.workUs } }]);
  await measureServers(unpinned, result, ['rpc-echo', 'rpc-echo-w2'], [{ load: { connections }, extra: { connections, work_us: 0 } }]);
  result.table = markdownTable([{ title: 'server' }, { title: 'work us/call', align: 'right' }, { title: 'connections', align: 'right' },
    ...LATENCY_COLUMNS], result.points.map((p) => [p.label, fmtInt(p.work_us), fmtInt(p.connections), ...latencyCells(p)]));
  const at = (id) => result.points.find((p) => p.server === id);
  if (at('rpc-work-w1') && at('rpc-work-w2')) {
    compare(result, `2 workers vs 1 thread, ${ctx.workUs} us of work per call`, at('rpc-work-w2').qps, at('rpc-work-w1').qps, 'QPS', 1.6, 'min');
  }
  if (at('rpc-echo') && at('rpc-echo-w2')) {
    compare(result, '2 workers vs 1 thread, plain echo', at('rpc-echo-w2').qps, at('rpc-echo').qps, 'QPS', 1, 'min');
  }
  result.note('Nothing is pinned in this scenario (whatever --pin says): two workers need both cores, and the load generator ' +
    'competes with them for the CPUs (on 2 cores the plain echo is not expected to scale).');
  result.note('Connections are spread over the workers by the kernel (SO_REUSEPORT hashes each connection onto a listener).');
}

async function scenarioMicro(ctx, result) {
  const rows = [];
  for (const m of MICRO) {
    if (!fs.existsSync(m.entry)) {
      result.notAvailable(`${m.id} (${m.issue})`, `${path.relative(ROOT, m.entry)} does not exist yet`);
      continue;
    }
    log(`  ${m.id}: node ${path.relative(ROOT, m.entry)}`);
    try {
      const lines = await runMicro(ctx, m);
      for (const json of lines) {
        rows.push({ bench: m.id, ...json });
        result.points.push({ bench: m.id, ...json });
      }
    } catch (err) {
      result.fail(`${m.id} (${m.issue})`, err);
    }
  }
  if (!rows.length) return;
  const keys = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  const hasRatio = keys.includes('thriftpoll_ops') && keys.includes('apache_ops');
  const columns = keys.map((k) => ({ title: k, align: rows.some((r) => typeof r[k] === 'number') ? 'right' : 'left' }));
  if (hasRatio) columns.push({ title: 'thriftpoll/apache', align: 'right' });
  result.table = markdownTable(columns, rows.map((r) => {
    const cells = keys.map((k) => (r[k] === undefined ? '' : typeof r[k] === 'number' ? (Number.isInteger(r[k]) ? fmtInt(r[k]) : fmtFixed(r[k], 2)) : typeof r[k] === 'string' ? r[k] : JSON.stringify(r[k])));
    if (hasRatio) cells.push(fmtRatio(r.thriftpoll_ops, r.apache_ops));
    return cells;
  }));
}

/** Runs one micro-benchmark entry, echoing its output; resolves with the JSON objects it printed. */
function runMicro(ctx, m) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, ...(ctx.quick ? { THRIFTPOLL_BENCH_QUICK: '1' } : {}) };
    const child = trackChild(spawn(process.execPath, [m.entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const found = [];
    const tail = [];
    const onLine = (line) => {
      log(`    [${m.id}] ${line}`);
      tail.push(line);
      if (tail.length > 20) tail.shift();
      const t = line.trim();
      if (t.startsWith('{') && t.endsWith('}')) {
        try {
          const json = JSON.parse(t);
          if (json && typeof json === 'object' && !Array.isArray(json)) found.push(json);
        } catch {
          // a line that only looks like JSON
        }
      }
    };
    onLines(child.stdout, onLine);
    onLines(child.stderr, onLine);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30 * 60 * 1000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(found);
      else reject(new Error(`${path.relative(ROOT, m.entry)} ${signal ? `was killed (${signal})` : `exited with status ${code}`}`));
    });
  });
}

/**
 * The cost of metrics (issue #16): the RPC echo server with metrics off and with --metrics, in the same run and
 * interleaved rounds, at the headline concurrency. The ratio of server CPU per request is taken per round
 * (on / off of the same round), and the median of those is the figure (goal <= 1.05).
 */
async function scenarioMetrics(ctx, result) {
  const c = ctx.headlineConcurrency;
  await measureServers(ctx, result, ['rpc-echo', 'rpc-echo-metrics'], [{ load: { connections: c }, extra: { concurrency: c } }]);
  result.table = markdownTable([{ title: 'server' }, ...LATENCY_COLUMNS], result.points.map((p) => [p.label, ...latencyCells(p)]));
  const off = result.points.find((p) => p.server === 'rpc-echo');
  const on = result.points.find((p) => p.server === 'rpc-echo-metrics');
  if (!off || !on) return;
  const pairs = off.rounds && on.rounds ? off.rounds.map((r, i) => [on.rounds[i], r]).filter(([a, b]) => a && b) : [[on, off]];
  const ratios = pairs.map(([a, b]) => ratio(a.cpu_us_per_req, b.cpu_us_per_req)).filter((r) => r !== null).sort((a, b) => a - b);
  const median = ratios.length === 0 ? null : ratios[Math.floor((ratios.length - 1) / 2)];
  const metric = `server CPU per request (median of the per-round ratios ${ratios.map((r) => r.toFixed(3)).join(', ')})`;
  result.comparisons.push({ what: `metrics on vs off @${c}`, metric, ratio: median === null ? null : Math.round(median * 1000) / 1000,
    target: '<= 1.05x', met: median === null ? null : median <= 1.05 });
  compare(result, `metrics on vs off @${c}`, on.qps, off.qps, 'QPS (median-QPS rounds)', 0.95, 'min');
  result.note('Same server, same flags but --metrics (nothing scrapes it during the run: the per-request cost is measured, ' +
    'not the cost of a scrape). The echo server has no tracing or propagateContext flag, so no third row.');
}

/** Fixed rate (issue #18): open-loop calls at RATE_POINTS; RPC against Node net's raw echo and the C limit. */
async function scenarioRate(ctx, result) {
  await measureServers(ctx, result, ['c-epoll-raw', 'c-epoll-framed', 'engine-echo', 'engine-echo-inline', 'engine-echo-uring', 'rpc-echo',
    'rpc-echo-inline', 'rpc-echo-uring', 'rpc-echo-stgc', 'net-echo'],
    RATE_POINTS.map(({ connections, interval }) => ({ load: { connections, interval, size: RATE_SIZE }, extra: { connections, interval } })));
  const sorted = [...result.points].sort((a, b) => b.interval - a.interval || a.server.localeCompare(b.server));
  result.table = markdownTable([{ title: 'connections x interval' }, { title: 'server' }, ...LATENCY_COLUMNS, LIMIT_COLUMN],
    sorted.map((p) => [`${fmtInt(p.connections)} x ${p.interval} ms`, p.label, ...latencyCells(p),
      limitCell(p, limitPoint(result, SERVERS[p.server].wire, { connections: p.connections, interval: p.interval }))]));
  for (const { connections, interval } of RATE_POINTS) {
    const at = (id) => result.points.find((p) => p.server === id && p.connections === connections && p.interval === interval);
    const net = at('net-echo');
    for (const id of ['rpc-echo', 'rpc-echo-inline', 'rpc-echo-uring', 'rpc-echo-stgc']) {
      const p = at(id);
      if (!p || !net) continue;
      const what = `${SERVERS[id].label} vs Node net raw echo @${connections} x ${interval} ms`;
      compare(result, what, p.p50_us, net.p50_us, 'p50', 1.1, 'max');
      compare(result, what, p.p99_us, net.p99_us, 'p99', 1, 'max');
      compare(result, what, p.cpu_us_per_req, net.cpu_us_per_req, 'server CPU per call', 1, 'max');
    }
  }
  result.note(`Open loop: each connection sends one ${RATE_SIZE}-byte call (RPC: msg) per interval whatever the server's speed; ` +
    'latency counts from the scheduled send time, so a server that falls behind shows it.');
}

const SCENARIOS = [
  { id: 'engine', title: 'Engine: raw echo ping-pong (issue #2)', run: scenarioEngine,
    describe: (c) => `${c.connections} connections x 1 request in flight, ${c.size}-byte payloads, ${c.duration} s after ${c.warmup} s warm-up` },
  { id: 'idle', title: 'Engine: 1,000 connections, 80% idle (issue #2)', run: scenarioIdle,
    describe: (c) => `200 active + 800 silent connections, ${c.size}-byte payloads, ${c.duration} s after ${c.warmup} s warm-up` },
  { id: 'memory', title: 'Engine: memory held by idle connections (issue #2)', run: scenarioMemory,
    describe: (c) => `${c.memoryConnections} silent connections held open; server RSS growth per connection` },
  { id: 'rpc', title: 'RPC server: EchoServer.echo (issue #6)', run: scenarioRpc,
    describe: (c) => `framed binary, ${c.size}-byte msg, concurrency ${c.concurrency.join('/')}, ${c.duration} s per point after ${c.warmup} s warm-up` },
  { id: 'metrics', title: 'RPC server: the cost of metrics (issue #16)', run: scenarioMetrics,
    describe: (c) => `framed binary, ${c.size}-byte msg, concurrency ${c.headlineConcurrency}, metrics off vs --metrics in interleaved rounds, ${c.duration} s per point after ${c.warmup} s warm-up` },
  { id: 'client', title: 'RPC client: typed client vs Apache client (issue #6)', run: scenarioClient,
    describe: (c) => `concurrency ${c.headlineConcurrency}, ${c.size}-byte msg, ${c.duration} s` },
  { id: 'tls', title: 'TLS: EchoServer.echo over TLS, thriftpoll vs Apache (issue #13)', run: scenarioTls,
    describe: (c) => `framed binary over TLS 1.3, concurrency ${c.headlineConcurrency}, ${c.size}-byte msg, ${c.duration} s, thriftpoll client` },
  { id: 'workers', title: 'RPC server: worker threads (issue #14)', run: scenarioWorkers,
    describe: (c) => `framed binary, ${c.size}-byte msg, ${c.workerConnections} connections x 1 call, ${c.workUs} us of CPU per call vs none; 1 thread vs 2 workers; ${c.duration} s after ${c.warmup} s warm-up` },
  { id: 'micro', title: 'Micro-benchmarks (issues #3, #4, #5, #6)', run: scenarioMicro, describe: () => 'in-process, as each area defines them' },
  { id: 'rate', title: 'Fixed rate: the quiet hours (issue #18)', run: scenarioRate,
    describe: (c) => `${RATE_POINTS.map((r) => `${r.connections} conns x 1 call / ${r.interval} ms`).join(', ')}; ${RATE_SIZE}-byte payloads, ${c.duration} s per point after ${c.warmup} s warm-up` },
  ...FAULT_SCENARIOS.map((s) => ({ ...s, run: (ctx, result) => s.run(ctx, result, compare) })),
];

function renderMarkdown(ctx, meta, results) {
  const out = [];
  out.push('# thriftpoll benchmark results', '');
  out.push(`${meta.date} - ${meta.machine.cores} x ${meta.machine.cpuModel}, ${fmtBytes(meta.machine.memoryBytes)}, ` +
    `Node ${meta.machine.node}, ${meta.machine.kernel}; load average at start ${meta.machine.loadavg.join(' ')}; ` +
    `git ${meta.git}; loadgen ${meta.loadgen}, ${ctx.threads} thread(s); ${ctx.pin ? `servers pinned to CPU ${ctx.pin.server}, load to CPU ${ctx.pin.load}` : `nothing pinned (${ctx.unpinnedWhy})`}.`);
  out.push('', 'Figures from a machine shared with other work are indicative; compare ratios within one run.', '');
  for (const r of results) {
    const s = SCENARIOS.find((x) => x.id === r.id);
    out.push(`## ${r.title}`, '', `${s.describe(ctx)}. Status: **${r.status}**.`, '');
    if (r.table) out.push(r.table, '');
    if (r.comparisons.length) out.push(...comparisonLines(r.comparisons), '');
    if (r.chart) out.push(`![${r.title}](rpc-concurrency.svg)`, '');
    for (const u of r.unavailable) out.push(`- not available: ${u.who}: ${u.why}`);
    for (const f of r.failures) out.push(`- FAILED: ${f.who}: ${f.message.split('\n')[0]}`);
    for (const n of r.notes) out.push(`- ${n}`);
    out.push('');
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

function gitDescribe() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return `${r.stdout.trim()}${dirty.stdout && dirty.stdout.trim() ? '+dirty' : ''}`;
}

async function main(options) {
  const ctx = resolveConfig(options);
  process.on('SIGINT', () => process.exit(130)); // so the exit hook stops the servers
  process.on('SIGTERM', () => process.exit(143));
  fs.mkdirSync(ctx.outDir, { recursive: true });
  const machine = machineInfo();
  log(`thriftpoll benchmarks: ${machine.cores} x ${machine.cpuModel}, Node ${machine.node}, load average ${machine.loadavg.join(' ')}`);
  if (machine.loadavg[0] > 0.5) log('  note: other work is running; figures will be noisy (compare ratios within this run).');

  const build = buildLoadgen();
  if (build.warnings) {
    throw new Error(`the load generator compiled with warnings (it must not):\n${build.warnings}`);
  }
  ctx.loadgen = build.binary;
  const limits = buildLimitServers();
  for (const [name, built] of Object.entries(limits)) {
    if (built.warnings) throw new Error(`the C ${name} limit server compiled with warnings (it must not):\n${built.warnings}`);
  }
  const meta = { date: new Date().toISOString(), machine, git: gitDescribe(), loadgen: loadgenVersion(build.binary) };
  log(`load generator: ${path.relative(ROOT, build.binary)} (${build.rebuilt ? 'built' : 'up to date'}, version ${meta.loadgen})`);

  const stopHog = ctx.hog ? startHog(ctx) : () => undefined;
  const results = [];
  try {
    await runScenarios(ctx, results);
  } finally {
    stopHog();
  }


  const config = { ...ctx, loadgen: path.relative(ROOT, ctx.loadgen), outDir: path.relative(ROOT, ctx.outDir) || '.' };
  const json = { meta, config, scenarios: results.map((r) => r.toJSON()) };
  fs.writeFileSync(path.join(ctx.outDir, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  const md = renderMarkdown(ctx, meta, results);
  fs.writeFileSync(path.join(ctx.outDir, 'results.md'), md);
  log(`\n${md}`);
  log(`results: ${path.relative(ROOT, path.join(ctx.outDir, 'results.json'))}, ${path.relative(ROOT, path.join(ctx.outDir, 'results.md'))}`);

  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length) {
    log(`\nFAILED: ${failed.map((r) => r.id).join(', ')}`);
    process.exitCode = 1;
  }
}

/** Runs the scenarios of --only in order, each result pushed to `results`. */
async function runScenarios(ctx, results) {
  for (const s of SCENARIOS) {
    if (!ctx.only.includes(s.id)) continue;
    log(`\n== ${s.title}\n   ${s.describe(ctx)}`);
    const result = new ScenarioResult(s.id, s.title);
    try {
      await s.run(ctx, result);
    } catch (err) {
      result.fail(s.id, err);
    }
    for (const line of comparisonLines(result.comparisons)) log(`  ${line.slice(2)}`);
    for (const n of result.notes) log(`  note: ${n}`);
    results.push(result);
    await delay(200); // let sockets of the last server leave TIME_WAIT churn before the next scenario
  }
}

/**
 * A busy loop pinned to the servers' CPU (--hog). Returns the function that stops it, called when the scenarios
 * end: a running child would keep this process alive, so its exit hook alone (trackChild) never came.
 */
function startHog(ctx) {
  if (!ctx.pin) throw new UsageError(`--hog needs the servers pinned to a CPU, and they are not (${ctx.unpinnedWhy})`);
  const hog = trackChild(spawn('taskset', ['-c', ctx.pin.server, 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' }));
  hog.on('error', (err) => log(`  note: the --hog busy loop failed: ${err.message}`));
  log(`  a busy loop (--hog) shares CPU ${ctx.pin.server} with the servers for the whole run (pid ${hog.pid})`);
  return () => hog.kill('SIGKILL');
}

runCli({ spec, usage: USAGE, main: (o) => main(o).catch((err) => {
  process.stderr.write(`bench: ${err.message}${err instanceof UsageError ? '\n(see --help)' : ''}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
}) });
