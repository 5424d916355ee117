import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

/** One package's sources: its npm name, the folder whose `src` is scanned, and the dependencies it declares. */
export interface PackageSources {
  readonly name: string;
  readonly dir: string;
  readonly declared: ReadonlySet<string>;
}

/** An import found in a source file: the specifier as written and, for relative ones, the file it resolves to. */
export interface ImportEdge {
  readonly from: string;
  readonly specifier: string;
  readonly resolved?: string;
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.d.ts'];

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts')) files.push(full);
  }
  return files;
}

/** The file a relative specifier names, as TypeScript's node resolution finds it (x.ts, x.d.ts, x/index.ts). */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  const candidates = [
    ...SOURCE_EXTENSIONS.map((extension) => base + extension),
    ...SOURCE_EXTENSIONS.map((extension) => path.join(base, 'index' + extension)),
  ];
  return candidates.find((candidate) => fs.existsSync(candidate));
}

/**
 * Every import of every `.ts` file under `<dir>/src`: static imports and re-exports (type-only ones included),
 * `import()` and `require()` calls, as `ts.preProcessFile` reads them without type-checking.
 */
export function importsOf(dir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(path.join(dir, 'src'))) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    for (const imported of info.importedFiles) {
      const specifier = imported.fileName;
      const resolved = specifier.startsWith('.') ? resolveRelative(file, specifier) : undefined;
      edges.push(resolved === undefined ? { from: file, specifier } : { from: file, specifier, resolved });
    }
  }
  return edges;
}

/** The `@thriftpoll/...` package an external specifier belongs to ('@thriftpoll/rpc/x' -> '@thriftpoll/rpc'). */
export function packageOf(specifier: string): string | undefined {
  const match = /^(@thriftpoll\/[^/]+)/.exec(specifier);
  return match?.[1];
}

/** The packages of the repository: every `packages/*` and `codegen` that has a `src`. */
export function repositoryPackages(root: string): PackageSources[] {
  const dirs = [
    ...fs.readdirSync(path.join(root, 'packages')).map((name) => path.join(root, 'packages', name)),
    path.join(root, 'codegen'),
  ].filter((dir) => fs.existsSync(path.join(dir, 'src')) && fs.existsSync(path.join(dir, 'package.json')));
  return dirs.map((dir) => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    return { name: manifest.name, dir, declared };
  });
}

/**
 * The import cycles between files, each as the list of files on it (a strongly connected component of more than
 * one file, or a file importing itself). Tarjan's algorithm, iterative so deep graphs cannot overflow the stack.
 */
export function fileCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    if (edge.resolved === undefined) continue;
    const list = next.get(edge.from) ?? [];
    list.push(edge.resolved);
    next.set(edge.from, list);
    if (!next.has(edge.resolved)) next.set(edge.resolved, []);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; child: number }> = [{ node: start, child: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const children = next.get(frame.node) ?? [];
      if (frame.child < children.length) {
        const child = children[frame.child++];
        if (!index.has(child)) {
          index.set(child, counter);
          low.set(child, counter++);
          stack.push(child);
          onStack.add(child);
          work.push({ node: child, child: 0 });
        } else if (onStack.has(child)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || children.includes(frame.node)) cycles.push(component.sort());
      }
    }
  }
  return cycles;
}
