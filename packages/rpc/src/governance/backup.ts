import { RpcOptionError } from '../errors';
import { checkKnownKeys, msOption, objectOption } from '../validate';

/**
 * Backup requests (Kitex's `BackupPolicy`): when a call has no answer after `delay` ms, the same call is sent to
 * another instance; the first answer wins and the other attempt is cancelled. This trims tail latency for
 * idempotent methods only (the server may run the call twice). Backups take from the retry budget
 * (`retry.budgetRatio`, default 10%), so retries and backups together add at most that much load.
 */
export interface BackupOptions {
  /** Milliseconds without an answer before the backup attempt is sent, >= 1. Typically the method's p99. */
  delay: number;
}

export class BackupPolicy {
  readonly delay: number;

  constructor(options: BackupOptions) {
    const record = objectOption('backup', options);
    if (record === undefined) throw new RpcOptionError('backup must be an object like { delay: 50 }');
    checkKnownKeys('backup', record, ['delay']);
    if (options.delay === undefined) throw new RpcOptionError('backup.delay is required: the milliseconds to wait before the backup attempt');
    this.delay = msOption('backup.delay', options.delay, undefined, 1) as number;
  }
}

/** Starts an attempt; it must settle soon after `cancel` aborts. */
export type StartAttempt<T> = (cancel: AbortSignal) => Promise<T>;

/**
 * Runs `first`; if it has not settled after `delay` ms, asks `backup()` for a second attempt (undefined, or a
 * throw: none) and runs it too. Resolves with the first success and cancels the other attempt; rejects with the
 * first attempt's error if it fails before a backup started, otherwise once both failed, with the last error.
 */
export function raceWithBackup<T>(delay: number, first: StartAttempt<T>, backup: () => StartAttempt<T> | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controllers: AbortController[] = [];
    let running = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const start = (attempt: StartAttempt<T>): void => {
      const controller = new AbortController();
      controllers.push(controller);
      running++;
      attempt(controller.signal).then(
        (value) => {
          running--;
          if (done) return;
          done = true;
          if (timer !== undefined) clearTimeout(timer);
          for (const other of controllers) if (other !== controller) other.abort(new BackupCancelled());
          resolve(value);
        },
        (error: unknown) => {
          running--;
          if (done || running > 0) return;
          // The last one running failed; a pending backup timer is moot.
          done = true;
          if (timer !== undefined) clearTimeout(timer);
          reject(error);
        },
      );
    };
    start(first);
    timer = setTimeout(() => {
      timer = undefined;
      if (done) return;
      let second: StartAttempt<T> | undefined;
      try {
        second = backup();
      } catch {
        // Choosing the backup's endpoint threw (a user's balancer, a consistent-hash keyOf): no backup is sent,
        // and the first attempt, still running, decides the call (a throw here would be uncaught, in a timer).
        return;
      }
      if (second !== undefined) start(second);
    }, delay);
  });
}

/** The reason a losing attempt is cancelled with (never seen by callers). */
export class BackupCancelled extends Error {
  constructor() {
    super('cancelled: the other attempt of a backup request answered first');
    this.name = 'BackupCancelled';
  }
}
