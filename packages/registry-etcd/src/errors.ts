/**
 * A registration could not be written to etcd (`ERR_ETCD_REGISTER`): `listen()` of a server with this registry
 * rejects with it. `cause` is etcd3's error.
 */
export class EtcdRegistryError extends Error {
  readonly code = 'ERR_ETCD_REGISTER';
  /** The key that could not be written. */
  readonly key: string;

  constructor(key: string, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'EtcdRegistryError';
    this.key = key;
  }
}
