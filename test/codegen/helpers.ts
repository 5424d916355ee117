import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { generate, loadSchema, type GeneratedFile, type GenerateOptions, type LoadSchemaOptions } from '@thriftpoll/codegen';

/** Shared fixtures and utilities of the codegen tests. */

export const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(__dirname, 'fixtures');
export const GOLDEN = path.join(__dirname, 'golden');

/** Paths relative to the repository root (jest runs there), as the compiler shows them. */
export function fixture(...parts: string[]): string {
  return path.relative(process.cwd(), path.join(FIXTURES, ...parts));
}

export interface GoldenCase {
  /** Directory under golden/. */
  readonly name: string;
  readonly files: readonly string[];
  readonly load?: LoadSchemaOptions;
  readonly generate?: GenerateOptions;
}

/** The IDL sets whose generated code is kept under golden/ (and imported, typed, by the runtime tests). */
export const GOLDEN_CASES: readonly GoldenCase[] = [
  { name: 'echo', files: [path.relative(process.cwd(), path.join(ROOT, 'idl', 'echo.thrift'))] },
  { name: 'interop', files: [fixture('interop', 'types.thrift')] },
  { name: 'interop-number', files: [fixture('interop', 'types.thrift')], generate: { int64: 'number' } },
  { name: 'interop-zero-values', files: [fixture('interop', 'types.thrift')], generate: { zeroValues: true } },
  { name: 'names', files: [fixture('names', 'names.thrift')] },
  { name: 'uuid', files: [fixture('uuid', 'ids.thrift')] },
  { name: 'corpus', files: [fixture('corpus', 'everything.thrift')], load: { includeDirs: [fixture('corpus', 'include')] } },
  { name: 'realworld', files: [fixture('realworld', 'idl', 'user', 'user_service.thrift')], load: { includeDirs: [fixture('realworld', 'idl')] } },
  { name: 'legacy', files: [fixture('legacy', 'warehouse.thrift')] },
];

export function generateCase(c: GoldenCase): GeneratedFile[] {
  return generate(loadSchema(c.files, c.load).schema, c.generate);
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `thriftpoll-${prefix}-`));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(dir: string, files: readonly GeneratedFile[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return files.map((f) => {
    const p = path.join(dir, f.path);
    fs.writeFileSync(p, f.contents);
    return p;
  });
}

/**
 * Type-checks TypeScript files in one program, the way the strictest user project would compile generated code:
 * `strict`, plus exact optional properties, unchecked index access, unused locals and parameters, implicit
 * returns and fall-through as errors; `@thriftpoll/protocol` mapped to the package sources. `overrides` replace
 * options (e.g. the module system). Returns formatted diagnostics (empty when clean).
 */
export function typeCheck(files: readonly string[], overrides: ts.CompilerOptions = {}): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    noImplicitReturns: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    noPropertyAccessFromIndexSignature: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    isolatedModules: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    baseUrl: ROOT,
    paths: { '@thriftpoll/protocol': ['packages/protocol/src/index.ts'] },
    ...overrides,
  };
  const program = ts.createProgram([...files], options);
  // Only the generated files: @thriftpoll/protocol is checked under its own tsconfig.
  const ours = new Set(files.map((f) => path.resolve(f)));
  return ts.getPreEmitDiagnostics(program).filter((d) => !d.file || ours.has(path.resolve(d.file.fileName))).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1}: TS${d.code}: ${message}`;
  });
}

/** Occurrences of the `any` type in TypeScript source (generated code must have none). */
export function anyTypeTokens(source: string): number {
  const file = ts.createSourceFile('x.ts', source, ts.ScriptTarget.ES2022, true);
  let count = 0;
  const visit = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) count++;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return count;
}
