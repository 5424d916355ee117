import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** PEM files made by `openssl` for one test run (Debian's openssl; .ci/run installs it). */
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
  /** A certificate for 127.0.0.1 signed by `ca` whose validity ended yesterday. */
  readonly expiredCert: Buffer;
  readonly expiredKey: Buffer;
  /** Another CA, and a client certificate it signed (trusted by nobody here). */
  readonly otherCa: Buffer;
  readonly strangerCert: Buffer;
  readonly strangerKey: Buffer;
  /** Paths of the same files (for CLIs). */
  file(name: 'ca' | 'server' | 'server-key' | 'client' | 'client-key'): string;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const detail = (error as { stderr?: Buffer; code?: string }).code === 'ENOENT' ? 'openssl is not installed (apt-get install openssl)' : String((error as { stderr?: Buffer }).stderr ?? error);
    throw new Error(`openssl ${args.join(' ')} failed: ${detail}`);
  }
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
}

/** A leaf certificate `name` signed by CA `ca`, valid for `days` (negative: already expired). */
function makeLeaf(dir: string, name: string, ca: string, subject: string, days: number, extensions: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, ['req', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', String(days), '-extfile', `${name}.ext`]);
}

export function makeTestCertificates(): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-tls-'));
  makeCa(dir, 'ca');
  makeCa(dir, 'other-ca');
  const serverExtensions = 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
  makeLeaf(dir, 'server', 'ca', '/CN=127.0.0.1', 2, serverExtensions);
  makeLeaf(dir, 'expired', 'ca', '/CN=127.0.0.1', -1, serverExtensions);
  makeLeaf(dir, 'client', 'ca', '/CN=test client', 2, 'extendedKeyUsage=clientAuth\n');
  makeLeaf(dir, 'stranger', 'other-ca', '/CN=stranger', 2, 'extendedKeyUsage=clientAuth\n');
  const read = (file: string): Buffer => fs.readFileSync(path.join(dir, file));
  const files = { ca: 'ca.pem', server: 'server.pem', 'server-key': 'server.key', client: 'client.pem', 'client-key': 'client.key' };
  return {
    dir,
    ca: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    expiredCert: read('expired.pem'),
    expiredKey: read('expired.key'),
    otherCa: read('other-ca.pem'),
    strangerCert: read('stranger.pem'),
    strangerKey: read('stranger.key'),
    file: (name) => path.join(dir, files[name]),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
