// Code written by one hart and run by another (tests/smc/smc.c): hart 1 runs
// a page of code translated, hart 0 rewrites it, with a remote fence.i (a
// software interrupt whose handler runs fence.i) and with none; hart 1 must
// run the new code after the fence, and at once after the plain store. With
// the JIT's invalidation switched off (the dispatcher's generation check in
// hart/run.ts skipped) hart 1 runs the old code and the guest reports
// FAILED: checked by hand, see the report of issue 12.
import { execFile } from "node:child_process";
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const elf = join(root, "tests", "smc", "bin", "smc.elf");

function boot(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, "boot", "--firmware", elf, "--cpus", "2", "--mem", "64", "--no-disk", ...args],
      { env: { ...process.env, RVPLAY_JIT: "", RVPLAY_JIT_THRESHOLD: "", RVPLAY_JIT_WORKER: "", ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, out: stdout + stderr }));
  });
}

function passed(r: { code: number; out: string }): void {
  assert.match(r.out, /smc: after the remote fence\.i: 2 /, r.out);
  assert.match(r.out, /smc: after the store, no fence\.i: 3 /, r.out);
  assert.match(r.out, /smc: all OK/, r.out);
  assert.equal(r.code, 0, r.out);
}

// Hart 1's JIT line: regions retired (their page was written) and its share
// of instructions run translated.
function hart1(out: string): { retired: number; inCode: number; all: number } {
  const m = /hart 1 jit: \d+ regions translated \(\d+ live, \d+ KiB; (\d+) retired, \d+ evicted\).* (\d+) of (\d+) instructions in translated code/.exec(out);
  assert.ok(m, out);
  return { retired: Number(m[1]), inCode: Number(m[2]), all: Number(m[3]) };
}

test("hart 1 runs the code hart 0 rewrote: translated on the hart's thread (hot at once)", { timeout: 120_000 }, async () => {
  // No compile worker: the page is translated the moment it is hot, so hart
  // 1 surely runs it translated before hart 0 writes it.
  const r = await boot(["--jit-threshold", "100", "--jit-stats"], { RVPLAY_JIT_WORKER: "0" });
  passed(r);
  const h = hart1(r.out);
  assert.ok(h.retired >= 1, `hart 1's code was never retired by the writes:\n${r.out}`);
  assert.ok(h.inCode > h.all / 2, `hart 1 ran mostly interpreted:\n${r.out}`);
});

test("hart 1 runs the code hart 0 rewrote: the JIT as by default (compile worker)", { timeout: 120_000 }, async () => {
  passed(await boot(["--jit-threshold", "100", "--jit-stats"]));
  passed(await boot([]));
});

test("hart 1 runs the code hart 0 rewrote: the interpreter alone", { timeout: 120_000 }, async () => {
  passed(await boot(["--no-jit"]));
});
