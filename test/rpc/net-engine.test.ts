import { createClient } from '@thriftpoll/rpc';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EchoService } from './fixtures/echo-code-first';

/**
 * The `net` engine on a machine where the addon cannot load: test/support/block-native-addon.js makes
 * process.dlopen throw for .node files in a child process running the compiled @thriftpoll/rpc (run `tsc -b`
 * first, as npm test does).
 */
const root = path.resolve(__dirname, '..', '..');
const blockAddon = path.join(root, 'test', 'support', 'block-native-addon.js');
const fixture = path.join(__dirname, 'fixtures', 'net-without-addon.js');

interface ChildReport {
  results?: Record<string, { small: string; bigOk: boolean }>;
  reply?: string;
  error?: { name: string; code: string; message: string } | null;
  warnings: { code: string; message: string }[];
  blockedAddonLoads: string[];
  loadedPackages: string[];
}

function runWithoutAddon(mode: string, env: Record<string, string | undefined>): ChildReport {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  const result = spawnSync(process.execPath, ['--require', blockAddon, fixture, mode], { cwd: root, env: childEnv, encoding: 'utf8', timeout: 60000 });
  if (result.status !== 0) throw new Error(`net-without-addon.js ${mode} exited ${result.status}: ${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ChildReport;
}

describe('the net engine without the addon', () => {
  test('THRIFTPOLL_ENGINE=net: servers and clients on every transport, mux and large messages, and no .node load tried', () => {
    const report = runWithoutAddon('calls', { THRIFTPOLL_ENGINE: 'net' });
    expect(report.blockedAddonLoads).toEqual([]);
    // The byte contracts (LinkBuffer, BufferSink, the delivery loop) came from @thriftpoll/buffer, under the block.
    expect(report.loadedPackages).toEqual(expect.arrayContaining(['buffer', 'rpc', 'transport', 'protocol']));
    expect(report.warnings).toEqual([]);
    for (const transport of ['framed', 'buffered', 'theader', 'ttheader', 'mux']) {
      expect(report.results?.[transport]).toEqual({ small: 'hello', bigOk: true });
    }
  });

  test('with no engine chosen, the runtime falls back to net with one warning naming the load error and the build command', () => {
    const report = runWithoutAddon('default', { THRIFTPOLL_ENGINE: undefined });
    expect(report.reply).toBe('fallback');
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0].code).toBe('THRIFTPOLL_NATIVE_UNAVAILABLE');
    expect(report.warnings[0].message).toContain('blocked by test/support/block-native-addon.js');
    expect(report.warnings[0].message).toContain('npm rebuild @thriftpoll/native');
  });

  test("engine: 'netpoll' asked for explicitly fails with the load error", () => {
    const report = runWithoutAddon('explicit-netpoll', { THRIFTPOLL_ENGINE: undefined });
    expect(report.error).toMatchObject({ name: 'RpcOptionError', code: 'ERR_RPC_OPTION' });
    expect(report.error?.message).toContain("engine 'netpoll' needs the native addon, which did not load: blocked by test/support/block-native-addon.js");
    expect(report.error?.message).toContain('npm rebuild @thriftpoll/native');
  });

  test('THRIFTPOLL_ENGINE=netpoll where the addon does not load fails with the load error', () => {
    const report = runWithoutAddon('default-netpoll', { THRIFTPOLL_ENGINE: 'netpoll' });
    expect(report.error?.message).toContain("engine (from THRIFTPOLL_ENGINE) 'netpoll' needs the native addon, which did not load: blocked by");
  });

  test('THRIFTPOLL_ENGINE with an unknown name is refused with what was seen', () => {
    const result = spawnSync(process.execPath, ['--require', blockAddon, fixture, 'calls'], {
      cwd: root,
      env: { ...process.env, THRIFTPOLL_ENGINE: 'epoll' },
      encoding: 'utf8',
      timeout: 60000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`THRIFTPOLL_ENGINE must be 'netpoll' or 'net', got string "epoll"`);
  });
});

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

describe('the net engine frees what it reads', () => {
  test('10 long connections x 16 KiB framed echo for 10 s: the server RSS grows by less than 100 MB', async () => {
    const server = spawn(process.execPath, ['--require', blockAddon, fixture, 'serve'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let output = '';
        server.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening (\d+)/.exec(output);
          if (match !== null) resolve(Number(match[1]));
        });
        server.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)));
      });
      const client = createClient(EchoService, { address: { host: '127.0.0.1', port }, engine: 'netpoll', timeout: 30000 });
      const msg = 'm'.repeat(16 * 1024);
      let calls = 0;
      const loop = async (until: number): Promise<void> => {
        while (Date.now() < until) {
          const reply = await client.echo({ action: 'echo', msg });
          if (reply.msg.length !== msg.length) throw new Error(`short reply: ${reply.msg.length} bytes`);
          calls++;
        }
      };
      // Warm up (JIT, pools), then measure over 10 s.
      await Promise.all(Array.from({ length: 10 }, () => loop(Date.now() + 1000)));
      const before = rssBytes(server.pid as number);
      const callsBefore = calls;
      await Promise.all(Array.from({ length: 10 }, () => loop(Date.now() + 10000)));
      const growth = rssBytes(server.pid as number) - before;
      await client.$close();
      // At least some real traffic went through (about 16 KiB each way per call).
      expect(calls - callsBefore).toBeGreaterThan(500);
      expect(growth).toBeLessThan(100 * 1024 * 1024);
    } finally {
      server.kill();
    }
  }, 60000);
});

