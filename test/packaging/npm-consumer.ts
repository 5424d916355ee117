import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Packs the workspaces of the repository as npm would publish them and installs the tarballs into a project of
 * its own outside the repository, offline: third-party packages come from the npm cache at the versions and
 * integrity hashes of the repository's lockfile, so nothing is downloaded.
 */
export const repoRoot = path.resolve(__dirname, '..', '..');

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

interface WorkspacePackage {
  dir: string;
  manifest: { name: string; version: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; [key: string]: unknown };
}

/** The workspaces listed in the root package.json (`dir/*` entries expanded), as directories with manifests. */
export function workspaces(): WorkspacePackage[] {
  const root = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirs: string[] = [];
  for (const entry of root.workspaces) {
    if (entry.endsWith('/*')) {
      const parent = path.join(repoRoot, entry.slice(0, -2));
      for (const name of fs.readdirSync(parent).sort()) {
        if (fs.existsSync(path.join(parent, name, 'package.json'))) dirs.push(path.join(parent, name));
      }
    } else {
      dirs.push(path.join(repoRoot, entry));
    }
  }
  return dirs.map((dir) => ({ dir, manifest: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) }));
}

/** `npm pack` of every workspace into `destination`: the tarball file name of each package name. */
export function packWorkspaces(destination: string, packages: WorkspacePackage[]): Map<string, string> {
  fs.mkdirSync(destination, { recursive: true });
  const args = ['pack', '--json', '--pack-destination', destination, ...packages.flatMap((pkg) => ['-w', path.relative(repoRoot, pkg.dir)])];
  const output = execFileSync('npm', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = JSON.parse(output) as { name: string; filename: string; files: { path: string }[] }[];
  return new Map(packed.map((entry) => [entry.name, entry.filename]));
}

/** Where `name` resolves from the lockfile location `from` (node's lookup: nearest node_modules up the tree). */
function resolveInLock(lock: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (lock[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/** The registry URL of a package's tarball (`@scope/name` -> .../@scope/name/-/name-1.0.0.tgz). */
function registryTarball(name: string, version: string): string {
  return `https://registry.npmjs.org/${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${version}.tgz`;
}

/**
 * A package-lock.json for the consumer: the tarballs as file: dependencies, and every third-party package they
 * (and `extra`) need, copied from the repository's lockfile.
 */
function consumerLock(packages: WorkspacePackage[], tarballs: Map<string, string>, extra: string[]): { manifest: object; lock: object } {
  const repoLock = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const ours = new Set(packages.map((pkg) => pkg.manifest.name));
  const entries: Record<string, LockEntry> = {};
  const rootDependencies: Record<string, string> = {};
  const pending: { from: string; name: string; optional: boolean }[] = [];
  for (const pkg of packages) {
    const file = `file:pack/${tarballs.get(pkg.manifest.name)}`;
    rootDependencies[pkg.manifest.name] = file;
    const { name, version, dependencies, optionalDependencies, engines, os, bin, license } = pkg.manifest;
    const entry: LockEntry = { version, resolved: file, license, dependencies, optionalDependencies, engines, os, bin };
    if ((pkg.manifest.scripts as Record<string, string> | undefined)?.install !== undefined) entry.hasInstallScript = true;
    entries[`node_modules/${name}`] = JSON.parse(JSON.stringify(entry)) as LockEntry;
    for (const dep of [...Object.keys(dependencies ?? {}), ...Object.keys(optionalDependencies ?? {})]) {
      if (!ours.has(dep)) pending.push({ from: '', name: dep, optional: dep in (optionalDependencies ?? {}) });
    }
  }
  for (const name of extra) {
    const at = `node_modules/${name}`;
    rootDependencies[name] = repoLock[at]?.version as string;
    pending.push({ from: '', name, optional: false });
  }
  while (pending.length > 0) {
    const { from, name, optional } = pending.pop() as { from: string; name: string; optional: boolean };
    const at = resolveInLock(repoLock, from, name);
    if (at === undefined) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the consumer'}) is not in the repository's package-lock.json`);
    }
    if (entries[at] !== undefined) continue;
    const { dev: _dev, optional: _optional, devOptional: _devOptional, peer: _peer, ...entry } = repoLock[at];
    // Without `resolved` npm would fetch the packument to find the tarball; with it, the cache (by integrity) serves.
    entry.resolved ??= registryTarball(at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length), entry.version as string);
    entries[at] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) pending.push({ from: at, name: dep, optional: false });
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) pending.push({ from: at, name: dep, optional: true });
  }
  const manifest = { name: 'thriftpoll-consumer', version: '1.0.0', private: true, dependencies: rootDependencies };
  return { manifest, lock: { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages: { '': manifest, ...entries } } };
}

export interface InstallResult {
  /** npm's exit status, stdout and stderr. */
  status: number | null;
  output: string;
}

/**
 * Writes the consumer's package.json (`"type": "module"`) and lockfile into `project` and runs
 * `npm install --offline` there, with `env` added to the environment.
 */
export function installConsumer(
  project: string,
  packages: WorkspacePackage[],
  tarballs: Map<string, string>,
  extra: string[],
  env: Record<string, string> = {},
): InstallResult {
  const { manifest, lock } = consumerLock(packages, tarballs, extra);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ ...manifest, type: 'module' }, null, 2));
  fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
  const result = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], {
    cwd: project,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 240000,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}
