'use strict';
/**
 * The servers and clients the benchmarks know, how to start each one, and whether it exists in this
 * checkout. Other areas' entry points are npm scripts of the root package.json; until a script exists its
 * benchmarks report "not available: <why>" instead of failing.
 *
 *   id           what                                   wire            started with
 *   engine-echo  thriftpoll engine raw echo (#2)        raw             npm run echo-raw:server -- --host H --port N
 *   net-echo     Node `net` raw echo (peer)             raw             node test/bench/net-echo/server.js
 *   rpc-echo     thriftpoll RPC EchoServer (#6)         thrift-framed   npm run echo:server -- ... --transport framed --protocol binary
 *   apache-echo  Apache npm `thrift` EchoServer (peer)  thrift-framed   node test/bench/apache-echo/server.js
 *   rpc-echo-tls     the RPC echo server over TLS       (no loadgen)    npm run echo:server -- ... --tls-cert F --tls-key F
 *   apache-echo-tls  Apache's echo server over TLS       (no loadgen)    node test/bench/apache-echo/server.js ... --tls-cert F --tls-key F
 *   rpc-echo-w2  the RPC EchoServer in 2 worker threads  thrift-framed   npm run echo:server -- ... --workers 2
 *   rpc-echo-metrics  the RPC EchoServer with --metrics (prom-client, /metrics on its port)  thrift-framed   npm run echo:server -- ... --metrics
 *   rpc-work-w1  RPC EchoServer burning --work-us of CPU per call, in-thread     ... --work-us N
 *   rpc-work-w2  the same in 2 worker threads                                    ... --work-us N --workers 2
 *   engine-echo, rpc-echo run in the engine's default mode (uring where io_uring runs, else inline); the same two
 *   engine-echo-uring, rpc-echo-uring     with THRIFTPOLL_ENGINE_MODE=uring (#18)
 *   engine-echo-inline, rpc-echo-inline   with THRIFTPOLL_ENGINE_MODE=inline
 *   c-epoll-raw, c-epoll-framed   the C epoll limit (test/bench/limit-echo/epoll-echo.c)   raw / thrift-framed
 *   c-uring-raw, c-uring-framed   the C io_uring limit (uring-echo.c)                       raw / thrift-framed
 *
 *   rpc-client     thriftpoll typed client (#6)   npm run echo:client -- --host H --port N ...
 *   apache-client  Apache npm `thrift` client     node test/bench/apache-echo/client.js
 *   rpc-client-tls the typed client over TLS      npm run echo:client -- ... --tls-ca F
 *
 * TLS servers and clients take the certificates of the run as `certs` (test/support/tls-certs.js).
 */
const fs = require('node:fs');
const path = require('node:path');
const { startServer } = require('./server');
const { LIMIT_PROGRAMS, uringAvailability } = require('./limit');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BENCH = path.resolve(__dirname, '..');

/** The root package.json's scripts (re-read each time: other engineers add theirs while we work). */
function rootScripts() {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts || {};
  } catch {
    return {};
  }
}

/** { ok: true } when the npm script exists, else { ok: false, why }. */
function scriptAvailability(script, owner) {
  if (rootScripts()[script]) return { ok: true };
  return { ok: false, why: `no "${script}" script in package.json yet (${owner} is not in this checkout)` };
}

function thriftAvailability() {
  try {
    require.resolve('thrift', { paths: [ROOT] });
    return { ok: true };
  } catch {
    return { ok: false, why: "Apache's npm `thrift` package is not installed (run npm install at the root)" };
  }
}

function npmCommand(script, args) {
  return { command: 'npm', args: ['run', '-s', script, '--', ...args], cwd: ROOT };
}

/** Availability of a C limit server: built by run.js before the scenarios (buildLimitServers). */
function limitAvailability(name) {
  if (!fs.existsSync(LIMIT_PROGRAMS[name].binary)) return { ok: false, why: `${path.basename(LIMIT_PROGRAMS[name].binary)} is not built` };
  return name === 'uring' ? uringAvailability() : { ok: true };
}

function limitServer(name, wire) {
  return {
    label: `C ${name === 'uring' ? 'io_uring' : 'epoll'} limit${wire === 'raw' ? '' : ' (framed)'}`,
    wire,
    peer: true,
    limit: true,
    availability: () => limitAvailability(name),
    command: ({ host, port }) => ({ command: LIMIT_PROGRAMS[name].binary, args: ['--host', host, '--port', String(port), '--wire', wire], cwd: ROOT }),
  };
}

/** `server` with every engine of its process in `mode` (THRIFTPOLL_ENGINE_MODE). */
function withMode(server, mode) {
  return { ...server, env: { THRIFTPOLL_ENGINE_MODE: mode } };
}

function nodeCommand(file, args) {
  return { command: process.execPath, args: [path.join(BENCH, file), ...args], cwd: ROOT };
}

