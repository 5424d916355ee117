import { RoundRobinBalancer, WeightedRandomBalancer, type LoadBalancer } from '../client/balancer';
import { ConsistentHashBalancer } from './consistent-hash';
import { SmoothWeightedRoundRobinBalancer } from './smooth-weighted-round-robin';

/** The balancers a client can name in its `loadBalancer` option. */
export type BalancerName = 'weighted-random' | 'round-robin' | 'weighted-round-robin' | 'consistent-hash';

export const BALANCER_NAMES: readonly BalancerName[] = ['weighted-random', 'round-robin', 'weighted-round-robin', 'consistent-hash'];

/** A balancer by name, with its default options. */
export function createBalancer(name: BalancerName): LoadBalancer {
  switch (name) {
    case 'round-robin':
      return new RoundRobinBalancer();
    case 'weighted-round-robin':
      return new SmoothWeightedRoundRobinBalancer();
    case 'consistent-hash':
      return new ConsistentHashBalancer();
    default:
      return new WeightedRandomBalancer();
  }
}
