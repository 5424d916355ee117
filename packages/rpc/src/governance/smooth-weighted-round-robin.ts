import type { Endpoint } from '../net/address';
import type { LoadBalancer } from '../client/balancer';

/**
 * Smooth weighted round robin (nginx's, Kitex's default balancer): each pick adds every candidate's weight to
 * its running score, takes the highest score and subtracts the total from it. Weights 5,1,1 give
 * a a b a c a a — proportional and interleaved, never a burst on one endpoint. Weight-0 endpoints are picked
 * only when every candidate has weight 0 (then in turn).
 */
export class SmoothWeightedRoundRobinBalancer implements LoadBalancer {
  readonly name = 'weighted-round-robin';
  /** The list given to rebalance(); candidates identical to it take the array fast path. */
  private list: readonly Endpoint[] = [];
  private scores = new Float64Array(0);
  /** Scores of endpoints outside `list` (candidates offered without a rebalance). */
  private readonly extra = new Map<string, number>();
  private indexOf = new Map<string, number>();
  private turn = 0;

  pick(candidates: readonly Endpoint[]): Endpoint {
    if (candidates.length === 1) return candidates[0];
    return candidates === this.list ? this.pickListed(candidates) : this.pickSubset(candidates);
  }

  /** Starts the rotation over for a new endpoint list (like nginx on a reload). */
  rebalance(endpoints: readonly Endpoint[]): void {
    this.list = endpoints;
    this.scores = new Float64Array(endpoints.length);
    this.indexOf = new Map(endpoints.map((endpoint, index) => [endpoint.key, index]));
    this.extra.clear();
  }

  private pickListed(candidates: readonly Endpoint[]): Endpoint {
    const scores = this.scores;
    let total = 0;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < candidates.length; i++) {
      const weight = candidates[i].weight;
      if (weight <= 0) continue;
      const score = (scores[i] += weight);
      total += weight;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    if (best < 0) return this.inTurn(candidates);
    scores[best] -= total;
    return candidates[best];
  }

  private pickSubset(candidates: readonly Endpoint[]): Endpoint {
    let total = 0;
    let best: Endpoint | undefined;
    let bestScore = -Infinity;
    for (const candidate of candidates) {
      if (candidate.weight <= 0) continue;
      const score = this.addScore(candidate.key, candidate.weight);
      total += candidate.weight;
      if (score > bestScore) {
        bestScore = score;
        best = candidate;
      }
    }
    if (best === undefined) return this.inTurn(candidates);
    this.addScore(best.key, -total);
    return best;
  }

  private addScore(key: string, delta: number): number {
    const index = this.indexOf.get(key);
    if (index !== undefined) return (this.scores[index] += delta);
    const score = (this.extra.get(key) ?? 0) + delta;
    this.extra.set(key, score);
    return score;
  }

  private inTurn(candidates: readonly Endpoint[]): Endpoint {
    this.turn = (this.turn + 1) % 0x3fffffff;
    return candidates[this.turn % candidates.length];
  }
}
