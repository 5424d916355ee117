import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

import { InvalidOptionError } from './errors';
import { describeValue, integerOption, objectOption } from './options';

/** Where to listen or connect: a TCP host and port (IPv4 or IPv6), or a Unix socket path. */
export type Address = TcpAddress | UnixAddress;

export interface TcpAddress {
  /** An IP literal (`127.0.0.1`, `::1`) or a host name (resolved with the system resolver). */
  host: string;
  /** 0 asks the system for an ephemeral port (listen only); the bound port is reported back. */
  port: number;
}

export interface UnixAddress {
  /** A filesystem path (at most 107 bytes). A listener unlinks it when it closes. */
  path: string;
}

/** A socket's address as the system reports it. */
export interface SocketAddressInfo {
  family: 'IPv4' | 'IPv6' | 'unix';
  /** IP literal, or the socket path ('' for the unnamed end of a Unix connection). */
  address: string;
  /** 0 for Unix sockets. */
  port: number;
}

/** Validates an address argument; `purpose` says whether port 0 is allowed. */
export function parseAddress(name: string, value: unknown, purpose: 'listen' | 'dial'): Address {
  const object = objectOption(name, value);
  if (typeof object.path === 'string') {
    if (object.path.length === 0) throw new InvalidOptionError(`${name}.path must not be empty`);
    if (Buffer.byteLength(object.path) > 107) {
      throw new InvalidOptionError(`${name}.path is ${Buffer.byteLength(object.path)} bytes; Unix socket paths hold at most 107`);
    }
    return { path: object.path };
  }
  if (typeof object.host !== 'string' || object.host.length === 0) {
    throw new InvalidOptionError(`${name} must be { host, port } or { path }, got host ${describeValue(object.host)}`);
  }
  const min = purpose === 'listen' ? 0 : 1;
  if (object.port === undefined) throw new InvalidOptionError(`${name}.port is missing: give { host, port } with port an integer in [${min}, 65535], or { path }`);
  return { host: object.host, port: integerOption(`${name}.port`, object.port, min, min, 65535) };
}

/** Resolves a host name to an IP literal (IP literals pass through without a lookup). */
export async function resolveHost(host: string): Promise<string> {
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(unbracketed) !== 0) return unbracketed;
  const result = await lookup(unbracketed);
  return result.address;
}

/** `127.0.0.1:8080`, `[::1]:8080` or the socket path. */
export function formatAddress(address: SocketAddressInfo | Address): string {
  if ('path' in address) return address.path;
  if ('family' in address) {
    if (address.family === 'unix') return address.address;
    return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
  }
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
