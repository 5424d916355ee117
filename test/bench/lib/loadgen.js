'use strict';
/**
 * Building and driving the C load generator (test/bench/loadgen/loadgen.c).
 *
 * buildLoadgen() compiles it with the system C compiler into test/bench/out/loadgen when the binary is
 * missing or older than the source. runLoadgen() runs it once and resolves with its JSON report;
 * holdConnections() starts it in --hold mode and lets the caller release the connections.
 *
 * Option names are the loadgen's flags in camelCase (see `loadgen --help`).
 */
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { onLines, OutputTail, trackChild } = require('./server');

const SOURCE = path.resolve(__dirname, '..', 'loadgen', 'loadgen.c');
const OUT_DIR = path.resolve(__dirname, '..', 'out');
const BINARY = path.join(OUT_DIR, 'loadgen');
const CFLAGS = ['-O2', '-Wall', '-Wextra', '-pthread'];

/** The load generator could not be built, could not run, or reported a failure. */
class LoadgenError extends Error {
  constructor(message, code, extra = {}) {
    super(message);
    this.name = 'LoadgenError';
    this.code = code;
    /** The loadgen's JSON report, when it printed one. */
    this.report = extra.report;
    /** What it printed on stderr. */
    this.stderr = extra.stderr || '';
  }
}

/**
 * Compiles a C program of the benchmarks (source, plus the headers beside it in `depends`) into `binary`
 * unless an up-to-date one exists (or force). Returns the binary's path, whether it was rebuilt, and the
 * compiler's warnings (empty when there were none).
 * Throws LoadgenError ENOCC when there is no compiler and EBUILD when compilation fails.
 */
function buildProgram({ source, binary, depends = [], force = false, cc = process.env.CC || 'cc' }) {
  const srcTime = Math.max(...[source, ...depends].map((file) => fs.statSync(file).mtimeMs));
  if (!force && fs.existsSync(binary) && fs.statSync(binary).mtimeMs >= srcTime) {
    return { binary, rebuilt: false, warnings: '' };
  }
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  // Build beside the target and rename: concurrent builds (parallel test workers) never see half a binary.
  const tmp = `${binary}.${process.pid}.tmp`;
  let warnings = '';
  try {
    const r = spawnSync(cc, [...CFLAGS, '-o', tmp, source, '-lm'], {
      encoding: 'utf8',
    });
    if (r.error) {
      throw new LoadgenError(r.error.code === 'ENOENT'
        ? `no C compiler: '${cc}' was not found in PATH (install gcc, e.g. apt-get install gcc, or set CC)`
        : `cannot run the C compiler '${cc}': ${r.error.message}`, 'ENOCC');
    }
    if (r.status !== 0) {
      throw new LoadgenError(`compiling ${path.relative(process.cwd(), source)} failed (${cc} exit ${r.status}):\n` +
        `${r.stderr}`, 'EBUILD', { stderr: r.stderr });
    }
    warnings = r.stderr.trim();
    fs.renameSync(tmp, binary);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { binary, rebuilt: true, warnings };
}

/** Compiles the load generator (see buildProgram). */
function buildLoadgen({ force = false, cc = process.env.CC || 'cc' } = {}) {
  return buildProgram({ source: SOURCE, binary: BINARY, force, cc });
}

/** The loadgen's version line, proving the binary runs. */
function loadgenVersion(binary = BINARY) {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
}

const FLAGS = {
  host: '--host',
  port: '--port',
  unix: '--unix',
  mode: '--mode',
  connections: '--connections',
  idle: '--idle',
  size: '--size',
  pipeline: '--pipeline',
  threads: '--threads',
  duration: '--duration',
  warmup: '--warmup',
  action: '--action',
  connectTimeout: '--connect-timeout',
  connectBatch: '--connect-batch',
  requestTimeout: '--request-timeout',
  maxFrame: '--max-frame',
  interval: '--interval',
};

/** Turns an options object into loadgen flags. Unknown keys are a programming error and throw. */
function loadgenArgs(options) {
  const args = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'events' || key === 'hold') {
      args.push(`--${key}`);
      continue;
    }
    const flag = FLAGS[key];
    if (!flag) throw new TypeError(`unknown loadgen option '${key}'; known: ${Object.keys(FLAGS).join(', ')}, events, hold`);
    args.push(flag, String(value));
  }
  return args;
}

