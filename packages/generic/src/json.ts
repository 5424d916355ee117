/** JSON-compatible values: what generic clients take and return, and what generic handlers receive. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A struct, union or exception value, or the arguments of a call: fields by IDL name. */
export type JsonObject = { readonly [field: string]: JsonValue };

/** How a JSON value that was refused is shown in an error: as JSON when short (`"DIVIDEE"`, `12.5`), else its kind. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return `bigint ${value}`;
  if (typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `bytes (${value.length}; binary is given as base64 text)`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    return keys.length === 0 ? '{}' : `an object with ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', ...' : ''}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}..." (${(value as string).length} chars)` : text;
}

/** True for objects that stand for structs and maps: not arrays, not null, not byte arrays. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
