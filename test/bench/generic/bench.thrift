// The protocol benchmark's structs (test/bench/protocol/thriftpoll-codecs.js), for the generic codecs.
struct Request { 1: string action, 2: string msg }
struct Sub { 1: i32 id, 2: string name, 3: double score, 4: list<i64> tags, 5: bool active }
struct Inner { 1: string label, 2: Sub sub, 3: i16 level, 4: string note }
struct Complex {
  1: map<string, Sub> byName
  2: list<Sub> items
  3: set<string> labels
  4: Inner inner
  5: i64 createdAt
  6: binary blob
}
