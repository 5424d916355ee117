import { createClient, createServer, type ThriftServer } from '@thriftpoll/rpc';
import { EtcdRegistry, EtcdResolver } from '@thriftpoll/registry-etcd';
import { EchoService } from '../rpc/fixtures/echo-code-first';
import { waitFor } from '../rpc/helpers/wait';
import { EtcdCluster } from './helpers/etcd';

describe('discovery on a 3-member etcd cluster (loopback)', () => {
  let cluster: EtcdCluster;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    cluster = await EtcdCluster.start(3);
  }, 60000);

  afterAll(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    await cluster.destroy();
  });

  async function registeredServer(registry: EtcdRegistry): Promise<{ server: ThriftServer; key: string; handler: EchoService }> {
    const handler = new EchoService();
    const server = createServer({ service: EchoService, handler, engine: 'net', registry, registryInfo: { serviceName: 'clustered' } });
    closers.push(() => server.close({ timeout: 100 }));
    const { port } = (await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number };
    return { server, key: `127.0.0.1:${port}`, handler };
  }

  test('with one member stopped (each in turn), registration, deregistration and the watch keep working', async () => {
    const registry = new EtcdRegistry({ endpoints: cluster.endpoints, ttl: 10 });
    const resolver = new EtcdResolver({ endpoints: cluster.url });
    closers.push(() => registry.close(), () => resolver.close());
    let current = await registeredServer(registry);
    const client = createClient(EchoService, { resolver, destService: 'clustered', engine: 'net', timeout: 5000 });
    closers.push(() => client.$close());
    expect((await client.echo({ action: 'echo', msg: 'before' })).msg).toBe('before');

    // Whichever member the client's watch and the registry's lease use, one round stops it: their gRPC calls
    // and the watch must move to the other two.
    for (const member of cluster.members) {
      await member.stop('SIGKILL');
      // The survivors first elect a leader (seconds on a loaded machine): what is tested is the client side moving
      // off the dead member, not how long an election may take.
      for (const survivor of cluster.members) if (survivor !== member) await survivor.waitHealthy();
      const next = await registeredServer(registry);
      await waitFor(() => client.$client.endpoints.some((e) => e.key === next.key), 30000, `the instance registered with ${member.name} down`);
      await current.server.close();
      await waitFor(() => !client.$client.endpoints.some((e) => e.key === current.key), 30000, `the deregistered instance leaving with ${member.name} down`);
      for (let i = 0; i < 5; i++) expect((await client.echo({ action: 'echo', msg: String(i) })).msg).toBe(String(i));
      expect(next.handler.calls).toBe(5);
      expect(await resolver.resolve('clustered')).toEqual([{ network: 'tcp', address: next.key, weight: 10, tags: {} }]);
      current = next;
      await member.start();
    }
  }, 120000);
});
