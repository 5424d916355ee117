import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';

/**
 * Python peers of the interop tests, on Debian's python3-thrift: a server printing `listening <port>` once ready,
 * or a client printing one JSON object. `.ci/run` installs python3-thrift; without it the tests fail saying so.
 */
export const PYTHON = '/usr/bin/python3';

/** Throws a message naming the Debian package when `modules` cannot be imported by the system Python. */
export function requirePythonThrift(modules: readonly string[], what: string): void {
  const probe = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      `python3-thrift is required by ${what} and is not usable (${probe.error?.message ?? probe.stderr.trim()}): ` +
        `install Debian's python3-thrift (.ci/run does)`,
    );
  }
}

/** Starts a Python server (`args`: script and its arguments); resolves once it prints `listening <port>`. */
export async function startPythonServer(args: readonly string[]): Promise<{ port: number; process: ChildProcess }> {
  const child = spawn(PYTHON, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening (\d+)/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`python server exited (${code}) before listening: ${stderr}`)));
  });
  return { port, process: child };
}

/** Runs a Python client (`args`: script and its arguments) and parses the JSON object it prints. */
export function runPythonClient<T>(args: readonly string[], timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python client failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
  });
}
