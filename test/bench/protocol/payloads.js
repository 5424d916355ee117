'use strict';
// The benchmark's values, as thriftpoll values (plain objects, Map, Set, bigint).
//   echo-1k: Request{action, msg} with a 1 KiB msg
//   complex: a Complex of about 2 KiB (Binary): map<string,Sub> (10), list<Sub> (10), set<string> (6), a nested
//            Inner{Sub, note}, an i64 and a 32-byte binary

function sub(i) {
  return {
    id: 1000 + i,
    name: `sub-name-${i}`,
    score: i * 1.25 + 0.5,
    tags: [BigInt(i), 1700000000000n + BigInt(i), -BigInt(i * 7)],
    active: i % 2 === 0,
  };
}

function echoRequest() {
  let msg = '';
  for (let i = 0; msg.length < 1024; i++) msg += String.fromCharCode(0x61 + (i % 26));
  return { action: 'echo', msg };
}

function complex() {
  const byName = new Map();
  for (let i = 0; i < 10; i++) byName.set(`key-${i}`, sub(i));
  const items = [];
  for (let i = 10; i < 20; i++) items.push(sub(i));
  const labels = new Set(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']);
  const blob = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) blob[i] = (i * 37) & 0xff;
  return {
    byName,
    items,
    labels,
    inner: {
      label: 'inner-label',
      sub: sub(99),
      level: 3,
      note: 'A free-text note of a couple of hundred characters, the kind of description or comment field that real structs carry next to their ids and flags. It makes the payload about 2 KiB.',
    },
    createdAt: 1732357800123n,
    blob,
  };
}

module.exports = { echoRequest, complex };
