// The project's ISA tests with the JIT on: every committed test passes with
// every page translated at its first entry (--jit-threshold 1) and at the
// default threshold; translated code really ran. self-modifying.elf (code
// written then run, rewritten with fence.i, remapped, unmapped, satp
// changed) also passes at a threshold that makes its pages hot early, and
// fails, as it should, if translated code outlived a store to its page
// (checked by hand: see the report of issue 12).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const dir = join(root, "tests", "isa", "bin");
const files = readdirSync(dir).filter((f) => f.endsWith(".elf")).sort().map((f) => join(dir, f));

function rvplay(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, RVPLAY_JIT: "", RVPLAY_JIT_THRESHOLD: "" } },
      (err, stdout, stderr) => resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr }));
  });
}

function allPassed(r: { code: number; stdout: string }, n: number): void {
  const lines = r.stdout.trim().split("\n");
  assert.deepEqual(lines.filter((l) => !l.startsWith("PASS ")).slice(0, -1), [], r.stdout);
  assert.equal(lines.at(-1), `${n} passed, 0 failed`);
  assert.equal(r.code, 0);
}

// name -> [instructions in translated code, all instructions]
function shares(stderr: string): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const [, name, inCode, all] of stderr.matchAll(/^jit (\S+): (\d+) of (\d+) instructions/gm)) m.set(name, [Number(inCode), Number(all)]);
  return m;
}

test("every ISA test passes with every page translated at once (--jit-threshold 1)", { timeout: 240_000 }, async () => {
  assert.ok(files.length >= 10 && files.some((f) => f.endsWith("self-modifying.elf")));
  const r = await rvplay(["test-elf", "--jit-threshold", "1", "--jit-stats", ...files]);
  allPassed(r, files.length);
  const s = shares(r.stderr);
  assert.equal(s.size, files.length, r.stderr);
  let inCode = 0, all = 0;
  for (const [name, [c, a]] of s) {
    assert.ok(c > 0, `${name}: nothing ran translated`);
    inCode += c; all += a;
  }
  assert.ok(inCode > 0.5 * all, `only ${inCode} of ${all} instructions ran translated`);
});

test("every ISA test passes with the JIT at its default threshold", { timeout: 240_000 }, async () => {
  allPassed(await rvplay(["test-elf", "--jit", ...files]), files.length);
});

test("self-modifying code: correct at thresholds that translate its pages at different times", { timeout: 240_000 }, async () => {
  const smc = files.find((f) => f.endsWith("self-modifying.elf"))!;
  for (const t of ["2", "20", "500"]) {
    const r = await rvplay(["test-elf", "--jit-threshold", t, "--jit-stats", smc]);
    allPassed(r, 1);
    const [c, a] = shares(r.stderr).get("self-modifying.elf")!;
    assert.ok(c > 0.3 * a, `threshold ${t}: only ${c} of ${a} instructions ran translated`);
  }
});
