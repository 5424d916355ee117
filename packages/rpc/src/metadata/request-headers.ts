import type { MethodDescriptor } from '@thriftpoll/protocol';
import { Metadata, isTHeaderKind } from '@thriftpoll/transport';
import type { TransportName } from '../codec';
import { writeDeadline } from './deadline';
import { kitexRequestHeaders } from './kitex-headers';

/** What the request headers of one attempt are made from (a ClientContext). */
export interface HeadersOfCall {
  readonly service: string;
  readonly method: string;
  readonly descriptor: MethodDescriptor;
  readonly oneway: boolean;
  /** The user's headers (client defaults, then the call's), or undefined when there are none. */
  headersToSend(): Readonly<Record<string, string>> | undefined;
}

/**
 * The metadata a client sends with each attempt, for one client's transport: the user's headers, and on
 * THeader/TTHeader the time the caller still waits (metadata/deadline.ts); on TTHeader also the keys a Kitex client
 * writes (metadata/kitex-headers.ts), built once per method and cloned only when the attempt adds to them. One per
 * client; it keeps the per-method cache.
 */
export class RequestHeaders {
  /** Kitex's keys by service, then method (the descriptor: no string built per call). */
  private readonly kitexByService = new Map<string, WeakMap<MethodDescriptor, Metadata>>();

  constructor(
    private readonly transport: TransportName,
    /** This caller's service name (TTHeader FromService). */
    private readonly fromService: string | undefined,
    /** Sent as Kitex's ConnectTimeout key. */
    private readonly connectTimeout: number,
  ) {}

  /** The metadata of an attempt made now, for a call ending at `deadline` (epoch ms; undefined: no deadline). */
  forAttempt(call: HeadersOfCall, deadline: number | undefined): Metadata | undefined {
    const user = call.headersToSend();
    const transport = this.transport;
    if (transport === 'framed' || transport === 'buffered') {
      // Nothing of ours to send; the user's headers go to the encoder, whose policy warns that they are dropped.
      return user === undefined ? undefined : Metadata.from(user);
    }
    const remaining = deadline === undefined ? undefined : String(Math.max(1, Math.ceil(deadline - Date.now())));
    if (isTHeaderKind(transport)) {
      if (user === undefined && remaining === undefined) return undefined;
      const metadata = Metadata.from(user);
      if (remaining !== undefined) writeDeadline(metadata, 'theader', remaining);
      return metadata;
    }
    const base = this.kitexHeaders(call);
    if (user === undefined && remaining === undefined) return base;
    const metadata = base.clone();
    if (user !== undefined) for (const key of Object.keys(user)) metadata.set(key, user[key]);
    if (remaining !== undefined) writeDeadline(metadata, 'ttheader', remaining);
    return metadata;
  }

  /** The TTHeader keys a Kitex client writes for a method, built once per method. */
  private kitexHeaders(call: HeadersOfCall): Metadata {
    let perService = this.kitexByService.get(call.service);
    if (perService === undefined) this.kitexByService.set(call.service, (perService = new WeakMap()));
    let metadata = perService.get(call.descriptor);
    if (metadata === undefined) {
      metadata = kitexRequestHeaders({
        fromService: this.fromService,
        service: call.service,
        method: call.method,
        oneway: call.oneway,
        framed: this.transport === 'ttheader-framed',
        connectTimeout: this.connectTimeout,
      });
      perService.set(call.descriptor, metadata);
    }
    return metadata;
  }
}
