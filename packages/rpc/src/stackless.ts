/**
 * Builds an error without capturing a stack trace. For errors made per request on the hot paths of a refusal
 * (a server answering over a limit, a client decoding that answer): their stack would only show the runtime's
 * own frames, and capturing it costs more than serving a call — which would make refusing under overload more
 * expensive than serving.
 */
export function stackless<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
