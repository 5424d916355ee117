/**
 * Recognises a flush promise that is already fulfilled when flush() returns it, so that a session can do its
 * after-flush bookkeeping at once instead of in a promise reaction (one reaction, one derived promise and one
 * microtask per flush, which is per request at ping-pong loads).
 *
 * netpoll's ConnectionWriter returns one shared, fulfilled promise whenever the kernel took the whole flush at
 * once (the common case). No contract says so, so it is learnt, not assumed: a promise object that two flushes in
 * a row return is watched, and once it has been seen fulfilled it is recognised by identity — a settled promise
 * never changes state, so recognising it can never be wrong. Fresh promises (a flush still waiting for the peer,
 * a failed one, every flush of the `net` engine) are never recognised and keep the reaction path.
 *
 * One promise is learnt per process (the engine module's); until then, the last flush promise seen is held.
 */
let fulfilled: Promise<void> | undefined;
let previous: Promise<void> | undefined;
let watched: Promise<void> | undefined;

/** True when `flush` is a promise already seen fulfilled; otherwise false (and `flush` may be learnt). */
export function isKnownFulfilled(flush: Promise<void>): boolean {
  if (flush === fulfilled) return true;
  if (fulfilled === undefined) {
    if (flush === previous && flush !== watched) watch(flush);
    previous = flush;
  }
  return false;
}

function watch(flush: Promise<void>): void {
  watched = flush;
  flush.then(
    () => {
      fulfilled = flush;
      previous = watched = undefined;
    },
    // A shared rejected promise is never learnt; its rejection is the session's to handle.
    () => undefined,
  );
}
