import { KitexIntKey, KitexStringKey, Metadata } from '@thriftpoll/transport';

/**
 * The TTHeader keys a Kitex peer writes and reads, in one place (as Kitex's MetaHandler): what a client puts on
 * every request, what a server reads back from it, and the reply key that retires a connection. Header names,
 * ids and prefixes themselves are transport facts (`KitexIntKey`, `KitexStringKey`, metainfo in
 * @thriftpoll/transport); this file is what the RPC layer does with them.
 */

// Read once: a package's re-exports are getters, too slow to call per request (the read functions are hot).
const TO_SERVICE: number = KitexIntKey.ToService;
const CONNECTION_READY_TO_RESET: string = KitexStringKey.ConnectionReadyToReset;

/** What a client knows about a call that Kitex's request headers carry. */
export interface KitexCallInfo {
  /** The caller's own service name (FromService), when configured. */
  readonly fromService: string | undefined;
  readonly service: string;
  readonly method: string;
  readonly oneway: boolean;
  /** TTHeaderFramed frames its payload again; Kitex's TransportType says so. */
  readonly framed: boolean;
  readonly connectTimeout: number;
}

/** Kitex message types as TTHeader's MsgType carries them (Thrift's CALL and ONEWAY). */
const MSG_TYPE_CALL = '1';
const MSG_TYPE_ONEWAY = '4';

/** The request headers a Kitex client writes for a method (the same for every call of it: build once). */
export function kitexRequestHeaders(call: KitexCallInfo): Metadata {
  const metadata = new Metadata();
  if (call.fromService !== undefined) metadata.setInt(KitexIntKey.FromService, call.fromService);
  metadata.setInt(KitexIntKey.ToService, call.service);
  metadata.setInt(KitexIntKey.ToMethod, call.method);
  metadata.setInt(KitexIntKey.MsgType, call.oneway ? MSG_TYPE_ONEWAY : MSG_TYPE_CALL);
  metadata.setInt(KitexIntKey.TransportType, call.framed ? 'framed' : 'unframed');
  metadata.setInt(KitexIntKey.ConnectTimeout, String(call.connectTimeout));
  metadata.set(KitexStringKey.IDLServiceName, call.service);
  return metadata;
}

/**
 * The service a request names, for servers exposing several: TTHeader's ToService, or THeader's `service`
 * string header. Undefined when the request does not say.
 */
export function requestedService(headers: Metadata): string | undefined {
  if (headers.isEmpty()) return undefined;
  return headers.getInt(TO_SERVICE) ?? headers.get('service');
}

/** Marks a reply "connection ready to reset" (Kitex): the caller should not reuse the connection. */
export function markConnectionReadyToReset(metadata: Metadata): void {
  metadata.set(CONNECTION_READY_TO_RESET, '1');
}

/** True when a reply's headers say the server is retiring the connection. */
export function isConnectionReadyToReset(headers: Metadata): boolean {
  return !headers.isEmpty() && headers.get(CONNECTION_READY_TO_RESET) !== undefined;
}
