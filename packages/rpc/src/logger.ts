import { inspect } from 'node:util';
import { RpcOptionError } from './errors';
import { describeValue, enumOption } from './validate';

/**
 * Where the runtime writes what operators should know. The shape of pino's logger (and of bunyan's, winston's
 * child loggers with a small adapter): pass a pino instance as is.
 *
 *   logger.warn({ peer: '10.0.0.7:51234', code: 'NOT_THRIFT' }, 'refused a connection: ...');
 *
 * Fields the runtime sets: `peer` (the remote address), `method` (`Service.method`), `seqid`, `code` (an error
 * code), `what` (what failed), `err` (the error itself, debug level only: its stack and cause), `suppressed`
 * (in "N more like this" summaries).
 */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** One line: `thriftpoll <level>: <msg> key=value ...`; an `err` field is printed with its stack on the lines after. */
function formatLine(level: LogLevel, obj: object, msg: string | undefined): string {
  let line = `thriftpoll ${level}: ${msg ?? ''}`;
  let err: unknown;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'err') {
      err = value;
      continue;
    }
    line += ` ${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
  }
  if (err !== undefined) line += `\n${inspect(err, { depth: 4 })}`;
  return line;
}

/**
 * The default logger: one line per entry on stderr (console.error), entries below `level` dropped. Default level
 * 'info', so the stacks and byte dumps the runtime logs at 'debug' are not written unless asked for.
 */
export function consoleLogger(level: LogLevel = 'info'): Logger {
  const threshold = RANK[enumOption('consoleLogger level', level, 'info', LEVELS)];
  const at = (entry: LogLevel) =>
    RANK[entry] < threshold
      ? () => undefined
      : (obj: object, msg?: string) => {
          console.error(formatLine(entry, obj, msg));
        };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Validates a `logger` option: an object with debug, info, warn and error functions. */
export function loggerOption(name: string, value: unknown): Logger | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null) {
    const missing = (['debug', 'info', 'warn', 'error'] as const).filter((method) => typeof (value as Record<string, unknown>)[method] !== 'function');
    if (missing.length === 0) return value as Logger;
    throw new RpcOptionError(`${name} must have debug, info, warn and error methods (a pino logger, or consoleLogger()); it lacks ${missing.join(', ')}`);
  }
  throw new RpcOptionError(`${name} must be a logger object with debug, info, warn and error methods (a pino logger, or consoleLogger()), got ${describeValue(value)}`);
}
