import { createClient, createServer, RpcError, RpcOptionError, type ServerContext, type ThriftServer } from '@thriftpoll/rpc';
import * as net from 'node:net';
import { makeTestCertificates, type TestCertificates } from '../support/tls-certs';
import { EchoService, Request, Response } from './fixtures/echo-code-first';
import { waitFor } from './helpers/wait';

/** TLS and mutual TLS on real certificates made by openssl for this run. */
let certs: TestCertificates;

beforeAll(() => {
  certs = makeTestCertificates();
});

afterAll(() => certs.remove());

/** Answers what the server context knows about the caller's TLS. */
class TlsEcho extends EchoService {
  override async echo(req: Request, ctx: ServerContext): Promise<Response> {
    const info = ctx.tls;
    const peer = info?.peerCertificate();
    return { action: req.action, msg: JSON.stringify({ msg: req.msg, protocol: info?.protocol ?? null, authorized: info?.authorized ?? null, peer: peer?.subject.CN ?? null }) };
  }
}

const servers: ThriftServer[] = [];
const reports: Error[] = [];

async function serve(tls: Parameters<typeof createServer>[0]['tls'], options: Partial<Parameters<typeof createServer>[0]> = {}): Promise<number> {
  const server = createServer({ service: EchoService, handler: new TlsEcho(), onError: (error) => reports.push(error as Error), ...(tls === undefined ? {} : { tls }), ...options });
  servers.push(server);
  return ((await server.listen({ host: '127.0.0.1', port: 0 })) as { port: number }).port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close({ timeout: 1000 })));
  reports.length = 0;
});

function seen(reply: Response): { msg: string; protocol: string | null; authorized: boolean | null; peer: string | null } {
  return JSON.parse(reply.msg) as { msg: string; protocol: string | null; authorized: boolean | null; peer: string | null };
}

