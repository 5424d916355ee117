/**
 * The `Error.message` of a generated exception that has no IDL field called `message`: its set fields, as
 * `whatOp=4 why="Cannot divide by 0"`, so that `String(e)`, logs and stack traces show what the peer sent
 * (`InvalidOperation: whatOp=4 why="Cannot divide by 0"`). Absent fields are left out; long values are cut.
 */
export function exceptionMessage(fields: ReadonlyArray<readonly [name: string, value: unknown]>): string {
  const parts: string[] = [];
  for (const [name, value] of fields) {
    if (value === undefined || value === null) continue;
    parts.push(`${name}=${showValue(value, 0)}`);
  }
  return parts.join(' ');
}

/** Values longer than this are cut with `...`: a message is for people, the fields keep the data. */
const MAX_VALUE_LENGTH = 120;
/** Nested structs and containers deeper than this are shown as `{...}` / `[...]`. */
const MAX_DEPTH = 2;

function showValue(value: unknown, depth: number): string {
  const shown = render(value, depth);
  return shown.length > MAX_VALUE_LENGTH ? `${shown.slice(0, MAX_VALUE_LENGTH)}...` : shown;
}

function render(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    default:
      return typeof value;
  }
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value) || value instanceof Set) {
    if (depth >= MAX_DEPTH) return '[...]';
    return `[${[...(value as Iterable<unknown>)].map((v) => render(v, depth + 1)).join(', ')}]`;
  }
  if (value instanceof Map) {
    if (depth >= MAX_DEPTH) return '{...}';
    return `{${[...value].map(([k, v]) => `${render(k, depth + 1)}: ${render(v, depth + 1)}`).join(', ')}}`;
  }
  if (depth >= MAX_DEPTH) return '{...}';
  const entries = Object.entries(value).filter(([k, v]) => v !== undefined && k !== 'stack' && k !== 'name');
  return `{${entries.map(([k, v]) => `${k}=${render(v, depth + 1)}`).join(' ')}}`;
}
