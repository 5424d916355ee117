import type { AstEnum } from '../ast';
import type { LoadedFile } from '../loader';
import type { EnumValue } from '../schema';
import type { Span } from '../source';
import { annotations, INT_RANGES, withDoc } from './model';
import type { Reporter } from './report';

/**
 * The values of every enum: explicit ones as written, implicit ones counting on from the previous value (from 0),
 * each checked to fit i32. Assigned for all files before anything else is resolved, because constants and
 * defaults anywhere may name them.
 */
export class EnumValues {
  private readonly values = new Map<AstEnum, EnumValue[]>();

  constructor(private readonly report: Reporter) {}

  /** The assigned values of `def` (empty for an enum not assigned: its errors are reported). */
  of(def: AstEnum): readonly EnumValue[] {
    return this.values.get(def) ?? [];
  }

  assign(file: LoadedFile, def: AstEnum): void {
    const values: EnumValue[] = [];
    const names = new Map<string, Span>();
    let next = 0n;
    for (const v of def.values) {
      const first = names.get(v.name);
      if (first) {
        this.report.error(file, v.nameSpan, 'DUPLICATE_ENUM_VALUE', `enum ${def.name} already has a value named '${v.name}'`, [{ file, span: first, message: 'first declared here' }]);
        continue;
      }
      names.set(v.name, v.nameSpan);
      this.report.checkName(file, v.name, v.nameSpan);
      let value = v.value ?? next;
      const [min, max] = INT_RANGES.i32;
      if (value < min || value > max) {
        if (v.value !== undefined) {
          this.report.error(file, v.valueSpan ?? v.nameSpan, 'ENUM_VALUE_RANGE', `enum value ${def.name}.${v.name} = ${value} does not fit i32 (${min} to ${max}); enum values are sent as i32`);
        } else {
          this.report.error(file, v.nameSpan, 'ENUM_VALUE_RANGE', `implicit enum value ${def.name}.${v.name} would be ${value}, past the i32 maximum ${max}; give it an explicit value`);
        }
        value = 0n;
      }
      next = value + 1n;
      values.push(withDoc({ name: v.name, value: Number(value), annotations: annotations(v.annotations) }, v.doc));
    }
    this.values.set(def, values);
  }
}