describe('TLS', () => {
  test('calls over TLS on every transport, detected inside TLS; the server context knows the protocol', async () => {
    const port = await serve({ key: certs.serverKey, cert: certs.serverCert });
    for (const transport of ['framed', 'buffered', 'theader', 'ttheader'] as const) {
      const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, transport, tls: { ca: certs.ca } });
      const reply = seen(await client.echo({ action: 'say', msg: transport }));
      expect(reply).toEqual({ msg: transport, protocol: 'TLSv1.3', authorized: false, peer: null });
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => client.echo({ action: 'say', msg: `${i}`.repeat(5000) })));
      expect(many.map((r) => seen(r).msg)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`.repeat(5000)));
      await client.$close();
    }
  });

  test('mutual TLS: a client certificate signed by the CA is accepted and seen by the handler', async () => {
    const port = await serve({ key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, mode: 'mux', tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } });
    expect(seen(await client.echo({ action: 'say', msg: 'mtls' }))).toEqual({ msg: 'mtls', protocol: 'TLSv1.3', authorized: true, peer: 'test client' });
    await client.$close();
  });

  test.each([
    ['no client certificate', (): object => ({ ca: certs.ca })],
    ['a certificate from another CA', (): object => ({ ca: certs.ca, cert: certs.strangerCert, key: certs.strangerKey })],
  ])('mutual TLS: a client with %s is refused, and the server reports it', async (_what, clientTls) => {
    const port = await serve({ key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, timeout: 20000, tls: clientTls() });
    const error = (await client.echo({ action: 'say', msg: 'x' }).catch((e: unknown) => e)) as RpcError;
    await client.$close();
    expect(error).toBeInstanceOf(RpcError);
    // TLS 1.3 finishes the client's side of the handshake first: the server closes the connection after it.
    expect(error.message).toContain('no reply on this TLS connection: the server may refuse this client certificate (mutual TLS: see tls.cert, tls.key), or not speak Framed');
    await waitFor(() => reports.length > 0, 10000, 'the server report');
    expect(reports[0]).toMatchObject({ code: 'ETLS' });
    expect(reports[0].message).toMatch(/^127\.0\.0\.1:\d+ was refused: its client certificate does not verify against tls\.ca \(.+\); the connection was closed$/);
  });

  test('a server certificate from a CA the client does not trust is refused (ETLS)', async () => {
    const port = await serve({ key: certs.serverKey, cert: certs.serverCert });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, tls: { ca: certs.otherCa } });
    const error = (await client.echo({ action: 'say', msg: 'x' }).catch((e: unknown) => e)) as RpcError;
    await client.$close();
    expect(error).toMatchObject({ code: 'ETLS', address: `127.0.0.1:${port}` });
    expect(error.message).toContain('(the server certificate is not signed by a CA in tls.ca)');
  });

  test('an expired server certificate is refused (ETLS)', async () => {
    const port = await serve({ key: certs.expiredKey, cert: certs.expiredCert });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, tls: { ca: certs.ca } });
    const error = (await client.echo({ action: 'say', msg: 'x' }).catch((e: unknown) => e)) as RpcError;
    await client.$close();
    expect(error).toMatchObject({ code: 'ETLS' });
    expect(error.message).toContain('certificate has expired');
  });

  test('a plaintext client to a TLS-only port fails at once with an error saying the server speaks TLS', async () => {
    const port = await serve({ key: certs.serverKey, cert: certs.serverCert });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, timeout: 20000 });
    const started = Date.now();
    const error = (await client.echo({ action: 'say', msg: 'x' }).catch((e: unknown) => e)) as RpcError;
    await client.$close();
    expect(error).toBeInstanceOf(RpcError);
    expect(error.message).toContain('the server answered with TLS: set tls');
    expect(Date.now() - started).toBeLessThan(15000);
  });

  test('a TLS client to a plaintext port gets ETLS saying the server may not speak TLS', async () => {
    const port = await serve(undefined, { engine: 'net' });
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, timeout: 20000, tls: { ca: certs.ca } });
    const error = (await client.echo({ action: 'say', msg: 'x' }).catch((e: unknown) => e)) as RpcError;
    await client.$close();
    expect(error).toMatchObject({ code: 'ETLS' });
    expect(error.message).toContain('(the server may not speak TLS: remove tls, or check the port)');
  });

  test('allowPlaintext: TLS and plaintext callers on one port', async () => {
    const port = await serve({ key: certs.serverKey, cert: certs.serverCert, allowPlaintext: true });
    const secure = createClient(EchoService, { address: { host: '127.0.0.1', port }, tls: { ca: certs.ca } });
    const plain = createClient(EchoService, { address: { host: '127.0.0.1', port }, transport: 'buffered' });
    expect(seen(await secure.echo({ action: 'say', msg: 's' })).protocol).toBe('TLSv1.3');
    expect(seen(await plain.echo({ action: 'say', msg: 'p' }))).toEqual({ msg: 'p', protocol: null, authorized: null, peer: null });
    await Promise.all([secure.$close(), plain.$close()]);
  });

  test('a handshake that stalls is closed after handshakeTimeout, and only that connection', async () => {
    const port = await serve({ key: certs.serverKey, cert: certs.serverCert, handshakeTimeout: 500 });
    const stalled = net.connect({ host: '127.0.0.1', port });
    // The first bytes of a TLS record header, then nothing.
    stalled.write(Buffer.from([0x16, 0x03, 0x01]));
    const closed = new Promise<void>((resolve) => stalled.on('close', () => resolve()));
    stalled.on('error', () => undefined);
    // And one that sends nothing at all.
    const silent = net.connect({ host: '127.0.0.1', port });
    const silentClosed = new Promise<void>((resolve) => silent.on('close', () => resolve()));
    silent.on('error', () => undefined);
    const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, tls: { ca: certs.ca } });
    expect(seen(await client.echo({ action: 'say', msg: 'meanwhile' })).msg).toBe('meanwhile');
    await Promise.all([closed, silentClosed]);
    await waitFor(() => reports.length >= 2, 10000, 'the server reports');
    const messages = reports.map((report) => report.message).sort();
    expect(messages[0]).toMatch(/^127\.0\.0\.1:\d+ did not finish the TLS handshake within 500 ms \(tls\.handshakeTimeout\); the connection was closed$/);
    expect(messages[1]).toMatch(/^127\.0\.0\.1:\d+ sent nothing within 500 ms \(tls\.handshakeTimeout\); the connection was closed$/);
    expect(seen(await client.echo({ action: 'say', msg: 'after' })).msg).toBe('after');
    await client.$close();
  });

  test('options are validated where they enter', () => {
    expect(() => createServer({ service: EchoService, handler: new TlsEcho(), tls: { cert: certs.serverCert } })).toThrow(
      new RpcOptionError('tls needs the server certificate: give key and cert (PEM), or pfx'),
    );
    expect(() => createServer({ service: EchoService, handler: new TlsEcho(), tls: { key: 'not a key', cert: 'not a cert' } })).toThrow(/^tls: cannot load the key, certificate or CA/);
    expect(() => createServer({ service: EchoService, handler: new TlsEcho(), tls: { key: certs.serverKey, cert: certs.serverCert, requestCert: true } })).toThrow(
      'tls.requestCert verifies client certificates against tls.ca: give the CA that signs them',
    );
    expect(() => createServer({ service: EchoService, handler: new TlsEcho(), engine: 'netpoll', tls: { key: certs.serverKey, cert: certs.serverCert } })).toThrow(
      "tls runs on the 'net' engine (node:tls): remove engine 'netpoll' or set engine: 'net'",
    );
    expect(() => createClient(EchoService, { address: '127.0.0.1:1', tls: { ca: certs.ca, cert: certs.clientCert } })).toThrow('tls: a client certificate needs both key and cert');
  });
});
