import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { configureDefaultEngine, createEventLoop, dial, Engine, InvalidOptionError, NetpollError } from '@thriftpoll/netpoll';

const root = path.resolve(__dirname, '..', '..');

describe('option validation', () => {
  test('engine options name what was seen and what was expected', () => {
    expect(() => new Engine({ mode: 'epoll' as never })).toThrow(/mode must be one of 'inline', 'threads', 'uring', got string "epoll"/);
    expect(() => new Engine({ pollers: 0 })).toThrow(/pollers must be an integer in \[1, 64\], got number 0/);
    expect(() => new Engine({ blockSize: 5000 })).toThrow(/blockSize must be a power of two, got 5000/);
    expect(() => new Engine({ blockSize: 8192, slabSize: 12288 })).toThrow(/slabSize must be a multiple of blockSize 8192, got 12288/);
    expect(() => new Engine({ pollerz: 2 } as never)).toThrow(/engine options has no option 'pollerz' \(known: mode, pollers, blockSize, slabSize, retainBytes, uringBuffers\)/);
    try {
      new Engine({ pollers: 1.5 });
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toBeInstanceOf(NetpollError);
      expect((error as NetpollError).code).toBe('ERR_INVALID_OPTION');
    }
  });

  test('event loop handlers and options are checked at creation', () => {
    expect(() => createEventLoop({} as never)).toThrow(/handlers.onRequest must be a function, got undefined/);
    expect(() => createEventLoop({ onRequest: () => undefined, onConnect: 5 } as never)).toThrow(/handlers.onConnect must be a function, got number 5/);
    expect(() => createEventLoop({ onRequest: () => undefined }, { idleTimeout: -1 })).toThrow(/idleTimeout must be an integer in \[0, 2147483647\], got number -1/);
    expect(() => createEventLoop({ onRequest: () => undefined }, { keepAlive: 10 })).toThrow(/keepAlive must be 0 \(off\) or at least 1000 ms, got 10/);
    expect(() => createEventLoop({ onRequest: () => undefined }, { idleTimout: 5 } as never)).toThrow(/EventLoop options has no option 'idleTimout'/);
  });

  test('addresses are checked before any socket is made', async () => {
    const engine = new Engine({ mode: 'inline' });
    try {
      const loop = createEventLoop({ onRequest: () => undefined }, { engine });
      await expect(loop.serve({ host: '127.0.0.1', port: 70000 })).rejects.toThrow(/port must be an integer in \[0, 65535\], got number 70000/);
      await expect(loop.serve({ path: 'x'.repeat(200) })).rejects.toThrow(/200 bytes; Unix socket paths hold at most 107/);
      await expect(dial({ host: '127.0.0.1', port: 0 }, { engine })).rejects.toThrow(/port must be an integer in \[1, 65535\], got number 0/);
      await expect(dial({ host: '127.0.0.1' } as never, { engine })).rejects.toThrow(/port is missing: give \{ host, port \} with port an integer in \[1, 65535\], or \{ path \}/);
      await expect(dial({ host: '127.0.0.1', port: '80' } as never, { engine })).rejects.toThrow(/port must be an integer in \[1, 65535\], got string "80"/);
      await expect(dial({ host: '127.0.0.1', port: 1 }, { engine, timeout: -5 })).rejects.toThrow(/timeout must be an integer/);
      await loop.shutdown();
    } finally {
      engine.destroy();
    }
  });

  test('the default engine cannot be reconfigured once running', async () => {
    const loop = createEventLoop({ onRequest: () => undefined });
    await loop.serve({ host: '127.0.0.1', port: 0 });
    expect(() => configureDefaultEngine({ mode: 'threads' })).toThrow(/already running/);
    await loop.shutdown();
  });
});

describe('ref/unref', () => {
  function runScript(source: string): { status: number | null; stdout: string; ms: number } {
    const started = Date.now();
    const result = spawnSync(process.execPath, ['-e', source], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    return { status: result.status, stdout: result.stdout, ms: Date.now() - started };
  }

  test('an unref()d server lets the process exit; a live connection keeps it alive until closed', () => {
    const unrefd = runScript(`
      const { createEventLoop } = require('@thriftpoll/netpoll');
      const loop = createEventLoop({ onRequest() {} });
      loop.serve({ host: '127.0.0.1', port: 0 }).then(() => { loop.unref(); console.log('served'); });
    `);
    expect(unrefd.status).toBe(0);
    expect(unrefd.stdout).toContain('served');

    const held = runScript(`
      const { createEventLoop, dial } = require('@thriftpoll/netpoll');
      const loop = createEventLoop({ onRequest() {} });
      loop.serve({ host: '127.0.0.1', port: 0 }).then(async ({ port }) => {
        loop.unref();
        const connection = await dial({ host: '127.0.0.1', port });
        setTimeout(() => { console.log('still alive'); connection.close(); }, 300).unref();
      });
    `);
    expect(held.status).toBe(0);
    expect(held.stdout).toContain('still alive');
  });
});
