import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImportExtension } from './generate';

/** What `--import-extension auto` chose for an output directory, and why (printed with the summary). */
export interface DetectedImportExtension {
  readonly extension: ImportExtension;
  readonly reason: string;
}

/**
 * The import extension generated modules in `outDir` need: `js` when the nearest package.json at or above it
 * says `"type": "module"` (the files are then ES modules, and node16/nodenext resolution and Node itself require
 * `./shared.js`), else `none` (CommonJS: every resolution mode and test runner accepts `./shared`).
 */
export function detectImportExtension(outDir: string): DetectedImportExtension {
  let dir = path.resolve(outDir);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      let type: unknown;
      try {
        type = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: unknown }).type;
      } catch {
        return { extension: 'none', reason: `${manifest} is not valid JSON` };
      }
      return type === 'module'
        ? { extension: 'js', reason: `${manifest} has "type": "module"` }
        : { extension: 'none', reason: `${manifest} has no "type": "module"` };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return { extension: 'none', reason: 'no package.json above the output directory' };
    dir = parent;
  }
}
