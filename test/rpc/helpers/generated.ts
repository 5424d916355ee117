import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generate, loadSchema } from '@thriftpoll/codegen';

/**
 * Generates TypeScript for an IDL under fixtures/ with the thriftpoll compiler (its API, from source) into a
 * temporary directory, and loads the modules (jest compiles them like any test source). Returns the module
 * exports by IDL module name and a cleanup function.
 */
export function loadGenerated(idl: string): { modules: Record<string, Record<string, unknown>>; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thriftpoll-rpc-generated-'));
  const files = generate(loadSchema([path.relative(process.cwd(), path.join(__dirname, '..', 'fixtures', idl))]).schema);
  for (const file of files) fs.writeFileSync(path.join(dir, file.path), file.contents);
  const modules: Record<string, Record<string, unknown>> = {};
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of files) modules[file.module] = require(path.join(dir, file.path)) as Record<string, unknown>;
  return { modules, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
