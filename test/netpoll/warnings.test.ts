import { spawnSync } from 'node:child_process';

import { compileFlags, compiler, nativeFiles } from './native-compile';

/**
 * The native sources compile with -Wall -Wextra and no warnings (CONTRIBUTING.md), with io_uring and without it
 * (THRIFTPOLL_NO_URING: what a build on a too-old <linux/io_uring.h> compiles, see native/src/uring_config.h).
 * The build itself does not use -Werror (a newer compiler's new warning must not break a user's npm install);
 * this test does.
 */

function syntaxCheck(extra: string[]): void {
  const files = nativeFiles();
  expect(files.length).toBeGreaterThanOrEqual(6);
  const result = spawnSync(compiler, [...compileFlags(), '-fsyntax-only', ...extra, ...files], { encoding: 'utf8', timeout: 110_000 });
  if (result.error !== undefined) throw new Error(`could not run ${compiler}: ${result.error.message}`);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}

test('native sources compile with -Wall -Wextra -Werror', () => syntaxCheck([]), 120_000);

test('native sources compile with -Wall -Wextra -Werror without io_uring (THRIFTPOLL_NO_URING)', () => syntaxCheck(['-DTHRIFTPOLL_NO_URING']), 120_000);
