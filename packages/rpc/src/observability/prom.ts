import type * as PromClient from 'prom-client';
import { RpcOptionError } from '../errors';
import { describeValue } from '../validate';

/** prom-client's module, as loaded on first use. */
export type PromClientModule = typeof PromClient;
/** A prom-client registry: where thriftpoll's metrics are registered and read from. */
export type Registry = PromClient.Registry;

let loaded: PromClientModule | undefined;

/**
 * prom-client, loaded the first time a server or client turns metrics on: a process that never does so never
 * loads it.
 */
export function promClient(): PromClientModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('prom-client') as PromClientModule);
}

function isRegistry(value: unknown): value is Registry {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Registry>;
  return typeof candidate.registerMetric === 'function' && typeof candidate.metrics === 'function' && typeof candidate.getSingleMetric === 'function';
}

/**
 * The registry a `metrics` option names: `true` is prom-client's default registry (`register`, the one most
 * applications already expose), a Registry is used as given, `false`/undefined is no metrics.
 */
export function registryOption(name: string, value: unknown): Registry | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return promClient().register;
  if (isRegistry(value)) return value;
  throw new RpcOptionError(`${name} must be true, false or a prom-client Registry, got ${describeValue(value)}`);
}

/** Latency buckets in seconds, from 100 µs (an in-process call) to 10 s. */
export const DURATION_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
