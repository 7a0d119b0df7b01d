// Console output batching and flow control, on a fake clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OutputBatcher, type Timers } from "../../src/ui/output-batcher.js";

function fakeTimers() {
  let now = 0;
  const queue: { at: number; fn: () => void }[] = [];
  const timers: Timers = { now: () => now, setTimeout: (fn, ms) => { queue.push({ at: now + ms, fn }); } };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      queue.sort((a, b) => a.at - b.at);
      const next = queue[0];
      if (!next || next.at > end) break;
      queue.shift();
      now = next.at;
      next.fn();
    }
    now = end;
  };
  return { timers, advance };
}

const bytes = (n: number, v = 1) => new Uint8Array(n).fill(v);

test("bytes pushed within one interval go out as one message", () => {
  const { timers, advance } = fakeTimers();
  const posted: Uint8Array[] = [];
  const b = new OutputBatcher((d) => posted.push(d), { intervalMs: 16, highWater: 1 << 20, lowWater: 1 << 18 }, timers);
  b.push(Uint8Array.of(1)); b.push(Uint8Array.of(2, 3)); b.push(Uint8Array.of(4));
  assert.equal(posted.length, 0);
  advance(0);
  assert.deepEqual(posted, [Uint8Array.of(1, 2, 3, 4)]);
  // The next batch waits for the rest of the interval.
  b.push(Uint8Array.of(5));
  advance(10);
  assert.equal(posted.length, 1);
  b.push(Uint8Array.of(6));
  advance(6);
  assert.deepEqual(posted[1], Uint8Array.of(5, 6));
  advance(1000);
  assert.equal(posted.length, 2);
});

test("at most one message per interval however many pushes", () => {
  const { timers, advance } = fakeTimers();
  let messages = 0;
  const b = new OutputBatcher(() => { messages++; }, { intervalMs: 16, highWater: 1e9, lowWater: 1e9 }, timers);
  for (let t = 0; t < 1000; t++) { b.push(Uint8Array.of(t & 255)); advance(1); }
  advance(100);
  assert.ok(messages <= 1000 / 16 + 2, `${messages} messages`);
});

test("the page falling behind holds the machine; catching up releases it", () => {
  const { timers, advance } = fakeTimers();
  const posted: Uint8Array[] = [];
  const holds: boolean[] = [];
  const b = new OutputBatcher((d) => posted.push(d), { intervalMs: 16, highWater: 1000, lowWater: 300 }, timers);
  b.onHold = (h) => holds.push(h);
  b.push(bytes(400)); advance(16);
  assert.equal(posted.length, 1);
  // 400 in flight (over lowWater): the next batch waits for an ack.
  b.push(bytes(400)); advance(16);
  assert.equal(posted.length, 1);
  b.push(bytes(400)); advance(16);
  assert.deepEqual(holds, [true]);   // 1200 waiting or in flight
  assert.ok(b.isHolding);
  b.ack(400); advance(16);           // the page caught up: the 800 pending go out
  assert.equal(posted.length, 2);
  assert.equal(posted[1].length, 800);
  assert.deepEqual(holds, [true]);
  b.ack(600); advance(16);
  assert.deepEqual(holds, [true, false]);
  assert.equal(b.backlog, 200);
});

test("flushNow posts at once; reset forgets the backlog", () => {
  const { timers } = fakeTimers();
  const posted: Uint8Array[] = [];
  const holds: boolean[] = [];
  const b = new OutputBatcher((d) => posted.push(d), { intervalMs: 16, highWater: 10, lowWater: 5 }, timers);
  b.onHold = (h) => holds.push(h);
  b.push(bytes(20));
  b.flushNow();
  assert.equal(posted.length, 1);
  b.reset();
  assert.equal(b.backlog, 0);
  assert.deepEqual(holds, [true, false]);
});
