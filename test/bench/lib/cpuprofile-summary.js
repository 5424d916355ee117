'use strict';
/**
 * Sums the self time of a V8 .cpuprofile (node --cpu-prof) by function and by area of thriftpoll.
 *
 *   node test/bench/lib/cpuprofile-summary.js FILE.cpuprofile [--top N]
 *
 * Prints the top N functions by share of samples, then the shares per area (native engine calls, transport
 * framing, protocol, generated code, server session/dispatch, ...). Shares, not times: on a shared machine
 * only the proportions are comparable between runs.
 */
const fs = require('node:fs');

/** Area of a frame, from its file and function name; the first matching rule wins. */
const AREAS = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['idle', (f) => f.functionName === '(idle)'],
  ['program (native, outside JS)', (f) => f.functionName === '(program)'],
  ['native engine calls', (f) => /packages\/netpoll\//.test(f.url) || (f.url === '' && /^(read|write|writev|flush|poll|wait|recv|send|native)/i.test(f.functionName))],
  ['transport framing', (f) => /packages\/transport\//.test(f.url)],
  ['protocol encode/decode', (f) => /packages\/protocol\//.test(f.url)],
  ['generated codec', (f) => /gen|examples\/echo\/dist/.test(f.url)],
  ['server session/dispatch', (f) => /packages\/rpc\/dist\/server\//.test(f.url)],
  ['rpc codec/other', (f) => /packages\/rpc\//.test(f.url)],
  ['promises/microtasks', (f) => /processTicksAndRejections|runMicrotasks|Promise|queueMicrotask/.test(f.functionName) || /task_queues|promise/.test(f.url)],
  ['timers', (f) => /timers/.test(f.url)],
  ['node internals', (f) => /^node:/.test(f.url)],
  ['other', () => true],
];

function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) || 0) + 1);
  const total = profile.samples.length;
  const byFunction = new Map();
  const byArea = new Map();
  for (const [id, count] of counts) {
    const frame = byId.get(id).callFrame;
    const file = frame.url.replace(/^.*\/(packages|examples|node_modules)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'}  ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) || 0) + count);
    const area = AREAS.find(([, test]) => test(frame))[0];
    byArea.set(area, (byArea.get(area) || 0) + count);
  }
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  return { total, functions: sorted(byFunction), areas: sorted(byArea) };
}

function main(argv) {
  const file = argv[0];
  if (!file) throw new Error('usage: cpuprofile-summary.js FILE.cpuprofile [--top N]');
  const top = argv[1] === '--top' ? Number(argv[2]) : 10;
  const { total, functions, areas } = summarize(JSON.parse(fs.readFileSync(file, 'utf8')));
  const idle = (areas.find(([a]) => a === 'idle') || [0, 0])[1];
  const busy = total - idle;
  const pct = (n) => `${((100 * n) / busy).toFixed(1).padStart(5)}%`;
  console.log(`${total} samples, ${busy} busy (shares below are of busy samples)`);
  console.log('\ntop functions by self time:');
  for (const [name, n] of functions.filter(([k]) => !k.startsWith('(idle)')).slice(0, top)) console.log(`${pct(n)}  ${name}`);
  console.log('\nby area:');
  for (const [area, n] of areas.filter(([a]) => a !== 'idle')) console.log(`${pct(n)}  ${area}`);
}

if (require.main === module) main(process.argv.slice(2));
module.exports = { summarize };
