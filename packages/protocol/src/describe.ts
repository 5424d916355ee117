/** A short description of a value for error messages: its type, and the value itself when short. */
export function describe(value: unknown): string {
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
