import type { Instance } from './instance';

/** Receives a watched service's instances. */
export interface ResolverListener {
  /** The complete, current list of instances (called first with the initial list, then on every change). */
  update(instances: readonly Instance[]): void;
  /**
   * The registry could not be read or watched; the resolver keeps retrying. Clients keep using the last list
   * they received.
   */
  error(error: Error): void;
}

/** A running watch; `close()` stops it. */
export interface ResolverWatch {
  close(): Promise<void>;
}

/**
 * Turns a service name into instances and follows changes (Kitex's `discovery.Resolver`). A client given a
 * `resolver` calls `watch` on its first call and balances over the latest list.
 */
export interface Resolver {
  /** For messages, e.g. 'etcd'. */
  readonly name: string;
  /** The current instances of `serviceName`, read once. */
  resolve(serviceName: string): Promise<Instance[]>;
  /** Follows `serviceName`: the listener gets the full list now and after every change, until `close()`. */
  watch(serviceName: string, listener: ResolverListener): ResolverWatch;
}
