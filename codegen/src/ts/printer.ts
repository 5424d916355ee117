import type { Schema, SchemaFile } from '../schema';
import { ImportRegistry } from './import-registry';
import type { ModuleNames } from './names';
import type { Templates } from './templates';
import { ModuleViewBuilder } from './view';

export interface PrintOptions {
  readonly int64: 'bigint' | 'number';
  readonly zeroValues: boolean;
  /** The module runtime symbols are imported from. */
  readonly runtimeModule: string;
  /** Appended to the paths of imports between generated modules: '' or a file extension such as '.js'. */
  readonly importSuffix: string;
}

/**
 * Prints one generated module. Its code is produced in the order its imports need: the view (which names other
 * modules and runtime symbols through the module's ImportRegistry as its code asks for them), then the
 * declarations (templates name runtime symbols through `{{rt}}`, into the same registry), and only then the file
 * around them, whose import block is printed from what was recorded.
 */
export function printModule(schema: Schema, file: SchemaFile, names: ReadonlyMap<string, ModuleNames>, templates: Templates, options: PrintOptions): string {
  const imports = new ImportRegistry(names.get(file.name)!.taken, options.importSuffix);
  const view = new ModuleViewBuilder(schema, file, names, { int64: options.int64, zeroValues: options.zeroValues, imports }).build();
  const declarations = templates.render('declarations', view, imports, file.name);
  return templates.render('module', { ...view, imports: imports.print(options.runtimeModule), declarations }, imports, file.name);
}
