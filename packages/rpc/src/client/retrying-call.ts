import { raceWithBackup, type BackupPolicy, type StartAttempt } from '../governance/backup';
import type { Endpoint } from '../net/address';
import { startAttempt, type AttemptRoute } from './attempt';
import { abortError } from './first-contact';
import type { ClientContext } from './client-context';
import type { EndpointPicker } from './endpoint-picker';
import { neverRan } from './never-ran';
import type { RetryPolicy } from './retry';

/** What the retrying layer uses of its client. Built once per client. */
export interface RetryRoute {
  /** True once the client is closed: no attempt follows a failed one. */
  readonly closed: boolean;
  /** Health, breakers and balancer: the endpoint of every attempt, first, retried and backup. */
  readonly picker: EndpointPicker;
  /** What the attempt layer below needs (attempt.ts). */
  readonly attempt: AttemptRoute;
  /** ClientOptions.retry; undefined when retries are off. */
  readonly retry: RetryPolicy | undefined;
  /** What retries and backups draw from: the retry policy, or one made for its budget alone (backups without retry). */
  readonly budget: RetryPolicy | undefined;
  readonly backup: BackupPolicy | undefined;
  /** ClientOptions.resendUnsent, and retries off (the retry policy decides instead when it is on). */
  readonly resendUnsent: boolean;
}

/**
 * The retrying layer of one call (between resolving-call.ts and attempt.ts): picks the endpoint of each attempt
 * and decides what follows a failed one. Settles the call's promise once, with the first success or the error that
 * ended it:
 *
 *   - retry on: attempt n failed → attempt n + 1 on an endpoint not yet tried (all of them again once each was), if
 *     the call was not aborted, the client not closed, the deadline not reached (nor by the backoff delay) and the
 *     policy says yes (RetryPolicy: the error, maxAttempts, the budget);
 *   - retry off, resendUnsent on: sent once more, elsewhere when there is another endpoint, when the error proves
 *     the call never ran (never-ran.ts) and the deadline leaves time;
 *   - backup on (not for oneway): each attempt races a backup attempt on another endpoint after `backup.delay` ms
 *     (governance/backup.ts), taken from the budget; the backup's endpoint counts as tried.
 *
 * Breaker admission is the attempt layer's (startAttempt), next to the record of the outcome it admitted; the
 * picker only steers away from open instance breakers. No promise, closure or set is made beyond what the
 * configuration needs: with nothing to follow the first attempt, its promise is the call's.
 */
export class RetryingCall {
  /** Attempts this layer started (a backup races inside one of them): the retry policy's count. */
  private attempts = 0;
  /** The endpoint of the latest attempt. */
  private endpoint: Endpoint | undefined = undefined;
  /** Endpoints tried by this call (retry on): retries and backups go elsewhere. */
  private readonly tried: Set<string> | undefined;
  private resolve: (value: unknown) => void = ignore;
  private reject: (error: unknown) => void = ignore;
  private readonly failed = (error: unknown): void => this.attemptFailed(error);

  constructor(
    private readonly route: RetryRoute,
    private readonly context: ClientContext,
    /** Epoch ms at which the call ends; undefined: no limit. */
    private readonly deadline: number | undefined,
  ) {
    this.tried = route.retry === undefined ? undefined : new Set();
  }

