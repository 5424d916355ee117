import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '..', '..', '..');

/**
 * Compiles fixtures/echo-code-first.ts to JavaScript that a worker thread can load (jest compiles TypeScript
 * only in its own thread), importing the built packages. Returns the module's path and a cleanup.
 */
export function compileEchoService(): { serviceModule: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-worker-service-'));
  const source = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'echo-code-first.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  for (const name of ['rpc', 'protocol']) {
    if (!fs.existsSync(path.join(root, 'packages', name, 'dist', 'index.js'))) throw new Error(`packages/${name} is not built: run npx tsc -b`);
  }
  const resolved = outputText.replace(/require\("@thriftpoll\/(rpc|protocol)"\)/g, (_all, name: string) =>
    `require(${JSON.stringify(path.join(root, 'packages', name, 'dist', 'index.js'))})`,
  );
  const serviceModule = path.join(dir, 'echo-code-first.js');
  fs.writeFileSync(serviceModule, resolved);
  return { serviceModule, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
