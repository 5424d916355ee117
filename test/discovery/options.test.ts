import { Etcd3 } from 'etcd3';
import { createClient, createServer, RpcOptionError, type Resolver } from '@thriftpoll/rpc';
import { decodeInstance, EtcdRegistry, EtcdResolver, parseEtcdEndpoints } from '@thriftpoll/registry-etcd';
import { EchoService } from '../rpc/fixtures/echo-code-first';

/** Option validation at the edges of discovery (no etcd needed: nothing here connects). */
describe('discovery options', () => {
  const resolver = new EtcdResolver({ endpoints: '127.0.0.1:1' });
  afterAll(() => resolver.close());

  test('client: resolver and destService go together, and exclude address/addresses', () => {
    expect(() => createClient(EchoService, { resolver } as never)).toThrow(new RpcOptionError('resolver needs destService, the service name to look up, got undefined'));
    expect(() => createClient(EchoService, { address: '127.0.0.1:1', destService: 'echo' })).toThrow(new RpcOptionError('destService needs resolver'));
    expect(() => createClient(EchoService, { address: '127.0.0.1:1', resolver, destService: 'echo' })).toThrow('give exactly one of address or addresses, or a resolver with destService');
    expect(() => createClient(EchoService, { resolver: {} as Resolver, destService: 'echo' })).toThrow(/^resolver must be an object with watch\(\) and resolve\(\) \(e\.g\. an EtcdResolver\), got an object/);
    expect(() => createClient(EchoService, { resolver, destService: 'echo', loadBalancer: 'ring' as never })).toThrow(
      "loadBalancer must be one of 'weighted-random', 'round-robin', 'weighted-round-robin', 'consistent-hash', got string \"ring\"",
    );
  });

  test('server: registry and registryInfo are validated at createServer', () => {
    const registry = new EtcdRegistry({ endpoints: '127.0.0.1:1' });
    const base = { service: EchoService, handler: new EchoService() };
    expect(() => createServer({ ...base, registryInfo: { serviceName: 'x' } })).toThrow(new RpcOptionError('registryInfo needs registry'));
    expect(() => createServer({ ...base, registry: {} as never })).toThrow(/^registry must be an object with register\(\) and deregister\(\)/);
    expect(() => createServer({ ...base, registry, registryInfo: { serviceName: 'a/b' } })).toThrow("registryInfo.serviceName must be a non-empty string without '/', got string \"a/b\"");
    expect(() => createServer({ ...base, registry, registryInfo: { weight: 1.5 } })).toThrow('registryInfo.weight must be an integer in [0, 2147483647], got number 1.5');
    expect(() => createServer({ ...base, registry, registryInfo: { address: 'nohost' } })).toThrow("registryInfo.address must look like 'host:port'");
    expect(() => createServer({ ...base, registry, registryInfo: { address: 'unix:/run/x.sock' } })).toThrow("registryInfo.address must be a dialable 'host:port' or '[v6]:port', got string \"unix:/run/x.sock\"");
    expect(() => createServer({ ...base, registry, registryInfo: { zone: 'a' } as never })).toThrow("registryInfo has no option 'zone' (known: serviceName, address, weight, tags)");
    // The default service name is the IDL name of the only service.
    expect(() => createServer({ ...base, registry })).not.toThrow();
    void registry.close();
  });

  test('etcd: endpoints, ttl, client', () => {
    expect(parseEtcdEndpoints('etcd://10.0.0.1:2379,10.0.0.2:2379')).toEqual(['10.0.0.1:2379', '10.0.0.2:2379']);
    expect(parseEtcdEndpoints(['http://[::1]:2379', 'localhost:2380'])).toEqual(['[::1]:2379', 'localhost:2380']);
    expect(() => parseEtcdEndpoints('etcd://nohost')).toThrow('endpoints: "nohost" in "etcd://nohost" is not \'host:port\' (expected e.g. etcd://127.0.0.1:2379)');
    expect(() => parseEtcdEndpoints([])).toThrow(RpcOptionError);
    expect(() => new EtcdRegistry({ endpoints: '127.0.0.1:1', ttl: 0 })).toThrow('EtcdRegistry: ttl (seconds) must be an integer in [1, 2147483647], got number 0');
    expect(() => new EtcdResolver({} as never)).toThrow("EtcdResolver: give exactly one of endpoints (e.g. '127.0.0.1:2379') or client (an etcd3 Etcd3)");
    const client = new Etcd3({ hosts: '127.0.0.1:1' });
    expect(() => new EtcdResolver({ client, endpoints: '127.0.0.1:1' })).toThrow(/give exactly one of endpoints/);
    const shared = new EtcdResolver({ client });
    void shared.close(); // leaves a client it did not make open
    client.close();
  });

  test('decodeInstance accepts what Go writes and says what is wrong with the rest', () => {
    expect(decodeInstance('{"network":"tcp","address":"10.0.0.1:8888","weight":10,"tags":null}')).toEqual({ network: 'tcp', address: '10.0.0.1:8888', weight: 10, tags: {} });
    expect(decodeInstance('{"address":"10.0.0.1:8888"}')).toEqual({ network: 'tcp', address: '10.0.0.1:8888', weight: 10, tags: {} });
    expect(decodeInstance('{"network":"unix","address":"/run/echo.sock","weight":1,"tags":{"a":"b"}}')).toEqual({ network: 'unix', address: '/run/echo.sock', weight: 1, tags: { a: 'b' } });
    expect(decodeInstance('{"network":"tcp","address":"10.0.0.1:8888","tags":{"a":1}}')).toBe('"tags" must be an object of strings, got {"a":1}');
    expect(decodeInstance('{"network":"tcp","address":"10.0.0.1","weight":1}')).toMatch(/^instance address must look like 'host:port'/);
    expect(decodeInstance('null')).toBe('the value is not a JSON object');
  });
});
