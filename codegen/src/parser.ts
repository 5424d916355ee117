import type {
  AstAnnotation,
  AstBaseTypeName,
  AstConstValue,
  AstDefinition,
  AstDocument,
  AstEnumValue,
  AstField,
  AstFunction,
  AstInclude,
  AstNamespace,
  AstRequiredness,
  AstType,
} from './ast';
import { diagnostic, IdlError, type Diagnostic, type DiagnosticCode } from './diagnostics';
import { tokenize, type Punct, type Token } from './lexer';
import type { SourceFile, Span } from './source';

/**
 * A recursive-descent parser for the Thrift IDL as Apache documents it (https://thrift.apache.org/docs/idl), plus
 * the forms real files still carry: `senum`, `slist`, `async`, `cpp_type`, `xsd_*` options, the `&` reference
 * marker, legacy `<lang>_namespace` headers, annotations on every construct, `,`/`;` separators anywhere a list
 * allows them, and headers after definitions.
 *
 * The parser stops at the first syntax error of a file (it throws an IdlError with that one diagnostic).
 * Deprecated forms produce warnings, returned with the document.
 */
export interface ParseResult {
  readonly document: AstDocument;
  readonly warnings: readonly Diagnostic[];
}

/** Parses one file. @throws IdlError on the first lexical or syntax error. */
export function parse(source: SourceFile): ParseResult {
  return new Parser(source, tokenize(source)).document();
}

const BASE_TYPES = new Set<string>(['bool', 'byte', 'i8', 'i16', 'i32', 'i64', 'double', 'string', 'binary', 'uuid', 'slist']);

/** Pre-`namespace` spellings, as `keyword → language`. */
const LEGACY_NAMESPACES: Readonly<Record<string, string>> = {
  cpp_namespace: 'cpp',
  java_package: 'java',
  csharp_namespace: 'csharp',
  delphi_namespace: 'delphi',
  php_namespace: 'php',
  py_module: 'py',
  perl_package: 'perl',
  ruby_namespace: 'rb',
  smalltalk_category: 'smalltalk.category',
  smalltalk_prefix: 'smalltalk.prefix',
  cocoa_prefix: 'cocoa',
  xsd_namespace: 'xsd',
};

const DEFINITION_KEYWORDS = 'struct, union, exception, enum, senum, typedef, const or service';

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof':
      return 'the end of the file';
    case 'identifier':
      return `'${token.text}'`;
    case 'string':
      return `string ${token.text}`;
    case 'int':
    case 'double':
      return `number ${token.text}`;
    case 'symbol':
      return `'${token.text}'`;
  }
}

/** Deepest nesting of types (`list<list<...>>`) and constant values (`[[...]]`) accepted. */
export const MAX_NESTING = 100;

class Parser {
  private pos = 0;
  private depth = 0;
  private readonly warnings: Diagnostic[] = [];

  constructor(
    private readonly source: SourceFile,
    private readonly tokens: readonly Token[],
  ) {}

  // ---- token helpers -------------------------------------------------------------------------------------

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.tokens[this.pos];
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private previousEnd(): number {
    return this.pos > 0 ? this.tokens[this.pos - 1].end : 0;
  }

  private isSymbol(text: Punct, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'symbol' && t.text === text;
  }

  private isWord(text: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'identifier' && t.text === text;
  }

