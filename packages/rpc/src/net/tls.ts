import * as net from 'node:net';
import * as tls from 'node:tls';
import { RpcError, RpcOptionError } from '../errors';
import { socketReady } from './socket-ready';
import { checkKnownKeys, describeValue, msOption, objectOption } from '../validate';

/**
 * TLS and mutual TLS, on the `net` engine with Node's `node:tls` (the OpenSSL Node links). Option names are
 * Node's (`tls.SecureContextOptions`: key, cert, ca, pfx, passphrase, ciphers, minVersion, ...), plus what a
 * Thrift port needs: `allowPlaintext` and `handshakeTimeout`.
 */

/** Node's secure-context options that a thriftpoll server or client passes through unchanged. */
type SecureContextOptionName = keyof tls.SecureContextOptions;
const SECURE_CONTEXT_OPTIONS: readonly SecureContextOptionName[] = [
  'allowPartialTrustChain',
  'ca',
  'cert',
  'sigalgs',
  'ciphers',
  'clientCertEngine',
  'crl',
  'dhparam',
  'ecdhCurve',
  'honorCipherOrder',
  'key',
  'privateKeyEngine',
  'privateKeyIdentifier',
  'maxVersion',
  'minVersion',
  'passphrase',
  'pfx',
  'secureOptions',
  'secureProtocol',
  'sessionIdContext',
  'ticketKeys',
  'sessionTimeout',
];

/** `createServer({ tls })`: TLS on the server's port. */
export interface ServerTlsOptions extends tls.SecureContextOptions {
  /**
   * Ask clients for a certificate. With `ca` and `rejectUnauthorized` (default true) a client certificate is
   * required and verified against `ca` (mutual TLS); the handshake of a client without one fails.
   */
  requestCert?: boolean;
  /** With `requestCert`: refuse clients whose certificate does not verify. Default true. */
  rejectUnauthorized?: boolean;
  /**
   * Also accept plaintext Thrift on the same port (a first byte that is not a TLS handshake record). Default
   * false: a plaintext client is disconnected.
   */
  allowPlaintext?: boolean;
  /**
   * A connection whose TLS handshake is not done within this many ms is closed (that one only), and so is one that
   * sends nothing at all for that long. Default 10000.
   */
  handshakeTimeout?: number;
}

/** `createClient(Service, { tls })`: TLS to the servers. */
export interface ClientTlsOptions extends tls.SecureContextOptions {
  /** The name the server's certificate must carry (SNI too). Default: the address's host when it is a name. */
  servername?: string;
  /** Refuse servers whose certificate does not verify against `ca` (or the system's CAs). Default true. */
  rejectUnauthorized?: boolean;
  /** Replaces Node's host name check of the server certificate (see `tls.connect`). */
  checkServerIdentity?: (hostname: string, cert: tls.PeerCertificate) => Error | undefined;
}

/** What a server's context tells about the TLS of its connection (`ctx.tls`; undefined on plaintext). */
export interface TlsConnectionInfo {
  /** The negotiated protocol, e.g. 'TLSv1.3'. */
  readonly protocol: string | null;
  /** True when the peer presented a certificate that verified against the configured `ca`. */
  readonly authorized: boolean;
  /** The peer's certificate (undefined when it sent none). */
  peerCertificate(): tls.PeerCertificate | undefined;
}

/** @internal Validated server TLS: a tls.Server that never listens, fed the sockets the engine accepts. */
export interface ResolvedServerTls {
  readonly secure: tls.TlsOptions;
  readonly allowPlaintext: boolean;
  readonly handshakeTimeout: number;
}

/** @internal Validated client TLS options for tls.connect. */
export interface ResolvedClientTls {
  readonly options: tls.ConnectionOptions;
  readonly servername: string | undefined;
}

const SERVER_KEYS = [...SECURE_CONTEXT_OPTIONS, 'requestCert', 'rejectUnauthorized', 'allowPlaintext', 'handshakeTimeout'];
const CLIENT_KEYS = [...SECURE_CONTEXT_OPTIONS, 'servername', 'rejectUnauthorized', 'checkServerIdentity'];

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new RpcOptionError(`${name} must be true or false, got ${describeValue(value)}`);
  return value;
}

