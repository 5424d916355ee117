import {
  TApplicationException,
  TApplicationExceptionType,
  TType,
  type CallOptions,
  type Invoker,
  type MethodDescriptor,
  type ProtocolReader,
  type ProtocolWriter,
  type ServerCallContext,
  type ServiceDescriptor,
} from '@thriftpoll/protocol';
import { serviceFunctions, type FunctionDefinition, type ServiceDefinition } from '@thriftpoll/codegen';
import { CodecBuilder, type StructValueCodec, type ValueCodec } from './codecs';
import { GenericException, GenericLoadError, GenericValueError } from './errors';
import type { JsonObject, JsonValue } from './json';

/** A generic client: any method of the service, with JSON-shaped arguments and results. */
export interface GenericClient {
  readonly service: GenericService;
  /**
   * Calls `method` (own or inherited, by its IDL name) with its arguments by IDL name (`{}` or nothing for none).
   * Resolves to the result (`null` for void and oneway methods); rejects with a GenericException for a declared
   * exception, a GenericValueError for arguments that do not fit, and as typed clients do otherwise.
   */
  call(method: string, args?: JsonObject, options?: CallOptions): Promise<JsonValue>;
}

/** A generic handler method: the arguments by IDL name, then the call context; returns the JSON-shaped result. */
export type GenericMethodHandler<Context = ServerCallContext> = (
  args: JsonObject,
  context: Context,
) => JsonValue | undefined | void | Promise<JsonValue | undefined | void>;

/**
 * What a generic server calls: one function per method, by IDL name. Throw a `GenericException` naming a
 * declared exception to answer with it.
 */
export type GenericHandler<Context = ServerCallContext> = { readonly [method: string]: GenericMethodHandler<Context> };

/** One method of a generic service: positional arguments are a single object of arguments by name. */
export interface GenericMethod extends MethodDescriptor<readonly [JsonObject], JsonValue> {
  /** The function in the schema model. */
  readonly function: FunctionDefinition;
  /** The codec of its arguments (an object keyed by argument name). */
  readonly args: StructValueCodec;
  /** The result's codec; undefined for void and oneway methods. */
  readonly returns: ValueCodec | undefined;
}

/** A service loaded from IDL at run time. The RPC runtime's `createServer` and `createClient` accept it. */
export interface GenericService extends ServiceDescriptor<GenericClient, GenericHandler> {
  /** Own and inherited methods, by wire name. */
  readonly methods: Readonly<Record<string, GenericMethod>>;
  readonly parent: GenericService | undefined;
  /** The module (IDL file name without `.thrift`) that declares the service. */
  readonly file: string;
  readonly definition: ServiceDefinition;
  /** The method named `name`. @throws GenericLoadError naming the methods there are. */
  method(name: string): GenericMethod;
}

interface ThrowsCodec {
  readonly id: number;
  /** The exception type's name, and the same qualified by its module. */
  readonly names: readonly [string, string];
  readonly codec: StructValueCodec;
}

/**
 * Builds the descriptor of `definition` (declared in module `file`). `serviceOf` gives the descriptors of
 * ancestors, so an inherited method is the same descriptor in the parent and in every derived service.
 */
export function buildService(
  builder: CodecBuilder,
  file: string,
  definition: ServiceDefinition,
  serviceOf: (file: string, definition: ServiceDefinition) => GenericService,
): GenericService {
  const parentRef = definition.extends;
  let parent: GenericService | undefined;
  if (parentRef !== undefined) {
    const found = builder.schema.files[parentRef.file]?.definitions.find((d) => d.name === parentRef.name);
    if (found?.kind !== 'service') throw new GenericLoadError(`${file}.${definition.name} extends ${parentRef.file}.${parentRef.name}, which is not a loaded service`);
    parent = serviceOf(parentRef.file, found);
  }
  const methods: Record<string, GenericMethod> = Object.create(null) as Record<string, GenericMethod>;
  for (const [name, { service, fn }] of serviceFunctions(builder.schema, definition)) {
    methods[name] =
      service.name === definition.name && service.file === file ? buildMethod(builder, file, definition.name, fn) : (parent as GenericService).methods[name];
  }
  Object.freeze(methods);
  const names = Object.keys(methods);
  const descriptor: GenericService = {
    name: definition.name,
    methods,
    parent,
    file,
    definition,
    createClient: (invoker: Invoker) => new InvokerClient(descriptor, invoker),
    method(name: string): GenericMethod {
      const method = Object.prototype.hasOwnProperty.call(methods, name) ? methods[name] : undefined;
      if (method === undefined) {
        throw new GenericLoadError(`service ${definition.name} has no method '${name}'; its methods are ${names.join(', ') || '(none)'}`);
      }
      return method;
    },
  };
  return Object.freeze(descriptor);
}

