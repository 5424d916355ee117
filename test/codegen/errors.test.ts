import { formatDiagnostic, IdlError, loadSchema, memoryHost, type Diagnostic } from '@thriftpoll/codegen';

/**
 * Each class of IDL mistake gives an error with the right code, at the right file:line:column, with a message
 * that says what was seen and what was expected. Files are in memory (paths shown relative to '/').
 */

function errorsOf(files: Record<string, string>, roots = [Object.keys(files)[0]], includeDirs: string[] = []): Diagnostic[] {
  try {
    loadSchema(roots, { host: memoryHost(files), includeDirs });
  } catch (e) {
    if (e instanceof IdlError) return [...e.errors];
    throw e;
  }
  throw new Error('expected the IDL to have errors');
}

/** The one error of a single-file IDL, as `line:column code message`. */
function single(idl: string): string {
  const errors = errorsOf({ '/t.thrift': idl });
  expect(errors).toHaveLength(1);
  const e = errors[0];
  expect(e.file).toBe('t.thrift');
  return `${e.line}:${e.column} ${e.code} ${e.message}`;
}

describe('lexical errors', () => {
  test.each([
    ['a character that is not Thrift', 'struct S {\n  1: i32 @x\n}', "2:10 BAD_CHARACTER unexpected character \"@\"; expected a name, a number, a string or one of { } ( ) [ ] < > , ; : = * &"],
    ['a string not closed on its line', 'const string S = "abc\n', '1:18 UNTERMINATED string literal is not closed on its line; expected a closing quote (use \\n for a line break)'],
    ['a string not closed before the end', "const string S = 'abc", '1:18 UNTERMINATED string literal is never closed; expected a closing quote before the end of the file'],
    ['an unknown escape', 'const string S = "a\\qb"', '1:20 BAD_ESCAPE unknown escape "\\\\q" in string literal; expected one of \\\\ \\" \\\' \\n \\r \\t \\uXXXX'],
    ['a short \\u escape', 'const string S = "\\u12"', '1:19 BAD_ESCAPE bad escape "\\\\u12\\""; expected \\u followed by 4 hex digits'],
    ['a comment never closed', 'struct S {}\n/* open', '2:1 UNTERMINATED comment opened here is never closed; expected "*/" before the end of the file'],
    ['a number running into a name', 'const i32 X = 12ab', '1:15 BAD_NUMBER malformed number "12ab"; expected digits, optionally with a fraction and an exponent (e.g. 1.5e-3)'],
    ['a hex prefix without digits', 'const i32 X = 0x', '1:15 BAD_NUMBER hex constant "0x" has no digits; expected e.g. 0x1F'],
    ['a sign alone', 'const i32 X = -', '1:15 BAD_CHARACTER unexpected "-"; a sign must be followed by a number'],
  ])('%s', (_what, idl, expected) => {
    expect(single(idl)).toBe(expected);
  });
});

describe('syntax errors', () => {
  test.each([
    ['a struct never closed', 'struct S {\n  1: i32 x\n', "3:1 SYNTAX expected a field or '}' to close struct S, found the end of the file"],
    ['a missing name', 'struct {\n}', "1:8 SYNTAX expected the struct name, found '{'"],
    ['something that is not a definition', 'strct S {}', "1:1 SYNTAX expected a definition (struct, union, exception, enum, senum, typedef, const or service) or a header (include, cpp_include, namespace), found 'strct'"],
    ['a field id without colon', 'struct S { 1 i32 x }', "1:14 SYNTAX expected ':' after the field id 1 in struct S, found 'i32'"],
    ['an unclosed container type', 'struct S { 1: map<string, i32 x }', "1:31 SYNTAX expected '>' to close 'map<', found 'x'"],
    ['void as a field type', 'struct S { 1: void x }', "1:15 SYNTAX 'void' is only allowed as a function's return type; expected a field type in struct S"],
    ['an enum value that is not an integer', 'enum E { A = "x" }', "1:14 SYNTAX expected an integer value for E.A, found string \"x\""],
    ['a const without a value', 'const i32 X =', '1:14 SYNTAX expected a constant value (number, string, name, [list] or {map}), found the end of the file'],
    ['a map constant missing a colon', 'const map<i32,i32> M = { 1 2 }', "1:28 SYNTAX expected ':' between a key and its value in the map constant, found number 2"],
    ['a dotted declared name', 'struct a.b {}', "1:8 BAD_NAME the name 'a.b' contains '.'; declared names must be plain identifiers (dots only appear in references such as shared.Item)"],
    ['a field id out of range', 'struct S { 40000: i32 x }', '1:12 FIELD_ID_RANGE field id 40000 is out of range; field ids are 16-bit (1 to 32767)'],
    ['a zero field id', 'struct S { 0: i32 x }', '1:12 FIELD_ID_RANGE field id 0 is not positive; explicit field ids must be 1 to 32767 (ids below 1 are reserved for implicit numbering)'],
    ['a negative field id', 'struct S { -1: i32 x }', '1:12 FIELD_ID_RANGE field id -1 is not positive; explicit field ids must be 1 to 32767 (ids below 1 are reserved for implicit numbering)'],
    ['a missing throws parenthesis', 'service S { void f() throws 1: E e }', "1:29 SYNTAX expected '(' after throws in S.f, found number 1"],
  ])('%s', (_what, idl, expected) => {
    expect(single(idl)).toBe(expected);
  });
});

