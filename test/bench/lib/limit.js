'use strict';
/**
 * The physical-limit servers of the benchmarks (test/bench/limit-echo): a minimal C echo server on epoll and
 * one on io_uring, each built at bench time with the system C compiler like the load generator, into
 * test/bench/out/. Every engine and RPC figure is also shown as a ratio to the epoll one measured in the same run.
 */
const path = require('node:path');
const { buildProgram, OUT_DIR } = require('./loadgen');

const DIR = path.resolve(__dirname, '..', 'limit-echo');
const HEADER = path.join(DIR, 'limit-echo.h');

const LIMIT_PROGRAMS = {
  epoll: { source: path.join(DIR, 'epoll-echo.c'), binary: path.join(OUT_DIR, 'epoll-echo') },
  uring: { source: path.join(DIR, 'uring-echo.c'), binary: path.join(OUT_DIR, 'uring-echo') },
};

/** Builds both limit servers (when out of date). Returns { epoll, uring } build results; throws like buildProgram. */
function buildLimitServers({ force = false } = {}) {
  const built = {};
  for (const [name, program] of Object.entries(LIMIT_PROGRAMS)) {
    built[name] = buildProgram({ ...program, depends: [HEADER], force });
  }
  return built;
}

/** Whether this process may use io_uring (the uring rows need it); probed once by the native addon. */
function uringAvailability() {
  let probe;
  try {
    probe = require('@thriftpoll/native').probeUring;
  } catch (err) {
    return { ok: false, why: `the native addon is not built (${err.message.split('\n')[0]}); run npm run build` };
  }
  const errno = probe();
  return errno === 0 ? { ok: true } : { ok: false, why: `io_uring is unavailable here (io_uring_setup: errno ${errno})` };
}

module.exports = { LIMIT_PROGRAMS, buildLimitServers, uringAvailability };
