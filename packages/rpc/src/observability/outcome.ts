import { GrowableBuffer, TApplicationException, TApplicationExceptionType, ThriftError, binaryProtocol, type MethodDescriptor } from '@thriftpoll/protocol';
import { RpcError } from '../errors';

/**
 * The `code` of a finished call, as metrics label it and traces record it:
 *
 *   OK                    the call returned
 *   <ExceptionName>       it threw an exception its IDL method declares (e.g. EchoError)
 *   <TApplicationException type>  UNKNOWN_METHOD, INTERNAL_ERROR, ... (server: what the caller was sent)
 *   <RpcError code>       client only: ETIMEDOUT, ECONNREFUSED, EOVERLOAD, ...
 */
export interface Outcome {
  readonly code: string;
  /** True for an exception the method declares: an answer of the service's contract, not a failure. */
  readonly declared: boolean;
}

export const SUCCESS: Outcome = Object.freeze({ code: 'OK', declared: false });

/** True when `descriptor` declares `error` (the server then replies with it instead of INTERNAL_ERROR). */
export function isDeclared(descriptor: MethodDescriptor, error: unknown): boolean {
  if (!(error instanceof ThriftError) || error instanceof TApplicationException) return false;
  // Asked by writing it where the reply would (a scratch buffer; error paths only).
  try {
    return descriptor.writeException(binaryProtocol.createWriter(new GrowableBuffer()), error);
  } catch {
    // The declared exception cannot be encoded: the server answers INTERNAL_ERROR.
    return false;
  }
}

function applicationCode(error: TApplicationException): string {
  return TApplicationExceptionType[error.type] ?? `TAPPLICATION_${error.type}`;
}

/** What the server sent the caller for a call that settled with `error` (undefined: success). */
export function serverOutcome(descriptor: MethodDescriptor, error: unknown): Outcome {
  if (error === undefined) return SUCCESS;
  if (error instanceof TApplicationException) return { code: applicationCode(error), declared: false };
  if (isDeclared(descriptor, error)) return { code: (error as Error).name, declared: true };
  return { code: 'INTERNAL_ERROR', declared: false };
}

/** How a client call ended: its declared exception, the server's TApplicationException, or the RpcError code. */
export function clientOutcome(error: unknown): Outcome {
  if (error === undefined) return SUCCESS;
  if (error instanceof TApplicationException) return { code: applicationCode(error), declared: false };
  // Any other Thrift exception was decoded from the reply as one the method declares.
  if (error instanceof ThriftError) return { code: error.name, declared: true };
  if (error instanceof RpcError) return { code: error.code, declared: false };
  const code = (error as { code?: unknown } | null)?.code;
  return { code: typeof code === 'string' ? code : 'ERROR', declared: false };
}
