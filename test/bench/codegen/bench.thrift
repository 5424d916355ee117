// The structs of the codec benchmark (the same shapes as the protocol benchmark's): a ~2 KiB Complex with a map of
// structs, a list of structs, a set, a nested struct, an i64 and a binary. The echo Request is idl/echo.thrift's.
namespace js bench

struct Sub {
  1: i32 id
  2: string name
  3: double score
  4: list<i64> tags
  5: bool active
}

struct Inner {
  1: string label
  2: Sub sub
  3: i16 level
  4: string note
}

struct Complex {
  1: map<string, Sub> byName
  2: list<Sub> items
  3: set<string> labels
  4: Inner inner
  5: i64 createdAt
  6: binary blob
}
