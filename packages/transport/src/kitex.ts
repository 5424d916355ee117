import { Metadata } from './metadata';

/**
 * Kitex's TTHeader INTKEYVALUE keys (cloudwego/gopkg `protocol/ttheader/metakey.go`), for
 * `Metadata.getInt()` / `setInt()`.
 *
 * A Kitex client writes FromService, FromMethod, ToService, ToMethod, MsgType and TransportType
 * (`"framed"`/`"unframed"`), plus RPCTimeout and ConnectTimeout in milliseconds when set; a Kitex server
 * reads FromService, FromMethod and RPCTimeout. Values are always strings.
 */
export enum KitexIntKey {
  MeshVersion = 0,
  TransportType = 1,
  LogID = 2,
  FromService = 3,
  FromCluster = 4,
  FromIDC = 5,
  ToService = 6,
  ToCluster = 7,
  ToIDC = 8,
  ToMethod = 9,
  Env = 10,
  DestAddress = 11,
  RPCTimeout = 12,
  ReadTimeout = 13,
  RingHashKey = 14,
  DDPTag = 15,
  WithMeshHeader = 16,
  ConnectTimeout = 17,
  SpanContext = 18,
  ShortConnection = 19,
  FromMethod = 20,
  StressTag = 21,
  MsgType = 22,
  HTTPContentType = 23,
  RawRingHashKey = 24,
  LBType = 25,
  ClusterShardID = 26,
  FrameType = 27,
  StreamTimeout = 28,
}

/** String keys Kitex itself uses in the KEYVALUE block. */
export const KitexStringKey = {
  /** The IDL service name a Kitex client writes. */
  IDLServiceName: 'isn',
  RemoteAddr: 'rip',
  ToCluster: 'tc',
  ToIDC: 'ti',
  /** Sent by a server about to close the connection: the client should stop reusing it. */
  ConnectionReadyToReset: 'crrst',
  ProcessAtTime: 'K_ProcessAtTime',
} as const;

/** TTHeader flag bits (the u16 after the magic). */
export const TTHeaderFlags = {
  SupportOutOfOrder: 0x01,
  Streaming: 0x02,
  DuplexReverse: 0x08,
  SASL: 0x10,
} as const;

/** Kitex metainfo prefixes in the string block. */
export const KITEX_TRANSIT_PREFIX = 'RPC_TRANSIT_';
export const KITEX_PERSIST_PREFIX = 'RPC_PERSIST_';
export const KITEX_BACKWARD_PREFIX = 'RPC_BACKWARD_';

/**
 * The string key the TTHeader ACL-token info block (0x11) maps to, as in Kitex (the transient metainfo
 * value `gdpr-token`). Decoders put the token here; encoders write this key as an ACL-token block.
 */
export const KITEX_ACL_TOKEN_KEY = KITEX_TRANSIT_PREFIX + 'gdpr-token';

/**
 * Kitex's metainfo kinds:
 * - transient: `RPC_TRANSIT_<key>`, for the next hop only;
 * - persistent: `RPC_PERSIST_<key>`, forwarded along the whole call chain;
 * - backward: `RPC_BACKWARD_<key>`, sent by a server back to its caller in the reply.
 */
export type KitexMetainfoKind = 'transient' | 'persistent' | 'backward';

const PREFIX: Readonly<Record<KitexMetainfoKind, string>> = {
  transient: KITEX_TRANSIT_PREFIX,
  persistent: KITEX_PERSIST_PREFIX,
  backward: KITEX_BACKWARD_PREFIX,
};

/** Sets a Kitex metainfo value (`kind` picks the prefix). */
export function setKitexMetainfo(metadata: Metadata, kind: KitexMetainfoKind, key: string, value: string): void {
  metadata.set(PREFIX[kind] + key, value);
}

/** Reads a Kitex metainfo value by its unprefixed key. */
export function getKitexMetainfo(metadata: Metadata, kind: KitexMetainfoKind, key: string): string | undefined {
  return metadata.get(PREFIX[kind] + key);
}

/** Kitex metainfo values split by kind, with prefixes removed. */
export interface KitexMetainfo {
  transient: Record<string, string>;
  persistent: Record<string, string>;
  backward: Record<string, string>;
}

/** Splits the prefixed string headers of `metadata` into Kitex's three kinds (unprefixed keys). */
export function kitexMetainfo(metadata: Metadata): KitexMetainfo {
  const result: KitexMetainfo = { transient: {}, persistent: {}, backward: {} };
  for (const [key, value] of metadata.entries()) {
    if (key.startsWith(KITEX_TRANSIT_PREFIX)) result.transient[key.slice(KITEX_TRANSIT_PREFIX.length)] = value;
    else if (key.startsWith(KITEX_PERSIST_PREFIX)) result.persistent[key.slice(KITEX_PERSIST_PREFIX.length)] = value;
    else if (key.startsWith(KITEX_BACKWARD_PREFIX)) result.backward[key.slice(KITEX_BACKWARD_PREFIX.length)] = value;
  }
  return result;
}
