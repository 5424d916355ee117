/**
 * How every package shows a value it refused, in error messages: its type, and the value itself when short
 * (`string "64"`, `number 1.5`, `bigint 5n`, `undefined`, `null`, `an array of length 2`, `Uint8Array(3)`,
 * `an object (Map)`).
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `string "${value.slice(0, 40)}..." (${value.length} chars)` : `string "${value}"`;
    case 'number':
      return `number ${value}`;
    case 'bigint':
      return `bigint ${value}n`;
    case 'boolean':
      return `boolean ${value}`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      if (Array.isArray(value)) return `an array of length ${value.length}`;
      if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
      return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
  }
}
