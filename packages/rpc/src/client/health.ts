import type { Endpoint } from '../net/address';
import { intOption, msOption } from '../validate';

/** Options of the per-address health tracking that lets a client skip dead addresses. */
export interface HealthOptions {
  /** Consecutive connection failures that mark an address unhealthy. Default 1. */
  failureThreshold?: number;
  /** How long an unhealthy address is skipped before it is tried again (re-probed), in ms. Default 1000. */
  cooldown?: number;
  /** Each failed re-probe doubles the cooldown, up to this, in ms. Default 30000. */
  maxCooldown?: number;
}

interface HealthState {
  failures: number;
  /** Epoch ms until which the address is skipped; 0 when healthy. */
  skipUntil: number;
  /** The cooldown applied at the last marking. */
  cooldown: number;
  lastError: unknown;
}

/**
 * Tracks which addresses to skip. Only connection-level failures count (refused, connect timeout, reset): a
 * TApplicationException or a declared exception proves the address alive.
 *
 *   healthy ──failure × threshold──► skipped ──cooldown passes──► probing ──success──► healthy
 *                                       ▲                            │
 *                                       └──failure (cooldown × 2)────┘
 *
 * When every candidate is skipped the client calls them anyway ("panic mode"): failing fast on a dead address is
 * better than refusing to try, and it is how a service that was entirely down is found again.
 */
export class HealthTracker {
  private readonly failureThreshold: number;
  private readonly cooldown: number;
  private readonly maxCooldown: number;
  private readonly states = new Map<string, HealthState>();

  constructor(options: HealthOptions = {}, private readonly now: () => number = Date.now) {
    this.failureThreshold = intOption('health.failureThreshold', options.failureThreshold, 1, 1);
    this.cooldown = msOption('health.cooldown', options.cooldown, 1000, 1) as number;
    this.maxCooldown = Math.max(this.cooldown, msOption('health.maxCooldown', options.maxCooldown, 30000, 1) as number);
  }

  isHealthy(key: string): boolean {
    const state = this.states.get(key);
    return state === undefined || state.skipUntil <= this.now();
  }

  /** The candidates to offer the balancer: healthy endpoints not in `exclude`; if none, all not excluded; if none, all. */
  candidates(endpoints: readonly Endpoint[], exclude?: ReadonlySet<string>): readonly Endpoint[] {
    if (this.states.size === 0 && (exclude === undefined || exclude.size === 0)) return endpoints;
    const healthy: Endpoint[] = [];
    const allowed: Endpoint[] = [];
    for (const endpoint of endpoints) {
      if (exclude?.has(endpoint.key)) continue;
      allowed.push(endpoint);
      if (this.isHealthy(endpoint.key)) healthy.push(endpoint);
    }
    if (healthy.length > 0) return healthy;
    return allowed.length > 0 ? allowed : endpoints;
  }

  recordSuccess(key: string): void {
    if (this.states.size !== 0) this.states.delete(key);
  }

  recordFailure(key: string, error: unknown): void {
    let state = this.states.get(key);
    if (state === undefined) {
      state = { failures: 0, skipUntil: 0, cooldown: 0, lastError: undefined };
      this.states.set(key, state);
    }
    state.failures++;
    state.lastError = error;
    if (state.failures < this.failureThreshold) return;
    // A failure while probing (a cooldown already applied) backs off further.
    state.cooldown = state.cooldown === 0 ? this.cooldown : Math.min(this.maxCooldown, state.cooldown * 2);
    state.skipUntil = this.now() + state.cooldown;
  }

  /** Forgets addresses no longer in use. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.states.keys()) if (!keys.has(key)) this.states.delete(key);
  }

  /** A snapshot for diagnostics: unhealthy addresses, when they are re-probed, and why they were marked. */
  unhealthy(): { address: string; retryAt: number; failures: number; lastError: unknown }[] {
    const now = this.now();
    const list: { address: string; retryAt: number; failures: number; lastError: unknown }[] = [];
    for (const [address, state] of this.states) {
      if (state.skipUntil > now) list.push({ address, retryAt: state.skipUntil, failures: state.failures, lastError: state.lastError });
    }
    return list;
  }
}
