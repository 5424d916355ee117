/**
 * @thriftpoll/registry-etcd — service discovery on etcd, Kitex-compatible (kitex-contrib/registry-etcd's keys).
 *
 *   const registry = new EtcdRegistry({ endpoints: '127.0.0.1:2379' });   // servers: createServer({ registry, ... })
 *   const resolver = new EtcdResolver({ endpoints: '127.0.0.1:2379' });   // clients: createClient(S, { resolver, destService })
 *
 * See docs/discovery.md.
 */
export { EtcdRegistry } from './registry';
export type { EtcdRegistryOptions } from './registry';
export { EtcdResolver } from './resolver';
export type { EtcdResolverOptions } from './resolver';
export { parseEtcdEndpoints } from './connection';
export type { EtcdConnectionOptions } from './connection';
export { EtcdRegistryError } from './errors';
export { KEY_PREFIX, decodeInstance, encodeInstance, serviceKey, serviceKeyPrefix } from './layout';
