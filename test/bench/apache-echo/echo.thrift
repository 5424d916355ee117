// The benchmark echo service. A copy kept with the Apache peer until the repository's idl/echo.thrift exists;
// service.js in this directory implements it by hand against Apache's npm `thrift` library.
namespace js thriftpoll.bench

struct Request {
  1: required string action
  2: required string msg
}

struct Response {
  1: required string action
  2: required string msg
}

service EchoServer {
  Response echo(1: Request req)
}