/** The RPC echo server with `--workers N`, and with `--work-us` (the bench's --work-us) when `work`. */
function rpcWorkersServer(label, workers, work) {
  return {
    label,
    wire: 'thrift-framed',
    availability: () => scriptAvailability('echo:server', 'the RPC echo server of packages/rpc'),
    command: ({ host, port, workUs }) => npmCommand('echo:server', ['--host', host, '--port', String(port), '--transport', 'framed',
      '--protocol', 'binary', '--workers', String(workers), '--work-us', String(work ? workUs : 0)]),
  };
}

/**
 * Servers. `start({ host, port, cpus })` resolves with a ServerHandle once the server printed `listening`.
 * `wire` is the loadgen mode that speaks to it. `peer`: not ours, a server we compare against; its calls left
 * unanswered are reported with its figures instead of failing the run (see checkPoint in run.js).
 */
const SERVERS = {
  'engine-echo': {
    label: 'thriftpoll engine',
    wire: 'raw',
    availability: () => scriptAvailability('echo-raw:server', "the engine's echo example examples/echo-raw"),
    command: ({ host, port }) => npmCommand('echo-raw:server', ['--host', host, '--port', String(port)]),
  },
  'net-echo': {
    label: 'Node net',
    wire: 'raw',
    peer: true,
    availability: () => ({ ok: true }),
    command: ({ host, port }) => nodeCommand('net-echo/server.js', ['--host', host, '--port', String(port)]),
  },
  'rpc-echo': {
    label: 'thriftpoll RPC',
    wire: 'thrift-framed',
    availability: () => scriptAvailability('echo:server', 'the RPC echo server of packages/rpc'),
    command: ({ host, port }) => npmCommand('echo:server',
      ['--host', host, '--port', String(port), '--transport', 'framed', '--protocol', 'binary']),
  },
  'rpc-echo-metrics': {
    label: 'thriftpoll RPC + metrics',
    wire: 'thrift-framed',
    availability: () => scriptAvailability('echo:server', 'the RPC echo server of packages/rpc'),
    command: ({ host, port }) => npmCommand('echo:server',
      ['--host', host, '--port', String(port), '--transport', 'framed', '--protocol', 'binary', '--metrics']),
  },
  'rpc-echo-w2': rpcWorkersServer('thriftpoll RPC, 2 workers', 2, false),
  'rpc-work-w1': rpcWorkersServer('thriftpoll RPC + work, 1 thread', 1, true),
  'rpc-work-w2': rpcWorkersServer('thriftpoll RPC + work, 2 workers', 2, true),
  'engine-echo-uring': {
    label: 'thriftpoll engine (uring)',
    wire: 'raw',
    availability: () => {
      const script = scriptAvailability('echo-raw:server', "the engine's echo example examples/echo-raw");
      return script.ok ? uringAvailability() : script;
    },
    command: ({ host, port }) => withMode(npmCommand('echo-raw:server', ['--host', host, '--port', String(port)]), 'uring'),
  },
  'rpc-echo-stgc': {
    label: 'thriftpoll RPC (single-threaded GC)',
    wire: 'thrift-framed',
    // The quiet-hours study (issue #18): V8's parallel scavenger waits for helper threads, which a busy core delays.
    // NODE_OPTIONS refuses this V8 flag, so the built echo server is started by node directly (as echo:server does).
    availability: () => scriptAvailability('echo:server', 'the RPC echo server of packages/rpc'),
    command: ({ host, port }) => ({ command: process.execPath, cwd: ROOT, args: ['--single-threaded-gc',
      path.join(ROOT, 'examples/echo/dist/src/server.js'), '--host', host, '--port', String(port), '--transport', 'framed', '--protocol', 'binary'] }),
  },
  'rpc-echo-uring': {
    label: 'thriftpoll RPC (uring)',
    wire: 'thrift-framed',
    availability: () => {
      const script = scriptAvailability('echo:server', 'the RPC echo server of packages/rpc');
      return script.ok ? uringAvailability() : script;
    },
    command: ({ host, port }) => withMode(npmCommand('echo:server',
      ['--host', host, '--port', String(port), '--transport', 'framed', '--protocol', 'binary']), 'uring'),
  },
  'engine-echo-inline': {
    label: 'thriftpoll engine (inline)',
    wire: 'raw',
    availability: () => scriptAvailability('echo-raw:server', "the engine's echo example examples/echo-raw"),
    command: ({ host, port }) => withMode(npmCommand('echo-raw:server', ['--host', host, '--port', String(port)]), 'inline'),
  },
  'rpc-echo-inline': {
    label: 'thriftpoll RPC (inline)',
    wire: 'thrift-framed',
    availability: () => scriptAvailability('echo:server', 'the RPC echo server of packages/rpc'),
    command: ({ host, port }) => withMode(npmCommand('echo:server',
      ['--host', host, '--port', String(port), '--transport', 'framed', '--protocol', 'binary']), 'inline'),
  },
  'c-epoll-raw': limitServer('epoll', 'raw'),
  'c-epoll-framed': limitServer('epoll', 'thrift-framed'),
  'c-uring-raw': limitServer('uring', 'raw'),
  'c-uring-framed': limitServer('uring', 'thrift-framed'),
  'apache-echo': {
    label: 'Apache thrift',
    wire: 'thrift-framed',
    peer: true,
    availability: thriftAvailability,
    command: ({ host, port }) => nodeCommand('apache-echo/server.js',
      ['--host', host, '--port', String(port), '--transport', 'framed', '--protocol', 'binary']),
  },
  'rpc-echo-tls': {
    label: 'thriftpoll RPC, TLS',
    wire: null,
    availability: () => scriptAvailability('echo:server', 'the RPC echo server of packages/rpc'),
    command: ({ host, port, certs }) => npmCommand('echo:server', ['--host', host, '--port', String(port), '--transport', 'framed',
      '--protocol', 'binary', '--tls-cert', certs.file('server'), '--tls-key', certs.file('server-key')]),
  },
  'apache-echo-tls': {
    label: 'Apache thrift, TLS',
    wire: null,
    peer: true,
    availability: thriftAvailability,
    command: ({ host, port, certs }) => nodeCommand('apache-echo/server.js', ['--host', host, '--port', String(port), '--transport', 'framed',
      '--protocol', 'binary', '--tls-cert', certs.file('server'), '--tls-key', certs.file('server-key')]),
  },
};

