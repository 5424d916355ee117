import type { Instance } from './instance';

/**
 * What a server registers: its service name and one reachable instance. Like Kitex's `registry.Info`.
 */
export interface RegistryInfo {
  readonly serviceName: string;
  readonly instance: Instance;
}

/**
 * Where servers announce themselves (Kitex's `registry.Registry`). A server with a `registry` option calls
 * `register` once it listens (and `listen()` resolves only after it resolved) and `deregister` first thing on
 * `close()`, before draining, so that clients stop picking it while its calls in flight finish.
 */
export interface Registry {
  /** Writes the registration; resolves once it is stored. Keeps it alive (lease, heartbeat) until deregistered. */
  register(info: RegistryInfo): Promise<void>;
  /** Removes the registration at once. Resolves when removed (or when the registry cannot be reached). */
  deregister(info: RegistryInfo): Promise<void>;
}
