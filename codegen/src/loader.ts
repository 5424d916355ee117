import * as path from 'node:path';
import type { AstDocument } from './ast';
import { DiagnosticBag, IdlError, fileDiagnostic } from './diagnostics';
import { displayPath, type CompilerHost } from './host';
import { parse } from './parser';
import { SourceFile, type Span } from './source';

/**
 * Loads IDL files and everything they include, following Apache's include rules: a relative include is looked up
 * next to the including file first, then in each include directory (`-I`) in order. Each file is read and parsed
 * once however many files include it. Circular includes are errors, as is loading two different files with the
 * same module name (both would generate the same module).
 */

export interface LoadedInclude {
  /** The path as written in the IDL. */
  readonly written: string;
  readonly file: LoadedFile;
  readonly span: Span;
}

export interface LoadedFile {
  /** Module name: the file name without its extension. */
  readonly name: string;
  readonly source: SourceFile;
  readonly document: AstDocument;
  readonly includes: readonly LoadedInclude[];
}

export interface LoadedProgram {
  readonly roots: readonly LoadedFile[];
  /** Roots first, then included files in the order they were reached. */
  readonly files: readonly LoadedFile[];
}

export interface LoadOptions {
  /** Directories searched for includes after the including file's own directory. Relative to the host's cwd. */
  readonly includeDirs?: readonly string[];
}

/** The module name of an IDL path: its file name without extension. */
export function moduleName(file: string): string {
  return path.basename(file, path.extname(file));
}

/**
 * Loads `files` and their includes into `bag` (warnings and errors).
 * @throws IdlError when any file cannot be read or parsed, or the include graph is invalid.
 */
export function loadProgram(files: readonly string[], host: CompilerHost, options: LoadOptions, bag: DiagnosticBag): LoadedProgram {
  const cwd = host.cwd();
  const includeDirs = (options.includeDirs ?? []).map((d) => path.resolve(cwd, d));
  const byRealpath = new Map<string, LoadedFile>();
  const byName = new Map<string, { file: LoadedFile; real: string }>();
  const inProgress: { real: string; file: string }[] = [];
  const order: LoadedFile[] = [];
  // Include resolution probes candidates; keep what was read so that no file is read twice.
  const texts = new Map<string, string | undefined>();
  const read = (file: string): string | undefined => {
    if (!texts.has(file)) texts.set(file, host.readFile(file));
    return texts.get(file);
  };

  type Mutable = { -readonly [K in keyof LoadedFile]: LoadedFile[K] };

  /** Loads one file; `from` is the include that reached it (undefined for roots). */
  function load(absolute: string, from: { source: SourceFile; span: Span } | undefined): LoadedFile | undefined {
    const real = host.realpath(absolute);
    const cycleAt = inProgress.findIndex((p) => p.real === real);
    if (cycleAt >= 0 && from) {
      const chain = [...inProgress.slice(cycleAt).map((p) => displayPath(cwd, p.file)), displayPath(cwd, absolute)];
      bag.error(from.source, from.span, 'CIRCULAR_INCLUDE', `circular include: ${chain.join(' -> ')}; Thrift files must not include each other in a cycle`);
      return undefined;
    }
    const done = byRealpath.get(real);
    if (done) return done;

    const shown = displayPath(cwd, absolute);
    const text = read(absolute);
    if (text === undefined) {
      // Roots are checked before loading starts; an include that cannot be read was found by search, so this is
      // a race with the file system.
      if (from) bag.error(from.source, from.span, 'INCLUDE_NOT_FOUND', `cannot read included file ${shown}`);
      else bag.add(fileDiagnostic(shown, 'FILE_NOT_FOUND', `cannot read IDL file ${shown}: no such file`));
      return undefined;
    }
    const source = new SourceFile(absolute, shown, text);
    const name = moduleName(absolute);
    const clash = byName.get(name);
    if (clash) {
      const message = `two different IDL files have the module name '${name}': ${clash.file.source.displayPath} and ${shown}; generated modules are named after their IDL file, so rename one of them`;
      if (from) bag.error(from.source, from.span, 'MODULE_NAME_CLASH', message);
      else bag.add(fileDiagnostic(shown, 'MODULE_NAME_CLASH', message));
      return undefined;
    }

    let document: AstDocument;
    try {
      const parsed = parse(source);
      document = parsed.document;
      for (const w of parsed.warnings) bag.add(w);
    } catch (e) {
      if (!(e instanceof IdlError)) throw e;
      for (const d of e.diagnostics) bag.add(d);
      return undefined;
    }

    const loaded: Mutable = { name, source, document, includes: [] };
    byRealpath.set(real, loaded);
    byName.set(name, { file: loaded, real });
    order.push(loaded);
    inProgress.push({ real, file: absolute });
    const includes: LoadedInclude[] = [];
    for (const inc of document.includes) {
      const candidates = path.isAbsolute(inc.path)
        ? [inc.path]
        : [path.resolve(path.dirname(absolute), inc.path), ...includeDirs.map((d) => path.resolve(d, inc.path))];
      const found = candidates.find((c) => read(c) !== undefined);
      if (found === undefined) {
        const searched = path.isAbsolute(inc.path) ? '' : `; looked in ${[path.dirname(absolute), ...includeDirs].map((d) => displayPath(cwd, d)).join(', ')}${includeDirs.length === 0 ? ' (add directories with -I)' : ''}`;
        bag.error(source, inc.span, 'INCLUDE_NOT_FOUND', `cannot find included file "${inc.path}"${searched}`);
        continue;
      }
      const child = load(found, { source, span: inc.span });
      if (child) includes.push({ written: inc.path, file: child, span: inc.span });
    }
    inProgress.pop();
    loaded.includes = includes;
    return loaded;
  }

  const roots: LoadedFile[] = [];
  for (const f of files) {
    const absolute = path.resolve(cwd, f);
    const loaded = load(absolute, undefined);
    if (loaded && !roots.includes(loaded)) roots.push(loaded);
  }
  bag.throwIfErrors();
  // Roots first (in command-line order), then the rest in the order they were reached.
  const rest = order.filter((f) => !roots.includes(f));
  return { roots, files: [...roots, ...rest] };
}
