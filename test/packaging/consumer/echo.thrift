include "shared.thrift"

struct Request { 1: required string action; 2: required string msg; 3: optional shared.Stamp stamp }
struct Response { 1: required string action; 2: required string msg }
service EchoServer { Response echo(1: Request req) throws (1: shared.Refused refused) }
