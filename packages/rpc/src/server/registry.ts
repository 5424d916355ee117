import type { MethodDescriptor, ServiceDescriptor } from '@thriftpoll/protocol';
import { RpcOptionError } from '../errors';
import { describeValue } from '../validate';

/** One service a server exposes, with the object that implements it. */
export interface ServiceBinding<Handler = unknown> {
  readonly service: ServiceDescriptor<unknown, Handler>;
  readonly handler: Handler;
  /**
   * The name multiplexed callers use (`"<name>:<method>"`, Apache's TMultiplexedProtocol) and that TTHeader's
   * ToService header selects. Default: the IDL service name.
   */
  readonly name?: string;
}

/**
 * A method ready to dispatch: its descriptor and the object implementing it. The handler's method is looked up
 * by `descriptor.propertyName` at each call, so replacing or spying on it later (jest.spyOn) takes effect.
 */
export interface RegisteredMethod {
  readonly descriptor: MethodDescriptor;
  /** The name the service is registered under (what `ctx.service` reports). */
  readonly serviceName: string;
  readonly handler: Record<string, unknown>;
}

/** Why a method name did not resolve (becomes a TApplicationException UNKNOWN_METHOD). */
export interface UnresolvedMethod {
  readonly unresolved: string;
}

/**
 * Maps wire method names to handlers for one or more services on one port.
 *
 * Resolution of a call's name:
 *   "Svc:method"  (multiplexed)  → method of the service registered as Svc
 *   "method" + a service hint    → method of the hinted service (TTHeader ToService, THeader "service" header)
 *   "method"                     → the one service that has it; if several do, the first service registered
 *                                  (the default service, as Apache's TMultiplexedProcessor default processor)
 */
export class ServiceRegistry {
  private readonly byService = new Map<string, Map<string, RegisteredMethod>>();
  private readonly byMethod = new Map<string, RegisteredMethod>();
  readonly names: readonly string[];

  constructor(bindings: readonly ServiceBinding[]) {
    if (!Array.isArray(bindings) || bindings.length === 0) {
      throw new RpcOptionError('a server needs at least one service: give { service, handler } or services: [{ service, handler }, ...]');
    }
    const names: string[] = [];
    bindings.forEach((binding, index) => {
      const where = bindings.length === 1 ? 'service' : `services[${index}]`;
      const service = binding?.service;
      if (typeof service !== 'object' || service === null || typeof service.name !== 'string' || typeof service.methods !== 'object') {
        throw new RpcOptionError(`${where} must be a generated service descriptor (with name and methods), got ${describeValue(service)}`);
      }
      const name = binding.name ?? service.name;
      if (typeof name !== 'string' || name.length === 0 || name.includes(':')) {
        throw new RpcOptionError(`${where}.name must be a non-empty string without ':', got ${describeValue(name)}`);
      }
      if (this.byService.has(name)) throw new RpcOptionError(`${where}: service name '${name}' is registered twice`);
      const handler = binding.handler as Record<string, unknown> | null;
      if (typeof handler !== 'object' || handler === null) {
        throw new RpcOptionError(`${where}.handler for ${name} must be an object implementing its methods, got ${describeValue(handler)}`);
      }
      const methods = new Map<string, RegisteredMethod>();
      const missing: string[] = [];
      for (const [wireName, descriptor] of Object.entries(service.methods as Readonly<Record<string, MethodDescriptor>>)) {
        if (typeof handler[descriptor.propertyName] !== 'function') {
          missing.push(descriptor.propertyName);
          continue;
        }
        const method: RegisteredMethod = { descriptor, serviceName: name, handler };
        methods.set(wireName, method);
        if (!this.byMethod.has(wireName)) this.byMethod.set(wireName, method);
      }
      if (missing.length > 0) {
        throw new RpcOptionError(`${where}.handler for ${name} lacks ${missing.length === 1 ? 'method' : 'methods'} ${missing.map((m) => `'${m}'`).join(', ')}`);
      }
      this.byService.set(name, methods);
      names.push(name);
    });
    this.names = names;
  }

  /** Resolves a wire name (see the class comment). `serviceHint` comes from request headers, when present. */
  resolve(wireName: string, serviceHint?: string): RegisteredMethod | UnresolvedMethod {
    const colon = wireName.indexOf(':');
    if (colon >= 0) {
      const serviceName = wireName.slice(0, colon);
      const methods = this.byService.get(serviceName);
      if (methods === undefined) {
        return { unresolved: `unknown service '${serviceName}' in '${wireName}' (this server has ${this.listNames()})` };
      }
      return methods.get(wireName.slice(colon + 1)) ?? { unresolved: `unknown method '${wireName.slice(colon + 1)}' of service ${serviceName}` };
    }
    if (serviceHint !== undefined) {
      const methods = this.byService.get(serviceHint);
      const method = methods?.get(wireName);
      if (method !== undefined) return method;
    }
    return this.byMethod.get(wireName) ?? { unresolved: `unknown method '${wireName}' (this server has ${this.listNames()})` };
  }

  private listNames(): string {
    return this.names.length === 1 ? `service ${this.names[0]}` : `services ${this.names.join(', ')}`;
  }
}

/** The wire name without a multiplexing prefix: replies carry it, as Apache's multiplexed clients expect. */
export function plainMethodName(wireName: string): string {
  const colon = wireName.indexOf(':');
  return colon < 0 ? wireName : wireName.slice(colon + 1);
}
