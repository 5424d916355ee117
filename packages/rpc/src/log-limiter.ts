import type { Logger } from './logger';

/** How many lines of one kind are written per window before the rest are only counted. */
export interface LogLimits {
  /** Lines of one kind written per window. Default 10. */
  readonly lines: number;
  /** The window, in ms. Default 10000. */
  readonly windowMs: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { lines: 10, windowMs: 10_000 };

interface Kind {
  windowStart: number;
  written: number;
  suppressed: number;
  level: 'warn' | 'error';
  /** The last suppressed entry, repeated in the summary. */
  fields: object;
  msg: string;
}

/**
 * Rate-limits log lines per kind (e.g. "refused a connection, NOT_THRIFT"), so that a flood of bad peers or a
 * handler failing on every call costs a bounded number of lines: `lines` per `windowMs`, then at the end of the
 * window one summary, "<n> more like this in the last <window> s: <last message>".
 *
 * Kinds are a small set (what failed × error code × method), so their table stays small.
 */
export class LogLimiter {
  private readonly kinds = new Map<string, Kind>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly limits: LogLimits = DEFAULT_LOG_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  log(level: 'warn' | 'error', kind: string, fields: object, msg: string): void {
    const now = this.now();
    let entry = this.kinds.get(kind);
    if (entry === undefined) {
      entry = { windowStart: now, written: 0, suppressed: 0, level, fields, msg };
      this.kinds.set(kind, entry);
    } else if (now - entry.windowStart >= this.limits.windowMs) {
      this.summarize(entry);
      entry.windowStart = now;
      entry.written = 0;
    }
    if (entry.written < this.limits.lines) {
      entry.written++;
      this.logger[level](fields, msg);
      return;
    }
    entry.suppressed++;
    entry.level = level;
    entry.fields = fields;
    entry.msg = msg;
    if (this.timer === undefined) {
      this.timer = setTimeout(this.tick, Math.max(1, entry.windowStart + this.limits.windowMs - now));
      this.timer.unref();
    }
  }

  /** Writes the summaries still due (e.g. when the server closes). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const entry of this.kinds.values()) this.summarize(entry);
    this.kinds.clear();
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const now = this.now();
    let next = Infinity;
    for (const [kind, entry] of this.kinds) {
      if (now - entry.windowStart >= this.limits.windowMs) {
        this.summarize(entry);
        this.kinds.delete(kind);
      } else if (entry.suppressed > 0) {
        next = Math.min(next, entry.windowStart + this.limits.windowMs);
      }
    }
    if (next !== Infinity) {
      this.timer = setTimeout(this.tick, Math.max(1, next - now));
      this.timer.unref();
    }
  };

  private summarize(entry: Kind): void {
    if (entry.suppressed === 0) return;
    const count = entry.suppressed;
    entry.suppressed = 0;
    this.logger[entry.level]({ ...entry.fields, suppressed: count }, `${count} more like this in the last ${Math.round(this.limits.windowMs / 1000)} s: ${entry.msg}`);
  }
}
