import type { AstAnnotation, AstField } from '../ast';
import type { Annotations } from '../schema';

/** Small pieces of the schema model built the same way for every kind of definition. */

/** Annotations as the schema model keeps them: every value of a key, in order (a key may repeat). */
export function annotations(list: readonly AstAnnotation[]): Annotations {
  const out: Record<string, string[]> = {};
  for (const a of list) (out[a.key] ??= []).push(a.value);
  return out;
}

/** Field ids as the IDL assigns them: explicit ids as written, implicit ones counting down from -1. */
export function assignFieldIds(list: readonly AstField[]): number[] {
  let implicit = -1;
  return list.map((f) => f.id ?? implicit--);
}

/** `value` with its IDL doc comment, when it has one (the model leaves `doc` out rather than undefined). */
export function withDoc<T extends object>(value: T, doc: string | undefined): T & { doc?: string } {
  return doc === undefined ? value : { ...value, doc };
}

/** Value ranges of the integer types (enum values are sent as i32). */
export const INT_RANGES: Readonly<Record<'i8' | 'i16' | 'i32' | 'i64', readonly [bigint, bigint]>> = {
  i8: [-(2n ** 7n), 2n ** 7n - 1n],
  i16: [-(2n ** 15n), 2n ** 15n - 1n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
};