  /** Picks the first endpoint and starts the first attempt. A throwing balancer throws here (the caller rejects). */
  start(): Promise<unknown> {
    const { route, context, deadline } = this;
    route.budget?.recordCall();
    const endpoint = route.picker.pick(undefined, context);
    if (endpoint === undefined) return Promise.reject(route.picker.noInstance());
    const backs = route.backup !== undefined && !context.oneway;
    if (route.retry === undefined && !route.resendUnsent && !backs) {
      // Nothing can follow this attempt: its promise is the call's.
      return new Promise((resolve, reject) => startAttempt(route.attempt, context, endpoint, deadline, undefined, resolve, reject));
    }
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.send(endpoint);
    });
  }

  /** Starts attempt n + 1 on `endpoint` (with its backup when backups are on). */
  private send(endpoint: Endpoint): void {
    this.attempts++;
    this.endpoint = endpoint;
    this.tried?.add(endpoint.key);
    const { route, context } = this;
    const backup = route.backup;
    if (backup === undefined || context.oneway) return startAttempt(route.attempt, context, endpoint, this.deadline, undefined, this.resolve, this.failed);
    raceWithBackup(backup.delay, this.racer(endpoint), () => this.backupOf(endpoint)).then(this.resolve, this.failed);
  }

  /** An attempt on `endpoint` as the backup race runs it; the one that answers names the call's address. */
  private racer(endpoint: Endpoint): StartAttempt<unknown> {
    const { route, context, deadline } = this;
    return (cancel) =>
      new Promise((resolve, reject) => {
        const answered = (value: unknown): void => {
          context.address = endpoint.key;
          resolve(value);
        };
        startAttempt(route.attempt, context, endpoint, deadline, cancel, answered, reject);
      });
  }

  /** The backup attempt for the one on `first`: another endpoint not tried yet, if the budget allows. */
  private backupOf(first: Endpoint): StartAttempt<unknown> | undefined {
    const exclude = new Set(this.tried);
    exclude.add(first.key);
    const other = this.route.picker.pick(exclude, this.context);
    if (other === undefined || other.key === first.key || !(this.route.budget as RetryPolicy).takeBudget()) return undefined;
    this.tried?.add(other.key);
    return this.racer(other);
  }

  /** Attempt n failed with `error`: the next attempt now or after the backoff, or the call fails with `error`. */
  private attemptFailed(error: unknown): void {
    try {
      const retry = this.route.retry;
      if (retry === undefined) return this.resendIfNeverRan(error);
      const { context, deadline } = this;
      const left = deadline === undefined ? Infinity : deadline - Date.now();
      if (context.signal?.aborted || left <= 0 || this.route.closed || !retry.shouldRetry(error, this.attempts)) return this.reject(error);
      const delay = retry.delay(this.attempts);
      if (delay <= 0) return this.retryNow();
      if (delay >= left) return this.reject(error);
      this.backoff(delay);
    } catch (thrown) {
      // A balancer of the user's (or a consistent-hash keyOf) threw while choosing the next endpoint.
      this.reject(thrown);
    }
  }

  /** Waits `delay` ms before the next attempt; an abort meanwhile ends the call at once, with no further attempt. */
  private backoff(delay: number): void {
    const signal = this.context.signal;
    if (signal === undefined) {
      setTimeout(() => this.retryNow(), delay);
      return;
    }
    const aborted = (): void => {
      clearTimeout(timer);
      this.reject(abortError(this.context, this.endpoint?.key, signal.reason));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', aborted);
      this.retryNow();
    }, delay);
    signal.addEventListener('abort', aborted, { once: true });
  }

  /** The next attempt of a retried call, on an endpoint not tried yet (any again once every one was). */
  private retryNow(): void {
    const signal = this.context.signal;
    // An attempt started on an aborted signal would never see the abort (its listener comes too late).
    if (signal?.aborted === true) return this.reject(abortError(this.context, this.endpoint?.key, signal.reason));
    const tried = this.tried as Set<string>;
    const picker = this.route.picker;
    if (tried.size >= picker.endpoints.length) tried.clear();
    try {
      const endpoint = picker.pick(tried, this.context);
      if (endpoint === undefined) return this.reject(picker.noInstance());
      this.send(endpoint);
    } catch (thrown) {
      this.reject(thrown);
    }
  }

  /** Retries off: the call is sent once more, on a fresh connection, if `error` proves it never ran (resendUnsent). */
  private resendIfNeverRan(error: unknown): void {
    const { route, context, deadline } = this;
    if (!route.resendUnsent || this.attempts > 1 || route.closed || !neverRan(error) || context.signal?.aborted === true) return this.reject(error);
    if (deadline !== undefined && deadline - Date.now() <= 0) return this.reject(error);
    const failed = this.endpoint as Endpoint;
    const picker = route.picker;
    this.send((picker.endpoints.length > 1 ? picker.pick(new Set([failed.key]), context) : undefined) ?? failed);
  }
}

function ignore(): void {}
