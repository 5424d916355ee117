import type { Endpoint } from './address';

/**
 * Chooses the endpoint for one call among the candidates the client offers (healthy ones, minus those a retry
 * already tried). `candidates` is never empty. Implementations must be cheap: this runs once per call.
 */
export interface LoadBalancer {
  readonly name: string;
  pick(candidates: readonly Endpoint[]): Endpoint;
}

/** Each endpoint in turn. With a changing candidate list (an address turning unhealthy) the rotation continues. */
export class RoundRobinBalancer implements LoadBalancer {
  readonly name = 'round-robin';
  private counter = 0;

  pick(candidates: readonly Endpoint[]): Endpoint {
    const index = this.counter++ % candidates.length;
    if (this.counter >= 0x3fffffff) this.counter = 0;
    return candidates[index];
  }
}

/**
 * Endpoints chosen at random in proportion to their weight (an endpoint of weight 0 is chosen only when every
 * candidate has weight 0, then uniformly). `random` is injectable for tests; default `Math.random`.
 */
export class WeightedRandomBalancer implements LoadBalancer {
  readonly name = 'weighted-random';

  constructor(private readonly random: () => number = Math.random) {}

  pick(candidates: readonly Endpoint[]): Endpoint {
    let total = 0;
    for (const candidate of candidates) total += candidate.weight;
    if (total <= 0) return candidates[Math.min(candidates.length - 1, Math.floor(this.random() * candidates.length))];
    let point = this.random() * total;
    for (const candidate of candidates) {
      point -= candidate.weight;
      if (point < 0 && candidate.weight > 0) return candidate;
    }
    // Floating-point leftovers: the last endpoint with weight.
    for (let i = candidates.length - 1; i >= 0; i--) if (candidates[i].weight > 0) return candidates[i];
    return candidates[candidates.length - 1];
  }
}

export type BalancerName = 'round-robin' | 'weighted-random';

export function createBalancer(name: BalancerName): LoadBalancer {
  return name === 'round-robin' ? new RoundRobinBalancer() : new WeightedRandomBalancer();
}
