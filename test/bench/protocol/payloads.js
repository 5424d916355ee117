'use strict';
// The benchmark's values, as thriftpoll values (plain objects, Map, Set, bigint).
//   echo-1k: Request{action, msg} with a 1 KiB msg
//   complex: a Complex of about 2 KiB: map<string,Sub> (8), list<Sub> (8), set<string> (6), nested Inner{Sub},
//            an i64 and a 32-byte binary

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
  for (let i = 0; i < 8; i++) byName.set(`key-${i}`, sub(i));
  const items = [];
  for (let i = 8; i < 16; i++) items.push(sub(i));
  const labels = new Set(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta']);
  const blob = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) blob[i] = (i * 37) & 0xff;
  return {
    byName,
    items,
    labels,
    inner: { label: 'inner-label', sub: sub(99), level: 3 },
    createdAt: 1732357800123n,
    blob,
  };
}

module.exports = { echoRequest, complex };
