import { formatAddress, parseAddress, type Endpoint } from '../net/address';

/**
 * One instance of a service as a registry stores it — the shape of Kitex's `discovery.Instance` and of the JSON
 * value kitex-contrib/registry-etcd writes (`{"network":"tcp","address":"host:port","weight":10,"tags":{}}`).
 */
export interface Instance {
  /** 'tcp' or 'unix'. */
  readonly network: string;
  /** `host:port` (`[v6]:port`) for tcp, the socket path for unix. */
  readonly address: string;
  /** Load-balancing weight, >= 0. Kitex's default is 10. */
  readonly weight: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** The weight an instance registers with when none is given (Kitex's `discovery.DefaultWeight`). */
export const DEFAULT_INSTANCE_WEIGHT = 10;

/** An instance whose key is its canonical address: what a discovering client balances over. */
export interface DiscoveredEndpoint extends Endpoint {
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The endpoint a client dials for an instance. Throws RpcOptionError when the address cannot be parsed (a
 * resolver skips such instances and warns).
 */
export function instanceEndpoint(instance: Instance): DiscoveredEndpoint {
  const address = parseAddress(instance.network === 'unix' ? `unix:${instance.address}` : instance.address, 'instance address');
  return { address, key: formatAddress(address), weight: instance.weight, tags: instance.tags };
}
