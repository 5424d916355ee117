import { RpcOptionError } from './errors';
import { boolOption, msOption } from './validate';

/** Anything with a graceful close (servers, clients). */
export interface Closable {
  close(options?: { timeout?: number }): Promise<void>;
}

export interface ShutdownOnSignalsOptions {
  /** Signals that start the graceful shutdown. Default ['SIGTERM', 'SIGINT']. */
  signals?: readonly NodeJS.Signals[];
  /** Milliseconds calls in flight get to finish (passed to close()). Default 10000. */
  timeout?: number;
  /** Exit the process once closed (code 0; 1 if closing failed). Default true. */
  exit?: boolean;
  /** Called when a signal arrives, before closing (e.g. to log). */
  onSignal?: (signal: NodeJS.Signals) => void;
}

/**
 * Closes `targets` gracefully on SIGTERM/SIGINT — what a process manager (Kubernetes, systemd) sends before it
 * kills — then exits. A second signal while closing stops waiting: close({ timeout: 0 }) and exit code 1.
 * Returns a function that removes the handlers.
 */
export function shutdownOnSignals(targets: Closable | readonly Closable[], options: ShutdownOnSignalsOptions = {}): () => void {
  const list = Array.isArray(targets) ? (targets as readonly Closable[]) : [targets as Closable];
  for (const target of list) {
    if (typeof target?.close !== 'function') throw new RpcOptionError('shutdownOnSignals needs servers or clients (objects with close())');
  }
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const timeout = msOption('timeout', options.timeout, 10000) as number;
  const exit = boolOption('exit', options.exit, true);
  let closing = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) {
      // Asked twice: stop waiting for calls in flight.
      void Promise.allSettled(list.map((target) => target.close({ timeout: 0 }))).then(() => {
        if (exit) process.exit(1);
      });
      return;
    }
    closing = true;
    options.onSignal?.(signal);
    void Promise.allSettled(list.map((target) => target.close({ timeout }))).then((results) => {
      if (exit) process.exit(results.some((r) => r.status === 'rejected') ? 1 : 0);
    });
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
