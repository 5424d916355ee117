import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

/** A server in a child process (fixtures/echo-server.js), with its output lines. */
export interface ChildServer {
  readonly process: ChildProcess;
  readonly port: number;
  readonly lines: string[];
  /** Resolves when a line matching `pattern` has been printed. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

/** Starts fixtures/echo-server.js (which loads the compiled @thriftpoll/rpc: run `tsc -b` first, as npm test does). */
export function startChildServer(port = 0, engine?: string): Promise<ChildServer> {
  return startServerScript(path.join(__dirname, '..', 'fixtures', 'echo-server.js'), [String(port), ...(engine ? [engine] : [])]);
}

/** Starts a server script that prints `listening <port>` when it serves, with its output lines. */
export function startServerScript(script: string, args: readonly string[]): Promise<ChildServer> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: path.resolve(__dirname, '..', '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.pattern.test(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForLine = (pattern: RegExp, timeoutMs = 20000): Promise<string> => {
    const seen = lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child server printed no line matching ${pattern} within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      waiters.push({
        pattern,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  };
  return waitForLine(/^listening \d+$/).then((line) => ({
    process: child,
    port: Number(line.split(' ')[1]),
    lines,
    waitForLine,
    exited,
  }));
}
