/**
 * Drives load at an echo server with the typed client and prints one JSON line of figures.
 *
 *   npm run echo:client -- --host H --port N --transport T --protocol P --concurrency C --duration S --size B
 *                          [--pool N | --mux N] [--warmup S] [--timeout MS] [--engine netpoll|net]
 *                          [--tls-ca F [--tls-cert F --tls-key F]]   (TLS; with a certificate, mutual TLS)
 *                          [--registry etcd://HOST:PORT --service-name NAME] [--retry N]
 *
 * --registry resolves the servers by name in etcd (and follows them) instead of --host/--port. --retry N makes
 * up to N attempts per call, the echo counting as idempotent (timeouts and resets are retried too).
 * C call loops run at once, each calling again as soon as its reply arrives (closed loop), for S seconds after an
 * optional warm-up. Connections: --mux N shares N multiplexed connections among all calls (the default is one,
 * like Apache's npm client, which multiplexes its calls on one connection); --pool N uses the long-connection
 * pool with at most N connections, one call on each at a time (calls queue for a free one). Every reply is
 * checked to be the echo of its request; mismatches, exceptions and timeouts count as errors.
 *
 * Output: {"qps","p50_us","p99_us","p999_us","requests","errors","duration_s","concurrency","transport",
 *          "protocol","mode","connections","cpu_us_per_req","first_error","by_address"}
 * by_address (with --registry only, so that plain runs measure no extra middleware): successful calls, warm-up
 * included, by the registered address that answered them.
 */
import { createClient, type ClientOptions } from '@thriftpoll/rpc';
import { EchoServer } from '../gen/echo';
import { runCli, transportName } from './args';
import { clientResolver, countByAddress, DISCOVERY_ARGS } from './discovery-args';
import { runLoad } from './load';
import { CLIENT_TLS_FLAGS, clientTls } from './tls-files';

runCli(
  'echo-client',
  {
    host: { type: 'string', default: '127.0.0.1', help: 'server address' },
    port: { type: 'integer', default: 9090, min: 1, max: 65535, help: 'server port' },
    transport: { type: 'string', default: 'framed', choices: ['buffered', 'framed', 'header', 'ttheader'], help: 'transport' },
    protocol: { type: 'string', default: 'binary', choices: ['binary', 'compact'], help: 'protocol' },
    concurrency: { type: 'integer', default: 100, min: 1, max: 100000, help: 'calls in flight' },
    duration: { type: 'number', default: 10, min: 0.05, max: 86400, help: 'seconds measured' },
    warmup: { type: 'number', default: 0, min: 0, max: 3600, help: 'seconds before, not measured' },
    size: { type: 'integer', default: 1024, min: 0, max: 16 * 1024 * 1024, help: 'bytes of Request.msg' },
    pool: { type: 'integer', min: 1, max: 100000, help: 'long-connection pool of at most N connections' },
    mux: { type: 'integer', min: 1, max: 1024, help: 'N multiplexed connections (default 1)' },
    timeout: { type: 'integer', default: 5000, min: 1, max: 3600000, help: 'per-call timeout, ms' },
    engine: { type: 'string', choices: ['netpoll', 'net'], help: 'network engine (default: netpoll when built; net with TLS)' },
    ...CLIENT_TLS_FLAGS,
    ...DISCOVERY_ARGS,
    retry: { type: 'integer', min: 1, max: 100, help: 'attempts per call, echo treated as idempotent (default: no retries)' },
  },
  async (args) => {
    if (args.pool !== undefined && args.mux !== undefined) throw new Error('give --pool or --mux, not both');
    const concurrency = args.concurrency as number;
    const transport = transportName(args.transport as string);
    if (args.mux !== undefined && transport === 'buffered') throw new Error('--mux needs a framed transport (framed, header, ttheader)');
    // Default: one multiplexed connection (Buffered cannot multiplex: a long pool of one connection per caller).
    const mode = args.pool !== undefined || (args.mux === undefined && transport === 'buffered') ? 'pool' : 'mux';
    const tls = clientTls(args);
    const byAddress: Record<string, number> = {};
    const discovery = clientResolver(args);
    const options: ClientOptions = {
      ...(discovery ?? { address: { host: args.host as string, port: args.port as number } }),
      ...(tls === undefined ? {} : { tls }),
      ...(args.retry === undefined ? {} : { retry: { maxAttempts: args.retry, idempotent: true } }),
      ...(discovery === undefined ? {} : { middleware: [countByAddress(byAddress)] }),
      transport,
      protocol: args.protocol as 'binary' | 'compact',
      timeout: args.timeout,
      engine: args.engine as 'netpoll' | 'net' | undefined,
      ...(mode === 'mux'
        ? { mode: 'mux', mux: { connectionsPerAddress: args.mux ?? 1 } }
        : {
            mode: 'pool',
            pool: { maxIdlePerAddress: args.pool ?? concurrency, maxActivePerAddress: args.pool ?? Infinity },
          }),
    };
    const client = createClient(EchoServer, options);
    const result = await runLoad({ client, concurrency, duration: args.duration as number, warmup: args.warmup, size: args.size as number });
    const connections = client.$client.stats().pool.open;
    await client.$close();
    await discovery?.resolver.close();
    const { first_error, ...figures } = result;
    process.stdout.write(
      `${JSON.stringify({ ...figures, concurrency, transport, protocol: args.protocol, mode, connections, first_error, ...(discovery === undefined ? {} : { by_address: byAddress }) })}\n`,
    );
  },
);
