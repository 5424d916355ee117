import { parseEndpoints, RoundRobinBalancer, WeightedRandomBalancer, HealthTracker, RpcError } from '@thriftpoll/rpc';

const endpoints = parseEndpoints([
  { address: 'h:1', weight: 1 },
  { address: 'h:2', weight: 3 },
  { address: 'h:3', weight: 0 },
]);

describe('RoundRobinBalancer', () => {
  test('cycles through the candidates', () => {
    const balancer = new RoundRobinBalancer();
    const picks = Array.from({ length: 6 }, () => balancer.pick(endpoints).key);
    expect(picks).toEqual(['h:1', 'h:2', 'h:3', 'h:1', 'h:2', 'h:3']);
  });
});

describe('WeightedRandomBalancer', () => {
  test('chooses in proportion to weight, never weight 0', () => {
    let seed = 1;
    // A small deterministic LCG, so the test is exact.
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const balancer = new WeightedRandomBalancer(random);
    const counts = new Map<string, number>();
    for (let i = 0; i < 40000; i++) {
      const key = balancer.pick(endpoints).key;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.get('h:3')).toBeUndefined();
    const ratio = (counts.get('h:2') ?? 0) / (counts.get('h:1') ?? 1);
    expect(ratio).toBeGreaterThan(2.7);
    expect(ratio).toBeLessThan(3.3);
  });

  test('boundaries of the random value', () => {
    expect(new WeightedRandomBalancer(() => 0).pick(endpoints).key).toBe('h:1');
    expect(new WeightedRandomBalancer(() => 0.2499).pick(endpoints).key).toBe('h:1');
    expect(new WeightedRandomBalancer(() => 0.25).pick(endpoints).key).toBe('h:2');
    expect(new WeightedRandomBalancer(() => 0.99999999).pick(endpoints).key).toBe('h:2');
  });

  test('all weights 0: uniform', () => {
    const zero = parseEndpoints([{ address: 'a:1', weight: 0 }, { address: 'a:2', weight: 0 }]);
    expect(new WeightedRandomBalancer(() => 0.1).pick(zero).key).toBe('a:1');
    expect(new WeightedRandomBalancer(() => 0.9).pick(zero).key).toBe('a:2');
  });
});

describe('HealthTracker', () => {
  const refused = new RpcError('ECONNREFUSED', 'refused');

  test('skips a failed address for the cooldown, then probes it, backing off on repeated failure', () => {
    let now = 1000;
    const health = new HealthTracker({ cooldown: 100, maxCooldown: 250 }, () => now);
    expect(health.candidates(endpoints)).toBe(endpoints);
    health.recordFailure('h:1', refused);
    expect(health.candidates(endpoints).map((e) => e.key)).toEqual(['h:2', 'h:3']);
    expect(health.unhealthy()).toEqual([{ address: 'h:1', retryAt: 1100, failures: 1, lastError: refused }]);
    now = 1100;
    expect(health.isHealthy('h:1')).toBe(true); // probing
    health.recordFailure('h:1', refused);
    expect(health.unhealthy()[0].retryAt).toBe(1300); // cooldown doubled
    now = 1300;
    health.recordFailure('h:1', refused);
    expect(health.unhealthy()[0].retryAt).toBe(1550); // capped at maxCooldown
    health.recordSuccess('h:1');
    expect(health.isHealthy('h:1')).toBe(true);
    expect(health.unhealthy()).toEqual([]);
  });

  test('threshold of consecutive failures', () => {
    const health = new HealthTracker({ failureThreshold: 3 });
    health.recordFailure('h:2', refused);
    health.recordFailure('h:2', refused);
    expect(health.isHealthy('h:2')).toBe(true);
    health.recordFailure('h:2', refused);
    expect(health.isHealthy('h:2')).toBe(false);
  });

  test('panic mode: all unhealthy means all are candidates; exclusions apply first', () => {
    const health = new HealthTracker();
    for (const e of endpoints) health.recordFailure(e.key, refused);
    expect(health.candidates(endpoints).map((e) => e.key)).toEqual(['h:1', 'h:2', 'h:3']);
    expect(health.candidates(endpoints, new Set(['h:1'])).map((e) => e.key)).toEqual(['h:2', 'h:3']);
    health.recordSuccess('h:3');
    expect(health.candidates(endpoints, new Set(['h:1'])).map((e) => e.key)).toEqual(['h:3']);
    expect(health.candidates(endpoints, new Set(['h:1', 'h:2', 'h:3'])).length).toBe(3);
  });

  test('options are validated', () => {
    expect(() => new HealthTracker({ cooldown: -1 })).toThrow('health.cooldown must be a finite number of milliseconds >= 1, got number -1');
    expect(() => new HealthTracker({ failureThreshold: 0 })).toThrow('health.failureThreshold must be an integer in [1, MAX_SAFE_INTEGER], got number 0');
  });
});
