import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { TemplateError, UsageError } from '../errors';
import { isRuntimeSymbol, runtimeSymbolList, type ImportRegistry } from './import-registry';

/**
 * The Handlebars templates that lay out generated TypeScript. The bundled set lives in `codegen/templates/`
 * (one `.hbs` file per partial): `declarations.hbs` renders a module's declarations, then `module.hbs` lays out
 * the file around them (header, the import block, `{{declarations}}`). A user directory passed as `--templates`
 * overrides bundled files of the same name and may add partials of its own.
 *
 * Helpers available to templates: `rt "Name"` (a runtime symbol such as `$TType`, recorded for the import block),
 * `eq a b`, `concat a b ...`, `inc n`, and `inline "partial"` (renders a partial with the current context and drops
 * its final newline, for use inside a line).
 */

/** The directory of the bundled templates (the same from `src/` under ts-jest and from `dist/`). */
export const BUNDLED_TEMPLATES = path.resolve(__dirname, '..', '..', 'templates');

/** The two templates the generator renders itself; every other template is a partial of theirs. */
export type EntryTemplate = 'declarations' | 'module';

export interface Templates {
  /** Renders an entry template; `rt` records into `imports`. @throws TemplateError */
  render(template: EntryTemplate, context: object, imports: ImportRegistry, moduleName: string): string;
}

/** What every render passes to helpers (Handlebars `data`, inherited by partials and blocks). */
interface RenderData {
  readonly imports: ImportRegistry;
}

/**
 * Templates written for the old contract, where runtime symbols were spelled `$Name` and found in the output
 * afterwards, would now render code without its imports: refuse them with what to write instead.
 */
function checkContract(name: string, file: string, source: string): void {
  // Comments are blanked (keeping their newlines) so that only template text counts and lines stay right.
  const text = source.replace(/\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}/g, (comment) => comment.replace(/[^\n]/g, ''));
  const legacy = /(?<![\w$])\$([A-Za-z_]\w*)(?![\w$])/g;
  for (const m of text.matchAll(legacy)) {
    if (!isRuntimeSymbol(m[1])) continue;
    const line = text.slice(0, m.index).split('\n').length;
    throw new TemplateError(`template ${file} line ${line} writes ${m[0]} literally; write {{rt "${m[1]}"}} instead, which imports it`);
  }
  if (name === 'module' && /\{\{\s*runtimeImports\s*\}\}/.test(text)) {
    throw new TemplateError(`template ${file} uses {{runtimeImports}}, which is gone: module.hbs now lays out the file with {{imports}} (the whole import block) and {{declarations}} (rendered by declarations.hbs); start from the bundled module.hbs`);
  }
}

function readDir(dir: string, what: string): Map<string, { file: string; source: string }> {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    throw new UsageError(`${what} directory ${dir} does not exist or cannot be read`);
  }
  const out = new Map<string, { file: string; source: string }>();
  for (const entry of entries.sort()) {
    if (!entry.endsWith('.hbs')) continue;
    const file = path.join(dir, entry);
    out.set(entry.slice(0, -'.hbs'.length), { file, source: fs.readFileSync(file, 'utf8') });
  }
  return out;
}

let bundledCache: Templates | undefined;

/** Loads the bundled templates, with overrides from `overrideDir` when given. */
export function loadTemplates(overrideDir?: string): Templates {
  if (overrideDir === undefined && bundledCache) return bundledCache;
  const sources = readDir(BUNDLED_TEMPLATES, 'bundled templates');
  if (overrideDir !== undefined) {
    const overrides = readDir(path.resolve(overrideDir), '--templates');
    if (overrides.size === 0) throw new UsageError(`--templates directory ${overrideDir} has no .hbs files; copy the bundled ones from ${BUNDLED_TEMPLATES} and edit them`);
    for (const [name, t] of overrides) sources.set(name, t);
  }

  const env = Handlebars.create();
  env.registerHelper('rt', (name: unknown, options: Handlebars.HelperOptions) => {
    if (!isRuntimeSymbol(name)) throw new TemplateError(`template helper rt: ${JSON.stringify(name)} is not a runtime symbol; expected one of ${runtimeSymbolList()}`);
    return (options.data as RenderData).imports.runtime(name);
  });
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  env.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
  env.registerHelper('inc', (n: unknown) => Number(n) + 1);
  env.registerHelper('inline', function (this: unknown, name: unknown, options: Handlebars.HelperOptions) {
    const partial = env.partials[String(name)] as Handlebars.TemplateDelegate | undefined;
    if (typeof partial !== 'function') throw new TemplateError(`template helper inline: no partial named '${String(name)}'`);
    return partial(this, { data: options.data }).replace(/\n+$/, '');
  });

  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  for (const [name, { file, source }] of sources) {
    try {
      env.parse(source); // surfaces syntax errors now, with their line, rather than at first use
    } catch (e) {
      throw new TemplateError(`template ${file} does not compile: ${(e as Error).message}`, { cause: e });
    }
    checkContract(name, file, source);
    const template = env.compile(source, { noEscape: true, strict: false });
    compiled.set(name, template);
    env.registerPartial(name, template);
  }
  const entry = (name: EntryTemplate): Handlebars.TemplateDelegate => {
    const template = compiled.get(name);
    if (!template) throw new TemplateError(`no ${name}.hbs template found (looked in ${BUNDLED_TEMPLATES}${overrideDir ? ` and ${overrideDir}` : ''})`);
    return template;
  };
  const entries = { declarations: entry('declarations'), module: entry('module') };

  const templates: Templates = {
    render(template, context, imports, moduleName) {
      const data: RenderData = { imports };
      try {
        return entries[template](context, { data, allowProtoPropertiesByDefault: false });
      } catch (e) {
        if (e instanceof TemplateError) throw e;
        throw new TemplateError(`rendering module ${moduleName} failed: ${(e as Error).message}`, { cause: e });
      }
    },
  };
  if (overrideDir === undefined) bundledCache = templates;
  return templates;
}
