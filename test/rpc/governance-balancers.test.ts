import {
  ConsistentHashBalancer,
  createClient,
  createServer,
  parseEndpoints,
  RpcOptionError,
  SmoothWeightedRoundRobinBalancer,
  type ClientContext,
  type Endpoint,
  type Middleware,
  type ThriftServer,
} from '@thriftpoll/rpc';
import { EchoService } from './fixtures/echo-code-first';

const call = (hashKey: string | undefined) => ({ service: 'S', method: 'm', hashKey });

function endpointsOf(count: number, weight = 10): Endpoint[] {
  return parseEndpoints(Array.from({ length: count }, (_, i) => ({ address: `10.0.0.${i + 1}:9000`, weight })));
}

describe('SmoothWeightedRoundRobinBalancer', () => {
  test('weights 5,1,1 give nginx’s smooth sequence a a b a c a a', () => {
    const endpoints = parseEndpoints([
      { address: 'a:1', weight: 5 },
      { address: 'b:1', weight: 1 },
      { address: 'c:1', weight: 1 },
    ]);
    const balancer = new SmoothWeightedRoundRobinBalancer();
    balancer.rebalance(endpoints);
    const picks = Array.from({ length: 14 }, () => balancer.pick(endpoints).key[0]).join('');
    expect(picks).toBe('aabacaa'.repeat(2));
  });

  test('exact proportions over a cycle, on changing candidate lists, and weight 0 only when all are 0', () => {
    const endpoints = parseEndpoints([
      { address: 'a:1', weight: 3 },
      { address: 'b:1', weight: 2 },
      { address: 'c:1', weight: 0 },
    ]);
    const balancer = new SmoothWeightedRoundRobinBalancer();
    const counts = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      const key = balancer.pick(endpoints).key;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(Object.fromEntries(counts)).toEqual({ 'a:1': 300, 'b:1': 200 });
    // Only b offered (a skipped for health): b every time.
    expect(Array.from({ length: 3 }, () => balancer.pick([endpoints[1]]).key)).toEqual(['b:1', 'b:1', 'b:1']);
    // After rebalance(), subsets of the list (health skipping one) keep the proportions of those offered.
    const listed = new SmoothWeightedRoundRobinBalancer();
    listed.rebalance(endpoints);
    const subset = [endpoints[0], endpoints[1]];
    const picks = Array.from({ length: 10 }, () => listed.pick(subset).key[0]).join('');
    expect(picks).toBe('ababa'.repeat(2));
    const zeros = parseEndpoints([{ address: 'x:1', weight: 0 }, { address: 'y:1', weight: 0 }]);
    expect(new Set(Array.from({ length: 4 }, () => balancer.pick(zeros).key))).toEqual(new Set(['x:1', 'y:1']));
  });
});

