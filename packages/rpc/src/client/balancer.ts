import type { Endpoint } from '../net/address';

/** What a balancer may know about the call it picks for (the client passes its ClientContext). */
export interface PickInfo {
  readonly service: string;
  readonly method: string;
  /** The call's `hashKey` option, for consistent hashing. */
  readonly hashKey: string | undefined;
}

/**
 * Chooses the endpoint for one call among the candidates the client offers (healthy ones, minus those a retry
 * already tried). `candidates` is never empty. Implementations must be cheap: this runs once per call.
 */
export interface LoadBalancer {
  readonly name: string;
  pick(candidates: readonly Endpoint[], call?: PickInfo): Endpoint;
  /**
   * Told the client's full endpoint list when it is set or changes (discovery); `candidates` are then subsets
   * of it. Balancers with per-endpoint state rebuild or prune it here.
   */
  rebalance?(endpoints: readonly Endpoint[]): void;
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
