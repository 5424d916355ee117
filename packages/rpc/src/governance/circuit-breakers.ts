import type { Endpoint } from '../net/address';
import type { ClientContext } from '../client/client-context';
import { RpcCircuitOpenError, RpcError, RpcOptionError, type RpcErrorCode } from '../errors';
import { checkKnownKeys, objectOption } from '../validate';
import { CircuitBreaker, CircuitBreakerSettings, type CircuitBreakerOptions } from './circuit-breaker';

/**
 * A client's circuit breakers (off unless `circuitBreaker` is given; `{}` turns both kinds on with defaults).
 * `false` turns one kind off.
 */
export interface CircuitBreakersOptions {
  /** One breaker per instance address: an open one is skipped by the balancer. */
  instance?: CircuitBreakerOptions | false;
  /** One breaker per `Service.method`: an open one fails calls at once with ECIRCUITOPEN. */
  method?: CircuitBreakerOptions | false;
}

/** A breaker that is not closed, as `stats().circuits` lists it. */
export interface CircuitStatus {
  /** The instance address, or `Service.method`. */
  readonly target: string;
  readonly kind: 'instance' | 'method';
  readonly state: 'open' | 'half-open';
  /** Epoch ms when an open breaker lets a probe through. */
  readonly retryAt: number;
}

/** Failures that say the instance or method is unwell. Declared exceptions, overload replies and aborts do not. */
const COUNTED: ReadonlySet<RpcErrorCode> = new Set<RpcErrorCode>(['ECONNREFUSED', 'ECONNTIMEOUT', 'EDIAL', 'ECONNRESET', 'ETIMEDOUT']);

export function countsAgainstBreaker(error: unknown): boolean {
  return error instanceof RpcError && COUNTED.has(error.code);
}

/** The per-instance and per-method breakers of one client. */
export class CircuitBreakers {
  private readonly instanceSettings: CircuitBreakerSettings | undefined;
  private readonly methodSettings: CircuitBreakerSettings | undefined;
  private readonly instances = new Map<string, CircuitBreaker>();
  /** Method breakers by service, then method (no string built per call). */
  private readonly methods = new Map<string, Map<string, CircuitBreaker>>();
  /** Instance breakers not closed: when 0, filter() has nothing to do. */
  private instancesNotClosed = 0;

  constructor(options: CircuitBreakersOptions, private readonly now: () => number = Date.now) {
    const record = objectOption('circuitBreaker', options);
    if (record === undefined) throw new RpcOptionError('circuitBreaker must be an object, e.g. {} for the defaults');
    checkKnownKeys('circuitBreaker', record, ['instance', 'method']);
    this.instanceSettings = options.instance === false ? undefined : new CircuitBreakerSettings(options.instance ?? {}, 'circuitBreaker.instance');
    this.methodSettings = options.method === false ? undefined : new CircuitBreakerSettings(options.method ?? {}, 'circuitBreaker.method');
  }

  /** The candidates whose instance breaker lets calls through; all of them when none does (admit() then refuses). */
  filter(candidates: readonly Endpoint[]): readonly Endpoint[] {
    if (this.instancesNotClosed === 0) return candidates;
    let allowed: Endpoint[] | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const breaker = this.instances.get(candidates[i].key);
      const ok = breaker === undefined || breaker.allows();
      if (!ok && allowed === undefined) allowed = candidates.slice(0, i);
      else if (ok && allowed !== undefined) allowed.push(candidates[i]);
    }
    return allowed === undefined || allowed.length === 0 ? candidates : allowed;
  }

  /** Admits an attempt to `endpoint`, or says which breaker refuses it. */
  admit(context: ClientContext, endpoint: Endpoint): RpcCircuitOpenError | undefined {
    const method = this.methodSettings === undefined ? undefined : this.methodBreaker(context, this.methodSettings);
    const instance = this.instanceSettings === undefined ? undefined : this.breaker(this.instances, endpoint.key, this.instanceSettings);
    if (method !== undefined && !method.allows()) return this.refusal(`${context.service}.${context.method}`, method, 'method');
    if (instance !== undefined && !instance.allows()) return this.refusal(endpoint.key, instance, 'instance');
    method?.admit();
    instance?.admit();
    return undefined;
  }

  /** Records the outcome of an admitted attempt (`error` undefined on success). */
  record(context: ClientContext, endpointKey: string, error: unknown): void {
    const failed = error !== undefined && countsAgainstBreaker(error);
    if (this.methodSettings !== undefined) this.methods.get(context.service)?.get(context.method)?.record(failed);
    const instance = this.instanceSettings === undefined ? undefined : this.instances.get(endpointKey);
    if (instance !== undefined) {
      const wasClosed = instance.state === 'closed';
      instance.record(failed);
      if (wasClosed !== (instance.state === 'closed')) this.instancesNotClosed += wasClosed ? 1 : -1;
    }
  }

  /** Forgets the breakers of instances no longer listed. */
  retain(keys: ReadonlySet<string>): void {
    for (const [key, breaker] of this.instances) {
      if (keys.has(key)) continue;
      if (breaker.state !== 'closed') this.instancesNotClosed--;
      this.instances.delete(key);
    }
  }

  /** Breakers that are not closed, for diagnostics. */
  notClosed(): CircuitStatus[] {
    const list: CircuitStatus[] = [];
    const add = (target: string, kind: 'instance' | 'method', breaker: CircuitBreaker): void => {
      if (breaker.state !== 'closed') list.push({ target, kind, state: breaker.state, retryAt: breaker.openUntil });
    };
    for (const [target, breaker] of this.instances) add(target, 'instance', breaker);
    for (const [service, methods] of this.methods) for (const [method, breaker] of methods) add(`${service}.${method}`, 'method', breaker);
    return list;
  }

  private breaker(map: Map<string, CircuitBreaker>, key: string, settings: CircuitBreakerSettings): CircuitBreaker {
    let breaker = map.get(key);
    if (breaker === undefined) map.set(key, (breaker = new CircuitBreaker(settings, this.now)));
    return breaker;
  }

  private methodBreaker(context: ClientContext, settings: CircuitBreakerSettings): CircuitBreaker {
    let methods = this.methods.get(context.service);
    if (methods === undefined) this.methods.set(context.service, (methods = new Map()));
    return this.breaker(methods, context.method, settings);
  }

  private refusal(target: string, breaker: CircuitBreaker, kind: 'instance' | 'method'): RpcCircuitOpenError {
    const why = breaker.state === 'open' ? `open until ${new Date(breaker.openUntil).toISOString()}` : 'half-open, waiting for its probe';
    return new RpcCircuitOpenError(target, breaker.openUntil, `the circuit breaker of ${kind} ${target} is ${why} (too many failures); the call was not sent`, {
      address: kind === 'instance' ? target : undefined,
    });
  }
}
