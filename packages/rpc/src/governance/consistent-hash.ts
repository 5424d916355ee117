import type { Endpoint } from '../net/address';
import { WeightedRandomBalancer, type LoadBalancer, type PickInfo } from '../client/balancer';
import { RpcOptionError } from '../errors';
import { boolOption, checkKnownKeys, functionOption, intOption, objectOption } from '../validate';
import { hash32 } from './hash';

export interface ConsistentHashOptions {
  /** Points on the ring per endpoint (per unit of weight / 10 when `weighted`). Default 100. */
  virtualNodes?: number;
  /** Endpoints get ring points in proportion to their weight (weight 10, Kitex's default, gets `virtualNodes`). Default true. */
  weighted?: boolean;
  /** The key of a call when its `hashKey` call option is not set, e.g. `(call) => userIdOf(call)`. Default: none. */
  keyOf?: (call: PickInfo) => string | undefined;
}

const KNOWN = ['virtualNodes', 'weighted', 'keyOf'];

/** The ring: sorted point hashes and, at the same index, the endpoint owning the point. */
interface Ring {
  readonly points: Uint32Array;
  readonly owners: readonly Endpoint[];
  readonly members: ReadonlySet<string>;
  readonly source: readonly Endpoint[];
}

/**
 * Consistent hashing with virtual nodes (Kitex's `NewConsistBalancer`): a call with the same key goes to the same
 * endpoint while it is there; when one of N endpoints leaves, only its ~1/N of the keys move. The key is the
 * call option `hashKey` (or `keyOf(call)`); calls without one are spread by weight at random. An endpoint
 * skipped for health is passed over to the next one on the ring, so its keys come back when it recovers.
 */
export class ConsistentHashBalancer implements LoadBalancer {
  readonly name = 'consistent-hash';
  private readonly virtualNodes: number;
  private readonly weighted: boolean;
  private readonly keyOf: ((call: PickInfo) => string | undefined) | undefined;
  private readonly fallback = new WeightedRandomBalancer();
  private ring: Ring | undefined;

  constructor(options: ConsistentHashOptions = {}) {
    const record = objectOption('consistent hash options', options) ?? {};
    checkKnownKeys('consistent hash options', record, KNOWN);
    this.virtualNodes = intOption('virtualNodes', options.virtualNodes, 100, 1, 10000);
    this.weighted = boolOption('weighted', options.weighted, true);
    this.keyOf = functionOption('keyOf', options.keyOf);
  }

  pick(candidates: readonly Endpoint[], call?: PickInfo): Endpoint {
    const key = call === undefined ? undefined : (call.hashKey ?? this.keyOf?.(call));
    if (key === undefined) return this.fallback.pick(candidates);
    if (typeof key !== 'string') throw new RpcOptionError(`a consistent-hash key must be a string, got ${typeof key}`);
    let ring = this.ring;
    if (ring === undefined || (candidates !== ring.source && !candidates.every((candidate) => ring!.members.has(candidate.key)))) {
      ring = this.ring = buildRing(candidates, this.virtualNodes, this.weighted);
    }
    if (ring.owners.length === 0) return this.fallback.pick(candidates);
    const start = lowerBound(ring.points, hash32(key));
    if (candidates === ring.source) return ring.owners[start];
    // A subset (some endpoints skipped): the first owner clockwise that is a candidate.
    const allowed = new Set(candidates.map((candidate) => candidate.key));
    const count = ring.owners.length;
    for (let i = 0; i < count; i++) {
      const owner = ring.owners[(start + i) % count];
      if (allowed.has(owner.key)) return candidates.find((candidate) => candidate.key === owner.key) ?? owner;
    }
    return this.fallback.pick(candidates);
  }

  rebalance(endpoints: readonly Endpoint[]): void {
    this.ring = endpoints.length === 0 ? undefined : buildRing(endpoints, this.virtualNodes, this.weighted);
  }
}

function buildRing(endpoints: readonly Endpoint[], virtualNodes: number, weighted: boolean): Ring {
  const entries: { point: number; owner: Endpoint }[] = [];
  const allZero = endpoints.every((endpoint) => endpoint.weight <= 0);
  for (const endpoint of endpoints) {
    const count = !weighted || allZero ? virtualNodes : endpoint.weight <= 0 ? 0 : Math.max(1, Math.round((virtualNodes * endpoint.weight) / 10));
    // Points derive from the endpoint's key only, so an endpoint keeps its points whoever else joins or leaves.
    for (let i = 0; i < count; i++) entries.push({ point: hash32(`${endpoint.key}#${i}`), owner: endpoint });
  }
  entries.sort((a, b) => a.point - b.point || (a.owner.key < b.owner.key ? -1 : 1));
  return {
    points: Uint32Array.from(entries, (entry) => entry.point),
    owners: entries.map((entry) => entry.owner),
    members: new Set(endpoints.map((endpoint) => endpoint.key)),
    source: endpoints,
  };
}

/** Index of the first point >= value (wrapping to 0 past the end). */
function lowerBound(points: Uint32Array, value: number): number {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (points[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low === points.length ? 0 : low;
}
