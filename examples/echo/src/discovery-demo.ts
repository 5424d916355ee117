/**
 * Service discovery end to end: etcd, three echo servers registering themselves, a client resolving them by
 * name under load; one server is SIGKILLed, a fourth is added. Prints the calls each instance answered per phase.
 *
 *   npm run example:discovery -- [--registry etcd://HOST:PORT] [--phase S] [--concurrency C]
 *
 * Without --registry it starts a throwaway etcd (Debian's etcd-server) on free loopback ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createClient } from '@thriftpoll/rpc';
import { EtcdResolver } from '@thriftpoll/registry-etcd';
import { EchoServer } from '../gen/echo';
import { runCli } from './args';
import { countByAddress } from './discovery-args';
import { EtcdCluster } from './local-etcd';

const SERVICE = 'echo-demo';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A single-member etcd, or a message saying how to get one. */
async function startLocalEtcd(): Promise<EtcdCluster> {
  try {
    return await EtcdCluster.start(1);
  } catch (error) {
    throw new Error(`could not start a local etcd (${(error as Error).message}); install etcd-server or pass --registry etcd://HOST:PORT`);
  }
}

/** An echo server process registered under SERVICE; resolves with its address once it printed `listening`. */
function startServer(url: string): Promise<{ address: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(__dirname, 'server.js'), '--port', '0', '--registry', url, '--service-name', SERVICE], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (\S+)/.exec(output);
      if (match !== null) resolve({ address: match[1], child });
    });
    child.once('exit', (code) => reject(new Error(`an echo server exited with ${code} before listening`)));
  });
}

runCli(
  'example-discovery',
  {
    registry: { type: 'string', help: 'an etcd to use, etcd://HOST:PORT (default: start one)' },
    phase: { type: 'number', default: 3, min: 0.5, max: 600, help: 'seconds per phase' },
    concurrency: { type: 'integer', default: 30, min: 1, max: 10000, help: 'calls in flight' },
  },
  async (args) => {
    const local = args.registry === undefined ? await startLocalEtcd() : undefined;
    const etcd = { url: args.registry ?? (local as EtcdCluster).url, stop: () => local?.destroy() ?? Promise.resolve() };
    const servers = await Promise.all([startServer(etcd.url), startServer(etcd.url), startServer(etcd.url)]);
    process.stdout.write(`etcd ${etcd.url}; three instances of '${SERVICE}': ${servers.map((s) => s.address).join(', ')}\n`);

    const resolver = new EtcdResolver({ endpoints: etcd.url });
    const counts: Record<string, number> = {};
    const client = createClient(EchoServer, {
      resolver,
      destService: SERVICE,
      timeout: 2000,
      retry: { maxAttempts: 3, idempotent: true },
      middleware: [countByAddress(counts)],
    });
    let failed = 0;
    let firstError: string | undefined;
    let stopping = false;
    const loops = Array.from({ length: args.concurrency as number }, async (_, id) => {
      while (!stopping) {
        await client.echo({ action: `demo-${id}`, msg: 'hello' }).catch((error: Error) => {
          failed++;
          firstError ??= `${error.name}: ${error.message}`;
        });
      }
    });

    const phaseMs = (args.phase as number) * 1000;
    const phase = async (title: string): Promise<void> => {
      const before = { ...counts };
      const failedBefore = failed;
      await sleep(phaseMs);
      process.stdout.write(`\n${title}\n`);
      for (const address of Object.keys(counts).sort()) {
        const delta = counts[address] - (before[address] ?? 0);
        process.stdout.write(`  ${address.padEnd(24)} ${String(delta).padStart(8)} calls\n`);
      }
      process.stdout.write(`  ${'failed'.padEnd(24)} ${String(failed - failedBefore).padStart(8)}\n`);
    };

    await phase('phase 1: three instances');
    const victim = servers[0];
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    // When the dead instance leaves the resolved list: its lease (TTL 10 s) expires without keep-alives.
    let removedAfterMs: number | null = null;
    const watchRemoval = setInterval(() => {
      if (!client.$client.endpoints.some((endpoint) => endpoint.key === victim.address)) {
        removedAfterMs = Date.now() - killedAt;
        clearInterval(watchRemoval);
      }
    }, 50);
    await phase(`phase 2: ${victim.address} SIGKILLed (skipped after its first refused connection; calls in flight retried elsewhere)`);
    const added = await startServer(etcd.url);
    await phase(`phase 3: ${added.address} added`);

    stopping = true;
    clearInterval(watchRemoval);
    await Promise.all(loops);
    await client.$close();
    await resolver.close();
    const remaining = [...servers.slice(1), added];
    await Promise.all(remaining.map((server) => new Promise((resolve) => {
      server.child.once('exit', resolve);
      server.child.kill('SIGTERM');
    })));
    await etcd.stop();
    process.stdout.write(
      `\n${JSON.stringify({ by_address: counts, failed, first_error: firstError ?? null, killed_instance_deregistered_after_ms: removedAfterMs })}\n`,
    );
  },
);
