import { DEFAULT_INSTANCE_WEIGHT, instanceEndpoint, type Instance } from '@thriftpoll/rpc';

/**
 * kitex-contrib/registry-etcd's layout, which Go Kitex services read and write:
 *
 *   key    kitex/registry-etcd/<serviceName>/<host:port>
 *   value  {"network":"tcp","address":"host:port","weight":10,"tags":{"k":"v"}}
 */
export const KEY_PREFIX = 'kitex/registry-etcd';

/** The prefix under which the instances of `serviceName` live (with the trailing '/', so 'echo' never matches 'echo2'). */
export function serviceKeyPrefix(serviceName: string): string {
  return `${KEY_PREFIX}/${serviceName}/`;
}

export function serviceKey(serviceName: string, address: string): string {
  return serviceKeyPrefix(serviceName) + address;
}

/**
 * The JSON value of an instance, byte for byte what Go's encoding/json makes of kitex-contrib's `instanceInfo`:
 * its field order, and the tags' keys sorted (Go sorts map keys).
 */
export function encodeInstance(instance: Instance): string {
  const tags: Record<string, string> = {};
  for (const key of Object.keys(instance.tags).sort()) tags[key] = instance.tags[key];
  return JSON.stringify({ network: instance.network, address: instance.address, weight: instance.weight, tags });
}

/**
 * Reads a stored value. Returns the instance, or a sentence saying what is wrong with the value. Go writes
 * `"tags":null` for a nil map; a missing weight gets Kitex's default.
 */
export function decodeInstance(text: string): Instance | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `the value is not JSON (${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the value is not a JSON object';
  const record = value as Record<string, unknown>;
  const network = record.network ?? 'tcp';
  if (network !== 'tcp' && network !== 'unix') return `"network" is ${JSON.stringify(network)}, expected "tcp" or "unix"`;
  if (typeof record.address !== 'string' || record.address.length === 0) return `"address" must be a non-empty string, got ${JSON.stringify(record.address)}`;
  const weight = record.weight ?? DEFAULT_INSTANCE_WEIGHT;
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) return `"weight" must be a number >= 0, got ${JSON.stringify(weight)}`;
  const tags = record.tags ?? {};
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags) || Object.values(tags).some((tag) => typeof tag !== 'string')) {
    return `"tags" must be an object of strings, got ${JSON.stringify(tags)}`;
  }
  const instance: Instance = { network, address: record.address, weight, tags: tags as Record<string, string> };
  try {
    instanceEndpoint(instance);
  } catch (error) {
    return (error as Error).message;
  }
  return instance;
}
