// A hostile guest (tests/hostile): M-mode code on every hart that reads,
// writes, jumps into and translates through every corner of the physical
// address space, at every width and misaligned, with atomics on devices,
// and hands the virtio devices queues of malformed descriptors. It checks
// each access's outcome against the spec and the board itself and reports
// through the sifive,test device. The host must give the right faults,
// stay responsive and end cleanly.
import { spawn } from "node:child_process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "./console.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const hostile = join(root, "tests", "hostile", "bin", "hostile.elf");

function scratchDisk(): string {
  const file = join(mkdtempSync(join(tmpdir(), "rvplay-hostile-")), "disk.img");
  const fd = openSync(file, "w");
  ftruncateSync(fd, 1 << 20);
  closeSync(fd);
  return file;
}

test("a hostile guest gets the faults the spec says, breaks no device and the host stays whole", { timeout: 240_000 }, async () => {
  // Two harts sharing the sweep, and a disk, so virtio-blk gets the
  // malformed queues too (beside the network card, the console and the
  // entropy source).
  const c = Console.spawn(process.execPath, [cli, "boot", "--firmware", hostile, "--disk", scratchDisk(), "--cpus", "2", "--mem", "64"], "rvplay boot (hostile)");
  try {
    const code = await c.exited;
    const out = c.output;
    assert.match(out, /hostile: 2 harts, RAM ends at 0x0000000084000000/);
    // Every virtio device saw the malformed queues and flagged itself.
    const slots = [...out.matchAll(/virtio slot (\d) device (\d+): (NEEDS_RESET|still running)/g)];
    assert.deepEqual(slots.map((m) => m[2]).sort(), ["1", "2", "3", "4"], out);
    for (const m of slots) assert.equal(m[3], "NEEDS_RESET", `virtio device ${m[2]} should set DEVICE_NEEDS_RESET:\n${out}`);
    for (const hart of [0, 1]) {
      const m = new RegExp(`hart ${hart}: (\\d+) pages, (\\d+) accesses, (\\d+) faults, (\\d+) mismatches`).exec(out);
      assert.ok(m, `hart ${hart} reported:\n${out}`);
      assert.ok(Number(m[2]) > 500_000 && Number(m[3]) > 400_000, `hart ${hart} did its share: ${m[0]}`);
      assert.equal(m[4], "0", `hart ${hart}:\n${out}`);
    }
    assert.match(out, /hostile: all OK/);
    assert.equal(code, 0);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
});

test("the host stays responsive to its controls in the middle of a fault storm", { timeout: 120_000 }, async () => {
  // "hostile.storm" on the command line: the guest sweeps round after round
  // until the host ends it, nearly every access a trap.
  // RVPLAY_ESCAPE=1: Ctrl-A works on a pipe as on a terminal.
  const c = new Console(spawn(process.execPath, [cli, "boot", "--firmware", hostile, "--no-disk", "--cpus", "2", "--mem", "64", "--append", "hostile.storm"],
    { env: { ...process.env, RVPLAY_ESCAPE: "1" }, stdio: ["pipe", "pipe", "pipe"] }), "rvplay boot (hostile storm, quit)");
  try {
    await c.waitFor(/hostile: 2 harts/, 60_000);
    await c.waitFor(/hostile: storm round 1 done/, 60_000);
    // In the middle of the next round, Ctrl-A x must still end the machine at once.
    const asked = performance.now();
    c.send("\x01x");
    const code = await c.exited;
    const ms = performance.now() - asked;
    assert.doesNotMatch(c.output, /hostile: hart 0:/, "a storm never ends by itself");
    assert.equal(code, 0);
    assert.ok(ms < 5000, `quit took ${ms.toFixed(0)} ms`);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
});
