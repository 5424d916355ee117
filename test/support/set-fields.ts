/**
 * A value as the fields that are set in it, recursively, for comparing values with presence: jest's toEqual cannot
 * tell an absent field from one that is `undefined`. Structs and exceptions become plain objects of their own
 * properties that are not `undefined` (an exception's `stack` left out); maps become entry lists, sets and lists
 * arrays, binary a Buffer. -0 and NaN are kept as they are (toEqual tells -0 from 0).
 */
export function setFields(value: unknown): unknown {
  if (value instanceof Map) return [...value].map(([k, v]) => [setFields(k), setFields(v)]);
  if (value instanceof Set || Array.isArray(value)) return [...(value as Iterable<unknown>)].map(setFields);
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (key !== 'stack' && v !== undefined) out[key] = setFields(v);
  }
  return out;
}
