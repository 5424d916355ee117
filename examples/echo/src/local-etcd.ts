/**
 * A throwaway etcd on loopback (Debian's `etcd-server` binary): one member or a small cluster, each member a real
 * `etcd` process on free ports with its own temporary data directory. Used by `npm run example:discovery` and by
 * the discovery tests (which also stop and restart members).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** Free loopback TCP ports, each bound then released (so concurrent test files never share one). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** One etcd member: a real `etcd` process on loopback ports with its own data directory. */
export class EtcdMember {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = '';

  constructor(
    readonly name: string,
    readonly clientPort: number,
    readonly peerPort: number,
    private readonly initialCluster: string,
    readonly dataDir: string,
  ) {}

  /** `127.0.0.1:port`, what clients dial. */
  get endpoint(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process (again, with the same data after a stop) and, unless told not to, waits for /health. */
  async start(waitHealthy = true): Promise<void> {
    if (this.child !== undefined) throw new Error(`etcd ${this.name} is already running`);
    const child = spawn(
      'etcd',
      [
        `--name=${this.name}`,
        `--data-dir=${this.dataDir}`,
        `--listen-client-urls=http://127.0.0.1:${this.clientPort}`,
        `--advertise-client-urls=http://127.0.0.1:${this.clientPort}`,
        `--listen-peer-urls=http://127.0.0.1:${this.peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${this.peerPort}`,
        `--initial-cluster=${this.initialCluster}`,
        '--initial-cluster-state=new',
        '--initial-cluster-token=thriftpoll-test',
        '--logger=zap',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    child.once('error', (error: NodeJS.ErrnoException) => {
      this.log += error.code === 'ENOENT' ? 'the etcd binary is not installed: apt-get install etcd-server' : error.message;
      if (this.child === child) this.child = undefined;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      const done = (): void => {
        if (this.child === child) this.child = undefined;
        resolve();
      };
      child.once('exit', done);
      child.once('error', done);
    });
    if (waitHealthy) await this.waitHealthy();
  }

  /** Resolves once `GET /health` says healthy (the member has a leader); generous timeout for a loaded machine. */
  async waitHealthy(timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child === undefined) throw new Error(`etcd ${this.name} exited before it was healthy: ${this.log}`);
      try {
        const response = await fetch(`http://${this.endpoint}/health`, { signal: AbortSignal.timeout(1000) });
        const body = (await response.json()) as { health?: string };
        if (body.health === 'true') return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`etcd ${this.name} not healthy within ${timeoutMs} ms: ${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the process (SIGKILL by default, as a crash) and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill(signal);
    await this.exited;
  }
}

/** A cluster of `size` members on loopback (size 1: a single etcd). Remove with `destroy()`. */
export class EtcdCluster {
  private constructor(readonly members: EtcdMember[], private readonly root: string) {}

  static async start(size = 1): Promise<EtcdCluster> {
    const ports = await freePorts(size * 2);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-etcd-'));
    const names = Array.from({ length: size }, (_, i) => `m${i}`);
    const initialCluster = names.map((name, i) => `${name}=http://127.0.0.1:${ports[size + i]}`).join(',');
    const members = names.map((name, i) => new EtcdMember(name, ports[i], ports[size + i], initialCluster, path.join(root, name)));
    const cluster = new EtcdCluster(members, root);
    try {
      // Members of a new cluster wait for each other: start all, then wait.
      await Promise.all(members.map((member) => member.start(false)));
      await Promise.all(members.map((member) => member.waitHealthy()));
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /** Every member's endpoint. */
  get endpoints(): string[] {
    return this.members.map((member) => member.endpoint);
  }

  /** The endpoints as one `etcd://` URL, as the examples take it. */
  get url(): string {
    return `etcd://${this.endpoints.join(',')}`;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.members.map((member) => member.stop()));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
