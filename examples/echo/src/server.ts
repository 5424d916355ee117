/**
 * The echo server: EchoServer from idl/echo.thrift (code generated into ../gen by `thriftpoll gen`).
 *
 *   npm run echo:server -- --host 127.0.0.1 --port 9090 [--transport auto|buffered|framed|header|ttheader]
 *                          [--protocol auto|binary|compact] [--engine netpoll|net]
 *                          [--tls-cert F --tls-key F [--tls-ca F]]   (TLS; with --tls-ca, mutual TLS)
 *                          [--registry etcd://HOST:PORT --service-name NAME [--weight N]]
 *
 * With --registry the server registers its listening address in etcd (Kitex's key layout) before it prints
 * `listening`, and deregisters first when it shuts down.
 * Prints one line containing `listening` when ready; runs until SIGTERM/SIGINT, then shuts down gracefully
 * (calls in flight finish, up to 10 s).
 */
import { createServer, shutdownOnSignals, type ServerContext } from '@thriftpoll/rpc';
import { EchoServer, type EchoServerHandler, type Request, type Response } from '../gen/echo';
import { runCli, transportName } from './args';
import { DISCOVERY_ARGS, serverRegistry } from './discovery-args';
import { SERVER_TLS_FLAGS, serverTls } from './tls-files';

/** The handler: answers with the request's action and msg. */
export class EchoHandler implements EchoServerHandler<ServerContext> {
  echo(req: Request): Response {
    return { action: req.action, msg: req.msg };
  }
}

runCli(
  'echo-server',
  {
    host: { type: 'string', default: '127.0.0.1', help: 'address to listen on' },
    port: { type: 'integer', default: 9090, min: 0, max: 65535, help: 'port (0: any free port)' },
    transport: { type: 'string', default: 'auto', choices: ['auto', 'buffered', 'framed', 'header', 'ttheader'], help: 'transport accepted' },
    protocol: { type: 'string', default: 'auto', choices: ['auto', 'binary', 'compact'], help: 'protocol accepted' },
    engine: { type: 'string', choices: ['netpoll', 'net'], help: 'network engine (default: netpoll when built; net with TLS)' },
    ...SERVER_TLS_FLAGS,
    ...DISCOVERY_ARGS,
    weight: { type: 'integer', min: 0, max: 1000000, help: 'weight registered with --registry (default 10)' },
  },
  async (args) => {
    const transport = args.transport === 'auto' ? 'auto' : transportName(args.transport as string);
    const tls = serverTls(args);
    const server = createServer({
      service: EchoServer,
      handler: new EchoHandler(),
      transport,
      protocol: args.protocol as 'auto' | 'binary' | 'compact',
      engine: args.engine as 'netpoll' | 'net' | undefined,
      ...(tls === undefined ? {} : { tls }),
      ...serverRegistry(args, args.weight),
    });
    const address = await server.listen({ host: args.host as string, port: args.port as number });
    shutdownOnSignals(server, {
      timeout: 10000,
      onSignal: (signal) => process.stdout.write(`echo-server: ${signal}, shutting down\n`),
    });
    const where = 'port' in address ? `${address.host}:${address.port}` : address.path;
    process.stdout.write(`echo-server listening on ${where} (transport ${transport}, protocol ${args.protocol}${tls === undefined ? '' : tls.requestCert ? ', mutual TLS' : ', TLS'})\n`);
  },
);
