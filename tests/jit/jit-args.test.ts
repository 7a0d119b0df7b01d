// The JIT's command-line switches: on by default, --no-jit wins,
// RVPLAY_JIT=0 turns it off unless a switch asks for it, a bad threshold is
// a typed error with the switch named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jitConfigFrom, JitArgError } from "../../src/cli/jit-args.js";
import { DEFAULT_JIT_CONFIG } from "../../src/machine/jit/hart-jit.js";

test("the JIT is on unless --no-jit or RVPLAY_JIT=0 turns it off; --no-jit wins", () => {
  assert.deepEqual(jitConfigFrom({}, {}), DEFAULT_JIT_CONFIG);
  assert.equal(jitConfigFrom({ "no-jit": true }, {}), false);
  assert.equal(jitConfigFrom({ jit: false }, { RVPLAY_JIT: "0" }), false);
  assert.deepEqual(jitConfigFrom({ jit: true }, { RVPLAY_JIT: "0" }), DEFAULT_JIT_CONFIG);
  assert.deepEqual(jitConfigFrom({ "jit-threshold": "7" }, { RVPLAY_JIT: "0" }), { ...DEFAULT_JIT_CONFIG, threshold: 7 });
  assert.deepEqual(jitConfigFrom({ jit: true }, {}), DEFAULT_JIT_CONFIG);
  assert.deepEqual(jitConfigFrom({}, { RVPLAY_JIT: "1" }), DEFAULT_JIT_CONFIG);
  assert.deepEqual(jitConfigFrom({ "jit-threshold": "1" }, {}), { ...DEFAULT_JIT_CONFIG, threshold: 1 });
  assert.deepEqual(jitConfigFrom({}, { RVPLAY_JIT_THRESHOLD: "50" }), { ...DEFAULT_JIT_CONFIG, threshold: 50 });
  assert.equal(jitConfigFrom({ jit: true, "no-jit": true, "jit-threshold": "5" }, { RVPLAY_JIT: "1" }), false);
});

test("a bad threshold is refused with the switch or variable it came from", () => {
  for (const bad of ["0", "lots", "1.5", "10000001", "-3"]) {
    assert.throws(() => jitConfigFrom({ "jit-threshold": bad }, {}), (e: unknown) =>
      e instanceof JitArgError && e.message === `--jit-threshold wants a whole number from 1 to 10000000, got '${bad}'`);
  }
  assert.throws(() => jitConfigFrom({}, { RVPLAY_JIT_THRESHOLD: "x" }), /RVPLAY_JIT_THRESHOLD wants a whole number/);
});
