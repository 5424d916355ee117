import {
  TApplicationException,
  TApplicationExceptionType,
  TType,
  type CallOptions,
  type Invoker,
  type MethodDescriptor,
  type ServerCallContext,
  type ServiceDescriptor,
} from '@thriftpoll/protocol';
import { checkId, classKey, isStandardContext, memberKey, type ClassDecorator, type MethodDecorator } from './decorator-context';
import { STRUCTS, codecFor, describeType, inferType } from './structs';
import type { TypeCodec } from './type-codecs';
import { CodeFirstError, type StructClass, type ThriftType } from './types';

/*
 * Services: @Method declarations gathered per class and built, by @Service, into a ServiceDescriptor whose method
 * descriptors write and read `<method>_args` / `<method>_result` as generated code does; and the typed client a
 * code-first service gets.
 */

/** An argument or declared exception: a type (ids 1, 2, ... in order) or an explicit id. */
export type ArgDeclaration = ThriftType | { readonly id: number; readonly type: ThriftType; readonly name?: string };
export type ThrowsDeclaration = StructClass | { readonly id: number; readonly type: StructClass; readonly name?: string };

export interface MethodOptions {
  /** The method name on the wire. Default: the property name. */
  name?: string;
  /**
   * The arguments in order. May be left out with legacy decorators: then `@Arg(id)` parameter decorators, or
   * else the parameter types (reflect-metadata) with ids 1, 2, ... — the trailing call-context parameter excluded.
   */
  args?: readonly ArgDeclaration[];
  /** The result type; omitted means `void`. */
  returns?: ThriftType | 'void';
  /** Declared exceptions (classes decorated with @Exception), ids 1, 2, ... unless given. */
  throws?: readonly ThrowsDeclaration[];
  /** A oneway method gets no reply; it must return void and declare no exceptions. */
  oneway?: boolean;
}

interface MethodDeclaration {
  readonly property: string;
  readonly options: MethodOptions;
  readonly paramTypes: readonly unknown[] | undefined;
}

interface ParamDeclaration {
  readonly property: string;
  readonly index: number;
  readonly id: number;
  readonly type: ThriftType | undefined;
  readonly name: string | undefined;
}

const PENDING_METHODS = new WeakMap<object, MethodDeclaration[]>();
const PENDING_PARAMS = new WeakMap<object, ParamDeclaration[]>();
const SERVICES = new WeakMap<object, ServiceDescriptor>();

/** Declares a service method (see MethodOptions). */
export function Method(options: MethodOptions = {}): MethodDecorator {
  return ((target: unknown, keyOrContext: unknown): void => {
    const property = String(isStandardContext(keyOrContext) ? keyOrContext.name : keyOrContext);
    const where = `@Method ${property}`;
    const paramTypes = isStandardContext(keyOrContext) ? undefined : (Reflect.getMetadata('design:paramtypes', target as object, property) as unknown[] | undefined);
    const key = memberKey(isStandardContext(keyOrContext) ? keyOrContext : target, where);
    let list = PENDING_METHODS.get(key);
    if (list === undefined) PENDING_METHODS.set(key, (list = []));
    list.push({ property, options, paramTypes });
  }) as MethodDecorator;
}

/** Legacy decorators only: declares a method parameter as Thrift argument `id` (type inferred unless given). */
export function Arg(id: number, type?: ThriftType, name?: string): (target: object, propertyKey: string | symbol, index: number) => void {
  return (target, propertyKey, index) => {
    const where = `@Arg(${String(id)}) of ${String(propertyKey)}`;
    checkId(id, where, 1);
    const key = memberKey(target, where);
    let list = PENDING_PARAMS.get(key);
    if (list === undefined) PENDING_PARAMS.set(key, (list = []));
    list.push({ property: String(propertyKey), index, id, type, name });
  };
}

export interface ServiceOptions {
  /** A decorated service class this one extends (its methods are served and callable too). */
  extends?: StructClass;
}

/** Declares a service. Default name: the class name. */
export function Service(name?: string, options: ServiceOptions = {}): ClassDecorator {
  return ((ctor: StructClass, context?: unknown): void => {
    const serviceName = name ?? ctor.name;
    let methods: MethodDeclaration[] = [];
    let params: ParamDeclaration[] = [];
    for (const key of classKey(ctor, context)) {
      methods = methods.concat(PENDING_METHODS.get(key) ?? []);
      params = params.concat(PENDING_PARAMS.get(key) ?? []);
    }
    const parent = options.extends === undefined ? undefined : serviceDescriptor(options.extends);
    SERVICES.set(ctor, buildService(serviceName, methods, params, parent));
  }) as ClassDecorator;
}

