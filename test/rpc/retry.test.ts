import { RpcOverloadError, RpcTimeoutError, RpcError, RetryPolicy } from '@thriftpoll/rpc';

const refused = new RpcError('ECONNREFUSED', 'refused');
const reset = new RpcError('ECONNRESET', 'reset');
const timeout = new RpcTimeoutError('ETIMEDOUT', 100, 'timed out');

describe('RetryPolicy', () => {
  test('retries only retry-safe errors by default, within maxAttempts', () => {
    const policy = new RetryPolicy({ maxAttempts: 3 });
    policy.recordCall();
    expect(policy.shouldRetry(refused, 1)).toBe(true);
    expect(policy.shouldRetry(new RpcOverloadError('server', 'maxConcurrentRequests', 'busy'), 2)).toBe(true);
    expect(policy.shouldRetry(refused, 3)).toBe(false);
    expect(policy.shouldRetry(reset, 1)).toBe(false);
    expect(policy.shouldRetry(timeout, 1)).toBe(false);
    expect(policy.shouldRetry(new Error('application bug'), 1)).toBe(false);
  });

  test('idempotent methods also retry timeouts and resets', () => {
    const policy = new RetryPolicy({ idempotent: true });
    expect(policy.shouldRetry(reset, 1)).toBe(true);
    expect(policy.shouldRetry(timeout, 1)).toBe(true);
    expect(policy.shouldRetry(new RpcError('EPROTO', 'bad reply'), 1)).toBe(false);
  });

  test('retryOn overrides the decision', () => {
    const policy = new RetryPolicy({ retryOn: (error) => error instanceof Error && error.message === 'flaky' });
    expect(policy.shouldRetry(new Error('flaky'), 1)).toBe(true);
    expect(policy.shouldRetry(refused, 1)).toBe(false);
  });

  test('the budget caps retries at ratio × calls + minimum per second over a 10 s window', () => {
    let now = 0;
    const policy = new RetryPolicy({ budgetRatio: 0.1, minRetriesPerSecond: 1 }, () => now);
    for (let i = 0; i < 1000; i++) policy.recordCall();
    // 0.1 × 1000 + 1 × 10 = 110 retries allowed in the window.
    let granted = 0;
    for (let i = 0; i < 1000; i++) if (policy.shouldRetry(refused, 1)) granted++;
    expect(granted).toBe(110);
    // Half the window later the counters are still there.
    now = 5000;
    expect(policy.shouldRetry(refused, 1)).toBe(false);
    // Once the window has passed, only the floor remains until new calls arrive.
    now = 11000;
    granted = 0;
    for (let i = 0; i < 100; i++) if (policy.shouldRetry(refused, 1)) granted++;
    expect(granted).toBe(10);
  });

  test('backoff doubles with jitter and is capped', () => {
    const policy = new RetryPolicy({ backoff: 10, maxBackoff: 25 }, Date.now, () => 0.5);
    expect(policy.delay(1)).toBe(10);
    expect(policy.delay(2)).toBe(20);
    expect(policy.delay(3)).toBe(25);
    expect(new RetryPolicy({}).delay(3)).toBe(0);
  });

  test('options are validated, unknown keys refused', () => {
    expect(() => new RetryPolicy({ maxAttempts: 0 })).toThrow('retry.maxAttempts must be an integer in [1, 100], got number 0');
    expect(() => new RetryPolicy({ budgetRatio: 2 })).toThrow('retry.budgetRatio must be a number in [0, 1], got number 2');
    expect(() => new RetryPolicy({ maxAttemps: 3 } as never)).toThrow("retry has no option 'maxAttemps'");
  });
});
