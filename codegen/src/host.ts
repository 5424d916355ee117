import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * How the compiler reads IDL files. The default reads the real file system; tests and tools can pass an
 * in-memory host. Paths are absolute once they reach the host.
 */
export interface CompilerHost {
  /** The file's text, or `undefined` when there is no readable file at `file`. */
  readFile(file: string): string | undefined;
  /** A canonical path for `file` (symlinks resolved), used to tell whether two paths name the same file. */
  realpath(file: string): string;
  /** The directory relative paths are resolved against, and that messages show paths relative to. */
  cwd(): string;
}

export const nodeHost: CompilerHost = {
  readFile(file) {
    try {
      if (!fs.statSync(file).isFile()) return undefined;
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  realpath(file) {
    try {
      return fs.realpathSync(file);
    } catch {
      return file;
    }
  },
  cwd: () => process.cwd(),
};

/** A host over an in-memory map of absolute path → text (POSIX paths), for tests and embedding. */
export function memoryHost(files: Readonly<Record<string, string>>, cwd = '/'): CompilerHost {
  const normalised = new Map(Object.entries(files).map(([k, v]) => [path.posix.resolve(cwd, k), v]));
  return {
    readFile: (file) => normalised.get(path.posix.resolve(cwd, file)),
    realpath: (file) => path.posix.resolve(cwd, file),
    cwd: () => cwd,
  };
}

/** `file` relative to `cwd` when it is under it (with `/` separators), else absolute. */
export function displayPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  if (rel === '') return '.';
  if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return file;
}