/** The ServiceDescriptor of a class decorated with @Service. */
export function serviceDescriptor<C extends object>(ctor: StructClass<C>): ServiceDescriptor<CodeFirstClient<C>, C> {
  const descriptor = SERVICES.get(ctor);
  if (descriptor === undefined) throw new CodeFirstError(`${describeType(ctor)} is not decorated with @Service`);
  return descriptor as ServiceDescriptor<CodeFirstClient<C>, C>;
}

/** True for classes decorated with @Service. */
export function isCodeFirstService(value: unknown): value is StructClass {
  return typeof value === 'function' && SERVICES.has(value);
}

interface ArgInfo {
  readonly id: number;
  readonly name: string;
  readonly codec: TypeCodec;
}

interface ThrowsInfo {
  readonly id: number;
  readonly name: string;
  readonly ctor: StructClass;
  readonly codec: TypeCodec;
}

function buildService(
  serviceName: string,
  declarations: readonly MethodDeclaration[],
  params: readonly ParamDeclaration[],
  parent: ServiceDescriptor | undefined,
): ServiceDescriptor {
  const methods: Record<string, MethodDescriptor> = { ...(parent?.methods ?? {}) };
  for (const declaration of declarations) {
    const method = buildMethod(serviceName, declaration, params.filter((p) => p.property === declaration.property));
    if (Object.prototype.hasOwnProperty.call(methods, method.name) && methods[method.name].serviceName === serviceName) {
      throw new CodeFirstError(`@Service ${serviceName}: method name '${method.name}' is declared twice`);
    }
    methods[method.name] = method;
  }
  const descriptor: ServiceDescriptor = {
    name: serviceName,
    methods,
    parent,
    createClient: (invoker: Invoker) => createCodeFirstClient(descriptor, invoker),
  };
  return descriptor;
}