describe('names and types', () => {
  test('an unknown type, with a suggestion', () => {
    expect(single('struct Request {}\nstruct S {\n  1: Reqest r\n}')).toBe("3:6 UNKNOWN_TYPE unknown type 'Reqest'; did you mean 'Request'?");
  });

  test('a type of a module that is not included', () => {
    const errors = errorsOf({ '/a.thrift': 'include "b.thrift"\nstruct A { 1: c.C x }', '/b.thrift': 'include "c.thrift"', '/c.thrift': 'struct C {}' });
    expect(errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.message}`)).toEqual([
      'a.thrift:2:15 unknown type \'c.C\'; a.thrift does not include c.thrift (add: include "c.thrift")',
    ]);
  });

  test('a constant or a service used as a type', () => {
    expect(single('const i32 X = 1\nstruct S { 1: X x }')).toBe(
      "2:15 NOT_A_TYPE 'X' is a constant, not a type; expected a base type, a container, or the name of a struct, union, exception, enum or typedef",
    );
    expect(single('service Svc {}\nstruct S { 1: list<Svc> x }')).toMatch(/^2:20 NOT_A_TYPE 'Svc' is a service, not a type/);
  });

  test('the same name defined twice in a file, with a note at the first one', () => {
    const [e] = errorsOf({ '/t.thrift': 'struct A {}\nenum A { X }' });
    expect(`${e.line}:${e.column} ${e.code} ${e.message}`).toBe("2:6 DUPLICATE_DEFINITION 'A' is already defined in t.thrift (as a struct); every definition in a file needs its own name");
    expect(e.related).toEqual([{ file: 't.thrift', line: 1, column: 8, message: "first definition of 'A'" }]);
  });

  test('a typedef cycle', () => {
    expect(single('typedef B A\ntypedef A B')).toBe("1:11 CIRCULAR_TYPEDEF typedef 'A' refers to itself through a chain of typedefs; a typedef must end in a real type");
  });

  test('__proto__ cannot be a name', () => {
    expect(single('struct S { 1: i32 __proto__ }')).toBe("1:19 BAD_NAME the name '__proto__' cannot be used: it is the prototype accessor of every JavaScript object");
  });
});

describe('fields', () => {
  test('a duplicate field id, with a note at the first', () => {
    const [e] = errorsOf({ '/t.thrift': 'struct S {\n  1: i32 a\n  1: string b\n}' });
    expect(`${e.line}:${e.column} ${e.code} ${e.message}`).toBe("3:3 DUPLICATE_FIELD_ID field id 1 is used twice in struct S ('a' and 'b'); every field needs its own id");
    expect(e.related[0]).toMatchObject({ line: 2, column: 3, message: "'a' has id 1" });
  });

  test('a duplicate field name', () => {
    expect(single('struct S {\n  1: i32 a\n  2: string a\n}')).toBe("3:13 DUPLICATE_FIELD_NAME struct S already has a field named 'a'");
  });

  test('duplicates among arguments and exceptions', () => {
    expect(single('service S { void f(1: i32 a, 1: i32 b) }')).toBe("1:30 DUPLICATE_FIELD_ID field id 1 is used twice in the arguments of S.f ('a' and 'b'); every field needs its own id");
  });

  test('an empty union', () => {
    expect(single('union U {}')).toBe('1:7 EMPTY_UNION union U has no fields; a union value must set exactly one field');
  });
});

describe('includes', () => {
  test('an include that cannot be found lists where it was looked for', () => {
    const errors = errorsOf({ '/p/a.thrift': 'include "nope.thrift"' }, ['/p/a.thrift'], ['/inc']);
    expect(errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.code} ${e.message}`)).toEqual([
      'p/a.thrift:1:1 INCLUDE_NOT_FOUND cannot find included file "nope.thrift"; looked in p, inc',
    ]);
    const noDirs = errorsOf({ '/a.thrift': 'include "x/nope.thrift"' });
    expect(noDirs[0].message).toBe('cannot find included file "x/nope.thrift"; looked in . (add directories with -I)');
  });

  test('circular includes are reported at the include that closes the cycle', () => {
    const errors = errorsOf({
      '/a.thrift': 'include "b.thrift"\nstruct A {}',
      '/b.thrift': 'struct B {}\ninclude "c.thrift"',
      '/c.thrift': 'include "a.thrift"',
    });
    expect(errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.code} ${e.message}`)).toEqual([
      'c.thrift:1:1 CIRCULAR_INCLUDE circular include: a.thrift -> b.thrift -> c.thrift -> a.thrift; Thrift files must not include each other in a cycle',
    ]);
  });

  test('a file including itself', () => {
    expect(errorsOf({ '/a.thrift': 'include "a.thrift"' })[0].message).toBe('circular include: a.thrift -> a.thrift; Thrift files must not include each other in a cycle');
  });

  test('two different files with the same module name', () => {
    const errors = errorsOf({ '/a.thrift': 'include "x/shared.thrift"\ninclude "y/shared.thrift"', '/x/shared.thrift': '', '/y/shared.thrift': '' });
    expect(`${errors[0].file}:${errors[0].line}:${errors[0].column} ${errors[0].code}`).toBe('a.thrift:2:1 MODULE_NAME_CLASH');
    expect(errors[0].message).toBe("two different IDL files have the module name 'shared': x/shared.thrift and y/shared.thrift; generated modules are named after their IDL file, so rename one of them");
  });

  test('syntax errors in several files are all reported', () => {
    const errors = errorsOf({ '/a.thrift': 'struct {', '/b.thrift': 'enum E {' }, ['/a.thrift', '/b.thrift']);
    expect(errors.map((e) => `${e.file}:${e.line}`)).toEqual(['a.thrift:1', 'b.thrift:1']);
  });
});

describe('constants that do not fit their type', () => {
  test.each([
    ['i8 overflow', 'const i8 X = 300', '1:14 CONST_OUT_OF_RANGE value 300 does not fit type i8 (-128 to 127)'],
    ['i16 underflow', 'const i16 X = -32769', '1:15 CONST_OUT_OF_RANGE value -32769 does not fit type i16 (-32768 to 32767)'],
    ['i32 overflow (hex)', 'const i32 X = 0x80000000', '1:15 CONST_OUT_OF_RANGE value 2147483648 does not fit type i32 (-2147483648 to 2147483647)'],
    ['beyond i64', 'const i64 X = 9223372036854775808', '1:15 CONST_OUT_OF_RANGE value 9223372036854775808 does not fit type i64 (-9223372036854775808 to 9223372036854775807)'],
    ['a double for an integer', 'const i32 X = 1.5', '1:15 CONST_TYPE_MISMATCH expected an integer for type i32, found double 1.5'],
    ['a double beyond the double range', 'const double X = 1e400', '1:18 CONST_OUT_OF_RANGE value 1e400 does not fit type double (largest finite double is about 1.8e308)'],
    ['a number for a string', 'const string X = 1', '1:18 CONST_TYPE_MISMATCH expected a quoted string for type string, found integer 1'],
    ['2 for a bool', 'const bool X = 2', '1:16 CONST_TYPE_MISMATCH expected true or false (or 1 or 0) for type bool, found integer 2'],
    ['a bad uuid', 'const uuid X = "123"', '1:16 CONST_TYPE_MISMATCH expected a UUID string such as "123e4567-e89b-12d3-a456-426614174000" (or in braces, "{...}") for type uuid, found string "123"'],
    ['an enum number that is not a value', 'enum E { A = 1, B = 2 }\nconst E X = 3', '2:13 CONST_OUT_OF_RANGE enum E has no value 3 (values: A = 1, B = 2)'],
    ['an unknown enum value name', 'enum E { A }\nconst E X = E.C', "2:13 UNKNOWN_CONSTANT unknown constant 'E.C'; expected a value of type E"],
    ['a value of another enum', 'enum E { A }\nenum F { B }\nconst E X = F.B', "3:13 CONST_TYPE_MISMATCH 'F.B' is a value of enum F, but type E is expected"],
    ['a wrong list element', 'const list<i32> X = [1, "two", 3]', '1:25 CONST_TYPE_MISMATCH expected an integer for type i32, found string "two"'],
    ['a list for a map', 'const map<string, i32> X = [1]', '1:28 CONST_TYPE_MISMATCH expected a map {key: value, ...} for type map<string, i32>, found a list [...]'],
    ['a duplicate map key', 'const map<string, i32> X = { "a": 1, "a": 2 }', '1:38 CONST_DUPLICATE_KEY duplicate key string "a" in a constant of type map<string, i32>'],
    ['a duplicate set element', 'const set<i32> X = [1, 1]', '1:24 CONST_DUPLICATE_KEY duplicate element integer 1 in a constant of type set<i32>; set elements are unique'],
    ['an unknown struct field', 'struct P { 1: i32 x }\nconst P X = { "y": 1 }', "2:15 CONST_TYPE_MISMATCH struct P has no field 'y'"],
    ['a misspelt struct field', 'struct P { 1: i32 count }\nconst P X = { "cuont": 1 }', "2:15 CONST_TYPE_MISMATCH struct P has no field 'cuont'; did you mean 'count'?"],
    ['a missing required field', 'struct P { 1: required i32 x; 2: required i32 y = 0 }\nconst P X = {}', "2:13 CONST_MISSING_FIELD a constant of struct P is missing required field 'x'"],
    ['a union constant with two members', 'union U { 1: i32 a; 2: i32 b }\nconst U X = { "a": 1, "b": 2 }', '2:13 CONST_TYPE_MISMATCH a constant of union U must set exactly one field, found 2'],
    ['a field default of the wrong type', 'struct S { 1: i32 x = "one" }', '1:23 CONST_TYPE_MISMATCH expected an integer for type i32, found string "one"'],
    ['a senum value that is not listed', 'senum F { "a" }\nconst F X = "b"', '2:13 CONST_TYPE_MISMATCH "b" is not a value of senum F ("a")'],
  ])('%s', (_what, idl, expected) => {
    expect(single(idl)).toBe(expected);
  });

  test('a reference to a constant of another type is reported at the reference', () => {
    expect(single('const string S = "x"\nconst i32 I = S')).toBe("2:15 CONST_TYPE_MISMATCH constant 'S' does not fit here: expected an integer for type i32, found string \"x\"");
    expect(single('const i64 BIG = 5000000000\nconst i32 SMALL = BIG')).toBe("2:19 CONST_OUT_OF_RANGE constant 'BIG' does not fit here: value 5000000000 does not fit type i32 (-2147483648 to 2147483647)");
  });

  test('an unknown constant, and constants defined in terms of each other', () => {
    expect(single('const i32 LIMIT = 1\nconst i32 B = LIMTI')).toBe("2:15 UNKNOWN_CONSTANT unknown constant 'LIMTI'; did you mean 'LIMIT'?; expected a value of type i32");
    expect(single('const i32 A = B\nconst i32 B = A')).toBe("2:15 CIRCULAR_CONSTANT constant 'A' is defined in terms of itself (A -> B -> A)");
  });
});

describe('enums', () => {
  test.each([
    ['a value beyond i32', 'enum E { A = 2147483648 }', '1:14 ENUM_VALUE_RANGE enum value E.A = 2147483648 does not fit i32 (-2147483648 to 2147483647); enum values are sent as i32'],
    ['an implicit value past i32', 'enum E { A = 2147483647, B }', "1:26 ENUM_VALUE_RANGE implicit enum value E.B would be 2147483648, past the i32 maximum 2147483647; give it an explicit value"],
    ['a value name used twice', 'enum E { A, B, A }', '1:16 DUPLICATE_ENUM_VALUE enum E already has a value named \'A\''],
  ])('%s', (_what, idl, expected) => {
    expect(single(idl)).toBe(expected);
  });
});

describe('services', () => {
  test.each([
    ['extends an unknown service', 'service S extends Nope {}', "1:19 UNKNOWN_SERVICE service S extends unknown service 'Nope'"],
    ['extends a struct', 'struct B {}\nservice S extends B {}', "2:19 UNKNOWN_SERVICE service S extends 'B' is a struct, not a service"],
    ['a function defined twice', 'service S {\n  void f()\n  i32 f()\n}', "3:7 DUPLICATE_FUNCTION service S already has a function named 'f'"],
    ['a function its parent already has', 'service P { void f() }\nservice S extends P { void f() }', "2:28 DUPLICATE_FUNCTION function 'f' of service S is already defined by its parent service P; Thrift has no overriding, so give it another name"],
    ['a oneway function returning a value', 'service S { oneway i32 f() }', '1:20 BAD_ONEWAY oneway function S.f must return void; a oneway call gets no reply to carry a value'],
    ['a oneway function with throws', 'exception E {}\nservice S { oneway void f() throws (1: E e) }', '2:29 BAD_ONEWAY oneway function S.f cannot declare exceptions; a oneway call gets no reply to carry them'],
    ['throws a struct', 'struct E {}\nservice S { void f() throws (1: E e) }', "2:33 THROWS_NOT_EXCEPTION 'e' in the throws clause of S.f has type E, which is not an exception; a throws clause lists exceptions only"],
    ['an exception named success', 'exception E {}\nservice S { i32 f() throws (1: E success) }', "2:34 DUPLICATE_FIELD_NAME an exception in the throws clause of S.f is named 'success', which is the result's return-value field (id 0); rename it"],
  ])('%s', (_what, idl, expected) => {
    expect(single(idl)).toBe(expected);
  });

  test('a cycle of extends across services', () => {
    const errors = errorsOf({ '/t.thrift': 'service A extends B {}\nservice B extends A {}' });
    expect(errors.map((e) => `${e.line}:${e.column} ${e.code}`)).toEqual(['1:19 CIRCULAR_EXTENDS', '2:19 CIRCULAR_EXTENDS']);
  });
});

describe('reporting', () => {
  test('every error of a file is reported, not just the first', () => {
    const errors = errorsOf({ '/t.thrift': 'struct S {\n  1: Foo a\n  2: Bar b\n  3: i8 c = 1000\n}' });
    expect(errors.map((e) => `${e.line}:${e.column} ${e.code}`)).toEqual(['2:6 UNKNOWN_TYPE', '3:6 UNKNOWN_TYPE', '4:13 CONST_OUT_OF_RANGE']);
  });

  test('the formatted message shows file:line:column, the line, and a caret under the offending text', () => {
    const [e] = errorsOf({ '/idl/t.thrift': 'struct Request {}\nstruct S {\n\t1: required Reqest req\n}' });
    expect(formatDiagnostic(e)).toBe(
      [
        "idl/t.thrift:3:14: error UNKNOWN_TYPE: unknown type 'Reqest'; did you mean 'Request'?",
        '    3 | \t1: required Reqest req',
        '      | \t            ^^^^^^',
      ].join('\n'),
    );
  });

  test('notes point at related places', () => {
    const [e] = errorsOf({ '/t.thrift': 'struct A {}\nstruct A {}' });
    expect(formatDiagnostic(e).split('\n')[3]).toBe("      = note: first definition of 'A' (t.thrift:1:8)");
  });

  test('the IdlError message holds every error and a count; warnings are kept apart', () => {
    let caught: IdlError | undefined;
    try {
      loadSchema(['/t.thrift'], { host: memoryHost({ '/t.thrift': 'struct S {\n  Foo a\n  Bar b\n}' }) });
    } catch (e) {
      caught = e as IdlError;
    }
    expect(caught).toBeInstanceOf(IdlError);
    expect(caught!.code).toBe('IDL_ERROR');
    expect(caught!.errors).toHaveLength(2);
    expect(caught!.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.code)).toEqual(['IMPLICIT_FIELD_ID', 'IMPLICIT_FIELD_ID']);
    expect(caught!.message).toMatch(/t\.thrift:2:3: error UNKNOWN_TYPE[\s\S]*t\.thrift:3:3: error UNKNOWN_TYPE[\s\S]*\n\n2 errors$/);
  });

  test('a pathological file stops at 100 errors', () => {
    const fields = Array.from({ length: 300 }, (_, i) => `  ${i + 1}: Missing${i} f${i}`).join('\n');
    expect(errorsOf({ '/t.thrift': `struct S {\n${fields}\n}` })).toHaveLength(100);
  });
});

describe('pathological input', () => {
  test('deep nesting is an error, not a stack overflow', () => {
    const deepType = `struct S { 1: ${'list<'.repeat(5000)}i32${'>'.repeat(5000)} x }`;
    expect(single(deepType)).toMatch(/^1:\d+ SYNTAX types or constant values nested more than 100 deep; this compiler accepts at most 100 levels$/);
    const deepValue = `const list<i32> X = ${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(single(deepValue)).toMatch(/SYNTAX types or constant values nested more than 100 deep/);
  });

  test('binary garbage is a clear lexical error', () => {
    expect(single('\u0000\u0001\u0002')).toBe('1:1 BAD_CHARACTER unexpected character "\\u0000"; expected a name, a number, a string or one of { } ( ) [ ] < > , ; : = * &');
  });
});
