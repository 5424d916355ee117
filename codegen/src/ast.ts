import type { Span } from './source';

/**
 * The syntax tree of one IDL file, as written: names are not resolved yet, implicit field ids and enum values are
 * not assigned yet, and every node keeps its span for diagnostics. The resolver turns a set of these into the
 * schema model (`schema.ts`).
 */

export interface AstAnnotation {
  readonly key: string;
  /** Apache's default when `= "value"` is left out is "1". */
  readonly value: string;
  readonly span: Span;
}

export type AstBaseTypeName = 'bool' | 'byte' | 'i8' | 'i16' | 'i32' | 'i64' | 'double' | 'string' | 'binary' | 'uuid' | 'slist';

export type AstType =
  | { readonly kind: 'base'; readonly name: AstBaseTypeName; readonly span: Span; readonly annotations: readonly AstAnnotation[] }
  | { readonly kind: 'list' | 'set'; readonly elem: AstType; readonly cppType: string | undefined; readonly span: Span; readonly annotations: readonly AstAnnotation[] }
  | { readonly kind: 'map'; readonly key: AstType; readonly value: AstType; readonly cppType: string | undefined; readonly span: Span; readonly annotations: readonly AstAnnotation[] }
  | { readonly kind: 'named'; readonly name: string; readonly span: Span };

export type AstConstValue =
  | { readonly kind: 'int'; readonly value: bigint; readonly span: Span; /** written as `true`/`false` */ readonly bool: boolean }
  | { readonly kind: 'double'; readonly value: number; readonly text: string; readonly span: Span }
  | { readonly kind: 'string'; readonly value: string; readonly span: Span }
  | { readonly kind: 'identifier'; readonly name: string; readonly span: Span }
  | { readonly kind: 'list'; readonly elems: readonly AstConstValue[]; readonly span: Span }
  | { readonly kind: 'map'; readonly entries: readonly { readonly key: AstConstValue; readonly value: AstConstValue }[]; readonly span: Span };

export type AstRequiredness = 'required' | 'optional' | 'default';

export interface AstField {
  /** The explicit id, if one was written. */
  readonly id: number | undefined;
  /** Span of the explicit id, or of the field's first token. */
  readonly idSpan: Span;
  readonly requiredness: AstRequiredness;
  readonly requirednessSpan: Span | undefined;
  readonly type: AstType;
  readonly name: string;
  readonly nameSpan: Span;
  readonly defaultValue: AstConstValue | undefined;
  /** C++ `&` reference marker. */
  readonly reference: boolean;
  readonly xsdOptional: boolean;
  readonly xsdNillable: boolean;
  readonly xsdAttrs: readonly AstField[] | undefined;
  readonly annotations: readonly AstAnnotation[];
  readonly doc: string | undefined;
  readonly span: Span;
}

interface AstDefinitionBase {
  readonly name: string;
  readonly nameSpan: Span;
  readonly doc: string | undefined;
  readonly annotations: readonly AstAnnotation[];
  /** From the keyword to the end of the definition. */
  readonly span: Span;
}

export interface AstTypedef extends AstDefinitionBase {
  readonly kind: 'typedef';
  readonly type: AstType;
}

export interface AstEnumValue {
  readonly name: string;
  readonly nameSpan: Span;
  /** The explicit value, if one was written. */
  readonly value: bigint | undefined;
  readonly valueSpan: Span | undefined;
  readonly doc: string | undefined;
  readonly annotations: readonly AstAnnotation[];
}

export interface AstEnum extends AstDefinitionBase {
  readonly kind: 'enum';
  readonly values: readonly AstEnumValue[];
}

export interface AstSenum extends AstDefinitionBase {
  readonly kind: 'senum';
  readonly values: readonly { readonly value: string; readonly span: Span }[];
}

export interface AstConst extends AstDefinitionBase {
  readonly kind: 'const';
  readonly type: AstType;
  readonly value: AstConstValue;
}

export interface AstStruct extends AstDefinitionBase {
  readonly kind: 'struct' | 'union' | 'exception';
  readonly fields: readonly AstField[];
  readonly xsdAll: boolean;
}

export interface AstFunction {
  readonly name: string;
  readonly nameSpan: Span;
  readonly oneway: boolean;
  readonly onewaySpan: Span | undefined;
  /** `undefined` for `void`. */
  readonly returnType: AstType | undefined;
  readonly args: readonly AstField[];
  readonly throws: readonly AstField[];
  readonly throwsSpan: Span | undefined;
  readonly annotations: readonly AstAnnotation[];
  readonly doc: string | undefined;
  readonly span: Span;
}

export interface AstService extends AstDefinitionBase {
  readonly kind: 'service';
  readonly extends: { readonly name: string; readonly span: Span } | undefined;
  readonly functions: readonly AstFunction[];
}

export type AstDefinition = AstTypedef | AstEnum | AstSenum | AstConst | AstStruct | AstService;

export interface AstInclude {
  /** The path as written in the IDL. */
  readonly path: string;
  readonly span: Span;
}

export interface AstNamespace {
  /** `*` for `namespace *`; the language for legacy forms such as `php_namespace`. */
  readonly scope: string;
  readonly name: string;
  readonly annotations: readonly AstAnnotation[];
  readonly span: Span;
}

export interface AstDocument {
  readonly doc: string | undefined;
  readonly includes: readonly AstInclude[];
  readonly cppIncludes: readonly string[];
  readonly namespaces: readonly AstNamespace[];
  readonly definitions: readonly AstDefinition[];
}
