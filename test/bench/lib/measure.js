'use strict';
/**
 * One measured point: a server under the load generator, with the server's CPU time sampled at the exact
 * edges of the loadgen's measured window (its measure_start / measure_end events), so warm-up, connection
 * setup and teardown are left out of the CPU-per-request figure just as they are left out of QPS.
 *
 *   cpu_us_per_req = (server CPU at measure_end - at measure_start) / requests completed in the window
 *   other_cpu_pct  = (machine busy time - server CPU - loadgen CPU) in the window / window length
 *
 * The second is what the rest of the machine (other people's builds and tests) took meanwhile: on a small
 * machine it is what makes two points of the same run disagree, so every point carries it.
 *
 * and the server's memory: resident bytes held per connection with N silent connections open.
 */
const { runLoadgen, holdConnections } = require('./loadgen');
const { delay } = require('./server');
const { machineBusyMicros } = require('./proc');

/**
 * Runs the loadgen against server with `load` (loadgen options; events are forced on) and returns the
 * loadgen's report extended with:
 *   server_cpu_us       server CPU time during the measured window (µs), or null if a window edge was missed
 *   server_cpu_pct      that time as a share of one core
 *   cpu_us_per_req      server CPU µs per completed request
 *   server_rss_bytes    the server's resident memory at the end of the window
 *   other_cpu_pct       CPU used by everything but the server and the load generator during the window, as a
 *                       share of one core (null if a window edge was missed)
 * Throws if the server exited during the run.
 */
async function measurePoint(server, load, { loadgenCpus, binary } = {}) {
  const samples = {};
  const sample = (name) => {
    try {
      samples[name] = { cpu: server.cpuMicros(), rss: server.rssBytes(), machine: machineBusyMicros(), t: process.hrtime.bigint() };
    } catch {
      samples[name] = null; // the server is gone; assertAlive() below reports it
    }
  };
  let report;
  try {
    report = await runLoadgen({ ...load, events: true }, {
      binary,
      cpus: loadgenCpus,
      onEvent: (e) => {
        if (e.event === 'measure_start') sample('start');
        else if (e.event === 'measure_end') sample('end');
      },
    });
  } catch (err) {
    server.assertAlive(); // a server that died is the story, with its last output; not the refused connects
    throw err;
  }
  server.assertAlive();
  const { start, end } = samples;
  let serverCpu = null;
  let cpuPct = null;
  let otherPct = null;
  if (start && end) {
    serverCpu = end.cpu - start.cpu;
    const wallUs = Number(end.t - start.t) / 1000;
    cpuPct = wallUs > 0 ? (100 * serverCpu) / wallUs : null;
    // Clock ticks make each term uncertain by about 10 ms per CPU: small negative results are rounding.
    const other = end.machine - start.machine - serverCpu - (report.loadgen_cpu_us || 0);
    otherPct = wallUs > 0 ? Math.max(0, (100 * other) / wallUs) : null;
  }
  return {
    ...report,
    server_cpu_us: serverCpu,
    server_cpu_pct: cpuPct === null ? null : round(cpuPct, 1),
    cpu_us_per_req: serverCpu !== null && report.requests > 0 ? round(serverCpu / report.requests, 2) : null,
    server_rss_bytes: end ? end.rss : null,
    other_cpu_pct: otherPct === null ? null : round(otherPct, 1),
  };
}

/**
 * Opens `connections` silent connections to server and measures what they cost it in resident memory.
 * Waits until the server holds a descriptor for each (its fd count has grown by `connections`, so none is
 * still in the accept queue), lets it settle, then samples. Returns
 *   { connections, established, baseline_rss_bytes, held_rss_bytes, rss_per_conn_bytes, fd_delta, settle_ms }
 */
async function measureIdleMemory(server, { connections, host, port, unix, loadgenCpus, binary, settleMs = 1000,
  acceptTimeoutMs = 60000 }) {
  await delay(settleMs);
  const baselineRss = server.rssBytes();
  const baselineFds = server.fdCount();
  const hold = holdConnections({ host, port, unix, connections, connectBatch: 512 }, { binary, cpus: loadgenCpus });
  try {
    const held = await hold.held;
    if (held.errors > 0 || held.established !== connections) {
      throw new Error(`only ${held.established} of ${connections} connections were established` +
        `${held.first_error ? `: ${held.first_error}` : ''}`);
    }
    const deadline = Date.now() + acceptTimeoutMs;
    let fds = server.fdCount();
    while (fds - baselineFds < connections && Date.now() < deadline) {
      server.assertAlive();
      await delay(100);
      fds = server.fdCount();
    }
    if (fds - baselineFds < connections) {
      throw new Error(`${server.name} holds ${fds - baselineFds} new descriptors after ${acceptTimeoutMs} ms, ` +
        `expected ${connections} (connections not accepted?)`);
    }
    await delay(settleMs);
    server.assertAlive();
    const heldRss = server.rssBytes();
    const released = await hold.release();
    if (released.errors > 0) {
      throw new Error(`${released.errors} held connection(s) failed: ${released.first_error || 'unknown'}`);
    }
    return {
      connections,
      established: held.established,
      connect_s: held.connect_s,
      baseline_rss_bytes: baselineRss,
      held_rss_bytes: heldRss,
      rss_per_conn_bytes: Math.round((heldRss - baselineRss) / connections),
      fd_delta: fds - baselineFds,
      settle_ms: settleMs,
    };
  } finally {
    hold.kill();
  }
}

function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

module.exports = { measurePoint, measureIdleMemory, round };
