// The JIT's command-line switches: off unless asked for, --no-jit wins,
// a bad threshold is a typed error with the switch named.
import { test } from "node:test";
import assert from "node:assert/strict";
import { jitConfigFrom, JitArgError } from "../../src/cli/jit-args.js";
import { DEFAULT_JIT_CONFIG } from "../../src/machine/jit/hart-jit.js";

test("the JIT is off unless --jit, RVPLAY_JIT=1 or a threshold asks for it; --no-jit wins", () => {
  assert.equal(jitConfigFrom({}, {}), false);
  assert.equal(jitConfigFrom({ jit: false }, { RVPLAY_JIT: "0" }), false);
  assert.deepEqual(jitConfigFrom({ jit: true }, {}), DEFAULT_JIT_CONFIG);
  assert.deepEqual(jitConfigFrom({}, { RVPLAY_JIT: "1" }), DEFAULT_JIT_CONFIG);
  assert.deepEqual(jitConfigFrom({ "jit-threshold": "1" }, {}), { ...DEFAULT_JIT_CONFIG, threshold: 1 });
  assert.deepEqual(jitConfigFrom({}, { RVPLAY_JIT_THRESHOLD: "50" }), { ...DEFAULT_JIT_CONFIG, threshold: 50 });
  assert.equal(jitConfigFrom({ jit: true, "no-jit": true, "jit-threshold": "5" }, { RVPLAY_JIT: "1" }), false);
});

test("a bad threshold is refused with the switch or variable it came from", () => {
  for (const bad of ["0", "lots", "1.5", "30001", "-3"]) {
    assert.throws(() => jitConfigFrom({ "jit-threshold": bad }, {}), (e: unknown) =>
      e instanceof JitArgError && e.message === `--jit-threshold wants a whole number from 1 to 30000, got '${bad}'`);
  }
  assert.throws(() => jitConfigFrom({}, { RVPLAY_JIT_THRESHOLD: "x" }), /RVPLAY_JIT_THRESHOLD wants a whole number/);
});
