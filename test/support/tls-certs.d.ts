/** PEM certificates and keys made by `openssl` for one test run (see tls-certs.js). */
export interface TestCertificates {
  readonly dir: string;
  /** The CA that signs the server and client certificates. */
  readonly ca: Buffer;
  /** A certificate for 127.0.0.1 (IP SAN) and its key. */
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  /** A client certificate (CN=test client) signed by `ca`. */
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
  /** A certificate for 127.0.0.1 signed by `ca` whose validity has ended. */
  readonly expiredCert: Buffer;
  readonly expiredKey: Buffer;
  /** Another CA, and a client certificate it signed (trusted by nobody here). */
  readonly otherCa: Buffer;
  readonly strangerCert: Buffer;
  readonly strangerKey: Buffer;
  /** The path of one of the files (for CLIs). */
  file(name: 'ca' | 'server' | 'server-key' | 'client' | 'client-key'): string;
  remove(): void;
}

export function makeTestCertificates(): TestCertificates;