/**
 * Load-driving clients (JavaScript, run as child processes). Each prints one JSON line with at least
 * qps, p50_us, p99_us and errors.
 */
const CLIENTS = {
  'rpc-client': {
    label: 'thriftpoll client',
    availability: () => scriptAvailability('echo:client', 'the typed RPC client of packages/rpc'),
    // The echo:client contract of issue #6 has no warm-up flag: its figures cover the whole run.
    command: ({ host, port, concurrency, duration, size }) => npmCommand('echo:client', ['--host', host,
      '--port', String(port), '--transport', 'framed', '--protocol', 'binary', '--concurrency', String(concurrency),
      '--duration', String(duration), '--size', String(size)]),
  },
  'apache-client': {
    label: 'Apache thrift client',
    availability: thriftAvailability,
    command: ({ host, port, concurrency, duration, warmup, size }) => nodeCommand('apache-echo/client.js', [
      '--host', host, '--port', String(port), '--transport', 'framed', '--protocol', 'binary', '--concurrency',
      String(concurrency), '--duration', String(duration), '--warmup', String(warmup), '--size', String(size)]),
  },
  'rpc-client-tls': {
    label: 'thriftpoll client, TLS',
    availability: () => scriptAvailability('echo:client', 'the typed RPC client of packages/rpc'),
    command: ({ host, port, concurrency, duration, size, certs }) => npmCommand('echo:client', ['--host', host,
      '--port', String(port), '--transport', 'framed', '--protocol', 'binary', '--concurrency', String(concurrency),
      '--duration', String(duration), '--size', String(size), '--tls-ca', certs.file('ca')]),
  },
};

/** The in-process micro-benchmarks other areas provide, run as `node test/bench/<dir>/run.js`. */
const MICRO = [
  { id: 'protocol', issue: '#3', what: 'Binary/Compact encode and decode vs Apache' },
  { id: 'transport', issue: '#4', what: 'framing overhead per message per transport' },
  { id: 'codegen', issue: '#5', what: 'IDL compile time and generated codec speed' },
  { id: 'rpc', issue: '#6', what: 'RPC server path per request in user space, over an in-memory engine (no sockets)' },
].map((m) => ({ ...m, entry: path.join(BENCH, m.id, 'run.js') }));

/** The servers `--baseline DIR` runs from another checkout, beside the same ones of this checkout. */
const BASELINE_OF = ['engine-echo', 'rpc-echo', 'rpc-echo-uring', 'rpc-echo-inline'];

/**
 * Adds `<id>-base` for each server of BASELINE_OF: the same command run in `dir`, another checkout (built: its
 * native addon and dist), so a change is measured against the code before it in the same run (paired rounds).
 * Returns the ids added.
 */
function addBaselineServers(dir) {
  const root = path.resolve(dir);
  const scripts = (() => {
    try {
      return JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts || {};
    } catch {
      return undefined;
    }
  })();
  return BASELINE_OF.map((id) => {
    const def = SERVERS[id];
    SERVERS[`${id}-base`] = {
      ...def,
      label: `${def.label} (baseline)`,
      baselineOf: id,
      availability: () => {
        if (scripts === undefined) return { ok: false, why: `--baseline ${dir}: no package.json there` };
        const script = def.command({ host: '127.0.0.1', port: 0 }).args[2];
        return scripts[script] ? { ok: true } : { ok: false, why: `--baseline ${dir}: no "${script}" script there` };
      },
      command: (options) => ({ ...def.command(options), cwd: root }),
    };
    return `${id}-base`;
  });
}

/** Starts server `id` on host:port (pinned to `cpus` when given). */
function startCatalogServer(id, { host, port, cpus, certs, workUs }) {
  const def = SERVERS[id];
  const { command, args, cwd, env } = def.command({ host, port, certs, workUs });
  return startServer({ name: def.label, command, args, cwd, cpus, env });
}

module.exports = { ROOT, BENCH, SERVERS, CLIENTS, MICRO, rootScripts, startCatalogServer, addBaselineServers };
