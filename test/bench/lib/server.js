'use strict';
/**
 * Starting and stopping the servers under test.
 *
 * A server is any command that prints a line matching /listening/ (stdout or stderr) once it accepts
 * connections and exits on SIGTERM. It is started in a process group of its own so that a launcher chain
 * (`npm run x` -> `sh -c` -> `node`) is stopped as a whole, and the serving process below the launchers is
 * found so that CPU and memory are sampled from it, not from npm.
 *
 *   startServer() --spawn--> [starting] --ready line--> [ready] --stop()--> SIGTERM group --> [stopped]
 *                                 |                        |                     | (after timeoutMs)
 *                                 +-- exits --> rejects    +-- exits --> exited  +--> SIGKILL group
 *
 * Every server started here is killed when the benchmark process exits, however it exits.
 */
const { spawn } = require('node:child_process');
const net = require('node:net');
const proc = require('./proc');

/** A server that failed to start, exited early, or misbehaved. `output` holds its last lines. */
class ServerError extends Error {
  constructor(message, code, output) {
    super(output ? `${message}\n--- last output ---\n${output}` : message);
    this.name = 'ServerError';
    this.code = code;
    this.output = output || '';
  }
}

const live = new Set();
const children = new Set();
function killAllSync() {
  for (const h of live) {
    try {
      process.kill(-h.launcherPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const { child, group } of children) {
    try {
      if (group) process.kill(-child.pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on('exit', killAllSync);

/**
 * Kills child (its whole process group when `group`, i.e. it was spawned detached) if this process exits
 * while the child still runs. Returns child.
 */
function trackChild(child, { group = false } = {}) {
  const entry = { child, group };
  children.add(entry);
  child.on('exit', () => children.delete(entry));
  return child;
}

/** A free TCP port on host, from the kernel (bind to port 0, read it, close). */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Keeps the last `max` lines a process printed. */
class OutputTail {
  constructor(max = 40) {
    this.max = max;
    this.lines = [];
  }
  push(line) {
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  toString() {
    return this.lines.join('\n');
  }
}

/** Splits a stream into lines and calls onLine(line) for each. */
function onLines(stream, onLine) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, nl).replace(/\r$/, ''));
      pending = pending.slice(nl + 1);
    }
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
    pending = '';
  });
}

const ADDRESS_IN_LINE = /listening\b.*?(?:unix:(\S+)|\[([0-9a-fA-F:.]+)\]:(\d+)|(\d{1,3}(?:\.\d{1,3}){3}):(\d+))/i;

/**
 * Starts a server and resolves once it printed its ready line.
 *
 * @param {object} o
 * @param {string} o.name            label used in messages
 * @param {string} o.command         executable (looked up in PATH)
 * @param {string[]} [o.args]
 * @param {string} [o.cwd]
 * @param {object} [o.env]           added to process.env
 * @param {string} [o.cpus]          pin with `taskset -c <cpus>` (e.g. '0')
 * @param {RegExp} [o.readyPattern]  default /listening/i
 * @param {number} [o.readyTimeoutMs] default 60000
 * @returns {Promise<ServerHandle>}
 */
function startServer(o) {
  const readyPattern = o.readyPattern || /listening/i;
  const readyTimeoutMs = o.readyTimeoutMs || 60000;
  let command = o.command;
  let args = o.args || [];
  if (o.cpus !== undefined && o.cpus !== null) {
    args = ['-c', String(o.cpus), command, ...args];
    command = 'taskset';
  }
  const child = spawn(command, args, {
    cwd: o.cwd,
    env: { ...process.env, ...(o.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const handle = new ServerHandle(o.name, child);
  live.add(handle);
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      handle.stop({ timeoutMs: 2000 }).finally(() =>
        reject(new ServerError(`${o.name}: no line matching ${readyPattern} within ${readyTimeoutMs} ms`,
          'ESTARTTIMEOUT', handle.output())));
    }, readyTimeoutMs);
    const onLine = (line) => {
      handle.tail.push(line);
      if (settled || !readyPattern.test(line)) return;
      settled = true;
      clearTimeout(timer);
      const m = ADDRESS_IN_LINE.exec(line);
      if (m) {
        handle.address = m[1] ? { path: m[1] } : { host: m[2] || m[4], port: Number(m[3] || m[5]) };
      }
      handle.readyLine = line;
      // The serving process may be a few launchers down; it exists by the time it prints.
      try {
        handle.pid = proc.serverProcess(child.pid);
      } catch {
        handle.pid = child.pid;
      }
      resolve(handle);
    };
    onLines(child.stdout, onLine);
    onLines(child.stderr, onLine);
    child.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      live.delete(handle);
      const hint = err.code === 'ENOENT' ? ` (is '${command}' installed and in PATH?)` : '';
      reject(new ServerError(`${o.name}: cannot start '${command}': ${err.message}${hint}`, 'ESPAWN'));
    });
    handle.whenExited.then(({ code, signal }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new ServerError(`${o.name}: exited (${signal || `code ${code}`}) before printing a line matching ` +
        `${readyPattern}`, 'EEXITEDEARLY', handle.output()));
    });
  });
}

class ServerHandle {
  constructor(name, child) {
    this.name = name;
    this.child = child;
    /** pid of the spawned command (the process group leader). */
    this.launcherPid = child.pid;
    /** pid of the serving process: the deepest descendant of the launcher when ready. */
    this.pid = child.pid;
    /** Address parsed from the ready line, when it names one. */
    this.address = null;
    this.readyLine = '';
    this.tail = new OutputTail();
    this.exitInfo = null;
    this.stopping = false;
    this.whenExited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** The server's last lines of output. */
  output() {
    return this.tail.toString();
  }

  /** Throws a ServerError if the server exited without being asked to. */
  assertAlive() {
    if (this.exitInfo && !this.stopping) {
      const { code, signal } = this.exitInfo;
      throw new ServerError(`${this.name}: exited unexpectedly (${signal || `code ${code}`})`, 'EEXITED',
        this.output());
    }
  }

  /** CPU microseconds used so far by the serving process and its descendants. */
  cpuMicros() {
    return proc.treeCpuMicros(this.pid);
  }

  /** Resident bytes of the serving process and its descendants. */
  rssBytes() {
    return proc.treeRssBytes(this.pid);
  }

  /** Open file descriptors of the serving process. */
  fdCount() {
    return proc.fdCount(this.pid);
  }

  /**
   * Sends SIGTERM to the whole process group and waits for the group to be gone; SIGKILL after timeoutMs.
   * Resolves with how it ended: 'exited' or 'killed'.
   */
  async stop({ timeoutMs = 5000 } = {}) {
    this.stopping = true;
    const signalGroup = (sig) => {
      try {
        process.kill(-this.launcherPid, sig);
        return true;
      } catch {
        return false;
      }
    };
    signalGroup('SIGTERM');
    const deadline = Date.now() + timeoutMs;
    await within(this.whenExited, timeoutMs);
    // The leader may be gone while the server below it still runs: wait for the whole group.
    while (Date.now() < deadline && signalGroup(0)) await delay(25);
    let how = 'exited';
    if (signalGroup(0)) {
      signalGroup('SIGKILL');
      how = 'killed';
      await within(this.whenExited, 2000);
    }
    live.delete(this);
    return how;
  }
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with promise's value, or with `undefined` after ms; the timer never outlives the race. */
function within(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() =>
    clearTimeout(timer));
}

module.exports = { ServerError, ServerHandle, startServer, freePort, onLines, OutputTail, delay, within, trackChild };