  private eatSymbol(text: Punct): boolean {
    if (this.isSymbol(text)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private eatWord(text: string): Token | undefined {
    if (this.isWord(text)) return this.next();
    return undefined;
  }

  private fail(token: Token | Span, code: DiagnosticCode, message: string): never {
    throw new IdlError([...this.warnings, diagnostic(this.source, token, 'error', code, message)]);
  }

  private expectSymbol(text: Punct, context: string): Token {
    const t = this.peek();
    if (t.kind === 'symbol' && t.text === text) return this.next();
    return this.fail(t, 'SYNTAX', `expected '${text}' ${context}, found ${describe(t)}`);
  }

  private expectIdentifier(context: string): Token & { kind: 'identifier' } {
    const t = this.peek();
    if (t.kind === 'identifier') {
      this.pos++;
      return t;
    }
    return this.fail(t, 'SYNTAX', `expected ${context}, found ${describe(t)}`);
  }

  /** A name being declared: an identifier without dots. */
  private declaredName(context: string): Token & { kind: 'identifier' } {
    const t = this.expectIdentifier(context);
    if (t.text.includes('.')) {
      this.fail(t, 'BAD_NAME', `the name '${t.text}' contains '.'; declared names must be plain identifiers (dots only appear in references such as shared.Item)`);
    }
    return t;
  }

  private expectString(context: string): Token & { kind: 'string' } {
    const t = this.peek();
    if (t.kind === 'string') {
      this.pos++;
      return t;
    }
    return this.fail(t, 'SYNTAX', `expected ${context} (a quoted string), found ${describe(t)}`);
  }

  /** `CommaOrSemicolonOptional`. */
  private separator(): void {
    if (!this.eatSymbol(',')) this.eatSymbol(';');
  }

  private warn(span: Span, code: DiagnosticCode, message: string): void {
    this.warnings.push(diagnostic(this.source, span, 'warning', code, message));
  }

  // ---- document --------------------------------------------------------------------------------------------

  document(): ParseResult {
    const includes: AstInclude[] = [];
    const cppIncludes: string[] = [];
    const namespaces: AstNamespace[] = [];
    const definitions: AstDefinition[] = [];
    let doc: string | undefined;
    let docDecided = false;

    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (t.kind === 'symbol' && (t.text === ';' || t.text === ',')) {
        // A stray separator after a definition (`struct A { ... };`) is harmless.
        this.pos++;
        continue;
      }
      if (t.kind !== 'identifier') {
        this.fail(t, 'SYNTAX', `expected a definition (${DEFINITION_KEYWORDS}) or a header (include, cpp_include, namespace), found ${describe(t)}`);
      }
      const isHeader = t.text === 'include' || t.text === 'cpp_include' || t.text === 'namespace' || t.text in LEGACY_NAMESPACES;
      if (!docDecided) {
        // Like Apache: the first doc comment documents the file when a header follows it.
        if (isHeader) doc = t.doc;
        docDecided = true;
      }
      if (t.text === 'include') {
        this.next();
        const path = this.expectString('the path of the included file after include');
        includes.push({ path: path.value, span: { start: t.start, end: path.end } });
        this.separator();
      } else if (t.text === 'cpp_include') {
        this.next();
        cppIncludes.push(this.expectString('a header name after cpp_include').value);
        this.separator();
      } else if (t.text === 'namespace') {
        namespaces.push(this.namespace());
      } else if (t.text in LEGACY_NAMESPACES) {
        this.next();
        const scope = LEGACY_NAMESPACES[t.text];
        const value = this.peek();
        if (value.kind !== 'identifier' && value.kind !== 'string') {
          this.fail(value, 'SYNTAX', `expected a name after ${t.text}, found ${describe(value)}`);
        }
        this.next();
        const name = value.kind === 'string' ? value.value : value.text;
        this.warn(t, 'DEPRECATED', `'${t.text} ${name}' is the old form of 'namespace ${scope} ${name}'`);
        namespaces.push({ scope, name, annotations: [], span: { start: t.start, end: value.end } });
        this.separator();
      } else {
        definitions.push(this.definition());
      }
    }
    return { document: { doc, includes, cppIncludes, namespaces, definitions }, warnings: this.warnings };
  }

  private namespace(): AstNamespace {
    const keyword = this.next();
    const scopeToken = this.peek();
    let scope: string;
    if (scopeToken.kind === 'symbol' && scopeToken.text === '*') scope = '*';
    else if (scopeToken.kind === 'identifier') scope = scopeToken.text;
    else this.fail(scopeToken, 'SYNTAX', `expected a language (e.g. js, go, java) or '*' after namespace, found ${describe(scopeToken)}`);
    this.next();
    const value = this.peek();
    if (value.kind !== 'identifier' && value.kind !== 'string') {
      this.fail(value, 'SYNTAX', `expected the namespace name after 'namespace ${scope}', found ${describe(value)}`);
    }
    this.next();
    const annotations = this.annotations();
    this.separator();
    return { scope, name: value.kind === 'string' ? value.value : value.text, annotations, span: { start: keyword.start, end: this.previousEnd() } };
  }

  private definition(): AstDefinition {
    const t = this.peek() as Token & { kind: 'identifier' };
    switch (t.text) {
      case 'const':
        return this.constDefinition();
      case 'typedef':
        return this.typedef();
      case 'enum':
        return this.enumDefinition();
      case 'senum':
        return this.senum();
      case 'struct':
      case 'union':
      case 'exception':
        return this.struct(t.text);
      case 'service':
        return this.service();
      default:
        return this.fail(t, 'SYNTAX', `expected a definition (${DEFINITION_KEYWORDS}) or a header (include, cpp_include, namespace), found ${describe(t)}`);
    }
  }

  private constDefinition(): AstDefinition {
    const keyword = this.next();
    const type = this.fieldType('the type of the constant after const');
    const name = this.declaredName('the constant name');
    this.expectSymbol('=', `after the constant name '${name.text}'`);
    const value = this.constValue();
    const annotations = this.annotations();
    this.separator();
    return { kind: 'const', name: name.text, nameSpan: name, type, value, doc: keyword.doc, annotations, span: { start: keyword.start, end: this.previousEnd() } };
  }

  private typedef(): AstDefinition {
    const keyword = this.next();
    const type = this.fieldType('the aliased type after typedef');
    const name = this.declaredName('the new type name');
    const annotations = this.annotations();
    this.separator();
    return { kind: 'typedef', name: name.text, nameSpan: name, type, doc: keyword.doc, annotations, span: { start: keyword.start, end: this.previousEnd() } };
  }

  private enumDefinition(): AstDefinition {
    const keyword = this.next();
    const name = this.declaredName('the enum name');
    this.expectSymbol('{', `to open enum ${name.text}`);
    const values: AstEnumValue[] = [];
    while (!this.isSymbol('}')) {
      const v = this.peek();
      if (v.kind !== 'identifier') this.fail(v, 'SYNTAX', `expected an enum value name or '}' in enum ${name.text}, found ${describe(v)}`);
      const valueName = this.declaredName('an enum value name');
      let value: bigint | undefined;
      let valueSpan: Span | undefined;
      if (this.eatSymbol('=')) {
        const n = this.peek();
        if (n.kind !== 'int') this.fail(n, 'SYNTAX', `expected an integer value for ${name.text}.${valueName.text}, found ${describe(n)}`);
        this.next();
        value = n.value;
        valueSpan = n;
      }
      const annotations = this.annotations();
      this.separator();
      values.push({ name: valueName.text, nameSpan: valueName, value, valueSpan, doc: v.doc, annotations });
    }
    this.next();
    const annotations = this.annotations();
    this.separator();
    return { kind: 'enum', name: name.text, nameSpan: name, values, doc: keyword.doc, annotations, span: { start: keyword.start, end: this.previousEnd() } };
  }

  private senum(): AstDefinition {
    const keyword = this.next();
    this.warn(keyword, 'DEPRECATED', "'senum' is deprecated; it is generated as a string type");
    const name = this.declaredName('the senum name');
    this.expectSymbol('{', `to open senum ${name.text}`);
    const values: { value: string; span: Span }[] = [];
    while (!this.isSymbol('}')) {
      const s = this.expectString(`a string value or '}' in senum ${name.text}`);
      values.push({ value: s.value, span: s });
      this.separator();
    }
    this.next();
    const annotations = this.annotations();
    this.separator();
    return { kind: 'senum', name: name.text, nameSpan: name, values, doc: keyword.doc, annotations, span: { start: keyword.start, end: this.previousEnd() } };
  }

  private struct(kind: 'struct' | 'union' | 'exception'): AstDefinition {
    const keyword = this.next();
    const name = this.declaredName(`the ${kind} name`);
    const xsdAll = kind !== 'exception' && this.eatWord('xsd_all') !== undefined;
    this.expectSymbol('{', `to open ${kind} ${name.text}`);
    const fields = this.fieldList('}', `${kind} ${name.text}`);
    this.next();
    const annotations = this.annotations();
    this.separator();
    return { kind, name: name.text, nameSpan: name, fields, xsdAll, doc: keyword.doc, annotations, span: { start: keyword.start, end: this.previousEnd() } };
  }

  private service(): AstDefinition {
    const keyword = this.next();
    const name = this.declaredName('the service name');
    let parent: { name: string; span: Span } | undefined;
    if (this.eatWord('extends')) {
      const p = this.expectIdentifier(`the name of the service that ${name.text} extends`);
      parent = { name: p.text, span: p };
    }
    this.expectSymbol('{', `to open service ${name.text}`);
    const functions: AstFunction[] = [];
    while (!this.isSymbol('}')) functions.push(this.serviceFunction(name.text));
    this.next();
    const annotations = this.annotations();
    this.separator();
    return { kind: 'service', name: name.text, nameSpan: name, extends: parent, functions, doc: keyword.doc, annotations, span: { start: keyword.start, end: this.previousEnd() } };
  }

  private serviceFunction(service: string): AstFunction {
    const first = this.peek();
    if (first.kind === 'eof') this.fail(first, 'SYNTAX', `expected a function or '}' to close service ${service}, found the end of the file`);
    let oneway = false;
    let onewaySpan: Span | undefined;
    if (this.isWord('oneway') || this.isWord('async')) {
      const t = this.next();
      if (t.kind === 'identifier' && t.text === 'async') this.warn(t, 'DEPRECATED', "'async' is the old spelling of 'oneway'");
      oneway = true;
      onewaySpan = t;
    }
    let returnType: AstType | undefined;
    if (this.eatWord('void') === undefined) {
      const t = this.peek();
      if (t.kind !== 'identifier') this.fail(t, 'SYNTAX', `expected a function (return type or void, then name) or '}' to close service ${service}, found ${describe(t)}`);
      returnType = this.fieldType('a return type');
    }
    const name = this.declaredName('the function name');
    this.expectSymbol('(', `to open the argument list of ${service}.${name.text}`);
    const args = this.fieldList(')', `the arguments of ${service}.${name.text}`);
    this.next();
    let throws: AstField[] = [];
    let throwsSpan: Span | undefined;
    const throwsWord = this.eatWord('throws');
    if (throwsWord) {
      this.expectSymbol('(', `after throws in ${service}.${name.text}`);
      throws = this.fieldList(')', `the throws clause of ${service}.${name.text}`);
      this.next();
      throwsSpan = { start: throwsWord.start, end: this.previousEnd() };
    }
    const annotations = this.annotations();
    this.separator();
    return { name: name.text, nameSpan: name, oneway, onewaySpan, returnType, args, throws, throwsSpan, annotations, doc: first.doc, span: { start: first.start, end: this.previousEnd() } };
  }

  /** Fields up to (not including) the closing symbol. */
  private fieldList(close: '}' | ')', context: string): AstField[] {
    const fields: AstField[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'symbol' && t.text === close) return fields;
      if (t.kind === 'eof') this.fail(t, 'SYNTAX', `expected a field or '${close}' to close ${context}, found the end of the file`);
      fields.push(this.field(context, close));
    }
  }

