import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { TemplateError, UsageError } from '../errors';

/**
 * The Handlebars templates that lay out generated TypeScript. The bundled set lives in `codegen/templates/`
 * (one `.hbs` file per partial; `module.hbs` is the entry point). A user directory passed as `--templates`
 * overrides bundled files of the same name and may add partials of its own.
 *
 * Helpers available to templates: `eq a b`, `concat a b ...`, `inc n`, and `inline "partial"` (renders a partial
 * with the current context and drops its final newline, for use inside a line).
 */

/** The directory of the bundled templates (the same from `src/` under ts-jest and from `dist/`). */
export const BUNDLED_TEMPLATES = path.resolve(__dirname, '..', '..', 'templates');

export interface Templates {
  /** Renders the `module` template. @throws TemplateError */
  renderModule(context: object, moduleName: string): string;
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
    const template = env.compile(source, { noEscape: true, strict: false });
    compiled.set(name, template);
    env.registerPartial(name, template);
  }
  const main = compiled.get('module');
  if (!main) throw new TemplateError(`no module.hbs template found (looked in ${BUNDLED_TEMPLATES}${overrideDir ? ` and ${overrideDir}` : ''})`);

  const templates: Templates = {
    renderModule(context, moduleName) {
      try {
        return main(context, { allowProtoPropertiesByDefault: false });
      } catch (e) {
        if (e instanceof TemplateError) throw e;
        throw new TemplateError(`rendering module ${moduleName} failed: ${(e as Error).message}`, { cause: e });
      }
    },
  };
  if (overrideDir === undefined) bundledCache = templates;
  return templates;
}
