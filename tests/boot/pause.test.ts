// The controller pauses and resumes all harts together; while paused no hart
// retires an instruction, and the guest carries on afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadCoreModule } from "../../src/node/core-module.js";
import { readBootFile, SAMPLE_DIR } from "../../src/node/boot-files.js";
import { VirtMachine, STALL_MS, type HartSpawner } from "../../src/machine/virt-machine.js";
import type { HartMessage } from "../../src/machine/hart-loop.js";
import { spawnNodeHart } from "../../src/node/harts.js";
import { MiB } from "../../src/machine/core.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("pause stops every hart between instructions and the guest clock; resume goes on", { timeout: 120_000 }, async () => {
  const m = await VirtMachine.create(await loadCoreModule(), {
    ramBytes: 128 * MiB, harts: 2, bootargs: "console=ttyS0",
    firmware: readBootFile(join(SAMPLE_DIR, "fw_dynamic.bin.gz"), "firmware"),
    kernel: readBootFile(join(SAMPLE_DIR, "Image.gz"), "kernel"),
  }, spawnNodeHart);
  let out = "";
  const seen = (re: RegExp) => re.test(out);
  m.onOutput = (b) => { out += new TextDecoder().decode(b); };
  const done = m.run();
  try {
    const until = async (re: RegExp, ms: number) => {
      const end = performance.now() + ms;
      while (!seen(re)) { if (performance.now() > end) throw new Error(`no ${re}; output:\n${out.slice(-1500)}`); await sleep(20); }
    };
    await until(/root@rvplay:[^\n]*# $/m, 60_000);
    // Keep both harts busy, then freeze them.
    m.sendInput(new TextEncoder().encode("(while :; do :; done) & (while :; do :; done) &\n"));
    await sleep(500);
    await m.pause();
    assert.equal(m.isPaused, true);
    const a = m.instructions;
    const t = m.uptimeSeconds();
    await sleep(300);
    assert.deepEqual(m.instructions, a, "no hart may retire instructions while paused");
    assert.equal(m.uptimeSeconds(), t, "the guest clock stands still while paused");
    assert.ok(a.every((n) => n > 0), `every hart ran: ${a}`);
    m.resume();
    await sleep(300);
    const b = m.instructions;
    assert.ok(b.every((n, h) => n > a[h]), `both harts run again: ${a} -> ${b}`);
    assert.ok(m.uptimeSeconds() > t);
    out = "";
    m.sendInput(new TextEncoder().encode("kill %1 %2; echo resumed-$((40 + 2))\n"));
    await until(/resumed-42/, 30_000);
    m.sendInput(new TextEncoder().encode("poweroff\n"));
    assert.deepEqual(await done, { kind: "poweroff" });
  } finally {
    m.stop();
    await done;
  }
});

test("a hart worker that fails stops the machine, and run() says why", { timeout: 60_000 }, async () => {
  // Hart 1's worker dies as if the emulator faulted in it; hart 0 is real.
  let spawned = 0;
  const failing: HartSpawner = () => {
    if (spawned++ === 0) return spawnNodeHart();
    let cb: (m: HartMessage) => void = () => {};
    return {
      start: () => { setTimeout(() => cb({ type: "ready" }), 10); setTimeout(() => cb({ type: "error", message: "RuntimeError: memory access out of bounds" }), 300); },
      onMessage: (f) => { cb = f; },
      terminate: () => {},
    };
  };
  const m = await VirtMachine.create(await loadCoreModule(), {
    ramBytes: 64 * MiB, harts: 2, bootargs: "console=ttyS0",
    firmware: readBootFile(join(SAMPLE_DIR, "fw_dynamic.bin.gz"), "firmware"),
    kernel: readBootFile(join(SAMPLE_DIR, "Image.gz"), "kernel"),
  }, failing);
  const ev = await m.run();
  assert.deepEqual(ev, { kind: "error", message: "hart 1 stopped: RuntimeError: memory access out of bounds" });
});

test("the watchdog says when a hart stops answering, and stop() still ends the machine", { timeout: 60_000 }, async () => {
  // Hart 1's worker says it is ready, then never goes round its loop again
  // (as a hart stuck inside the core would); hart 0 is real.
  let spawned = 0;
  const stuck: HartSpawner = () => {
    if (spawned++ === 0) return spawnNodeHart();
    let cb: (m: HartMessage) => void = () => {};
    return { start: () => { setTimeout(() => cb({ type: "ready" }), 10); }, onMessage: (f) => { cb = f; }, terminate: () => {} };
  };
  const m = await VirtMachine.create(await loadCoreModule(), {
    ramBytes: 64 * MiB, harts: 2, bootargs: "console=ttyS0",
    firmware: readBootFile(join(SAMPLE_DIR, "fw_dynamic.bin.gz"), "firmware"),
    kernel: readBootFile(join(SAMPLE_DIR, "Image.gz"), "kernel"),
  }, stuck);
  const stalls: [number, number][] = [];
  m.onStall = (hart, ms) => stalls.push([hart, ms]);
  const done = m.run();
  const t0 = performance.now();
  while (stalls.length === 0 && performance.now() - t0 < 20_000) await sleep(100);
  assert.equal(stalls.length, 1, "one report");
  assert.equal(stalls[0][0], 1, "about hart 1 (hart 0 goes round its loop)");
  assert.ok(stalls[0][1] >= STALL_MS, `after ${stalls[0][1]} ms`);
  m.stop();
  assert.equal(await done, undefined);
});
