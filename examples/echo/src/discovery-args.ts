/**
 * The echo examples' service-discovery options: `--registry etcd://HOST:PORT[,HOST:PORT]` with `--service-name`,
 * shared by the server (registers its listening address) and the client (resolves and watches the name).
 */
import type { ClientContext, Middleware } from '@thriftpoll/rpc';
import { EtcdRegistry, EtcdResolver } from '@thriftpoll/registry-etcd';
import type { ArgSpec } from './args';

export const DISCOVERY_ARGS = {
  registry: { type: 'string', help: 'etcd to register in / resolve from, etcd://HOST:PORT[,HOST:PORT]' },
  'service-name': { type: 'string', help: 'service name in the registry (with --registry)' },
} as const satisfies Record<string, ArgSpec>;

interface DiscoveryArgs {
  registry: string | undefined;
  'service-name': string | undefined;
}

/** Checks that --registry and --service-name come together and that the registry is an etcd:// URL. */
function discoveryTarget(args: DiscoveryArgs): { url: string; serviceName: string } | undefined {
  if (args.registry === undefined) {
    if (args['service-name'] !== undefined) throw new Error('--service-name needs --registry etcd://HOST:PORT');
    return undefined;
  }
  if (!args.registry.startsWith('etcd://')) throw new Error(`--registry must be etcd://HOST:PORT[,HOST:PORT], got ${JSON.stringify(args.registry)}`);
  if (args['service-name'] === undefined) throw new Error('--registry needs --service-name NAME');
  return { url: args.registry, serviceName: args['service-name'] };
}

/** The server's registry options, or none without --registry. */
export function serverRegistry(args: DiscoveryArgs, weight?: number): { registry: EtcdRegistry; registryInfo: { serviceName: string; weight?: number } } | undefined {
  const target = discoveryTarget(args);
  if (target === undefined) return undefined;
  return { registry: new EtcdRegistry({ endpoints: target.url, ttl: 10 }), registryInfo: { serviceName: target.serviceName, weight } };
}

/** The client's resolver options, or none without --registry. */
export function clientResolver(args: DiscoveryArgs): { resolver: EtcdResolver; destService: string } | undefined {
  const target = discoveryTarget(args);
  if (target === undefined) return undefined;
  return { resolver: new EtcdResolver({ endpoints: target.url }), destService: target.serviceName };
}

/** Middleware counting successful calls by the address that answered them (the JSON line's `by_address`). */
export function countByAddress(counts: Record<string, number>): Middleware<ClientContext> {
  return async (ctx, next) => {
    await next();
    const address = ctx.address ?? 'unknown';
    counts[address] = (counts[address] ?? 0) + 1;
  };
}
