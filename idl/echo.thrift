/**
 * The echo service of the thriftpoll demo and benchmarks.
 *
 * Same shape as the Kitex echo benchmark: a request and a response with an `action` and a `msg`.
 */
namespace go echo
namespace java thriftpoll.echo
namespace js echo
namespace py echo

/** What the client sends. */
struct Request {
  /** What to do; the demo server echoes it back. */
  1: required string action
  /** The payload. */
  2: required string msg
}

/** What the server answers. */
struct Response {
  1: required string action
  2: required string msg
}

service EchoServer {
  /** Answers with the request's action and msg. */
  Response echo(1: Request req)
}
