#!/usr/bin/env node
'use strict';
// One-off measurement (not part of npm test or npm run bench): how fast a server refuses calls over
// maxConcurrentRequestsPerConnection with EOVERLOAD, next to how fast it serves the same calls.
//
// Usage: node test/bench/faults/overload-refusals.js [--calls N] [--rounds N] [--warmup-bursts N] [--engine netpoll|net]
//
// refuse: a mux client holds the connection's one slot with a call that does not return, then sends a burst of
//         N calls: every one is refused (overloaded (maxConcurrentRequestsPerConnection)). Timed from the burst to
//         its last refusal.
// serve:  the same burst to a server without the limit and a handler that answers at once.
// The server runs in a child process: besides calls/s end to end (which include the client's side of each
// outcome), the server's own CPU time per call is read from it, which is what a burst costs the server.
const { spawn } = require('node:child_process');
const { Field, Method, Service, Struct, createClient, createServer, RpcOverloadError } = require('@thriftpoll/rpc');

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : process.argv[at + 1];
}
const CALLS = Number(option('calls', '10000'));
const ROUNDS = Number(option('rounds', '3'));
const ENGINE = option('engine', undefined);
const WARMUP_BURSTS = Number(option('warmup-bursts', '3'));

class Request {
  constructor() {
    this.action = '';
    this.msg = '';
  }
}
Field(1, 'string')(Request.prototype, 'action');
Field(2, 'string')(Request.prototype, 'msg');
Struct('Request')(Request);

let release = () => undefined;
class Echo {
  echo(req) {
    if (req.action === 'hold') return new Promise((resolve) => (release = () => resolve(req)));
    return req;
  }
}
Method({ args: [Request], returns: Request })(Echo.prototype, 'echo', Object.getOwnPropertyDescriptor(Echo.prototype, 'echo'));
Service('Echo')(Echo);

/** The server, in a child process so that its CPU time can be read apart from the client's. */
function serveChild(limit) {
  const server = createServer({ service: Echo, handler: new Echo(), engine: ENGINE, ...(limit ? { maxConcurrentRequestsPerConnection: 1 } : {}) });
  server.listen({ host: '127.0.0.1', port: 0 }).then(({ port }) => process.stdout.write(`listening ${port}\n`));
  // Each line on stdin asks for the CPU time used so far, in microseconds.
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', () => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`cpu ${user + system}\n`);
  });
  process.stdin.on('end', () => process.exit(0));
}

function startServer(limit) {
  const child = spawn(process.execPath, [__filename, '--serve', limit ? 'limit' : 'nolimit', ...(ENGINE ? ['--engine', ENGINE] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let waiting;
  let buffered = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    let at;
    while ((at = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, at));
      buffered = buffered.slice(at + 1);
      if (waiting) waiting();
    }
  });
  const next = () => new Promise((resolve) => {
    const take = () => {
      if (lines.length === 0) return void (waiting = take);
      waiting = undefined;
      resolve(lines.shift());
    };
    take();
  });
  return next().then((line) => ({
    port: Number(line.split(' ')[1]),
    cpu: () => {
      child.stdin.write('cpu\n');
      return next().then((reply) => Number(reply.split(' ')[1]));
    },
    stop: () => new Promise((resolve) => {
      child.on('exit', resolve);
      child.stdin.end();
    }),
  }));
}

async function burst(limit) {
  const server = await startServer(limit);
  const client = createClient(Echo, { address: { host: '127.0.0.1', port: server.port }, mode: 'mux', engine: ENGINE, resendUnsent: false });
  await client.echo({ action: 'warm', msg: '' });
  const held = limit ? client.echo({ action: 'hold', msg: '' }).catch(() => undefined) : undefined;
  if (limit) await new Promise((resolve) => setTimeout(resolve, 50));
  let refused = 0;
  let served = 0;
  let other = 0;
  const once = () =>
    Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        client.echo({ action: 'a', msg: String(i) }).then(
          () => served++,
          (error) => (error instanceof RpcOverloadError && error.limit === 'maxConcurrentRequestsPerConnection' ? refused++ : other++),
        ),
      ),
    );
  // Warm-up bursts (the JIT), not counted.
  for (let i = 0; i < WARMUP_BURSTS; i++) await once();
  refused = served = other = 0;
  const cpuBefore = await server.cpu();
  const started = process.hrtime.bigint();
  await once();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const serverMicros = (await server.cpu()) - cpuBefore;
  await client.$close();
  await held;
  await server.stop();
  return { seconds, serverMicros, refused, served, other };
}

if (option('serve', undefined) !== undefined) {
  serveChild(option('serve') === 'limit');
} else {
  (async () => {
    const rows = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const refuse = await burst(true);
      const serve = await burst(false);
      if (refuse.refused !== CALLS || serve.served !== CALLS) throw new Error(`unexpected outcomes: ${JSON.stringify({ refuse, serve })}`);
      const row = {
        round,
        calls: CALLS,
        refusals_per_s: Math.round(CALLS / refuse.seconds),
        served_per_s: Math.round(CALLS / serve.seconds),
        server_us_per_refusal: +(refuse.serverMicros / CALLS).toFixed(2),
        server_us_per_served_call: +(serve.serverMicros / CALLS).toFixed(2),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
    const median = (key) => rows.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
    console.log(
      `median of ${ROUNDS}: ${median('refusals_per_s')} refusals/s vs ${median('served_per_s')} served/s end to end; ` +
        `server CPU ${median('server_us_per_refusal')} us per refusal vs ${median('server_us_per_served_call')} us per served call`,
    );
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
