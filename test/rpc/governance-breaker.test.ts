import { CircuitBreaker, CircuitBreakerSettings, createClient, createServer, RpcCircuitOpenError, RpcOptionError, type ThriftServer } from '@thriftpoll/rpc';
import { EchoError, EchoService } from './fixtures/echo-code-first';
import { sleep } from './helpers/wait';

describe('CircuitBreaker (sliding window, fake clock)', () => {
  let now = 1_000_000;
  const clock = () => now;
  const settings = new CircuitBreakerSettings({ errorRate: 0.1, minSamples: 10, window: 10000, openTimeout: 5000 }, 'breaker');

  test('opens at 10% failures over >= 10 samples, not before', () => {
    const breaker = new CircuitBreaker(settings, clock);
    for (let i = 0; i < 5; i++) breaker.record(true);
    expect(breaker.state).toBe('closed'); // 5 samples: too few to judge
    const fresh = new CircuitBreaker(settings, clock);
    for (let i = 0; i < 9; i++) fresh.record(false);
    fresh.record(true); // 1 of 10
    expect(fresh.state).toBe('open');
    const healthy = new CircuitBreaker(settings, clock);
    for (let i = 0; i < 19; i++) healthy.record(false);
    healthy.record(true); // 1 of 20 = 5%
    expect(healthy.state).toBe('closed');
  });

  test('open refuses until openTimeout, then admits one probe; success closes, failure reopens', () => {
    const breaker = new CircuitBreaker(settings, clock);
    for (let i = 0; i < 10; i++) breaker.record(true);
    expect(breaker.allows()).toBe(false);
    now += 4999;
    expect(breaker.allows()).toBe(false);
    now += 1;
    expect(breaker.allows()).toBe(true);
    breaker.admit();
    expect(breaker.state).toBe('half-open');
    expect(breaker.allows()).toBe(false); // one probe at a time
    breaker.record(true);
    expect(breaker.state).toBe('open');
    expect(breaker.openUntil).toBe(now + 5000);
    now += 5000;
    breaker.admit();
    breaker.record(false);
    expect(breaker.state).toBe('closed');
    // Closed again with an empty window: one failure does not reopen it.
    breaker.record(true);
    expect(breaker.state).toBe('closed');
  });

  test('failures slide out of the window', () => {
    const breaker = new CircuitBreaker(settings, clock);
    for (let i = 0; i < 9; i++) breaker.record(true); // 9 samples, all failures, but under minSamples
    now += 11000; // the whole window has passed
    for (let i = 0; i < 20; i++) breaker.record(false);
    breaker.record(true); // 1 of 21 in the window
    expect(breaker.state).toBe('closed');
  });

  test('options are validated', () => {
    expect(() => new CircuitBreakerSettings({ errorRate: 0 }, 'circuitBreaker.method')).toThrow(RpcOptionError);
    expect(() => new CircuitBreakerSettings({ minSamples: 0 }, 'circuitBreaker.method')).toThrow('circuitBreaker.method.minSamples must be an integer in [1, MAX_SAFE_INTEGER], got number 0');
    expect(() => new CircuitBreakerSettings({ windw: 1 } as never, 'circuitBreaker.method')).toThrow("circuitBreaker.method has no option 'windw'");
  });
});

describe('circuit breakers in the client (real servers)', () => {
  const servers: ThriftServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close({ timeout: 100 })));
  });

  async function serve(): Promise<{ port: number; handler: EchoService }> {
    const handler = new EchoService();
    const server = createServer({ service: EchoService, handler, engine: 'net' });
    servers.push(server);
    return { port: ((await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number }).port, handler };
  }

  test('timeouts open the method breaker (ECIRCUITOPEN, nothing sent); a probe after openTimeout closes it', async () => {
    const { port, handler } = await serve();
    const client = createClient(EchoService, { address: `127.0.0.1:${port}`, engine: 'net', circuitBreaker: { method: { openTimeout: 300 }, instance: false } });
    try {
      for (let i = 0; i < 10; i++) await expect(client.echo({ action: 'sleep', msg: '200' }, { timeout: 20 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
      const calls = handler.calls;
      const error = await client.echo({ action: 'echo', msg: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcCircuitOpenError);
      expect(error).toMatchObject({ code: 'ECIRCUITOPEN', target: 'EchoServer.echo', retrySafe: true });
      expect((error as Error).message).toMatch(/^the circuit breaker of method EchoServer\.echo is open until .+ \(too many failures\); the call was not sent$/);
      expect(handler.calls).toBe(calls);
      expect(client.$client.stats().circuits).toEqual([expect.objectContaining({ target: 'EchoServer.echo', kind: 'method', state: 'open' })]);
      // Other methods have their own breaker.
      await client.ping();
      await sleep(350);
      expect((await client.echo({ action: 'echo', msg: 'probe' })).msg).toBe('probe');
      expect(client.$client.stats().circuits).toEqual([]);
    } finally {
      await client.$close();
    }
  });

  test('declared IDL exceptions do not count; refused connections open the instance breaker and calls go elsewhere', async () => {
    const good = await serve();
    const doomed = await serve();
    const client = createClient(EchoService, {
      addresses: [`127.0.0.1:${good.port}`, `127.0.0.1:${doomed.port}`],
      loadBalancer: 'round-robin',
      engine: 'net',
      mode: 'short',
      // Health ejection off (huge threshold), so that only the breaker keeps calls away.
      health: { failureThreshold: 1000 },
      circuitBreaker: { method: false },
    });
    try {
      for (let i = 0; i < 30; i++) await expect(client.echo({ action: 'fail', msg: 'declared' })).rejects.toBeInstanceOf(EchoError);
      expect(client.$client.stats().circuits).toEqual([]);
      await servers[1].close();
      const errors: string[] = [];
      for (let i = 0; i < 40; i++) await client.echo({ action: 'echo', msg: 'x' }).catch((e: { code: string }) => errors.push(e.code));
      // The breaker opens after 10% of >= 10 samples failed: a handful of refusals, then the instance is skipped.
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.length).toBeLessThan(10);
      expect(errors.every((code) => code === 'ECONNREFUSED')).toBe(true);
      expect(client.$client.stats().circuits).toEqual([expect.objectContaining({ target: `127.0.0.1:${doomed.port}`, kind: 'instance', state: 'open' })]);
    } finally {
      await client.$close();
    }
  });
});