function buildMethod(serviceName: string, declaration: MethodDeclaration, params: readonly ParamDeclaration[]): MethodDescriptor {
  const { options, property } = declaration;
  const name = options.name ?? property;
  const where = `@Method ${serviceName}.${name}`;
  if (typeof name !== 'string' || name.length === 0 || name.includes(':')) throw new CodeFirstError(`${where}: invalid method name`);

  // Arguments: explicit list, else @Arg parameters, else the parameter types.
  let args: ArgInfo[];
  if (options.args !== undefined) {
    args = options.args.map((arg, index) => {
      const explicit = typeof arg === 'object' && arg !== null && 'id' in arg && 'type' in arg;
      const id = explicit ? checkId(arg.id, `${where} args[${index}]`, 1) : index + 1;
      const type = explicit ? arg.type : (arg as ThriftType);
      return { id, name: (explicit ? arg.name : undefined) ?? `arg${id}`, codec: codecFor(type, `${where} args[${index}]`) };
    });
  } else if (params.length > 0) {
    const ordered = [...params].sort((x, y) => x.index - y.index);
    ordered.forEach((p, position) => {
      if (p.index !== position) throw new CodeFirstError(`${where}: with @Arg, every parameter before the call context needs @Arg (parameter ${position} has none)`);
    });
    args = ordered.map((p) => ({
      id: p.id,
      name: p.name ?? `arg${p.id}`,
      codec: codecFor(p.type ?? inferType(declaration.paramTypes?.[p.index], `${where} parameter ${p.index}`), `${where} parameter ${p.index}`),
    }));
  } else if (declaration.paramTypes !== undefined) {
    const types = declaration.paramTypes.filter((t, i, all) => !(i === all.length - 1 && t === Object)); // a trailing ctx
    args = types.map((t, i) => ({ id: i + 1, name: `arg${i + 1}`, codec: codecFor(inferType(t, `${where} parameter ${i}`), `${where} parameter ${i}`) }));
  } else {
    args = [];
  }
  const argIds = new Set<number>();
  for (const arg of args) {
    if (argIds.has(arg.id)) throw new CodeFirstError(`${where}: argument id ${arg.id} is used twice`);
    argIds.add(arg.id);
  }

  const returns = options.returns === undefined || options.returns === 'void' ? undefined : codecFor(options.returns, `${where} returns`);
  const throwsList: ThrowsInfo[] = (options.throws ?? []).map((t, index) => {
    const explicit = typeof t === 'object' && t !== null && 'type' in t;
    const ctor = explicit ? t.type : (t as StructClass);
    const info = STRUCTS.get(ctor);
    if (info === undefined || info.kind !== 'exception') {
      throw new CodeFirstError(`${where} throws[${index}]: ${describeType(ctor)} is not decorated with @Exception`);
    }
    const id = explicit ? checkId(t.id, `${where} throws[${index}]`, 1) : index + 1;
    return { id, name: (explicit ? t.name : undefined) ?? `err${id}`, ctor, codec: codecFor(ctor, `${where} throws[${index}]`) };
  });
  const oneway = options.oneway ?? false;
  if (oneway && (returns !== undefined || throwsList.length > 0)) {
    throw new CodeFirstError(`${where}: a oneway method returns void and declares no exceptions`);
  }
  const argsName = `${name}_args`;
  const resultName = `${name}_result`;
  const argCount = args.length;

  const descriptor: MethodDescriptor = {
    name,
    propertyName: property,
    serviceName,
    oneway,
    writeArgs(writer, values) {
      writer.writeStructBegin(argsName);
      for (let i = 0; i < argCount; i++) {
        const value = values[i];
        if (value === undefined || value === null) continue;
        writer.writeFieldBegin(args[i].codec.ttype, args[i].id);
        args[i].codec.write(writer, value, `${serviceName}.${name}(${args[i].name})`);
        writer.writeFieldEnd();
      }
      writer.writeFieldStop();
      writer.writeStructEnd();
    },
    readArgs(reader) {
      const values: unknown[] = new Array(argCount).fill(undefined);
      reader.readStructBegin();
      for (;;) {
        const header = reader.readFieldBegin();
        if (header.type === TType.STOP) break;
        let matched = false;
        for (let i = 0; i < argCount; i++) {
          if (args[i].id === header.id && args[i].codec.ttype === header.type) {
            values[i] = args[i].codec.read(reader);
            matched = true;
            break;
          }
        }
        if (!matched) reader.skip(header.type);
        reader.readFieldEnd();
      }
      reader.readStructEnd();
      return values;
    },
    writeResult(writer, value) {
      writer.writeStructBegin(resultName);
      if (returns !== undefined) {
        if (value === undefined || value === null) {
          throw new TApplicationException(TApplicationExceptionType.MISSING_RESULT, `${serviceName}.${name} returned ${String(value)}, a ${returns.label} is expected`);
        }
        writer.writeFieldBegin(returns.ttype, 0);
        returns.write(writer, value, `${serviceName}.${name} result`);
        writer.writeFieldEnd();
      }
      writer.writeFieldStop();
      writer.writeStructEnd();
    },
    writeException(writer, error) {
      for (const t of throwsList) {
        if (error instanceof t.ctor) {
          writer.writeStructBegin(resultName);
          writer.writeFieldBegin(TType.STRUCT, t.id);
          t.codec.write(writer, error, `${serviceName}.${name} ${t.name}`);
          writer.writeFieldEnd();
          writer.writeFieldStop();
          writer.writeStructEnd();
          return true;
        }
      }
      return false;
    },
    readResult(reader) {
      let success: unknown;
      let thrown: unknown;
      reader.readStructBegin();
      for (;;) {
        const header = reader.readFieldBegin();
        if (header.type === TType.STOP) break;
        if (header.id === 0 && returns !== undefined && header.type === returns.ttype) {
          success = returns.read(reader);
        } else {
          const t = header.type === TType.STRUCT ? throwsList.find((x) => x.id === header.id) : undefined;
          if (t !== undefined) thrown = t.codec.read(reader);
          else reader.skip(header.type);
        }
        reader.readFieldEnd();
      }
      reader.readStructEnd();
      if (thrown !== undefined) throw thrown;
      if (returns === undefined) return undefined;
      if (success === undefined) {
        throw new TApplicationException(TApplicationExceptionType.MISSING_RESULT, `${serviceName}.${name} failed: unknown result`);
      }
      return success;
    },
  };
  ARITY.set(descriptor, argCount);
  return descriptor;
}

/** Argument counts of code-first methods: a client call's values beyond it are its CallOptions. */
const ARITY = new WeakMap<MethodDescriptor, number>();

// Typed clients of code-first services

type Fn = (...args: never[]) => unknown;

/** The arguments of a handler method without its trailing call-context parameter. */
export type ArgsWithoutContext<P extends readonly unknown[]> = P extends readonly [...infer A, ServerCallContext]
  ? A
  : P extends readonly [...infer A, (ServerCallContext | undefined)?]
    ? ServerCallContext extends P[number]
      ? A
      : P
    : P;

/** The typed client of a code-first service class: each method returns a Promise and takes CallOptions last. */
export type CodeFirstClient<C> = {
  [K in keyof C as C[K] extends Fn ? K : never]: C[K] extends (...args: infer P) => infer R
    ? (...args: [...ArgsWithoutContext<P>, CallOptions?]) => Promise<Awaited<R>>
    : never;
};

function createCodeFirstClient(descriptor: ServiceDescriptor, invoker: Invoker): object {
  const client: Record<string, unknown> = {};
  for (const method of Object.values(descriptor.methods)) {
    const arity = ARITY.get(method) ?? 0;
    client[method.propertyName] = (...values: unknown[]): Promise<unknown> => {
      const options = values.length > arity ? (values[arity] as CallOptions | undefined) : undefined;
      return invoker.invoke(method, values.slice(0, arity), options);
    };
  }
  return client;
}
