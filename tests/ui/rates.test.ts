// Per-vCPU MIPS from cumulative instruction counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MipsMeter, countsReset } from "../../src/ui/rates.js";

test("MIPS per hart over each interval, and a bounded history", () => {
  const m = new MipsMeter(3);
  assert.equal(m.add({ t: 0, instructions: [0, 0] }), undefined);
  assert.deepEqual(m.add({ t: 500, instructions: [50e6, 25e6] }), [100, 50]);
  assert.deepEqual(m.add({ t: 1000, instructions: [100e6, 25e6] }), [100, 0]);
  m.add({ t: 1500, instructions: [110e6, 30e6] });
  m.add({ t: 2000, instructions: [120e6, 35e6] });
  assert.deepEqual(m.history, [[100, 20, 20], [0, 10, 10]]);
});

test("a reset (counts go down) or a new hart count measures nothing and clears the chart", () => {
  const m = new MipsMeter();
  m.add({ t: 0, instructions: [0] });
  m.add({ t: 500, instructions: [10e6] });
  assert.equal(m.add({ t: 1000, instructions: [1e6] }), undefined);
  assert.deepEqual(m.add({ t: 1500, instructions: [6e6] }), [10]);
  assert.equal(m.add({ t: 2000, instructions: [7e6, 1e6] }), undefined);
  assert.deepEqual(m.history, []);
  assert.equal(m.add({ t: 2000, instructions: [8e6, 1e6] }), undefined); // no time passed
});

test("countsReset", () => {
  assert.equal(countsReset(undefined, [1]), false);
  assert.equal(countsReset([5, 5], [9, 2]), false);
  assert.equal(countsReset([5, 5], [1, 2]), true);
  assert.equal(countsReset([5], [1, 2]), false);
});