/** Loads the key, certificates and CAs once, where the option enters, so a bad PEM fails createServer/createClient. */
function checkSecureContext(name: string, options: tls.SecureContextOptions): void {
  try {
    tls.createSecureContext(options);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new RpcOptionError(`${name}: cannot load the key, certificate or CA (${detail}); give PEM text or Buffers, e.g. fs.readFileSync('server.pem')`, {
      cause: error,
    });
  }
}

function secureContextOptions(record: Record<string, unknown>): tls.SecureContextOptions {
  const options: Record<string, unknown> = {};
  for (const key of SECURE_CONTEXT_OPTIONS) if (record[key] !== undefined) options[key] = record[key];
  return options as tls.SecureContextOptions;
}

/** Validates `createServer({ tls })`. Undefined when TLS is off. */
export function resolveServerTls(value: unknown): ResolvedServerTls | undefined {
  const record = objectOption('tls', value);
  if (record === undefined) return undefined;
  checkKnownKeys('tls', record, SERVER_KEYS);
  if ((record.key === undefined || record.cert === undefined) && record.pfx === undefined) {
    throw new RpcOptionError('tls needs the server certificate: give key and cert (PEM), or pfx');
  }
  const secure = secureContextOptions(record);
  checkSecureContext('tls', secure);
  const requestCert = booleanOption('tls.requestCert', record.requestCert, false);
  const rejectUnauthorized = booleanOption('tls.rejectUnauthorized', record.rejectUnauthorized, true);
  if (requestCert && rejectUnauthorized && record.ca === undefined) {
    throw new RpcOptionError('tls.requestCert verifies client certificates against tls.ca: give the CA that signs them');
  }
  return {
    secure: { ...secure, requestCert, rejectUnauthorized },
    allowPlaintext: booleanOption('tls.allowPlaintext', record.allowPlaintext, false),
    handshakeTimeout: msOption('tls.handshakeTimeout', record.handshakeTimeout, 10000, 1) as number,
  };
}

/** Validates `createClient(Service, { tls })`. Undefined when TLS is off. */
export function resolveClientTls(value: unknown): ResolvedClientTls | undefined {
  const record = objectOption('tls', value);
  if (record === undefined) return undefined;
  checkKnownKeys('tls', record, CLIENT_KEYS);
  if ((record.key === undefined) !== (record.cert === undefined)) {
    throw new RpcOptionError('tls: a client certificate needs both key and cert');
  }
  const secure = secureContextOptions(record);
  checkSecureContext('tls', secure);
  if (record.servername !== undefined && (typeof record.servername !== 'string' || record.servername === '')) {
    throw new RpcOptionError(`tls.servername must be a host name, got ${describeValue(record.servername)}`);
  }
  if (record.checkServerIdentity !== undefined && typeof record.checkServerIdentity !== 'function') {
    throw new RpcOptionError(`tls.checkServerIdentity must be a function, got ${describeValue(record.checkServerIdentity)}`);
  }
  const options: tls.ConnectionOptions = {
    ...secure,
    rejectUnauthorized: booleanOption('tls.rejectUnauthorized', record.rejectUnauthorized, true),
    ...(record.checkServerIdentity === undefined ? {} : { checkServerIdentity: record.checkServerIdentity as ClientTlsOptions['checkServerIdentity'] }),
  };
  return { options, servername: record.servername as string | undefined };
}

/** The first byte of a TLS handshake record (ClientHello): how a TLS port tells TLS from plaintext callers. */
const TLS_HANDSHAKE_RECORD = 0x16;
/** A TLS record: alert, TLS 1.2 framing, 2 bytes: fatal (2), unexpected_message (10). */
const TLS_ALERT_UNEXPECTED_MESSAGE = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a]);

/**
 * @internal Accepts sockets for a TLS port: each goes through the handshake (closed alone if it fails or stalls
 * past `handshakeTimeout`) and is handed to `accept` once secure. A socket whose first byte is not a TLS record
 * is handed over as it is with `allowPlaintext`, else answered with a TLS alert and closed.
 */
