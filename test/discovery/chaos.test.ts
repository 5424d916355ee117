import { createClient, type ClientContext, type Middleware } from '@thriftpoll/rpc';
import { EtcdResolver } from '@thriftpoll/registry-etcd';
import * as path from 'node:path';
import { EchoService } from '../rpc/fixtures/echo-code-first';
import { startServerScript, type ChildServer } from '../rpc/helpers/child';
import { sleep, waitFor } from '../rpc/helpers/wait';
import { EtcdCluster } from './helpers/etcd';

const REGISTERED_SERVER = path.join(__dirname, 'fixtures', 'registered-server.js');

/** `concurrency` callers calling in a loop until stopped (or `maxMs` passed): successes by address, failures. */
function loadGenerator(call: () => Promise<unknown>, concurrency: number, maxMs = 60000) {
  const failures: unknown[] = [];
  let calls = 0;
  let stopped = false;
  const until = Date.now() + maxMs;
  const workers = Array.from({ length: concurrency }, async () => {
    while (!stopped && Date.now() < until) {
      try {
        await call();
        calls++;
      } catch (error) {
        failures.push(error);
      }
    }
  });
  return {
    failures,
    get calls() {
      return calls;
    },
    async stop(): Promise<void> {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

function countByAddress(counts: Map<string, number>): Middleware<ClientContext> {
  return async (ctx, next) => {
    await next();
    counts.set(ctx.address as string, (counts.get(ctx.address as string) ?? 0) + 1);
  };
}

describe('discovery under chaos (real etcd, servers in child processes)', () => {
  let cluster: EtcdCluster;
  const children: ChildServer[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    cluster = await EtcdCluster.start(1);
  }, 60000);

  afterEach(async () => {
    for (const child of children.splice(0)) child.process.kill('SIGKILL');
    for (const close of closers.splice(0)) await close().catch(() => undefined);
  });

  afterAll(async () => {
    await cluster.destroy();
  });

  function startInstance(service: string, ttl: number, weight?: number): Promise<ChildServer> {
    return startServerScript(REGISTERED_SERVER, [cluster.endpoints.join(','), service, String(ttl), ...(weight === undefined ? [] : [String(weight)])]).then((child) => {
      children.push(child);
      return child;
    });
  }

  function discoveringClient(service: string, counts: Map<string, number>) {
    const resolver = new EtcdResolver({ endpoints: cluster.endpoints });
    const client = createClient(EchoService, {
      resolver,
      destService: service,
      engine: 'net',
      timeout: 5000,
      retry: { maxAttempts: 3, idempotent: true },
      middleware: [countByAddress(counts)],
    });
    closers.push(() => client.$close(), () => resolver.close());
    return client;
  }

  test('3 instances: SIGKILL one, stop one gracefully, under 30 callers with retries: 0 failed calls, spread by weight, a 4th gets traffic within 2 s', async () => {
    const [a, b, c] = await Promise.all([startInstance('chaos', 3, 10), startInstance('chaos', 3, 20), startInstance('chaos', 3, 30)]);
    const key = (child: ChildServer) => `127.0.0.1:${child.port}`;
    const counts = new Map<string, number>();
    const client = discoveringClient('chaos', counts);
    const load = loadGenerator(() => client.echo({ action: 'sleep', msg: '2' }), 30);

    // Spread by weight (weighted random): shares near 1/6, 2/6, 3/6.
    await waitFor(() => load.calls >= 1200, 30000, '1200 calls');
    const before = new Map(counts);
    const total = [a, b, c].reduce((sum, child) => sum + (before.get(key(child)) ?? 0), 0);
    for (const [child, share] of [[a, 1 / 6], [b, 2 / 6], [c, 3 / 6]] as const) {
      expect((before.get(key(child)) ?? 0) / total).toBeGreaterThan(share * 0.6);
      expect((before.get(key(child)) ?? 0) / total).toBeLessThan(share * 1.4);
    }

    // kill -9: its calls in flight reset and are retried elsewhere; its address is ejected at once.
    c.process.kill('SIGKILL');
    await c.exited;
    const afterKill = load.calls;
    await waitFor(() => load.calls >= afterKill + 300, 30000, '300 calls after the kill');
    // Graceful stop: deregistered first, then drained; calls that reach it meanwhile are refused retry-safe.
    b.process.kill('SIGTERM');
    await b.waitForLine(/^closed$/, 20000);
    const afterStop = load.calls;
    await waitFor(() => load.calls >= afterStop + 300, 30000, '300 calls after the graceful stop');

    // A fourth instance: traffic within 2 s of its registration being written.
    const d = await startInstance('chaos', 3, 10);
    const registeredAt = Date.now();
    await waitFor(() => (counts.get(key(d)) ?? 0) > 0, 2000, 'the 4th instance receiving calls');
    expect(Date.now() - registeredAt).toBeLessThan(2000);
    // The killed instance leaves the list when its lease expires (TTL 3 s).
    await waitFor(() => !client.$client.endpoints.some((e) => e.key === key(c)), 15000, 'the killed instance leaving the list');
    await load.stop();

    expect(load.failures).toEqual([]);
    expect(client.$client.endpoints.map((e) => e.key).sort()).toEqual([key(a), key(d)].sort());
  }, 120000);

  test('etcd SIGKILLed and restarted under load: calls keep working on the last instances, the watch comes back', async () => {
    await Promise.all([startInstance('restart', 20), startInstance('restart', 20)]);
    const counts = new Map<string, number>();
    const client = discoveringClient('restart', counts);
    const load = loadGenerator(() => client.echo({ action: 'echo', msg: 'x' }), 10);
    await waitFor(() => load.calls >= 200, 30000, '200 calls');

    const member = cluster.members[0];
    await member.stop('SIGKILL');
    const whileDown = load.calls;
    await waitFor(() => load.calls >= whileDown + 500, 30000, '500 calls while etcd is down');
    expect(client.$client.endpoints).toHaveLength(2);
    await sleep(500);
    await member.start();

    // The watch is re-established (etcd3 reconnects; the resolver re-reads): a new instance shows up.
    const third = await startInstance('restart', 20);
    await waitFor(() => (counts.get(`127.0.0.1:${third.port}`) ?? 0) > 0, 20000, 'the instance registered after the restart receiving calls');
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(client.$client.endpoints).toHaveLength(3);
  }, 120000);
});
