import { Etcd3 } from 'etcd3';
import { createClient, createServer, RpcNoInstanceError, type ClientContext, type Instance, type Middleware, type ThriftServer } from '@thriftpoll/rpc';
import { EtcdRegistry, EtcdRegistryError, EtcdResolver, encodeInstance, decodeInstance } from '@thriftpoll/registry-etcd';
import * as net from 'node:net';
import * as path from 'node:path';
import { EchoService } from '../rpc/fixtures/echo-code-first';
import { startServerScript } from '../rpc/helpers/child';
import { sleep, waitFor } from '../rpc/helpers/wait';
import { EtcdCluster } from './helpers/etcd';

const REGISTERED_SERVER = path.join(__dirname, 'fixtures', 'registered-server.js');

/** Counts successful calls by the address they were answered from. */
function countByAddress(counts: Map<string, number>): Middleware<ClientContext> {
  return async (ctx, next) => {
    await next();
    counts.set(ctx.address as string, (counts.get(ctx.address as string) ?? 0) + 1);
  };
}

describe('service discovery on a real etcd', () => {
  let cluster: EtcdCluster;
  let etcd: Etcd3;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    cluster = await EtcdCluster.start(1);
    etcd = new Etcd3({ hosts: cluster.endpoints.map((e) => `http://${e}`) });
  }, 60000);

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  afterAll(async () => {
    etcd.close();
    await cluster.destroy();
  });

  function registry(ttl = 60): EtcdRegistry {
    const created = new EtcdRegistry({ endpoints: cluster.endpoints, ttl });
    cleanups.push(() => created.close());
    return created;
  }

  function resolver(onWarning?: (message: string, key: string) => void): EtcdResolver {
    const created = new EtcdResolver({ endpoints: cluster.url, onWarning });
    cleanups.push(() => created.close());
    return created;
  }

  async function registeredServer(serviceName: string, options: { ttl?: number; weight?: number; tags?: Record<string, string> } = {}): Promise<{ server: ThriftServer; port: number; handler: EchoService }> {
    const handler = new EchoService();
    const server = createServer({ service: EchoService, handler, engine: 'net', registry: registry(options.ttl), registryInfo: { serviceName, weight: options.weight, tags: options.tags } });
    cleanups.push(() => server.close({ timeout: 100 }));
    const address = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    return { server, port: address.port, handler };
  }

  async function keysUnder(prefix: string): Promise<Record<string, string>> {
    return etcd.getAll().prefix(prefix).strings();
  }

  test('listen() resolves once the Kitex-layout key is written; close() deletes it before draining', async () => {
    const { server, port } = await registeredServer('reg-basic', { weight: 7, tags: { zone: 'b', cluster: 'a' } });
    const key = `kitex/registry-etcd/reg-basic/127.0.0.1:${port}`;
    // Exactly what Go's encoding/json writes for kitex-contrib's instanceInfo (map keys sorted).
    expect(await keysUnder('kitex/registry-etcd/reg-basic/')).toEqual({
      [key]: `{"network":"tcp","address":"127.0.0.1:${port}","weight":7,"tags":{"cluster":"a","zone":"b"}}`,
    });
    const lease = await etcd.get(key).exec();
    expect(Number(lease.kvs[0].lease)).toBeGreaterThan(0);

    // A call in flight while closing: the key must be gone while the call still runs.
    const client = createClient(EchoService, { address: `127.0.0.1:${port}`, engine: 'net' });
    cleanups.push(() => client.$close());
    const slow = client.echo({ action: 'sleep', msg: '1500' });
    await waitFor(() => server.getStats().inFlight === 1, 10000, 'the slow call running');
    const closed = server.close({ timeout: 5000 });
    let closedYet = false;
    void closed.then(() => (closedYet = true));
    for (let i = 0; i < 100 && Object.keys(await keysUnder('kitex/registry-etcd/reg-basic/')).length > 0; i++) await sleep(10);
    expect(await keysUnder('kitex/registry-etcd/reg-basic/')).toEqual({});
    expect(closedYet).toBe(false);
    expect((await slow).msg).toBe('1500');
    await closed;
  });

  test('listen() rejects when the registration cannot be written, and the server stops accepting', async () => {
    const unreachable = new EtcdRegistry({ endpoints: '127.0.0.1:1', requestTimeout: 500 });
    cleanups.push(() => unreachable.close());
    const server = createServer({ service: EchoService, handler: new EchoService(), engine: 'net', registry: unreachable, registryInfo: { serviceName: 'reg-fail' } });
    cleanups.push(() => server.close({ timeout: 100 }));
    const error = await server.listen({ host: '127.0.0.1', port: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtcdRegistryError);
    expect(error).toMatchObject({ code: 'ERR_ETCD_REGISTER', key: expect.stringMatching(/^kitex\/registry-etcd\/reg-fail\/127\.0\.0\.1:\d+$/) });
    const { port } = server.address as { port: number };
    const client = createClient(EchoService, { address: `127.0.0.1:${port}`, engine: 'net' });
    cleanups.push(() => client.$close());
    await expect(client.echo({ action: 'echo', msg: 'x' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  test('a SIGKILLed server disappears when its lease expires (TTL 2 s)', async () => {
    const child = await startServerScript(REGISTERED_SERVER, [cluster.endpoints.join(','), 'reg-ttl', '2']);
    const key = `kitex/registry-etcd/reg-ttl/127.0.0.1:${child.port}`;
    expect(Object.keys(await keysUnder('kitex/registry-etcd/reg-ttl/'))).toEqual([key]);
    // Kept alive well past the TTL while the process lives.
    await sleep(3000);
    expect(Object.keys(await keysUnder('kitex/registry-etcd/reg-ttl/'))).toEqual([key]);
    child.process.kill('SIGKILL');
    await child.exited;
    const killedAt = Date.now();
    for (let i = 0; i < 300 && Object.keys(await keysUnder('kitex/registry-etcd/reg-ttl/')).length > 0; i++) await sleep(50);
    expect(await keysUnder('kitex/registry-etcd/reg-ttl/')).toEqual({});
    // etcd expires leases on its own clock: at least about the TTL after the last keep-alive.
    expect(Date.now() - killedAt).toBeGreaterThan(500);
  }, 40000);

  test('a client resolves on its first call and sees a new instance within 1 s of its registration', async () => {
    const first = await registeredServer('reg-watch');
    const counts = new Map<string, number>();
    const client = createClient(EchoService, { resolver: resolver(), destService: 'reg-watch', engine: 'net', middleware: [countByAddress(counts)], loadBalancer: 'round-robin' });
    cleanups.push(() => client.$close());
    expect(client.$client.endpoints).toEqual([]);
    expect((await client.echo({ action: 'echo', msg: 'one' })).msg).toBe('one');
    expect(client.$client.endpoints.map((e) => e.key)).toEqual([`127.0.0.1:${first.port}`]);

    const second = await registeredServer('reg-watch');
    const registeredAt = Date.now();
    await waitFor(() => client.$client.endpoints.length === 2, 1000, 'the second instance in the client');
    expect(Date.now() - registeredAt).toBeLessThan(1000);
    for (let i = 0; i < 10; i++) await client.echo({ action: 'echo', msg: String(i) });
    expect(counts.get(`127.0.0.1:${second.port}`)).toBeGreaterThanOrEqual(4);

    await second.server.close();
    await waitFor(() => client.$client.endpoints.length === 1, 1000, 'the closed instance leaving the client');
    expect(client.$client.endpoints[0].weight).toBe(10);
  });

  test('an instance leaving the list does not drop the call in flight to it; later calls see no instance', async () => {
    const server = createServer({ service: EchoService, handler: new EchoService(), engine: 'net' });
    cleanups.push(() => server.close({ timeout: 100 }));
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const own = registry();
    const info = { serviceName: 'reg-inflight', instance: { network: 'tcp', address: `127.0.0.1:${port}`, weight: 10, tags: {} } };
    await own.register(info);
    const client = createClient(EchoService, { resolver: resolver(), destService: 'reg-inflight', engine: 'net' });
    cleanups.push(() => client.$close());
    const slow = client.echo({ action: 'sleep', msg: '800' });
    await waitFor(() => server.getStats().inFlight === 1, 10000, 'the slow call running');
    await own.deregister(info);
    await waitFor(() => client.$client.endpoints.length === 0, 5000, 'the instance leaving the list');
    expect((await slow).msg).toBe('800');
    await expect(client.echo({ action: 'echo', msg: 'x' })).rejects.toMatchObject({ code: 'ENOINSTANCE', service: 'reg-inflight' });
  });

  test('keys written exactly as kitex-contrib writes them are found; ours decode as Go decodes instanceInfo', async () => {
    // A plain server (not registered by us), announced the way a Go Kitex server's registry-etcd does it.
    const handler = new EchoService();
    const server = createServer({ service: EchoService, handler, engine: 'net' });
    cleanups.push(() => server.close({ timeout: 100 }));
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    const lease = etcd.lease(10);
    cleanups.push(() => lease.revoke());
    // Go: json.Marshal(&instanceInfo{Network: "tcp", Address: addr, Weight: 10}) — a nil Tags map is `null`.
    await lease.put(`kitex/registry-etcd/kitex-go/127.0.0.1:${port}`).value(`{"network":"tcp","address":"127.0.0.1:${port}","weight":10,"tags":null}`);
    // Another service whose name starts the same must not be picked up.
    await lease.put(`kitex/registry-etcd/kitex-go-other/127.0.0.1:1`).value(`{"network":"tcp","address":"127.0.0.1:1","weight":10,"tags":null}`);
    const client = createClient(EchoService, { resolver: resolver(), destService: 'kitex-go', engine: 'net' });
    cleanups.push(() => client.$close());
    expect((await client.echo({ action: 'echo', msg: 'from kitex layout' })).msg).toBe('from kitex layout');
    expect(handler.calls).toBe(1);
    expect(await resolver().resolve('kitex-go')).toEqual([{ network: 'tcp', address: `127.0.0.1:${port}`, weight: 10, tags: {} }]);

    // Ours, read as Go reads it: exactly the four instanceInfo fields, with Go's types.
    const ours: Instance = { network: 'tcp', address: '10.0.0.1:8888', weight: 3, tags: { b: '2', a: '1' } };
    const json = JSON.parse(encodeInstance(ours)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['network', 'address', 'weight', 'tags']);
    expect(Number.isInteger(json.weight)).toBe(true);
    expect(encodeInstance(ours)).toBe('{"network":"tcp","address":"10.0.0.1:8888","weight":3,"tags":{"a":"1","b":"2"}}');
    expect(decodeInstance(encodeInstance(ours))).toEqual(ours);
  });

  test('malformed values under the prefix are skipped with a warning naming the key; nothing crashes', async () => {
    const good = await registeredServer('reg-bad');
    const warnings: string[] = [];
    const bad = {
      'kitex/registry-etcd/reg-bad/not-json': 'hello',
      'kitex/registry-etcd/reg-bad/array': '[1,2]',
      'kitex/registry-etcd/reg-bad/no-address': '{"network":"tcp","weight":10}',
      'kitex/registry-etcd/reg-bad/bad-port': '{"network":"tcp","address":"127.0.0.1:99999","weight":10}',
      'kitex/registry-etcd/reg-bad/negative': '{"network":"tcp","address":"127.0.0.1:5","weight":-1}',
      'kitex/registry-etcd/reg-bad/udp': '{"network":"udp","address":"127.0.0.1:5","weight":1}',
    };
    for (const [key, value] of Object.entries(bad)) await etcd.put(key).value(value);
    cleanups.push(() => Promise.all(Object.keys(bad).map((key) => etcd.delete().key(key).exec())));
    const client = createClient(EchoService, { resolver: resolver((message) => warnings.push(message)), destService: 'reg-bad', engine: 'net' });
    cleanups.push(() => client.$close());
    for (let i = 0; i < 5; i++) await client.echo({ action: 'echo', msg: 'ok' });
    expect(good.handler.calls).toBe(5);
    expect(client.$client.endpoints.map((e) => e.key)).toEqual([`127.0.0.1:${good.port}`]);
    for (const key of Object.keys(bad)) expect(warnings.some((warning) => warning.includes(key))).toBe(true);
    expect(warnings.find((w) => w.includes('/udp'))).toMatch(/"network" is "udp", expected "tcp" or "unix"/);
    // A bad value written later (watch path) is reported too, once.
    await etcd.put('kitex/registry-etcd/reg-bad/later').value('{');
    await waitFor(() => warnings.some((w) => w.includes('reg-bad/later')), 5000, 'the warning for a later bad value');
    await etcd.delete().key('kitex/registry-etcd/reg-bad/later').exec();
    expect(warnings.filter((w) => w.includes('reg-bad/later'))).toHaveLength(1);
  });

  test('a service without instances fails calls with ENOINSTANCE naming the service', async () => {
    const client = createClient(EchoService, { resolver: resolver(), destService: 'nobody-home', engine: 'net', retry: { maxAttempts: 3 } });
    cleanups.push(() => client.$close());
    const error = await client.echo({ action: 'echo', msg: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcNoInstanceError);
    expect(error).toMatchObject({ code: 'ENOINSTANCE', service: 'nobody-home', retrySafe: true });
    expect((error as Error).message).toBe("no instance of service 'nobody-home' to call: the registry lists none");
  });

  test('an unreachable registry: the first call fails with ENOINSTANCE naming the service and the cause', async () => {
    const unreachable = new EtcdResolver({ endpoints: '127.0.0.1:1', requestTimeout: 500 });
    cleanups.push(() => unreachable.close());
    const client = createClient(EchoService, { resolver: unreachable, destService: 'far-away', engine: 'net' });
    cleanups.push(() => client.$close());
    const error = await client.echo({ action: 'echo', msg: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcNoInstanceError);
    expect((error as Error).message).toMatch(/^no instance of service 'far-away' to call: the etcd registry could not be read \(.+\)$/);
  });

  test('a registry that never answers: the first call fails at its deadline with ENOINSTANCE, and the client still closes', async () => {
    // A real listener that accepts etcd's connection and never says a word.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    cleanups.push(async () => sockets.forEach((socket) => socket.destroy()));
    const port = (silent.address() as net.AddressInfo).port;
    const mute = new EtcdResolver({ endpoints: `127.0.0.1:${port}`, requestTimeout: 30000 });
    cleanups.push(() => mute.close());
    const client = createClient(EchoService, { resolver: mute, destService: 'silent', engine: 'net', timeout: 300, retry: { maxAttempts: 3 } });
    const error = await client.echo({ action: 'echo', msg: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcNoInstanceError);
    expect(error).toMatchObject({ code: 'ENOINSTANCE', service: 'silent' });
    expect((error as Error).message).toBe("no instance of service 'silent' to call: the etcd registry gave no instance list within 300 ms");
    await client.$close();
  });
});
