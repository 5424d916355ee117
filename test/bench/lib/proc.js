'use strict';
/**
 * What the kernel says about a process, read from /proc (Linux only): CPU time from /proc/<pid>/stat,
 * resident memory from /proc/<pid>/status, open descriptors from /proc/<pid>/fd, and the process tree.
 *
 * CPU time is the sum of user and system time over all the process's threads (native poller threads
 * included), in microseconds, with the kernel's clock-tick resolution (usually 10 ms: measure over seconds).
 * Every reader throws a ProcError with code 'ENOPROC' when the process is gone.
 */
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

class ProcError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'ProcError';
    this.code = code;
  }
}

let ticksPerSecond;
/** The kernel's clock ticks per second (getconf CLK_TCK), which /proc/<pid>/stat counts in. */
function clockTicks() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // Linux's USER_HZ on every mainstream architecture
    }
  }
  return ticksPerSecond;
}

function readProcFile(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch (err) {
    if (err && (err.code === 'ENOENT' || err.code === 'ESRCH')) {
      throw new ProcError(`process ${pid} is gone (reading /proc/${pid}/${file})`, 'ENOPROC');
    }
    throw err;
  }
}

/**
 * Parses /proc/<pid>/stat. The command name sits in parentheses and may itself hold spaces or parentheses,
 * so fields are counted from the last ')'.
 */
function readStat(pid) {
  const text = readProcFile(pid, 'stat');
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' '); // f[0] is field 3 (state)
  return {
    pid,
    comm,
    state: f[0],
    ppid: Number(f[1]),
    utimeTicks: Number(f[11]),
    stimeTicks: Number(f[12]),
    startTicks: Number(f[19]),
  };
}

/** User + system CPU time of pid, all threads, in microseconds. */
function cpuMicros(pid) {
  const s = readStat(pid);
  return ((s.utimeTicks + s.stimeTicks) * 1e6) / clockTicks();
}

/** Resident set size of pid (VmRSS) in bytes. */
function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readProcFile(pid, 'status'));
  if (!m) throw new ProcError(`/proc/${pid}/status has no VmRSS line (a zombie?)`, 'ENOPROC');
  return Number(m[1]) * 1024;
}

/** Number of open file descriptors of pid. */
function fdCount(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch (err) {
    if (err && err.code === 'ENOENT') throw new ProcError(`process ${pid} is gone`, 'ENOPROC');
    throw err;
  }
}

/** Every live process's pid and parent pid. */
function processTable() {
  const table = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = readStat(Number(name));
      table.push({ pid: s.pid, ppid: s.ppid, comm: s.comm, startTicks: s.startTicks });
    } catch {
      // exited while we looked
    }
  }
  return table;
}

/** pid and all its descendants, parents before children. */
function subtree(pid, table = processTable()) {
  const children = new Map();
  for (const p of table) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(p);
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const c of children.get(out[i]) || []) out.push(c.pid);
  }
  return out;
}

/**
 * The process that actually serves, below a launcher such as `npm run` -> `sh -c` -> `node`: the deepest
 * descendant of pid (the most recently started one when several are equally deep), or pid itself.
 */
function serverProcess(pid) {
  const table = processTable();
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const depth = new Map([[pid, 0]]);
  let best = pid;
  for (const p of subtree(pid, table)) {
    if (p === pid) continue;
    const d = depth.get(byPid.get(p).ppid) + 1;
    depth.set(p, d);
    const b = byPid.get(best);
    if (d > depth.get(best) || (d === depth.get(best) && b && byPid.get(p).startTicks > b.startTicks)) best = p;
  }
  return best;
}

/** Sums a per-process reader over pid's subtree, skipping processes that exit while being read. */
function sumOverTree(pid, reader) {
  let total = 0;
  for (const p of subtree(pid)) {
    try {
      total += reader(p);
    } catch (err) {
      if (!(err instanceof ProcError) || p === pid) throw err;
    }
  }
  return total;
}

/** CPU microseconds of pid and its descendants. */
function treeCpuMicros(pid) {
  return sumOverTree(pid, cpuMicros);
}

/** Resident bytes of pid and its descendants. */
function treeRssBytes(pid) {
  return sumOverTree(pid, rssBytes);
}

/**
 * CPU time the whole machine has spent busy (every CPU: user, nice, system, irq, softirq, steal; not idle or
 * iowait) since boot, in microseconds, from the first line of /proc/stat. The difference between two samples,
 * minus the CPU time of the processes being measured, is what everything else on the machine used meanwhile.
 */
function machineBusyMicros() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const f = line.trim().split(/\s+/);
  if (f[0] !== 'cpu' || f.length < 8) throw new ProcError(`/proc/stat starts with '${line}', a 'cpu' totals line expected`, 'ENOPROC');
  // user nice system idle iowait irq softirq steal [guest guest_nice: already counted in user/nice]
  const n = (i) => Number(f[i] || 0);
  return ((n(1) + n(2) + n(3) + n(6) + n(7) + n(8)) * 1e6) / clockTicks();
}

/** The CPU model and the load averages, for the report's header. */
function machineInfo() {
  const os = require('node:os');
  const cpus = os.cpus();
  return {
    cpuModel: cpus.length ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

module.exports = {
  ProcError,
  clockTicks,
  readStat,
  cpuMicros,
  rssBytes,
  fdCount,
  subtree,
  serverProcess,
  treeCpuMicros,
  treeRssBytes,
  machineBusyMicros,
  machineInfo,
};
