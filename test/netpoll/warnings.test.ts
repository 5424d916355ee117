import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The native sources compile with -Wall -Wextra and no warnings (CONTRIBUTING.md). The build itself does not
 * use -Werror (a newer compiler's new warning must not break a user's npm install); this test does.
 */

const root = path.resolve(__dirname, '..', '..');
const sources = path.join(root, 'native', 'src');

function nodeIncludeDir(): string {
  const candidates = [path.resolve(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
  if (found === undefined) throw new Error(`Node headers not found in ${candidates.join(', ')}`);
  return found;
}

test('native sources compile with -Wall -Wextra -Werror', () => {
  const addonApi = require('node-addon-api') as { include_dir: string };
  const files = fs.readdirSync(sources).filter((file) => file.endsWith('.cc'));
  expect(files.length).toBeGreaterThanOrEqual(6);
  const compiler = process.env.CXX ?? 'g++';
  const result = spawnSync(
    compiler,
    [
      '-std=c++17',
      '-fsyntax-only',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-DNAPI_VERSION=8',
      '-DNAPI_DISABLE_CPP_EXCEPTIONS',
      `-I${path.resolve(root, addonApi.include_dir)}`,
      `-I${nodeIncludeDir()}`,
      ...files.map((file) => path.join(sources, file)),
    ],
    { encoding: 'utf8', timeout: 110_000 },
  );
  if (result.error !== undefined) throw new Error(`could not run ${compiler}: ${result.error.message}`);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}, 120_000);
