/**
 * One IDL file's text, with the line table that turns offsets into `line:column` positions.
 *
 * Offsets are UTF-16 code-unit indexes into `text` (what the lexer walks); lines and columns are 1-based, and a
 * column counts code units from the start of its line, so a caret drawn under `lineText(line)` lines up.
 */
export class SourceFile {
  /** The path shown in messages (relative to the working directory when the file is under it). */
  readonly displayPath: string;
  /** The absolute path the file was read from (or a virtual name for in-memory sources). */
  readonly path: string;
  readonly text: string;
  /** Offset of the first character of each line; `lineStarts[0] === 0`. */
  private readonly lineStarts: number[];

  constructor(path: string, displayPath: string, text: string) {
    this.path = path;
    this.displayPath = displayPath;
    // A byte-order mark is not part of the IDL; dropping it keeps columns right on the first line.
    this.text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.lineStarts = [0];
    const t = this.text;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 10 /* \n */) this.lineStarts.push(i + 1);
      else if (c === 13 /* \r */ && t.charCodeAt(i + 1) !== 10) this.lineStarts.push(i + 1);
    }
  }

  /** The 1-based line and column of `offset` (clamped to the text). */
  position(offset: number): { line: number; column: number } {
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - this.lineStarts[lo] + 1 };
  }

  /** The text of 1-based `line`, without its line terminator ('' past the end). */
  lineText(line: number): string {
    if (line < 1 || line > this.lineStarts.length) return '';
    const start = this.lineStarts[line - 1];
    let end = line < this.lineStarts.length ? this.lineStarts[line] : this.text.length;
    while (end > start && (this.text.charCodeAt(end - 1) === 10 || this.text.charCodeAt(end - 1) === 13)) end--;
    return this.text.slice(start, end);
  }
}

/** A half-open range `[start, end)` of offsets in one SourceFile. */
export interface Span {
  readonly start: number;
  readonly end: number;
}
