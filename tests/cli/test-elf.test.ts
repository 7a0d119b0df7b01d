// `rvplay test-elf` end to end: the committed ISA tests all pass, and each
// kind of outcome and of bad input gives its documented line and status.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeElf, reportProgram, jalSelf } from "./make-elf.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");

function rvplay(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

test("every committed ISA test passes", async () => {
  const dir = join(root, "tests", "isa", "bin");
  const files = readdirSync(dir).filter((f) => f.endsWith(".elf")).sort().map((f) => join(dir, f));
  assert.ok(files.length >= 10, `expected the ISA suite in ${dir}, found ${files.length} files`);
  const r = await rvplay(["test-elf", ...files]);
  const lines = r.stdout.trim().split("\n");
  assert.deepEqual(lines.filter((l) => !l.startsWith("PASS ")).slice(0, -1), [], r.stdout);
  assert.equal(lines.at(-1), `${files.length} passed, 0 failed`);
  assert.equal(r.code, 0);
});

test("pass, fail, timeout and bad files each get their line; the status says whether all passed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-cli-"));
  const write = (name: string, bytes: Uint8Array) => { writeFileSync(join(dir, name), bytes); return join(dir, name); };
  const pass = write("pass.elf", makeElf(reportProgram(1)));
  const fail = write("fail.elf", makeElf(reportProgram((3 << 1) | 1)));
  const hang = write("hang.elf", makeElf([jalSelf()]));
  const x86 = write("x86.elf", makeElf(reportProgram(1), 62));
  const text = write("notes.txt", new TextEncoder().encode("hello\n"));
  const truncated = write("truncated.elf", makeElf(reportProgram(1)).subarray(0, 200));

  const ok = await rvplay(["test-elf", pass]);
  assert.equal(ok.stdout, "PASS pass.elf\n1 passed, 0 failed\n");
  assert.equal(ok.code, 0);

  const r = await rvplay(["test-elf", "--max-instructions", "100000", pass, fail, hang, x86, text, truncated,
    join(dir, "missing.elf")]);
  assert.equal(r.stdout, [
    "PASS pass.elf",
    "FAIL fail.elf (test 3)",
    "TIMEOUT hang.elf",
    "ERROR x86.elf: not a RISC-V ELF (e_machine 62)",
    "ERROR notes.txt: not an ELF file",
    "ERROR truncated.elf: truncated or corrupt ELF: segment 0 lies outside the file",
    "ERROR missing.elf: no such file",
    "1 passed, 6 failed",
    "",
  ].join("\n"));
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "");
});

test("usage errors exit with status 2", async () => {
  assert.equal((await rvplay(["test-elf"])).code, 2);
  assert.equal((await rvplay(["frobnicate"])).code, 2);
  assert.equal((await rvplay(["test-elf", "--max-instructions", "lots", "x.elf"])).code, 2);
});
