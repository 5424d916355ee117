import { networkInterfaces } from 'node:os';
import { formatAddress, parseAddress, type Address } from '../net/address';
import { RpcOptionError } from '../errors';
import { checkKnownKeys, describeValue, headersOption, intOption, objectOption } from '../validate';
import { DEFAULT_INSTANCE_WEIGHT, type Instance } from './instance';
import type { Registry, RegistryInfo } from './registry';

/** How a server describes itself in its `registry` (all optional). */
export interface RegistryInfoOptions {
  /** The name clients resolve. Default: the IDL name of the server's service (required with several services). */
  serviceName?: string;
  /**
   * The address registered, `host:port`. Default: the bound address; a wildcard bind (0.0.0.0, ::) registers the
   * first non-internal IPv4 address of the machine (127.0.0.1 when there is none).
   */
  address?: string;
  /** Load-balancing weight, an integer >= 0 (Kitex stores an int). Default 10 (Kitex's default). */
  weight?: number;
  /** Free-form tags stored with the instance. */
  tags?: Readonly<Record<string, string>>;
}

const KNOWN = ['serviceName', 'address', 'weight', 'tags'];

/** A server's registration: validated at construction, written after listen, removed first on close. */
export class ServerRegistration {
  private readonly serviceName: string;
  private readonly address: string | undefined;
  private readonly weight: number;
  private readonly tags: Readonly<Record<string, string>>;
  private info: RegistryInfo | undefined;

  constructor(private readonly registry: Registry, options: RegistryInfoOptions | undefined, services: readonly string[]) {
    if (typeof registry !== 'object' || registry === null || typeof registry.register !== 'function' || typeof registry.deregister !== 'function') {
      throw new RpcOptionError(`registry must be an object with register() and deregister() (e.g. an EtcdRegistry), got ${describeValue(registry)}`);
    }
    const record = objectOption('registryInfo', options) ?? {};
    checkKnownKeys('registryInfo', record, KNOWN);
    const serviceName = record.serviceName ?? (services.length === 1 ? services[0] : undefined);
    if (typeof serviceName !== 'string' || serviceName.length === 0 || serviceName.includes('/')) {
      throw new RpcOptionError(
        `registryInfo.serviceName must be a non-empty string without '/'${services.length === 1 ? '' : ' (required: the server has several services)'}, got ${describeValue(serviceName)}`,
      );
    }
    this.serviceName = serviceName;
    this.address = record.address === undefined ? undefined : advertisedOption(record.address);
    this.weight = intOption('registryInfo.weight', record.weight, DEFAULT_INSTANCE_WEIGHT, 0, 0x7fffffff);
    this.tags = headersOption('registryInfo.tags', record.tags) ?? {};
  }

  /** Registers the server listening on `bound`. */
  register(bound: Address): Promise<void> {
    const instance: Instance =
      'path' in bound
        ? { network: 'unix', address: bound.path, weight: this.weight, tags: this.tags }
        : { network: 'tcp', address: this.address ?? advertisedAddress(bound), weight: this.weight, tags: this.tags };
    const info: RegistryInfo = { serviceName: this.serviceName, instance };
    return this.registry.register(info).then(() => {
      this.info = info;
    });
  }

  /** Removes the registration, if one was written. */
  deregister(): Promise<void> {
    const info = this.info;
    this.info = undefined;
    return info === undefined ? Promise.resolve() : this.registry.deregister(info);
  }
}

/** The `registryInfo.address` option: a dialable `host:port`, in canonical form. */
function advertisedOption(value: unknown): string {
  const address = typeof value === 'string' ? parseAddress(value, 'registryInfo.address') : undefined;
  if (address === undefined || 'path' in address || address.port === 0) {
    throw new RpcOptionError(`registryInfo.address must be a dialable 'host:port' or '[v6]:port', got ${describeValue(value)}`);
  }
  return formatAddress(address);
}

function advertisedAddress(bound: { host: string; port: number }): string {
  if (bound.host !== '0.0.0.0' && bound.host !== '::' && bound.host !== '') return formatAddress(bound);
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) return `${entry.address}:${bound.port}`;
    }
  }
  return `127.0.0.1:${bound.port}`;
}
