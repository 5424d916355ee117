import type { Registry } from './prom';

/**
 * One set of metrics per registry, made on first use and made anew when the registry no longer holds it
 * (a registry.clear() drops every metric: register again). `marker` is the metric registered as `metricName`
 * by the set, to recognise it.
 */
export function perRegistry<T>(metricName: string, create: (registry: Registry) => T, marker: (metrics: T) => object): (registry: Registry) => T {
  const byRegistry = new WeakMap<Registry, T>();
  return (registry) => {
    const cached = byRegistry.get(registry);
    if (cached !== undefined && registry.getSingleMetric(metricName) === marker(cached)) return cached;
    const metrics = create(registry);
    byRegistry.set(registry, metrics);
    return metrics;
  };
}
