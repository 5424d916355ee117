import type { AstDefinition } from '../ast';
import type { LoadedFile, LoadedProgram } from '../loader';
import type { NamedRef } from '../schema';
import { didYouMean } from '../suggest';
import type { Reporter } from './report';

/** A definition together with the file that declares it. */
export interface Found<D extends AstDefinition = AstDefinition> {
  readonly file: LoadedFile;
  readonly def: D;
}

/**
 * Name resolution across includes: each file's definitions by name, and the modules it includes directly. A name
 * is seen from a file as its own definition, or as `<module>.<Name>` of a directly included module.
 */
export class Scopes {
  /** Definitions of each file by name. */
  private readonly scopes = new Map<LoadedFile, Map<string, AstDefinition>>();
  /** Direct includes of each file by module name. */
  private readonly includes = new Map<LoadedFile, Map<string, LoadedFile>>();

  constructor(
    private readonly program: LoadedProgram,
    private readonly report: Reporter,
  ) {
    for (const file of program.files) this.declare(file);
  }

  private declare(file: LoadedFile): void {
    const scope = new Map<string, AstDefinition>();
    for (const def of file.document.definitions) {
      const first = scope.get(def.name);
      if (first) {
        this.report.error(file, def.nameSpan, 'DUPLICATE_DEFINITION', `'${def.name}' is already defined in ${file.source.displayPath} (as a ${first.kind}); every definition in a file needs its own name`, [
          { file, span: first.nameSpan, message: `first definition of '${def.name}'` },
        ]);
        continue;
      }
      this.report.checkName(file, def.name, def.nameSpan);
      scope.set(def.name, def);
    }
    this.scopes.set(file, scope);
    const includes = new Map<string, LoadedFile>();
    for (const inc of file.includes) includes.set(inc.file.name, inc.file);
    this.includes.set(file, includes);
  }

  /** False for a definition that reuses a name declared before it in its file (already reported). */
  isDeclared(file: LoadedFile, def: AstDefinition): boolean {
    return this.scopes.get(file)!.get(def.name) === def;
  }

  /**
   * Finds `name` as seen from `file`: a definition of the file itself, or `<module>.<Name>` for a directly
   * included module (module names may contain dots, so every split is tried).
   */
  lookup(file: LoadedFile, name: string): Found | undefined {
    const own = this.scopes.get(file)!.get(name);
    if (own) return { file, def: own };
    for (let dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
      const included = this.includes.get(file)!.get(name.slice(0, dot));
      const def = included && this.scopes.get(included)!.get(name.slice(dot + 1));
      if (included && def) return { file: included, def };
    }
    return undefined;
  }

  /** The definition a schema reference names. */
  definitionOf(ref: NamedRef): AstDefinition | undefined {
    const file = this.program.files.find((f) => f.name === ref.file);
    return file && this.scopes.get(file)!.get(ref.name);
  }

  /** The loaded file of a module that resolution has already referred to. */
  fileNamed(module: string): LoadedFile {
    return this.program.files.find((f) => f.name === module)!;
  }

  /** Why `name` is not found, with a hint about includes when the prefix names a module that is not included. */
  unknownHint(file: LoadedFile, name: string, filter: (d: AstDefinition) => boolean): string {
    const dot = name.lastIndexOf('.');
    if (dot > 0) {
      const prefix = name.slice(0, name.indexOf('.'));
      if (!this.includes.get(file)!.has(prefix) && !this.scopes.get(file)!.has(prefix)) {
        const known = this.program.files.find((f) => f.name === prefix);
        if (known) return `; ${file.source.displayPath} does not include ${known.source.displayPath} (add: include "${known.source.displayPath.split('/').pop()}")`;
        return `; no included file is named '${prefix}'`;
      }
    }
    return didYouMean(name, this.visibleNames(file, filter));
  }

  /** Names visible from `file` that satisfy `filter`, for suggestions. */
  private visibleNames(file: LoadedFile, filter: (d: AstDefinition) => boolean): string[] {
    const out: string[] = [];
    for (const [name, def] of this.scopes.get(file)!) if (filter(def)) out.push(name);
    for (const [prefix, inc] of this.includes.get(file)!) {
      for (const [name, def] of this.scopes.get(inc)!) if (filter(def)) out.push(`${prefix}.${name}`);
    }
    return out;
  }
}
