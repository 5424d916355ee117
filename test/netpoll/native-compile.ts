import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the addon's sources are, and how the tests compile them (the flags of native/binding.gyp, plus -Werror). */
export const root = path.resolve(__dirname, '..', '..');
export const nativeSources = path.join(root, 'native', 'src');
export const compiler = process.env.CXX ?? 'g++';

export function nodeIncludeDir(): string {
  const candidates = [path.resolve(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
  if (found === undefined) throw new Error(`Node headers not found in ${candidates.join(', ')}`);
  return found;
}

/** The addon's translation units (native/src/*.cc). */
export function nativeFiles(): string[] {
  return fs.readdirSync(nativeSources).filter((file) => file.endsWith('.cc')).map((file) => path.join(nativeSources, file));
}

export function compileFlags(): string[] {
  const addonApi = require('node-addon-api') as { include_dir: string };
  return [
    '-std=c++17',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-DNAPI_VERSION=8',
    '-DNAPI_DISABLE_CPP_EXCEPTIONS',
    `-I${path.resolve(root, addonApi.include_dir)}`,
    `-I${nodeIncludeDir()}`,
  ];
}
