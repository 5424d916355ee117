import type { Endpoint } from '../address';
import type { LoadBalancer } from '../balancer';

/**
 * Smooth weighted round robin (nginx's, Kitex's default balancer): each pick adds every candidate's weight to
 * its running score, takes the highest score and subtracts the total from it. Weights 5,1,1 give
 * a a b a c a a — proportional and interleaved, never a burst on one endpoint. Weight-0 endpoints are picked
 * only when every candidate has weight 0 (then in turn).
 */
export class SmoothWeightedRoundRobinBalancer implements LoadBalancer {
  readonly name = 'weighted-round-robin';
  private readonly scores = new Map<string, number>();
  private turn = 0;

  pick(candidates: readonly Endpoint[]): Endpoint {
    if (candidates.length === 1) return candidates[0];
    let total = 0;
    let best: Endpoint | undefined;
    let bestScore = -Infinity;
    for (const candidate of candidates) {
      if (candidate.weight <= 0) continue;
      const score = (this.scores.get(candidate.key) ?? 0) + candidate.weight;
      this.scores.set(candidate.key, score);
      total += candidate.weight;
      if (score > bestScore) {
        bestScore = score;
        best = candidate;
      }
    }
    if (best === undefined) {
      this.turn = (this.turn + 1) % 0x3fffffff;
      return candidates[this.turn % candidates.length];
    }
    this.scores.set(best.key, bestScore - total);
    return best;
  }

  /** Forgets the scores of endpoints that left (and restarts the rotation, like nginx on a reload). */
  rebalance(endpoints: readonly Endpoint[]): void {
    const keys = new Set(endpoints.map((endpoint) => endpoint.key));
    for (const key of this.scores.keys()) if (!keys.has(key)) this.scores.delete(key);
    for (const key of keys) this.scores.set(key, 0);
  }
}
