/**
 * The echo server: EchoServer from idl/echo.thrift (code generated into ../gen by `thriftpoll gen`).
 *
 *   npm run echo:server -- --host 127.0.0.1 --port 9090 [--transport auto|buffered|framed|header|ttheader]
 *                          [--protocol auto|binary|compact] [--engine netpoll|net] [--metrics]
 *                          [--tls-cert F --tls-key F [--tls-ca F]]   (TLS; with --tls-ca, mutual TLS)
 *                          [--registry etcd://HOST:PORT --service-name NAME [--weight N]]
 *                          [--workers N|auto] [--work-us N]
 *
 * With --metrics, Prometheus metrics and a health check are served on the RPC port itself:
 * `curl http://127.0.0.1:9090/metrics`, `curl http://127.0.0.1:9090/healthz`.
 *
 * With --registry the server registers its listening address in etcd (Kitex's key layout) before it prints
 * `listening`, and deregisters first when it shuts down.
 * --workers N runs the handlers in N worker threads (each loads ./handler.js, with its own engine and an
 * SO_REUSEPORT listener on the port; not with TLS or --registry); --work-us N makes every call burn N µs of
 * CPU in the handler.
 * Prints one line containing `listening` when ready; runs until SIGTERM/SIGINT, then shuts down gracefully
 * (calls in flight finish, up to 10 s).
 */
import * as path from 'node:path';
import { createServer, shutdownOnSignals } from '@thriftpoll/rpc';
import { EchoServer } from '../gen/echo';
import { runCli, transportName, UsageError } from './args';
import { DISCOVERY_ARGS, serverRegistry } from './discovery-args';
import { EchoHandler, type EchoHandlerData } from './handler';
import { SERVER_TLS_FLAGS, serverTls } from './tls-files';

export { EchoHandler } from './handler';

/** `--workers`: a count or 'auto'. */
function workersArg(text: string): number | 'auto' {
  if (text === 'auto') return 'auto';
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 1024) throw new UsageError(`--workers must be an integer in [1, 1024] or auto, got ${JSON.stringify(text)}`);
  return count;
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
    workers: { type: 'string', default: '1', help: 'worker threads running handlers (N or auto; 1: this thread)' },
    'work-us': { type: 'integer', default: 0, min: 0, max: 10_000_000, help: 'CPU microseconds each call burns in the handler' },
    metrics: { type: 'boolean', help: 'serve GET /metrics (Prometheus) and GET /healthz on the RPC port' },
  },
  async (args) => {
    const transport = args.transport === 'auto' ? 'auto' : transportName(args.transport as string);
    const protocol = args.protocol as 'auto' | 'binary' | 'compact';
    const engine = args.engine as 'netpoll' | 'net' | undefined;
    const workers = workersArg(args.workers as string);
    const workUs = args['work-us'] as number;
    const tls = serverTls(args);
    const registration = serverRegistry(args, args.weight);
    if (workers !== 1 && (tls !== undefined || registration !== undefined)) {
      throw new UsageError('--workers (other than 1) cannot be combined with TLS (net engine only) or --registry yet');
    }
    const server =
      workers === 1
        ? createServer({
            service: EchoServer,
            handler: new EchoHandler(workUs),
            transport,
            protocol,
            engine,
            ...(tls === undefined ? {} : { tls }),
            ...registration,
            metrics: args.metrics,
          })
        : createServer({
            transport,
            protocol,
            // 'net' is refused with an explanation (Node 20's net cannot share a port between threads).
            engine: engine as 'netpoll' | undefined,
            handlerModule: path.join(__dirname, 'handler.js'),
            handlerData: { workUs } satisfies EchoHandlerData,
            workers,
            // /metrics on any worker answers for the whole process.
            metrics: args.metrics === true,
          });
    const address = await server.listen({ host: args.host as string, port: args.port as number });
    shutdownOnSignals(server, {
      timeout: 10000,
      onSignal: (signal) => process.stdout.write(`echo-server: ${signal}, shutting down\n`),
    });
    const where = 'port' in address ? `${address.host}:${address.port}` : address.path;
    const security = tls === undefined ? '' : tls.requestCert ? ', mutual TLS' : ', TLS';
    const threads = 'workerCount' in server ? `, ${server.workerCount} workers` : '';
    const work = workUs > 0 || threads !== '' ? `, work ${workUs} us` : '';
    process.stdout.write(`echo-server listening on ${where} (transport ${transport}, protocol ${args.protocol}${security}${threads}${work})\n`);
    if (args.metrics && tls === undefined && 'port' in address) process.stdout.write(`echo-server metrics: curl http://${where}/metrics  (health: curl http://${where}/healthz)\n`);
  },
);
