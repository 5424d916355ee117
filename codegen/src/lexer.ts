import { diagnostic, IdlError, type DiagnosticCode } from './diagnostics';
import type { SourceFile } from './source';

/**
 * The Thrift IDL lexer. It turns a file into tokens, dropping whitespace and the three comment forms (`//`, `#`,
 * `/* *\/`) and attaching each `/** doc comment *\/` to the token that follows it.
 *
 * Numbers follow Apache's lexer: an optional sign is part of the literal (`-1`, `+0x10`), `0x` starts a hex
 * integer, a fraction or exponent makes a double (`1.5`, `.5`, `1e10`, `-2.5E-3`), and a word that starts with a
 * letter is an identifier (so `e10` is a name, not a number). Identifiers may contain dots between parts
 * (`shared.Item`, `Color.RED`). String literals use `"` or `'` and the escapes `\\ \" \' \n \r \t`, plus `\uXXXX`.
 */

interface TokenBase {
  /** Offsets of the token in its file: `[start, end)`. */
  readonly start: number;
  readonly end: number;
  /** The cleaned text of the doc comment right before this token, if any. */
  readonly doc: string | undefined;
}

export type Token =
  | (TokenBase & { readonly kind: 'identifier'; readonly text: string })
  | (TokenBase & { readonly kind: 'int'; readonly text: string; readonly value: bigint })
  | (TokenBase & { readonly kind: 'double'; readonly text: string; readonly value: number })
  | (TokenBase & { readonly kind: 'string'; readonly text: string; readonly value: string })
  | (TokenBase & { readonly kind: 'symbol'; readonly text: Punct })
  | (TokenBase & { readonly kind: 'eof'; readonly text: '' });

export type Punct = '{' | '}' | '(' | ')' | '[' | ']' | '<' | '>' | ',' | ';' | ':' | '=' | '*' | '&';

const SYMBOLS = new Set<string>(['{', '}', '(', ')', '[', ']', '<', '>', ',', ';', ':', '=', '*', '&']);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** Tokenizes a whole file. @throws IdlError at the first lexical error. */
export function tokenize(source: SourceFile): Token[] {
  return new Lexer(source).run();
}

class Lexer {
  private readonly text: string;
  private pos = 0;
  private pendingDoc: string | undefined;
  private readonly tokens: Token[] = [];

  constructor(private readonly source: SourceFile) {
    this.text = source.text;
  }

  run(): Token[] {
    const t = this.text;
    for (;;) {
      this.skipTrivia();
      if (this.pos >= t.length) {
        this.tokens.push({ kind: 'eof', text: '', start: t.length, end: t.length, doc: this.takeDoc() });
        return this.tokens;
      }
      const c = t.charCodeAt(this.pos);
      if (isIdentStart(c)) this.identifier();
      else if (isDigit(c) || c === 43 /* + */ || c === 45 /* - */ || (c === 46 /* . */ && isDigit(t.charCodeAt(this.pos + 1)))) this.number();
      else if (c === 34 /* " */ || c === 39 /* ' */) this.string(c);
      else if (SYMBOLS.has(t[this.pos])) {
        this.tokens.push({ kind: 'symbol', text: t[this.pos] as Punct, start: this.pos, end: this.pos + 1, doc: this.takeDoc() });
        this.pos++;
      } else {
        const ch = String.fromCodePoint(t.codePointAt(this.pos) ?? c);
        this.fail(this.pos, this.pos + ch.length, 'BAD_CHARACTER', `unexpected character ${JSON.stringify(ch)}; expected a name, a number, a string or one of { } ( ) [ ] < > , ; : = * &`);
      }
    }
  }

  private takeDoc(): string | undefined {
    const doc = this.pendingDoc;
    this.pendingDoc = undefined;
    return doc;
  }

  private fail(start: number, end: number, code: DiagnosticCode, message: string): never {
    throw new IdlError([diagnostic(this.source, { start, end }, 'error', code, message)]);
  }