function buildMethod(builder: CodecBuilder, file: string, serviceName: string, fn: FunctionDefinition): GenericMethod {
  const name = fn.name;
  const args = builder.fieldStruct(`${name}_args`, `the arguments of ${name}`, fn.args, file);
  const returns = fn.returnType.kind === 'void' ? undefined : builder.forType(fn.returnType, file);
  const throwsList: ThrowsCodec[] = fn.throws.map((field) => {
    const type = field.type.kind === 'typedef' ? field.type.target : field.type;
    if (type.kind !== 'exception') throw new GenericLoadError(`${serviceName}.${name} throws ${field.name}, which is not an exception`);
    return { id: field.id, names: [type.name, `${type.file}.${type.name}`], codec: builder.struct(type.file, type.name) };
  });
  const resultName = `${name}_result`;
  const where = `${serviceName}.${name}`;

  return {
    name,
    propertyName: name,
    serviceName,
    oneway: fn.oneway,
    function: fn,
    args,
    returns,
    writeArgs(writer: ProtocolWriter, values: readonly [JsonObject]): void {
      args.write(writer, values[0] ?? {});
    },
    readArgs(reader: ProtocolReader): readonly [JsonObject] {
      return [args.read(reader)];
    },
    writeResult(writer: ProtocolWriter, value: JsonValue): void {
      writer.writeStructBegin(resultName);
      if (returns !== undefined) {
        if (value === undefined || value === null) {
          throw new TApplicationException(TApplicationExceptionType.MISSING_RESULT, `${where} returned ${String(value)}, a ${returns.label} is expected`);
        }
        writer.writeFieldBegin(returns.ttype, 0);
        try {
          returns.write(writer, value);
        } catch (error) {
          throw error instanceof GenericValueError ? error.within(`${where} result`) : error;
        }
        writer.writeFieldEnd();
      }
      writer.writeFieldStop();
      writer.writeStructEnd();
    },
    writeException(writer: ProtocolWriter, error: unknown): boolean {
      if (!(error instanceof GenericException)) return false;
      const declared = throwsList.find((t) => t.names.includes(error.exceptionName));
      if (declared === undefined) return false;
      writer.writeStructBegin(resultName);
      writer.writeFieldBegin(TType.STRUCT, declared.id);
      declared.codec.write(writer, error.value);
      writer.writeFieldEnd();
      writer.writeFieldStop();
      writer.writeStructEnd();
      return true;
    },
    readResult(reader: ProtocolReader): JsonValue {
      let success: JsonValue | undefined;
      let thrown: GenericException | undefined;
      reader.readStructBegin();
      for (;;) {
        const header = reader.readFieldBegin();
        const type = header.type;
        if (type === TType.STOP) break;
        const declared = type === TType.STRUCT && header.id !== 0 ? throwsList.find((t) => t.id === header.id) : undefined;
        if (header.id === 0 && returns !== undefined && type === returns.ttype) success = returns.read(reader);
        else if (declared !== undefined) thrown = new GenericException(declared.names[0], declared.codec.read(reader));
        else reader.skip(type);
        reader.readFieldEnd();
      }
      reader.readStructEnd();
      if (thrown !== undefined) throw thrown;
      if (returns === undefined) return null;
      if (success === undefined) throw new TApplicationException(TApplicationExceptionType.MISSING_RESULT, `${where} failed: unknown result`);
      return success;
    },
  };
}

/** The client `createClient(service, options)` returns for a generic service (also `rpcClient.use(service)`). */
class InvokerClient implements GenericClient {
  constructor(
    readonly service: GenericService,
    private readonly invoker: Invoker,
  ) {}

  call(method: string, args: JsonObject = {}, options?: CallOptions): Promise<JsonValue> {
    let descriptor: GenericMethod;
    try {
      descriptor = this.service.method(method);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.invoker.invoke(descriptor, [args], options).then((result) => (result === undefined ? null : result));
  }
}
