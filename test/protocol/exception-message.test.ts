import { exceptionMessage } from '@thriftpoll/protocol';

/** The Error message of generated exceptions without an IDL `message` field (see docs/codegen.md, Exceptions). */
describe('exceptionMessage', () => {
  test('set fields as name=value, strings quoted, absent fields left out', () => {
    expect(exceptionMessage([['whatOp', 4], ['why', 'Cannot divide by 0'], ['note', undefined], ['other', null]])).toBe('whatOp=4 why="Cannot divide by 0"');
    expect(exceptionMessage([])).toBe('');
    expect(exceptionMessage([['a', undefined]])).toBe('');
  });

  test('every value type reads naturally', () => {
    const message = exceptionMessage([
      ['big', -(2n ** 63n)],
      ['flag', false],
      ['blob', Buffer.from([1, 2, 3])],
      ['list', [1, 2]],
      ['set', new Set(['a'])],
      ['map', new Map([['k', 1.5]])],
      ['inner', { id: 7, label: 'x', missing: undefined }],
      ['nan', Number.NaN],
    ]);
    expect(message).toBe('big=-9223372036854775808 flag=false blob=<3 bytes> list=[1, 2] set=["a"] map={"k": 1.5} inner={id=7 label="x"} nan=NaN');
  });

  test('long values are cut, deep values elided', () => {
    const message = exceptionMessage([['text', 'x'.repeat(500)], ['deep', { a: { b: { c: 1 } } }]]);
    expect(message).toBe(`text="${'x'.repeat(119)}... deep={a={b={...}}}`);
  });
});
