import { RpcOptionError } from '../errors';
import { describeValue, intOption } from '../validate';

/** A TCP address (IPv4, IPv6 or a host name) or a Unix socket path — the engine's `serve`/`dial` address shape. */
export type Address = { readonly host: string; readonly port: number } | { readonly path: string };

/**
 * What users may write where an address is expected:
 * - `'127.0.0.1:9090'`, `'[::1]:9090'`, `'localhost:9090'`
 * - `'unix:/run/echo.sock'` or any string starting with `/` or `./` (a Unix socket path)
 * - `{ host, port }` or `{ path }`
 */
export type AddressLike = string | Address;

/** An address with its load-balancing weight (default 1). */
export interface WeightedAddress {
  readonly address: AddressLike;
  readonly weight?: number;
}

/** A parsed, validated address with its canonical text form (`key`), used as the pool and balancer key. */
export interface Endpoint {
  readonly address: Address;
  /** `host:port`, `[v6]:port` or the socket path. */
  readonly key: string;
  readonly weight: number;
}

/** Formats an address for messages and as a map key. */
export function formatAddress(address: Address): string {
  if ('path' in address) return address.path;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function parsePort(text: string, whole: string, name: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new RpcOptionError(`${name}: port in ${JSON.stringify(whole)} must be an integer in [0, 65535], got ${JSON.stringify(text)}`);
  }
  return port;
}

/** Parses and validates one address. `name` is the option name used in error messages. */
export function parseAddress(value: unknown, name = 'address'): Address {
  if (typeof value === 'string') {
    if (value.startsWith('unix:')) return parsePath(value.slice(5), name);
    if (value.startsWith('/') || value.startsWith('./') || value.startsWith('../')) return parsePath(value, name);
    const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(value);
    if (bracketed) return { host: bracketed[1], port: parsePort(bracketed[2], value, name) };
    const colon = value.lastIndexOf(':');
    if (colon <= 0 || value.indexOf(':') !== colon) {
      throw new RpcOptionError(
        `${name} must look like 'host:port', '[ipv6]:port' or 'unix:/path/to.sock', got ${JSON.stringify(value)}`,
      );
    }
    return { host: value.slice(0, colon), port: parsePort(value.slice(colon + 1), value, name) };
  }
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if ('path' in record) return parsePath(record.path, name);
    if (typeof record.host === 'string' && record.host.length > 0 && typeof record.port === 'number') {
      return { host: record.host, port: intOption(`${name}.port`, record.port, 0, 0, 65535) };
    }
  }
  throw new RpcOptionError(`${name} must be 'host:port', 'unix:/path', { host, port } or { path }, got ${describeValue(value)}`);
}

function parsePath(value: unknown, name: string): Address {
  if (typeof value !== 'string' || value.length === 0) {
    throw new RpcOptionError(`${name}: a Unix socket path must be a non-empty string, got ${describeValue(value)}`);
  }
  // Linux limits sun_path to 108 bytes including the terminating NUL.
  if (Buffer.byteLength(value) > 107) {
    throw new RpcOptionError(`${name}: Unix socket path is ${Buffer.byteLength(value)} bytes, the limit is 107: ${value}`);
  }
  return { path: value };
}

/** Parses an address list (plain or weighted) into endpoints; duplicates are rejected. */
export function parseEndpoints(values: readonly (AddressLike | WeightedAddress)[], name = 'addresses'): Endpoint[] {
  if (!Array.isArray(values)) throw new RpcOptionError(`${name} must be an array, got ${describeValue(values)}`);
  const seen = new Set<string>();
  return values.map((entry, index) => {
    const itemName = `${name}[${index}]`;
    let address: Address;
    let weight = 1;
    if (typeof entry === 'object' && entry !== null && 'address' in entry) {
      address = parseAddress(entry.address, `${itemName}.address`);
      if (entry.weight !== undefined) {
        if (typeof entry.weight !== 'number' || !Number.isFinite(entry.weight) || entry.weight < 0) {
          throw new RpcOptionError(`${itemName}.weight must be a finite number >= 0, got ${describeValue(entry.weight)}`);
        }
        weight = entry.weight;
      }
    } else {
      address = parseAddress(entry, itemName);
    }
    if ('port' in address && address.port === 0) {
      throw new RpcOptionError(`${itemName}: port 0 cannot be dialed (${formatAddress(address)})`);
    }
    const key = formatAddress(address);
    if (seen.has(key)) throw new RpcOptionError(`${name} lists ${key} twice`);
    seen.add(key);
    return { address, key, weight };
  });
}
