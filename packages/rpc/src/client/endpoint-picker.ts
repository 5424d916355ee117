import type { DiscoveredEndpoints } from '../discovery/discovered-endpoints';
import type { CircuitBreakers } from '../governance/circuit-breakers';
import type { RpcNoInstanceError } from '../errors';
import type { Endpoint } from '../net/address';
import type { LoadBalancer, PickInfo } from './balancer';
import type { HealthTracker } from './health';

/**
 * Chooses the endpoint of each attempt for one client: the endpoints (the static list, or discovery's latest),
 * minus those `exclude` names, narrowed to the healthy ones (health.ts) and to those whose instance breaker lets
 * calls through (governance/circuit-breakers.ts), then the balancer's choice among them. Narrowing never empties
 * the list: when nothing passes, every endpoint stays a candidate and the attempt layer's breaker admission (or
 * the connection) fails fast. With one endpoint there is nothing to choose and no work is done.
 */
export class EndpointPicker {
  constructor(
    private readonly staticEndpoints: readonly Endpoint[],
    private readonly discovery: DiscoveredEndpoints | undefined,
    private readonly health: HealthTracker,
    private readonly breakers: CircuitBreakers | undefined,
    private readonly balancer: LoadBalancer,
  ) {
    if (staticEndpoints.length > 1) balancer.rebalance?.(staticEndpoints);
  }

  /** The endpoints calls are balanced over: the static list, or the latest discovered one. */
  get endpoints(): readonly Endpoint[] {
    return this.discovery === undefined ? this.staticEndpoints : this.discovery.endpoints;
  }

  /** The endpoint of the next attempt; undefined when discovery lists no instance. A balancer's throw goes through. */
  pick(exclude: ReadonlySet<string> | undefined, call: PickInfo): Endpoint | undefined {
    const endpoints = this.endpoints;
    if (endpoints.length <= 1) return endpoints[0];
    const candidates = this.health.candidates(endpoints, exclude);
    return this.balancer.pick(this.breakers === undefined ? candidates : this.breakers.filter(candidates), call);
  }

  /** The error of a call that `pick` found no endpoint for (only discovery can list none). */
  noInstance(): RpcNoInstanceError {
    return (this.discovery as DiscoveredEndpoints).noInstance('the registry lists none');
  }

  /** A new discovered list: balancers, health and breakers forget the instances that left; calls in flight carry on. */
  endpointsChanged(endpoints: readonly Endpoint[]): void {
    const keys = new Set(endpoints.map((endpoint) => endpoint.key));
    this.health.retain(keys);
    this.breakers?.retain(keys);
    this.balancer.rebalance?.(endpoints);
  }
}
