'use strict';
/**
 * Apache's npm `thrift` client under load: the client-side peer of the RPC benchmark (issue #6).
 *
 * `--concurrency` call loops, each issuing its next echo call as soon as the previous one returns, spread
 * over `--connections` Apache connections (default 1: Apache's client multiplexes calls on one connection
 * by seqid and has no pool). After `--warmup` seconds, calls completing within the next `--duration` seconds
 * are counted; every reply is checked to be the echo of its request.
 *
 *   node test/bench/apache-echo/client.js --port N [--host 127.0.0.1] [--concurrency 100] [--duration 10]
 *        [--warmup 2] [--size 1024] [--connections 1] [--transport framed|buffered] [--protocol binary|compact]
 *
 * Prints one JSON line: {"qps","p50_us","p99_us","p999_us","requests","errors","duration_s","concurrency",
 * "connections","cpu_us","cpu_us_per_req",...}; cpu_* is this process's CPU time in the measured window.
 * Exit status 0 when the line was printed, 1 when no connection could be made, 2 for a usage error.
 */
const thrift = require('thrift');
const { runCli } = require('../lib/args');
const { LatencyRecorder } = require('../lib/latency');
const { EchoServer, Request } = require('./service');

const spec = {
  host: { type: 'string', default: '127.0.0.1', value: 'ADDR', help: 'server address' },
  port: { type: 'integer', min: 1, max: 65535, value: 'N', help: 'server port (required)' },
  transport: { type: 'string', default: 'framed', choices: ['framed', 'buffered'], help: 'Thrift transport' },
  protocol: { type: 'string', default: 'binary', choices: ['binary', 'compact'], help: 'Thrift protocol' },
  concurrency: { type: 'integer', default: 100, min: 1, max: 100000, value: 'C', help: 'calls in flight' },
  connections: { type: 'integer', default: 1, min: 1, max: 10000, value: 'N', help: 'Apache connections' },
  duration: { type: 'number', default: 10, min: 0.05, max: 86400, value: 'SEC', help: 'measured period' },
  warmup: { type: 'number', default: 2, min: 0, max: 3600, value: 'SEC', help: 'period before it, not counted' },
  size: { type: 'integer', default: 1024, min: 0, max: 16 * 1024 * 1024, value: 'BYTES', help: 'Request.msg length' },
  action: { type: 'string', default: 'echo', value: 'STR', help: 'Request.action' },
  'request-timeout': {
    type: 'integer', default: 5000, min: 1, max: 3600000, value: 'MS',
    help: 'a call unanswered this long at the end counts as an error',
  },
};

function connect(options) {
  return new Promise((resolve, reject) => {
    const connection = thrift.createConnection(options.host, options.port, {
      transport: options.transport === 'framed' ? thrift.TFramedTransport : thrift.TBufferedTransport,
      protocol: options.protocol === 'binary' ? thrift.TBinaryProtocol : thrift.TCompactProtocol,
      max_attempts: 1,
      connect_timeout: 5000,
    });
    const onError = (err) => reject(new Error(`cannot connect to ${options.host}:${options.port}: ${err.message}`));
    connection.once('error', onError);
    connection.once('connect', () => {
      connection.removeListener('error', onError);
      resolve(connection);
    });
  });
}

async function main(options) {
  if (options.port === undefined) {
    process.stderr.write('--port is required (see --help)\n');
    process.exit(2);
  }
  const state = { errors: 0, firstError: null };
  const fail = (why) => {
    state.errors++;
    if (!state.firstError) state.firstError = why;
  };
  let connections;
  try {
    connections = await Promise.all(Array.from({ length: options.connections }, () => connect(options)));
  } catch (err) {
    process.stderr.write(`apache-client: ${err.message}\n`);
    process.exit(1);
  }
  for (const c of connections) {
    c.on('error', (err) => fail(`connection error: ${err.message}`));
    c.on('close', () => {
      if (!state.done) fail('server closed a connection');
    });
  }
  const clients = connections.map((c) => thrift.createClient(EchoServer, c));
  const msg = Array.from({ length: options.size }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  const request = new Request({ action: options.action, msg });

  const latencies = new LatencyRecorder();
  const t0 = process.hrtime.bigint();
  const windowStart = t0 + BigInt(Math.round(options.warmup * 1e9));
  const windowEnd = windowStart + BigInt(Math.round(options.duration * 1e9));
  let requests = 0;
  let cpuStart = null;
  /** Start time of each loop's call in flight (0n when none). */
  const inFlight = new Array(options.concurrency).fill(0n);

  const issue = (loop) => {
    const client = clients[loop % clients.length];
    const started = process.hrtime.bigint();
    inFlight[loop] = started;
    try {
      client.echo(request, (err, response) => {
        const now = process.hrtime.bigint();
        inFlight[loop] = 0n;
        if (state.done) return;
        if (err) fail(`call failed: ${err.message || err}`);
        else if (!response || response.msg !== msg || response.action !== options.action) fail('reply is not the echo of the request');
        else if (now >= windowStart && now < windowEnd) {
          latencies.record(Number(now - started) / 1000);
          requests++;
        }
        if (now < windowEnd) issue(loop);
      });
    } catch (err) {
      inFlight[loop] = 0n;
      fail(`cannot send: ${err.message}`);
    }
  };
  for (let i = 0; i < options.concurrency; i++) issue(i);

  await sleepUntil(windowStart);
  cpuStart = process.cpuUsage();
  const measuredFrom = process.hrtime.bigint();
  await sleepUntil(windowEnd);
  const cpu = process.cpuUsage(cpuStart);
  const measuredTo = process.hrtime.bigint();
  state.done = true;

  const end = process.hrtime.bigint();
  const limit = BigInt(options.requestTimeout) * 1000000n;
  for (const started of inFlight) {
    if (started !== 0n && end - started > limit) fail(`call unanswered after ${Number(end - started) / 1e9} s`);
  }
  const durationS = Number(windowEnd - windowStart) / 1e9;
  const cpuUs = cpu.user + cpu.system;
  const windowUs = Number(measuredTo - measuredFrom) / 1000;
  const report = {
    qps: Math.round((requests / durationS) * 10) / 10,
    ...latencies.summary(),
    requests,
    errors: state.errors,
    duration_s: durationS,
    client: 'apache-thrift',
    concurrency: options.concurrency,
    connections: options.connections,
    transport: options.transport,
    protocol: options.protocol,
    size: options.size,
    cpu_us: cpuUs,
    cpu_pct: Math.round((1000 * cpuUs) / windowUs) / 10,
    cpu_us_per_req: requests > 0 ? Math.round((cpuUs / requests) * 100) / 100 : null,
  };
  if (state.firstError) report.first_error = state.firstError;
  process.stdout.write(`${JSON.stringify(report)}\n`);
  for (const c of connections) c.destroy();
  process.exit(0);
}

function sleepUntil(t) {
  const ms = Number(t - process.hrtime.bigint()) / 1e6;
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

runCli({ spec, usage: 'usage: node test/bench/apache-echo/client.js --port N [options]', main });
