import * as path from 'node:path';
import { fileCycles, importsOf, packageOf, repositoryPackages } from './import-graph';

/**
 * The house plan, checked on the sources: every package imports only packages on a lower floor (never one beside
 * or above it), only packages it declares in its package.json, and no file imports itself back through others.
 * Type-only imports count: a type cycle still ties the files into one unit that cannot be read or moved apart.
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** Floors, lowest first. A package may import packages of strictly lower floors only. */
const FLOORS: ReadonlyArray<readonly string[]> = [
  ['@thriftpoll/buffer', '@thriftpoll/native'],
  ['@thriftpoll/protocol', '@thriftpoll/netpoll'],
  ['@thriftpoll/transport'],
  ['@thriftpoll/rpc'],
  ['@thriftpoll/registry-etcd', '@thriftpoll/codegen'],
  ['@thriftpoll/generic'],
  ['thriftpoll'],
];

function floorOf(name: string): number {
  const floor = FLOORS.findIndex((names) => names.includes(name));
  if (floor < 0) throw new Error(`package ${name} has no floor in test/architecture/layers.test.ts: add it to FLOORS`);
  return floor;
}

const packages = repositoryPackages(ROOT);
const names = new Set(packages.map((pkg) => pkg.name));

/** Our own package a specifier names ('thriftpoll' is the umbrella package, not scoped). */
function ownPackageOf(specifier: string): string | undefined {
  const scoped = packageOf(specifier);
  if (scoped !== undefined) return scoped;
  const bare = specifier.split('/')[0];
  return names.has(bare) ? bare : undefined;
}

describe('the package layering', () => {
  test('finds the packages of the repository', () => {
    expect([...names].sort()).toEqual(expect.arrayContaining(['@thriftpoll/protocol', '@thriftpoll/transport', '@thriftpoll/rpc', '@thriftpoll/codegen']));
    for (const name of names) floorOf(name);
  });

  test.each(packages.map((pkg) => [pkg.name, pkg] as const))('%s imports only packages below it, all declared', (name, pkg) => {
    const wrong: string[] = [];
    for (const edge of importsOf(pkg.dir)) {
      const imported = ownPackageOf(edge.specifier);
      if (imported === undefined || imported === name) continue;
      const where = `${path.relative(ROOT, edge.from)} imports '${edge.specifier}'`;
      if (floorOf(imported) >= floorOf(name)) wrong.push(`${where}: ${imported} is not below ${name}`);
      else if (!pkg.declared.has(imported)) wrong.push(`${where}: ${imported} is not in ${name}'s package.json dependencies`);
    }
    expect(wrong).toEqual([]);
  });

  test.each(packages.map((pkg) => [pkg.name, pkg] as const))('%s has no import cycles between its files', (_name, pkg) => {
    const edges = importsOf(pkg.dir);
    const unresolved = edges.filter((edge) => edge.specifier.startsWith('.') && edge.resolved === undefined);
    expect(unresolved.map((edge) => `${path.relative(ROOT, edge.from)}: '${edge.specifier}'`)).toEqual([]);
    const cycles = fileCycles(edges).map((files) => files.map((file) => path.relative(pkg.dir, file)).join(' <-> '));
    expect(cycles).toEqual([]);
  });
});

describe('fileCycles', () => {
  test('reports a cycle of files and a file importing itself, not a chain', () => {
    const edge = (from: string, resolved: string) => ({ from, specifier: './' + resolved, resolved });
    const cycles = fileCycles([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd'), edge('e', 'e'), edge('f', 'a')]);
    expect(cycles.map((files) => files.join(',')).sort()).toEqual(['a,b,c', 'e']);
  });
});