  /** Skips whitespace and comments; remembers the last doc comment for the next token. */
  private skipTrivia(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
        this.pos++;
      } else if (c === 35 /* # */ || (c === 47 && t.charCodeAt(this.pos + 1) === 47) /* // */) {
        while (this.pos < t.length && t.charCodeAt(this.pos) !== 10 && t.charCodeAt(this.pos) !== 13) this.pos++;
      } else if (c === 47 && t.charCodeAt(this.pos + 1) === 42 /* /* */) {
        const start = this.pos;
        const close = t.indexOf('*/', start + 2);
        if (close < 0) this.fail(start, start + 2, 'UNTERMINATED', 'comment opened here is never closed; expected "*/" before the end of the file');
        // "/**/" is an empty plain comment, "/** ... */" a doc comment.
        const isDoc = t.charCodeAt(start + 2) === 42 && close > start + 2;
        if (isDoc) this.pendingDoc = cleanDocComment(t.slice(start + 3, close));
        this.pos = close + 2;
      } else {
        return;
      }
    }
  }

  private identifier(): void {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = t.charCodeAt(this.pos);
      if (isIdentPart(c)) this.pos++;
      else if (c === 46 /* . */ && isIdentPart(t.charCodeAt(this.pos + 1))) this.pos += 2;
      else break;
    }
    this.tokens.push({ kind: 'identifier', text: t.slice(start, this.pos), start, end: this.pos, doc: this.takeDoc() });
  }

  private number(): void {
    const t = this.text;
    const start = this.pos;
    let p = start;
    if (t[p] === '+' || t[p] === '-') p++;
    const bodyStart = p;
    if (t[p] === '0' && (t[p + 1] === 'x' || t[p + 1] === 'X')) {
      p += 2;
      const digits = p;
      while (isHexDigit(t.charCodeAt(p))) p++;
      if (p === digits) this.fail(start, p, 'BAD_NUMBER', `hex constant ${JSON.stringify(t.slice(start, p))} has no digits; expected e.g. 0x1F`);
      this.pos = p;
      this.checkNumberEnd(start);
      const magnitude = BigInt(t.slice(bodyStart, p));
      const text = t.slice(start, p);
      this.tokens.push({ kind: 'int', text, value: t[start] === '-' ? -magnitude : magnitude, start, end: p, doc: this.takeDoc() });
      return;
    }
    while (isDigit(t.charCodeAt(p))) p++;
    let isDouble = false;
    if (t[p] === '.' && isDigit(t.charCodeAt(p + 1))) {
      isDouble = true;
      p++;
      while (isDigit(t.charCodeAt(p))) p++;
    }
    if (t[p] === 'e' || t[p] === 'E') {
      let q = p + 1;
      if (t[q] === '+' || t[q] === '-') q++;
      if (isDigit(t.charCodeAt(q))) {
        isDouble = true;
        while (isDigit(t.charCodeAt(q))) q++;
        p = q;
      }
    }
    if (p === bodyStart) {
      this.fail(start, start + 1, 'BAD_CHARACTER', `unexpected ${JSON.stringify(t[start])}; a sign must be followed by a number`);
    }
    this.pos = p;
    this.checkNumberEnd(start);
    const text = t.slice(start, p);
    if (isDouble) {
      this.tokens.push({ kind: 'double', text, value: Number(text), start, end: p, doc: this.takeDoc() });
    } else {
      this.tokens.push({ kind: 'int', text, value: BigInt(text), start, end: p, doc: this.takeDoc() });
    }
  }

  /** A number must not run straight into a name (`12ab`), which is almost always a typo. */
  private checkNumberEnd(start: number): void {
    const c = this.text.charCodeAt(this.pos);
    if (isIdentStart(c) || c === 46 /* . */) {
      let end = this.pos;
      while (end < this.text.length && (isIdentPart(this.text.charCodeAt(end)) || this.text[end] === '.')) end++;
      this.fail(start, end, 'BAD_NUMBER', `malformed number ${JSON.stringify(this.text.slice(start, end))}; expected digits, optionally with a fraction and an exponent (e.g. 1.5e-3)`);
    }
  }

  private string(quote: number): void {
    const t = this.text;
    const start = this.pos;
    let p = start + 1;
    let value = '';
    let chunk = p;
    for (;;) {
      if (p >= t.length) this.fail(start, start + 1, 'UNTERMINATED', 'string literal is never closed; expected a closing quote before the end of the file');
      const c = t.charCodeAt(p);
      if (c === quote) break;
      if (c === 10 || c === 13) this.fail(start, p, 'UNTERMINATED', 'string literal is not closed on its line; expected a closing quote (use \\n for a line break)');
      if (c === 92 /* \ */) {
        value += t.slice(chunk, p);
        const e = t[p + 1];
        switch (e) {
          case 'n': value += '\n'; p += 2; break;
          case 'r': value += '\r'; p += 2; break;
          case 't': value += '\t'; p += 2; break;
          case '"': value += '"'; p += 2; break;
          case "'": value += "'"; p += 2; break;
          case '\\': value += '\\'; p += 2; break;
          case 'u': {
            const hex = t.slice(p + 2, p + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(p, Math.min(p + 6, t.length), 'BAD_ESCAPE', `bad escape ${JSON.stringify(t.slice(p, p + 6))}; expected \\u followed by 4 hex digits`);
            value += String.fromCharCode(parseInt(hex, 16));
            p += 6;
            break;
          }
          default:
            this.fail(p, p + 2, 'BAD_ESCAPE', `unknown escape ${JSON.stringify('\\' + (e ?? ''))} in string literal; expected one of \\\\ \\" \\' \\n \\r \\t \\uXXXX`);
        }
        chunk = p;
        continue;
      }
      p++;
    }
    value += t.slice(chunk, p);
    this.pos = p + 1;
    this.tokens.push({ kind: 'string', text: t.slice(start, this.pos), value, start, end: this.pos, doc: this.takeDoc() });
  }
}

/**
 * Cleans the inside of a `/** ... *\/` comment: drops the leading `*` column when every line has one, removes the
 * common indentation, trailing spaces, and blank lines at either end.
 */
export function cleanDocComment(inner: string): string {
  let lines = inner.split(/\r\n|\r|\n/);
  const rest = lines.slice(1).filter((l) => l.trim() !== '');
  if (rest.length > 0 && rest.every((l) => /^\s*\*/.test(l))) {
    lines = [lines[0], ...lines.slice(1).map((l) => l.replace(/^\s*\*/, ''))];
  }
  lines = lines.map((l) => l.replace(/\s+$/, ''));
  // The first line shares the comment opener's line; its indentation is not comparable with the others.
  const first = lines[0].replace(/^\s+/, '');
  const body = lines.slice(1);
  const indents = body.filter((l) => l !== '').map((l) => /^\s*/.exec(l)![0].length);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  lines = [first, ...body.map((l) => l.slice(common))];
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}