  private field(context: string, close: '}' | ')'): AstField {
    const first = this.peek();
    let id: number | undefined;
    let idSpan: Span = first;
    if (first.kind === 'int') {
      this.next();
      this.expectSymbol(':', `after the field id ${first.text} in ${context}`);
      if (first.value < -32768n || first.value > 32767n) {
        this.fail(first, 'FIELD_ID_RANGE', `field id ${first.text} is out of range; field ids are 16-bit (1 to 32767)`);
      }
      if (first.value <= 0n) {
        this.fail(first, 'FIELD_ID_RANGE', `field id ${first.text} is not positive; explicit field ids must be 1 to 32767 (ids below 1 are reserved for implicit numbering)`);
      }
      id = Number(first.value);
      idSpan = first;
    } else if (first.kind !== 'identifier') {
      this.fail(first, 'SYNTAX', `expected a field (id, requiredness, type, name) or '${close}' in ${context}, found ${describe(first)}`);
    }
    let requiredness: AstRequiredness = 'default';
    let requirednessSpan: Span | undefined;
    const req = this.eatWord('required') ?? this.eatWord('optional');
    if (req && req.kind === 'identifier') {
      requiredness = req.text as AstRequiredness;
      requirednessSpan = req;
    }
    const type = this.fieldType(`a field type in ${context}`);
    const reference = this.eatSymbol('&');
    const name = this.declaredName(`a field name in ${context}`);
    let defaultValue: AstConstValue | undefined;
    if (this.eatSymbol('=')) defaultValue = this.constValue();
    const xsdOptional = this.eatWord('xsd_optional') !== undefined;
    const xsdNillable = this.eatWord('xsd_nillable') !== undefined;
    let xsdAttrs: AstField[] | undefined;
    if (this.eatWord('xsd_attrs')) {
      this.expectSymbol('{', 'after xsd_attrs');
      xsdAttrs = this.fieldList('}', `the xsd_attrs of ${name.text}`);
      this.next();
    }
    const annotations = this.annotations();
    this.separator();
    return {
      id,
      idSpan,
      requiredness,
      requirednessSpan,
      type,
      name: name.text,
      nameSpan: name,
      defaultValue,
      reference,
      xsdOptional,
      xsdNillable,
      xsdAttrs,
      annotations,
      doc: first.doc,
      span: { start: first.start, end: this.previousEnd() },
    };
  }