export function tlsAcceptor(options: ResolvedServerTls, accept: (socket: net.Socket) => void, onError: ((error: Error) => void) | undefined): (socket: net.Socket) => void {
  // Client certificates are checked here rather than by node:tls, which would close the socket without a word.
  const verifyClients = options.secure.requestCert === true && options.secure.rejectUnauthorized !== false;
  const server = tls.createServer({ ...options.secure, rejectUnauthorized: false, handshakeTimeout: options.handshakeTimeout });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    if (!verifyClients || socket.authorized) {
      accept(socket);
      return;
    }
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    // node:tls types authorizationError as always set; it is undefined when the client sent no certificate.
    const why = (socket.authorizationError as Error | undefined)?.message ?? 'no certificate';
    socket.destroy();
    onError?.(new RpcError('ETLS', `${peer} was refused: its client certificate does not verify against tls.ca (${why}); the connection was closed`, { address: peer }));
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    const peer = socket.remoteAddress === undefined ? 'a client' : `${socket.remoteAddress}:${socket.remotePort}`;
    socket.destroy();
    const stalled = error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT';
    const what = stalled ? `did not finish the TLS handshake within ${options.handshakeTimeout} ms (tls.handshakeTimeout)` : `failed the TLS handshake: ${error.message}`;
    onError?.(new RpcError('ETLS', `${peer} ${what}; the connection was closed`, { address: peer, cause: error }));
  });
  const secure = (socket: net.Socket): void => {
    server.emit('connection', socket);
  };
  const plaintext = options.allowPlaintext
    ? (socket: net.Socket): void => {
        accept(socket);
        socket.resume();
      }
    : (socket: net.Socket): void => {
        // Answered with a TLS alert, which a thriftpoll client recognises ("the server answered with TLS"),
        // rather than with silence, which would look like a transport mismatch.
        const peer = `${socket.remoteAddress}:${socket.remotePort}`;
        socket.end(TLS_ALERT_UNEXPECTED_MESSAGE);
        socket.on('error', () => undefined);
        onError?.(new RpcError('ETLS', `${peer} sent plaintext to this TLS port (set tls.allowPlaintext to accept both); the connection was closed`, { address: peer }));
      };
  return (socket) => {
    // TLS clients speak first (ClientHello), and so do Thrift clients: silence is a stalled handshake too.
    const silence = setTimeout(() => {
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      socket.destroy();
      onError?.(new RpcError('ETLS', `${peer} sent nothing within ${options.handshakeTimeout} ms (tls.handshakeTimeout); the connection was closed`, { address: peer }));
    }, options.handshakeTimeout);
    socket.once('close', () => clearTimeout(silence));
    socket.once('data', (first: Buffer) => {
      clearTimeout(silence);
      socket.pause();
      // The peeked bytes go back in front: node:tls reads what the socket has buffered, and so does a plaintext session.
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE_RECORD) secure(socket);
      else plaintext(socket);
    });
  };
}

/** @internal What a TLS socket tells the server context. */
export function connectionInfo(socket: tls.TLSSocket): TlsConnectionInfo {
  return {
    protocol: socket.getProtocol(),
    authorized: socket.authorized,
    peerCertificate: () => {
      const certificate = socket.getPeerCertificate();
      return certificate === null || Object.keys(certificate).length === 0 ? undefined : certificate;
    },
  };
}

/** The TLS handshake of a dial failed: what the peer or the verification said, and what it probably means. */
function handshakeError(error: NodeJS.ErrnoException, key: string): RpcError {
  const code = error.code ?? '';
  let meaning = '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ECONNRESET' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    meaning = ' (the server may not speak TLS: remove tls, or check the port)';
  } else if (code === 'CERT_HAS_EXPIRED') {
    meaning = ' (the server certificate has expired)';
  } else if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_GET_ISSUER_CERT') {
    meaning = ' (the server certificate is not signed by a CA in tls.ca)';
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    meaning = ' (the server certificate does not name this host: set tls.servername to a name it carries)';
  }
  return new RpcError('ETLS', `TLS handshake with ${key} failed: ${error.message}${meaning}`, { address: key, cause: error });
}

/** @internal Dials `host:port` with TLS; resolves once the handshake is done and the server verified. */
export function dialTls(host: string, port: number, key: string, options: ResolvedClientTls, timeout: number | undefined): Promise<tls.TLSSocket> {
  const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
  return socketReady(
    () => tls.connect({ ...options.options, host, port, ...(servername === undefined ? {} : { servername }) }),
    'secureConnect',
    timeout,
    (error) => (error.code === 'ECONNREFUSED' ? new RpcError('ECONNREFUSED', `connection to ${key} refused`, { address: key, cause: error }) : handshakeError(error, key)),
    `no TLS connection to ${key} within ${timeout} ms (connectTimeout, handshake included)`,
    key,
  );
}