function spawnLoadgen(options, { binary = BINARY, cpus, stdin = 'ignore' } = {}) {
  let command = binary;
  let args = loadgenArgs(options);
  if (cpus !== undefined && cpus !== null) {
    args = ['-c', String(cpus), command, ...args];
    command = 'taskset';
  }
  return trackChild(spawn(command, args, { stdio: [stdin, 'pipe', 'pipe'] }));
}

function parseJsonLine(line) {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Runs the load generator to completion. `onEvent(event)` receives its progress events (with
 * `events: true`: connected, measure_start, measure_end) as they happen, so a caller can sample the server
 * at the edges of the measured window. Resolves with the JSON report; rejects with a LoadgenError when the
 * loadgen exits non-zero (usage error, no connection possible: `err.report` has the report if one was
 * printed) or runs far past its expected end.
 */
function runLoadgen(options, { binary = BINARY, cpus, onEvent, timeoutMs } = {}) {
  const expected = ((options.warmup ?? 2) + (options.duration ?? 10)) * 1000 + (options.connectTimeout ?? 5000);
  const limit = timeoutMs ?? expected + 30000;
  return new Promise((resolve, reject) => {
    const child = spawnLoadgen(options, { binary, cpus });
    const stderr = new OutputTail(30);
    let report;
    onLines(child.stdout, (line) => {
      const json = parseJsonLine(line);
      if (json && json.event === undefined) report = json;
    });
    onLines(child.stderr, (line) => {
      const json = parseJsonLine(line);
      if (json && typeof json.event === 'string') {
        if (onEvent) onEvent(json);
      } else {
        stderr.push(line);
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new LoadgenError(`loadgen ran past ${limit} ms and was killed`, 'ETIMEDOUT', { stderr: stderr.toString() }));
    }, limit);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new LoadgenError(`cannot run ${binary}: ${err.message}`, 'ESPAWN'));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && report) {
        resolve(report);
        return;
      }
      const why = report && report.first_error ? `: ${report.first_error}` : '';
      const err = stderr.toString().trim();
      reject(new LoadgenError(
        `loadgen ${signal ? `killed by ${signal}` : `exited with status ${code}`}${why}${err ? `\n${err}` : ''}`,
        code === 2 ? 'EUSAGE' : 'EFAILED', { report, stderr: err }));
    });
  });
}

/**
 * Opens `options.connections` silent connections (--hold). `held` resolves with the loadgen's held event
 * once every connection attempt has resolved; `release()` ends the hold (closes stdin) and resolves with the
 * released event. Rejections are LoadgenErrors.
 */
function holdConnections(options, { binary = BINARY, cpus } = {}) {
  const child = spawnLoadgen({ ...options, hold: true }, { binary, cpus, stdin: 'pipe' });
  const stderr = new OutputTail(30);
  const events = [];
  let onHeld;
  let onReleased;
  const held = new Promise((resolve, reject) => (onHeld = { resolve, reject }));
  const released = new Promise((resolve, reject) => (onReleased = { resolve, reject }));
  held.catch(() => {});
  released.catch(() => {});
  onLines(child.stdout, (line) => {
    const json = parseJsonLine(line);
    if (!json) return;
    events.push(json);
    if (json.event === 'held') onHeld.resolve(json);
    if (json.event === 'released') onReleased.resolve(json);
  });
  onLines(child.stderr, (line) => stderr.push(line));
  child.stdin.on('error', () => {}); // the loadgen may have exited already
  const fail = (message, code) => {
    const e = new LoadgenError(`${message}${stderr.toString() ? `\n${stderr}` : ''}`, code, { stderr: stderr.toString() });
    onHeld.reject(e);
    onReleased.reject(e);
  };
  child.on('error', (err) => fail(`cannot run ${binary}: ${err.message}`, 'ESPAWN'));
  child.on('close', (code, signal) => {
    if (!events.some((e) => e.event === 'held')) fail(`loadgen --hold ended (${signal || `status ${code}`}) before holding`, 'EFAILED');
    else if (!events.some((e) => e.event === 'released')) fail(`loadgen --hold ended (${signal || `status ${code}`}) without releasing`, 'EFAILED');
  });
  return {
    pid: child.pid,
    held,
    release() {
      child.stdin.end();
      return released;
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}

module.exports = {
  LoadgenError,
  LOADGEN_SOURCE: SOURCE,
  LOADGEN_BINARY: BINARY,
  OUT_DIR,
  CFLAGS,
  buildProgram,
  buildLoadgen,
  loadgenVersion,
  loadgenArgs,
  runLoadgen,
  holdConnections,
};