  // ---- types ---------------------------------------------------------------------------------------------

  /** Runs `parse` one level deeper; a pathological file gets an error, not a stack overflow. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) {
      this.fail(this.peek(), 'SYNTAX', `types or constant values nested more than ${MAX_NESTING} deep; this compiler accepts at most ${MAX_NESTING} levels`);
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private fieldType(context: string): AstType {
    return this.nested(() => this.fieldTypeAt(context));
  }

  private fieldTypeAt(context: string): AstType {
    const t = this.peek();
    if (t.kind !== 'identifier') this.fail(t, 'SYNTAX', `expected ${context}, found ${describe(t)}`);
    const word = t.text;
    if (word === 'void') this.fail(t, 'SYNTAX', `'void' is only allowed as a function's return type; expected ${context}`);
    if (BASE_TYPES.has(word)) {
      this.next();
      if (word === 'slist') this.warn(t, 'DEPRECATED', "'slist' is deprecated; it is the same as 'string'");
      const annotations = this.annotations();
      return { kind: 'base', name: word as AstBaseTypeName, span: { start: t.start, end: t.end }, annotations };
    }
    if ((word === 'map' || word === 'set' || word === 'list') && (this.isSymbol('<', 1) || this.isWord('cpp_type', 1))) {
      this.next();
      let cppType = this.cppType();
      this.expectSymbol('<', `after ${word}`);
      if (word === 'map') {
        const key = this.fieldType('the key type of the map');
        this.expectSymbol(',', 'between the key and value types of the map');
        const value = this.fieldType('the value type of the map');
        this.expectSymbol('>', "to close 'map<'");
        const annotations = this.annotations();
        return { kind: 'map', key, value, cppType, span: { start: t.start, end: this.previousEnd() }, annotations };
      }
      const elem = this.fieldType(`the element type of the ${word}`);
      this.expectSymbol('>', `to close '${word}<'`);
      if (word === 'list') {
        const late = this.cppType();
        if (late !== undefined) cppType = late;
      }
      const annotations = this.annotations();
      return { kind: word, elem, cppType, span: { start: t.start, end: this.previousEnd() }, annotations };
    }
    this.next();
    // Apache only allows annotations on base and container types; thriftgo and real files put them here too.
    const annotations = this.annotations();
    if (annotations.length > 0) this.warn(annotations[0].span, 'IGNORED', `annotations on a reference to the named type '${word}' are ignored; put them on its definition`);
    return { kind: 'named', name: word, span: { start: t.start, end: t.end } };
  }

  private cppType(): string | undefined {
    if (!this.eatWord('cpp_type')) return undefined;
    return this.expectString('the C++ type after cpp_type').value;
  }

  // ---- annotations and constants -------------------------------------------------------------------------

  private annotations(): AstAnnotation[] {
    if (!this.isSymbol('(')) return [];
    this.next();
    const out: AstAnnotation[] = [];
    while (!this.eatSymbol(')')) {
      const key = this.peek();
      if (key.kind !== 'identifier') this.fail(key, 'SYNTAX', `expected an annotation name or ')', found ${describe(key)}`);
      this.next();
      let value = '1';
      if (this.eatSymbol('=')) {
        const v = this.peek();
        if (v.kind === 'string') value = v.value;
        else if (v.kind === 'int' || v.kind === 'double' || v.kind === 'identifier') value = v.text;
        else this.fail(v, 'SYNTAX', `expected the value of annotation '${key.text}' (a quoted string), found ${describe(v)}`);
        this.next();
      }
      out.push({ key: key.text, value, span: { start: key.start, end: this.previousEnd() } });
      this.separator();
    }
    return out;
  }

  private constValue(): AstConstValue {
    return this.nested(() => this.constValueAt());
  }

  private constValueAt(): AstConstValue {
    const t = this.peek();
    switch (t.kind) {
      case 'int':
        this.next();
        return { kind: 'int', value: t.value, span: t, bool: false };
      case 'double':
        this.next();
        return { kind: 'double', value: t.value, text: t.text, span: t };
      case 'string':
        this.next();
        return { kind: 'string', value: t.value, span: t };
      case 'identifier':
        this.next();
        if (t.text === 'true' || t.text === 'false') return { kind: 'int', value: t.text === 'true' ? 1n : 0n, span: t, bool: true };
        return { kind: 'identifier', name: t.text, span: t };
      case 'symbol':
        if (t.text === '[') {
          this.next();
          const elems: AstConstValue[] = [];
          while (!this.isSymbol(']')) {
            if (this.peek().kind === 'eof') this.fail(this.peek(), 'SYNTAX', "expected ']' to close the list constant, found the end of the file");
            elems.push(this.constValue());
            this.separator();
          }
          this.next();
          return { kind: 'list', elems, span: { start: t.start, end: this.previousEnd() } };
        }
        if (t.text === '{') {
          this.next();
          const entries: { key: AstConstValue; value: AstConstValue }[] = [];
          while (!this.isSymbol('}')) {
            if (this.peek().kind === 'eof') this.fail(this.peek(), 'SYNTAX', "expected '}' to close the map constant, found the end of the file");
            const key = this.constValue();
            this.expectSymbol(':', 'between a key and its value in the map constant');
            const value = this.constValue();
            entries.push({ key, value });
            this.separator();
          }
          this.next();
          return { kind: 'map', entries, span: { start: t.start, end: this.previousEnd() } };
        }
        break;
      case 'eof':
        break;
    }
    return this.fail(t, 'SYNTAX', `expected a constant value (number, string, name, [list] or {map}), found ${describe(t)}`);
  }
}
