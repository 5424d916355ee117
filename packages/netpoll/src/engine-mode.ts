import { nativeBinding } from './binding';
import { InvalidOptionError, UringUnavailableError } from './errors';
import { oneOfOption } from './options';

/**
 * How the engine runs its pollers (the default: defaultEngineMode()).
 * - `inline`: one epoll instance watched by Node's own event loop; reads happen on the JavaScript thread, so a
 *   process confined to one core pays no thread hand-off.
 * - `threads`: `pollers` native threads, each with its own level-triggered epoll instance and eventfd. They
 *   accept, read (readv into pooled blocks) and finish pending writes, then wake the JavaScript thread once per
 *   batch. Connections are spread over the pollers round-robin.
 * - `uring`: like `inline`, but connection I/O runs on an io_uring whose fd Node's event loop watches: a
 *   multishot receive per connection into a ring of engine blocks, the first few replies of a loop turn written
 *   at once and the rest submitted together in one `io_uring_enter`, completions read without a system call.
 *   Needs io_uring (Linux >= 6.0, not disabled by sysctl or seccomp).
 */
export type EngineMode = 'threads' | 'inline' | 'uring';

export const ENGINE_MODES: readonly EngineMode[] = ['inline', 'threads', 'uring'];

/** The environment variable that sets the mode of every engine created without an explicit `mode`. */
export const ENGINE_MODE_VARIABLE = 'THRIFTPOLL_ENGINE_MODE';

let probed: number | undefined;
let warned = false;

/** Why `uring` cannot run here: a build without io_uring, else what the kernel probe met; null when it can. */
function uringUnavailable(): UringUnavailableError | null {
  if (uringUnavailableErrno() === 0) return null;
  const builtWithout = nativeBinding().uringBuildMissing;
  return builtWithout !== null ? new UringUnavailableError(uringUnavailableErrno(), 'build', builtWithout) : new UringUnavailableError(uringUnavailableErrno(), 'io_uring_setup');
}

/** 0 when io_uring can run the `uring` mode in this process, else the errno that stops it (probed once). */
export function uringUnavailableErrno(): number {
  probed ??= nativeBinding().probeUring();
  return probed;
}

/**
 * The mode of an engine given no `mode` and no THRIFTPOLL_ENGINE_MODE: `uring` where io_uring can run it, else
 * `inline`, without a warning (nobody asked for `uring`). Chosen from the figures in docs/benchmarks.md: `uring`
 * costs about 0.7x `inline`'s CPU per request under load and the same at low fixed rates.
 */
export function defaultEngineMode(): EngineMode {
  return uringUnavailableErrno() === 0 ? 'uring' : 'inline';
}

/**
 * The mode an engine runs in. An explicit `mode: 'uring'` that cannot be honoured throws
 * `UringUnavailableError`; `uring` asked for through THRIFTPOLL_ENGINE_MODE falls back to `inline` with one
 * process warning (code `THRIFTPOLL_URING_UNAVAILABLE`), so one environment setting can serve every machine.
 * Neither given: defaultEngineMode().
 */
export function resolveEngineMode(explicit: unknown): EngineMode {
  if (explicit !== undefined) {
    // The fallback is never taken (explicit is set): no io_uring probe for an engine that named its mode.
    const mode = oneOfOption<EngineMode>('mode', explicit, 'inline', ENGINE_MODES);
    const unavailable = mode === 'uring' ? uringUnavailable() : null;
    if (unavailable !== null) throw unavailable;
    return mode;
  }
  const fromEnvironment = process.env[ENGINE_MODE_VARIABLE];
  if (fromEnvironment === undefined || fromEnvironment === '') return defaultEngineMode();
  if (!(ENGINE_MODES as readonly string[]).includes(fromEnvironment)) {
    throw new InvalidOptionError(
      `${ENGINE_MODE_VARIABLE} must be one of ${ENGINE_MODES.join(', ')}, got ${JSON.stringify(fromEnvironment)}; unset it for the default (${defaultEngineMode()})`,
    );
  }
  const mode = fromEnvironment as EngineMode;
  const unavailable = mode === 'uring' ? uringUnavailable() : null;
  if (unavailable !== null) {
    if (!warned) {
      warned = true;
      process.emitWarning(
        `${ENGINE_MODE_VARIABLE}=uring: ${unavailable.message}; running in 'inline' mode instead`,
        { code: 'THRIFTPOLL_URING_UNAVAILABLE' },
      );
    }
    return 'inline';
  }
  return mode;
}
