'use strict';
/** Plain-text figures: number formats and Markdown tables that read well both printed and rendered. */

/** 1234567.8 -> '1,234,568'; null/undefined/NaN -> 'n/a'. */
function fmtInt(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return Math.round(x).toLocaleString('en-US');
}

/** x with `digits` decimals; 'n/a' when missing. */
function fmtFixed(x, digits = 1) {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return x.toFixed(digits);
}

/** Bytes in KiB/MiB with one decimal. */
function fmtBytes(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 1024 * 1024) return `${(x / 1024 / 1024).toFixed(1)} MiB`;
  if (a >= 1024) return `${(x / 1024).toFixed(1)} KiB`;
  return `${Math.round(x)} B`;
}

/** a / b as '1.42x'; 'n/a' when either is missing or b is 0. */
function fmtRatio(a, b) {
  const r = ratio(a, b);
  return r === null ? 'n/a' : `${r.toFixed(2)}x`;
}

/** a / b, or null when either is missing or b is 0. */
function ratio(a, b) {
  if (a === null || a === undefined || b === null || b === undefined) return null;
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/**
 * A Markdown table. columns: [{ title, align: 'left' | 'right' }]; rows: arrays of cell strings. Cells are
 * padded so the table also lines up as plain text; '|' in cells is escaped.
 */
function markdownTable(columns, rows) {
  const cells = rows.map((r) => r.map((c) => String(c).replace(/\|/g, '\\|')));
  const widths = columns.map((c, i) => Math.max(3, c.title.length, ...cells.map((r) => (r[i] || '').length)));
  const pad = (text, i) => (columns[i].align === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  const line = (r) => `| ${r.map((c, i) => pad(c || '', i)).join(' | ')} |`;
  const rule = `| ${columns.map((c, i) => (c.align === 'right' ? `${'-'.repeat(widths[i] - 1)}:` : '-'.repeat(widths[i]))).join(' | ')} |`;
  return [line(columns.map((c) => c.title)), rule, ...cells.map(line)].join('\n');
}

module.exports = { fmtInt, fmtFixed, fmtBytes, fmtRatio, ratio, markdownTable };
