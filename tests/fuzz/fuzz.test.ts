// Every fuzz target, a few hundred inputs with a fixed seed, and every kept
// regression input: clear errors or accepted, never a crash or a hang.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TARGETS, SELFTEST, regressionInputs } from "./targets.js";
import { runTarget } from "./runner.js";

const COUNT = 300;

for (const target of TARGETS) {
  test(`fuzz ${target.name}: ${COUNT} inputs, no crash, no hang`, { timeout: 300_000 }, async () => {
    const r = await runTarget(target, COUNT, 20261204, { hangMs: 10_000 });
    assert.equal(r.inputs, COUNT);
    assert.deepEqual(r.failures.map((f) => `${f.kind} at ${f.index}: ${f.message.split("\n")[0]}`), []);
    assert.ok(r.errors + r.accepted === COUNT);
  });
  const kept = regressionInputs(target.name);
  if (kept.length) {
    test(`fuzz ${target.name}: ${kept.length} kept regression inputs`, { timeout: 300_000 }, async () => {
      const r = await runTarget(target, kept.length, 0, { hangMs: 10_000, inputs: kept.map((k) => k.bytes) });
      assert.deepEqual(r.failures.map((f) => `${kept[f.index].file}: ${f.kind}: ${f.message.split("\n")[0]}`), []);
    });
  }
}

test("the runner tells a hang and a crash from a clear answer, and goes on after each", { timeout: 60_000 }, async () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const r = await runTarget(SELFTEST, 0, 0, { hangMs: 1000, inputs: [enc("ok"), enc("Hang"), enc("fine"), enc("Crash"), enc("ok")] });
  assert.equal(r.inputs, 5);
  assert.equal(r.accepted, 3);
  assert.deepEqual(r.failures.map((f) => [f.index, f.kind]), [[1, "hang"], [3, "crash"]]);
  assert.match(r.failures[1].message, /TypeError: a crash/);
});
