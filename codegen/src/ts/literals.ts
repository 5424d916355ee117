/** TypeScript literal syntax for values the generator embeds. */

/** A single-quoted string literal; every character that could end or break the literal is escaped. */
export function quote(value: string): string {
  let out = "'";
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === "'") out += "\\'";
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || c === 0x2028 || c === 0x2029) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c <= 0xdfff) out += `\\u${c.toString(16)}`; // a lone surrogate
    else out += ch;
  }
  return out + "'";
}

/** A number literal that reads back as exactly `value` (including -0). Finite values only. */
export function numberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`numberLiteral: ${value} has no literal form`);
  if (Object.is(value, -0)) return '-0';
  return String(value);
}
