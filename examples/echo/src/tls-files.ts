/**
 * The echo examples' TLS flags, read into the runtime's tls options:
 *   server: --tls-cert F --tls-key F [--tls-ca F]   (with --tls-ca, client certificates are required and verified)
 *   client: --tls-ca F [--tls-cert F --tls-key F]   (a client certificate for mutual TLS)
 */
import * as fs from 'node:fs';
import type { ClientTlsOptions, ServerTlsOptions } from '@thriftpoll/rpc';
import { UsageError, type ArgSpec } from './args';

export const SERVER_TLS_FLAGS = {
  'tls-cert': { type: 'string', help: 'serve TLS with this certificate (PEM file)' },
  'tls-key': { type: 'string', help: 'private key of --tls-cert (PEM file)' },
  'tls-ca': { type: 'string', help: 'require client certificates signed by this CA (PEM file)' },
} as const satisfies Record<string, ArgSpec>;

export const CLIENT_TLS_FLAGS = {
  'tls-ca': { type: 'string', help: 'call over TLS, trusting this CA (PEM file)' },
  'tls-cert': { type: 'string', help: 'client certificate for mutual TLS (PEM file)' },
  'tls-key': { type: 'string', help: 'private key of --tls-cert (PEM file)' },
} as const satisfies Record<string, ArgSpec>;

interface TlsArgs {
  'tls-cert'?: string | number | undefined;
  'tls-key'?: string | number | undefined;
  'tls-ca'?: string | number | undefined;
}

function read(flag: string, file: string | number | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(String(file));
  } catch (error) {
    throw new UsageError(`--${flag} ${file}: ${(error as Error).message}`);
  }
}

export function serverTls(args: TlsArgs): ServerTlsOptions | undefined {
  const cert = read('tls-cert', args['tls-cert']);
  const key = read('tls-key', args['tls-key']);
  const ca = read('tls-ca', args['tls-ca']);
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new UsageError('TLS needs --tls-cert and --tls-key (and --tls-ca to require client certificates)');
  return ca === undefined ? { cert, key } : { cert, key, ca, requestCert: true };
}

export function clientTls(args: TlsArgs): ClientTlsOptions | undefined {
  const cert = read('tls-cert', args['tls-cert']);
  const key = read('tls-key', args['tls-key']);
  const ca = read('tls-ca', args['tls-ca']);
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if (ca === undefined) throw new UsageError('TLS needs --tls-ca (the CA that signed the server certificate)');
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('a client certificate needs both --tls-cert and --tls-key');
  return cert === undefined || key === undefined ? { ca } : { ca, cert, key };
}
