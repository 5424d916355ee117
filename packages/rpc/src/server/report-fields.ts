import { RpcError } from '../errors';
import { errorCode } from '../codec';
import type { ServerContext } from './server-context';

/** What a log line about a server error says. */
export interface ReportFields {
  /** Structured fields: what, peer, method, seqid, code (those that are known). */
  readonly fields: Readonly<Record<string, string | number>>;
  /** The rate-limiting kind: what failed, the error code and the method. */
  readonly kind: string;
  /** One line: what failed, where, and the error's own message (no stack). */
  readonly message: string;
  /** A connection the server refused (the peer did not speak Thrift as configured), rather than a failure of ours. */
  readonly refusal: boolean;
}

/** Builds the log line of an error the server reports (see ThriftServer.report). */
export function reportFields(error: unknown, context: ServerContext | undefined, what: string): ReportFields {
  const fields: Record<string, string | number> = { what };
  const peer = context?.peer ?? (error instanceof RpcError ? error.address : undefined);
  if (peer !== undefined) fields.peer = peer;
  if (context !== undefined) {
    fields.method = `${context.service}.${context.method}`;
    fields.seqid = context.seqid;
  }
  // A refused connection: the session's EPROTO error wraps what the transport saw (its code is `what`).
  const refusal = context === undefined && error instanceof RpcError && error.code === 'EPROTO' && error.cause !== undefined;
  const code = refusal ? what : error instanceof RpcError ? error.code : typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : errorCode(error);
  fields.code = code;
  const seen = refusal ? (error as RpcError).cause : error;
  const detail = seen instanceof Error ? seen.message : String(seen);
  const message = refusal
    ? `refused a connection from ${peer ?? 'an unknown peer'}: ${detail}`
    : `${what}${context === undefined ? '' : ` (${fields.method} from ${peer})`}: ${detail}`;
  return { fields, kind: `${what}|${code}|${context === undefined ? '' : fields.method}`, message, refusal };
}
