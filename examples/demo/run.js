#!/usr/bin/env node
'use strict';
/**
 * `npm start`: thriftpoll end to end, in a few seconds.
 *
 *   1. generate TypeScript from idl/echo.thrift with the thriftpoll compiler (into examples/echo/gen, git-ignored)
 *   2. compile it with the echo example (tsc -b)
 *   3. start the echo server (examples/echo) in its own process, on a free port
 *   4. call it with the typed, pooled client: a few calls, then load from 100 concurrent callers, with progress
 *   5. print calls, QPS, p50/p99 latency and errors, and the server's own count from its /metrics; stop the server
 *      gracefully; exit (code 1 if anything failed)
 *
 * Options: --duration S (default 3), --concurrency C (default 100), --size B (default 1024).
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const tty = process.stdout.isTTY === true;
const bold = (text) => (tty ? `\x1b[1m${text}\x1b[0m` : text);
const dim = (text) => (tty ? `\x1b[2m${text}\x1b[0m` : text);

function option(name, fallback, min, max) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value < min || value > max) {
    process.stderr.write(`demo: --${name} must be a number in [${min}, ${max}], got ${JSON.stringify(process.argv[at + 1])}\n`);
    process.exit(2);
  }
  return value;
}

const duration = option('duration', 3, 0.5, 600);
const concurrency = Math.floor(option('concurrency', 100, 1, 10000));
const size = Math.floor(option('size', 1024, 0, 1 << 20));

function step(n, text) {
  process.stdout.write(`\n${bold(`${n}.`)} ${text}\n`);
}

function run(command, args, what) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(`demo: ${what} failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}\n`);
    process.exit(1);
  }
  return Date.now() - started;
}

/** Starts the echo server and resolves with its port once it prints its `listening` line. */
function startServer() {
  const child = spawn(process.execPath, [path.join(root, 'examples', 'echo', 'dist', 'src', 'server.js'), '--host', '127.0.0.1', '--port', '0', '--metrics'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      buffered += chunk.toString();
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        process.stdout.write(`   ${dim(`server | ${line}`)}\n`);
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(line);
        if (match) resolve({ child, port: Number(match[1]), exited });
      }
    });
    exited.then((code) => reject(new Error(`the echo server exited (code ${code}) before listening`)));
  });
}

function format(n) {
  return Math.round(n).toLocaleString('en-US');
}

async function main() {
  process.stdout.write(bold('thriftpoll demo: a typed Thrift echo service on the netpoll engine\n'));

  step(1, 'Generate TypeScript from the IDL');
  const out = path.join('examples', 'echo', 'gen');
  process.stdout.write(`   $ thriftpoll gen idl/echo.thrift -o ${out}\n`);
  // examples/build.js runs the compiler into a scratch directory and updates only files whose content changed.
  const genMs = run(process.execPath, [path.join(root, 'examples', 'build.js'), '--quiet', '--regenerate', '--generate-only'], 'code generation');
  const generated = fs.readFileSync(path.join(root, out, 'echo.ts'), 'utf8');
  const exported = [...generated.matchAll(/^export (?:interface|const|class) (\w+)/gm)].map((m) => m[1]);
  process.stdout.write(`   ${out}/echo.ts: ${generated.split('\n').length} lines, exports ${[...new Set(exported)].join(', ')} ${dim(`(${genMs} ms)`)}\n`);

  step(2, 'Compile it with the echo example');
  process.stdout.write('   $ tsc -b examples/tsconfig.json\n');
  const tscMs = run(process.execPath, [path.join(root, 'examples', 'build.js'), '--quiet'], 'compilation');
  process.stdout.write(`   ${dim(`compiled in ${tscMs} ms`)}\n`);

  step(3, 'Start the echo server (examples/echo/src/server.ts)');
  const server = await startServer();

  // The compiled example modules: the generated service and the load driver.
  const { createClient } = require('@thriftpoll/rpc');
  const { EchoServer } = require(path.join(root, 'examples', 'echo', 'dist', 'gen', 'echo.js'));
  const { runLoad } = require(path.join(root, 'examples', 'echo', 'dist', 'src', 'load.js'));

  step(4, `Call it with the typed, pooled client`);
  // A long-connection pool that keeps a connection per concurrent caller (Kitex-style: one call per connection).
  const client = createClient(EchoServer, {
    address: { host: '127.0.0.1', port: server.port },
    timeout: 5000,
    pool: { maxIdlePerAddress: concurrency },
  });
  const reply = await client.echo({ action: 'hello', msg: 'thriftpoll' });
  process.stdout.write(`   await client.echo({ action: 'hello', msg: 'thriftpoll' })  ->  ${JSON.stringify(reply)}\n`);
  process.stdout.write(`   ${concurrency} concurrent callers, ${size}-byte messages, ${duration} s:\n`);
  let lastLine = '';
  let nextReport = duration / 3;
  const result = await runLoad({
    client,
    concurrency,
    duration,
    warmup: 0.3,
    size,
    onProgress: ({ elapsed, requests, errors }) => {
      const width = 30;
      const done = Math.min(width, Math.round((elapsed / duration) * width));
      lastLine = `   [${'#'.repeat(done)}${' '.repeat(width - done)}] ${elapsed.toFixed(1)} s  ${format(requests)} calls  ${format(requests / elapsed)} calls/s  ${errors} errors`;
      if (tty) process.stdout.write(`\r${lastLine}`);
      else if (elapsed >= nextReport) {
        process.stdout.write(`${lastLine}\n`);
        nextReport += duration / 3;
      }
    },
  });
  if (tty) process.stdout.write('\n');
  const stats = client.$client.stats();
  await client.$close();

  step(5, 'Summary');
  const rows = [
    ['calls', format(result.requests)],
    ['QPS', format(result.qps)],
    ['p50 latency', `${(result.p50_us / 1000).toFixed(2)} ms`],
    ['p99 latency', `${(result.p99_us / 1000).toFixed(2)} ms`],
    ['errors', String(result.errors)],
    ['connections', `${stats.pool.open} pooled (long-connection pool)`],
  ];
  for (const [name, value] of rows) process.stdout.write(`   ${name.padEnd(12)} ${bold(value)}\n`);
  if (result.first_error) process.stdout.write(`   first error: ${result.first_error}\n`);
  // The server's own count, from its Prometheus metrics on the RPC port (the server runs with --metrics).
  const metricsUrl = `http://127.0.0.1:${server.port}/metrics`;
  const exposition = await (await fetch(metricsUrl)).text();
  const served = /^thriftpoll_server_requests_total\{service="EchoServer",method="echo",code="OK"\} (\d+)$/m.exec(exposition);
  process.stdout.write(`   ${'server saw'.padEnd(12)} ${bold(served ? `${format(Number(served[1]))} echo calls (warm-up included)`: 'no count')} ${dim(`(curl ${metricsUrl}, and /healthz)`)}\n`);

  server.child.kill('SIGTERM');
  const code = await server.exited;
  process.stdout.write(`\n   server stopped gracefully (exit code ${code})\n`);
  if (result.errors > 0 || result.requests === 0 || code !== 0) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`demo failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
