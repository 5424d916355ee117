import type { ProtocolReader, ProtocolWriter } from './protocol';

/**
 * The contract between generated code and the RPC runtime. Generated modules import only these types (and the
 * protocol classes) from `@thriftpoll/protocol`; `@thriftpoll/rpc` serves and calls what they describe.
 */

/** The encoder/decoder pair every generated struct, union and exception exposes. */
export interface StructCodec<T> {
  encode(writer: ProtocolWriter, value: T): void;
  decode(reader: ProtocolReader): T;
}

/** Per-call options every generated client method accepts as its last argument. */
export interface CallOptions {
  /** Milliseconds before the call is abandoned with a timeout error (also sent to the server as RPCTimeout). */
  timeout?: number;
  /** Aborts the call; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Metadata sent with the call (THeader/TTHeader string headers; dropped with a warning on transports without headers). */
  headers?: Readonly<Record<string, string>>;
  /** The key a consistent-hash load balancer routes on: calls with the same key go to the same instance. */
  hashKey?: string;
}

/** What a generated client calls for every method; implemented by the RPC runtime's clients. */
export interface Invoker {
  invoke<A extends readonly unknown[], R>(method: MethodDescriptor<A, R>, args: A, options?: CallOptions): Promise<R>;
}

/** What a handler method receives as its last argument; the RPC runtime's context implements it. */
export interface ServerCallContext {
  /** Service name as registered (for multiplexed calls, the prefix before ':'). */
  readonly service: string;
  /** Method name on the wire. */
  readonly method: string;
  readonly seqid: number;
  /** Metadata the caller sent (THeader/TTHeader string headers). */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** Metadata to send back with the reply (THeader/TTHeader transports). */
  readonly responseHeaders: Record<string, string>;
  /** Epoch milliseconds by which the caller stops waiting, from its RPCTimeout header; undefined if none. */
  readonly deadline: number | undefined;
  /** Aborted when the deadline passes, the caller disconnects, or the server is shutting down and out of time. */
  readonly signal: AbortSignal;
  /** The caller's address, e.g. `127.0.0.1:50514` or a Unix socket path. */
  readonly peer: string;
}

/**
 * One service method. `A` is the tuple of its arguments in IDL order, `R` its return type (`void` for void and
 * oneway methods).
 */
export interface MethodDescriptor<A extends readonly unknown[] = readonly unknown[], R = unknown> {
  /** The method name on the wire, as in the IDL. */
  readonly name: string;
  /** The property name on handlers and clients: the IDL name, escaped if it collides with a reserved word. */
  readonly propertyName: string;
  /** The service that declares the method (for inherited methods, the ancestor). */
  readonly serviceName: string;
  readonly oneway: boolean;
  /** Writes the `<method>_args` struct from the positional arguments. */
  writeArgs(writer: ProtocolWriter, args: A): void;
  /** Reads the `<method>_args` struct into positional arguments (defaults applied, required fields checked). */
  readArgs(reader: ProtocolReader): A;
  /** Writes the `<method>_result` struct with `success` (field 0) set; an empty struct for void methods. */
  writeResult(writer: ProtocolWriter, value: R): void;
  /**
   * If `error` is an instance of an exception the method declares, writes the `<method>_result` struct with that
   * field set and returns true; otherwise writes nothing and returns false.
   */
  writeException(writer: ProtocolWriter, error: unknown): boolean;
  /**
   * Reads the `<method>_result` struct: returns the success value, throws the declared exception that was set,
   * or throws TApplicationException(MISSING_RESULT) when a non-void method's result has neither.
   */
  readResult(reader: ProtocolReader): R;
}

/** A service as generated from the IDL: its own and inherited methods, and a factory for its typed client. */
export interface ServiceDescriptor<Client = unknown, Handler = unknown> {
  /** The service name as in the IDL. */
  readonly name: string;
  /** Own and inherited methods, keyed by wire name. */
  readonly methods: Readonly<Record<string, MethodDescriptor>>;
  /** The service this one `extends`, if any. */
  readonly parent: ServiceDescriptor | undefined;
  /** Builds the generated typed client over an invoker. */
  createClient(invoker: Invoker): Client;
  /** Type-level only (never set): lets `createServer({ service, handler })` infer the handler interface. */
  readonly handlerType?: Handler;
}