describe('ConsistentHashBalancer', () => {
  const keys = Array.from({ length: 10000 }, (_, i) => `user-${i}`);

  function assign(balancer: ConsistentHashBalancer, endpoints: readonly Endpoint[]): Map<string, string> {
    return new Map(keys.map((key) => [key, balancer.pick(endpoints, call(key)).key]));
  }

  test.each([3, 5, 10])('with N=%i: even spread; when one leaves <= 1/N + 5%% of keys move, all of them its own', (n) => {
    const endpoints = endpointsOf(n);
    const balancer = new ConsistentHashBalancer();
    balancer.rebalance(endpoints);
    const before = assign(balancer, endpoints);
    const perEndpoint = new Map<string, number>();
    for (const owner of before.values()) perEndpoint.set(owner, (perEndpoint.get(owner) ?? 0) + 1);
    for (const endpoint of endpoints) {
      expect(perEndpoint.get(endpoint.key) ?? 0).toBeGreaterThan((keys.length / n) * 0.6);
      expect(perEndpoint.get(endpoint.key) ?? 0).toBeLessThan((keys.length / n) * 1.4);
    }
    const leaving = endpoints[1];
    const remaining = endpoints.filter((endpoint) => endpoint !== leaving);
    balancer.rebalance(remaining);
    const after = assign(balancer, remaining);
    const moved = keys.filter((key) => before.get(key) !== after.get(key));
    expect(moved.length / keys.length).toBeLessThanOrEqual(1 / n + 0.05);
    expect(moved.every((key) => before.get(key) === leaving.key)).toBe(true);
    // It joins again: its keys come back, and only those.
    balancer.rebalance(endpoints);
    expect(assign(balancer, endpoints)).toEqual(before);
  });

  test('an endpoint skipped for health passes its keys clockwise and gets them back; weights shape the ring', () => {
    const endpoints = endpointsOf(4);
    const balancer = new ConsistentHashBalancer();
    balancer.rebalance(endpoints);
    const before = assign(balancer, endpoints);
    const subset = endpoints.filter((_, i) => i !== 2);
    const during = assign(balancer, subset);
    expect(keys.filter((key) => before.get(key) !== during.get(key)).every((key) => before.get(key) === endpoints[2].key)).toBe(true);
    expect(assign(balancer, endpoints)).toEqual(before);

    const weighted = parseEndpoints([{ address: 'w:1', weight: 30 }, { address: 'w:2', weight: 10 }]);
    const heavy = [...assign(new ConsistentHashBalancer(), weighted).values()].filter((key) => key === 'w:1').length;
    expect(heavy / keys.length).toBeGreaterThan(0.65);
    expect(heavy / keys.length).toBeLessThan(0.85);
  });

  test('keyOf supplies a key when the call has none; without a key calls are spread by weight; options validated', () => {
    const endpoints = endpointsOf(3);
    const balancer = new ConsistentHashBalancer({ keyOf: (info) => `${info.method}-fixed` });
    expect(new Set(Array.from({ length: 20 }, () => balancer.pick(endpoints, call(undefined)).key)).size).toBe(1);
    const plain = new ConsistentHashBalancer();
    expect(new Set(Array.from({ length: 200 }, () => plain.pick(endpoints, call(undefined)).key)).size).toBe(3);
    expect(() => new ConsistentHashBalancer({ virtualNodes: 0 })).toThrow(new RpcOptionError('virtualNodes must be an integer in [1, 10000], got number 0'));
    expect(() => new ConsistentHashBalancer({ replicas: 3 } as never)).toThrow(/consistent hash options has no option 'replicas'/);
  });

  test('through a client: the same hashKey reaches the same server; a bad hashKey is refused', async () => {
    const servers: ThriftServer[] = [];
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const server = createServer({ service: EchoService, handler: new EchoService(), engine: 'net' });
      servers.push(server);
      ports.push((await server.listen({ host: '127.0.0.1', port: 0 }) as { port: number }).port);
    }
    const seen = new Map<string, Set<string>>();
    const record: Middleware<ClientContext> = async (ctx, next) => {
      await next();
      const set = seen.get(ctx.hashKey as string) ?? new Set<string>();
      set.add(ctx.address as string);
      seen.set(ctx.hashKey as string, set);
    };
    const client = createClient(EchoService, { addresses: ports.map((port) => `127.0.0.1:${port}`), loadBalancer: 'consistent-hash', engine: 'net', middleware: [record] });
    try {
      for (let round = 0; round < 3; round++) {
        for (let user = 0; user < 30; user++) await client.echo({ action: 'echo', msg: 'x' }, { hashKey: `user-${user}` });
      }
      expect([...seen.values()].every((addresses) => addresses.size === 1)).toBe(true);
      expect(new Set([...seen.values()].map((addresses) => [...addresses][0])).size).toBe(3);
      await expect(client.echo({ action: 'echo', msg: 'x' }, { hashKey: 7 as unknown as string })).rejects.toThrow('call option hashKey must be a string, got number 7');
      // A keyOf that returns no string fails the call (a rejection, not a synchronous throw).
      const badKeys = createClient(EchoService, {
        addresses: ports.map((port) => `127.0.0.1:${port}`),
        loadBalancer: new ConsistentHashBalancer({ keyOf: () => 42 as unknown as string }),
        engine: 'net',
      });
      const pending = badKeys.echo({ action: 'echo', msg: 'x' });
      await expect(pending).rejects.toThrow(new RpcOptionError('a consistent-hash key must be a string, got number'));
      await badKeys.$close();
    } finally {
      await client.$close();
      await Promise.all(servers.map((server) => server.close()));
    }
  });
});
