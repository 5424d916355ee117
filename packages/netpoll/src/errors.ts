import { constants } from 'node:os';

/**
 * Codes a NetpollError carries. System errors keep their errno name (`ECONNRESET`, `EADDRINUSE`, ...); the
 * engine adds a few of its own:
 * - `ECLOSED`   the connection was closed (locally, or after the peer went away) before the operation finished
 * - `EOF`       the peer shut down its side before the bytes waited for arrived
 * - `ETIMEDOUT` a connect, read, write or idle timeout fired
 * - `ERR_INVALID_OPTION` an option or argument was rejected where it entered
 * - `ERR_URING_UNAVAILABLE` `mode: 'uring'` was asked for explicitly and io_uring cannot run here
 */
export type NetpollErrorCode =
  | 'ETIMEDOUT'
  | 'ECONNRESET'
  | 'ECONNREFUSED'
  | 'ECONNABORTED'
  | 'EADDRINUSE'
  | 'EADDRNOTAVAIL'
  | 'EACCES'
  | 'ENOENT'
  | 'EPIPE'
  | 'EMFILE'
  | 'ENFILE'
  | 'ENOMEM'
  | 'ENOBUFS'
  | 'EINVAL'
  | 'ENAMETOOLONG'
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'EAGAIN'
  | 'ECLOSED'
  | 'EOF'
  | 'EBUSY'
  | 'ERR_INVALID_OPTION'
  | 'ERR_URING_UNAVAILABLE'
  | (string & {});

/** Every error the engine raises or reports. `code` is stable; `errno` is set for system errors. */
export class NetpollError extends Error {
  readonly code: NetpollErrorCode;
  /** The positive errno value, for system errors. */
  readonly errno: number | undefined;
  /** The operation that failed (`listen`, `connect`, `read`, `write`, ...), when known. */
  readonly syscall: string | undefined;

  constructor(code: NetpollErrorCode, message: string, details?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, details?.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.errno = details?.errno;
    this.syscall = details?.syscall;
  }
}

/** An option or argument that was rejected where it entered. `code` is `ERR_INVALID_OPTION`. */
export class InvalidOptionError extends NetpollError {
  constructor(message: string) {
    super('ERR_INVALID_OPTION', message);
  }
}

/**
 * An explicit `mode: 'uring'` that this kernel, process or build cannot honour (old kernel, `io_uring_disabled`,
 * seccomp; or an addon built without a new enough `<linux/io_uring.h>`). `errno` is what the probe met (ENOSYS,
 * EPERM, EOPNOTSUPP, ...); for a build without io_uring it is EOPNOTSUPP and `syscall` is `'build'`.
 */
export class UringUnavailableError extends NetpollError {
  /** `builtWithout`: what the addon was built without (its message then says so instead of naming a syscall). */
  constructor(errno: number, syscall: string, builtWithout?: string) {
    super(
      'ERR_URING_UNAVAILABLE',
      builtWithout !== undefined
        ? `engine mode 'uring' was requested but io_uring is unavailable: built without ${builtWithout}; use mode` +
            " 'inline' or 'threads', or rebuild @thriftpoll/native (`npm rebuild @thriftpoll/native`) with the Linux >= 6.0 UAPI headers"
        : `engine mode 'uring' was requested but io_uring is unavailable here: ${syscall} failed with ${errnoName(errno)}` +
            ` (${describeErrno(errno)}); use mode 'inline' or 'threads', or allow io_uring (kernel >= 5.6,` +
            ' sysctl kernel.io_uring_disabled=0, a seccomp profile that permits io_uring_setup)',
      { errno, syscall },
    );
  }
}

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** The symbolic name of an errno value (`104` -> `ECONNRESET`), or `E<number>` when unknown. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `E${errno}`;
}

const descriptions: Record<string, string> = {
  ECONNRESET: 'connection reset by peer',
  ECONNREFUSED: 'connection refused',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
  EPIPE: 'broken pipe (the peer closed the connection)',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files in the system',
  EACCES: 'permission denied',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'socket path too long',
  EAGAIN: 'resource temporarily unavailable',
  ETIMEDOUT: 'timed out',
  EINVAL: 'invalid argument',
  ENOSYS: 'function not implemented',
  EPERM: 'operation not permitted',
  EOPNOTSUPP: 'operation not supported',
};

function describeErrno(errno: number): string {
  const code = errnoName(errno);
  return descriptions[code] ?? `errno ${errno}`;
}

/** A NetpollError for a failed system call. `target` names what it was about (an address, a connection). */
export function errnoError(errno: number, syscall: string, target?: string): NetpollError {
  const code = errnoName(errno);
  const what = describeErrno(errno);
  const where = target === undefined ? '' : ` ${target}`;
  return new NetpollError(code, `${syscall}${where} failed: ${code} (${what})`, { errno, syscall });
}
