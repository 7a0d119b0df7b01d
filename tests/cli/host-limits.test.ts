// Inputs that used to hang the host or mislead instead of failing: each now
// ends, or gets a clear message and a non-zero status (issue: reliability).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { makeElf, reportProgram, addi, sd, ld, jalr, bne, la32, lui, sw, jalSelf } from "./make-elf.js";
import { parseElf, ElfError } from "../../src/machine/elf.js";
import { readBootFile } from "../../src/node/boot-files.js";
import { ImageError } from "../../src/machine/boot-images.js";
import { runElf } from "../../src/machine/run-elf.js";
import { loadCoreModule } from "../../src/node/core-module.js";
import { MiB } from "../../src/machine/core.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const dir = mkdtempSync(join(tmpdir(), "rvplay-limits-"));
const write = (name: string, bytes: Uint8Array) => { writeFileSync(join(dir, name), bytes); return join(dir, name); };

function rvplay(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, timeout: timeoutMs, maxBuffer: 64 * MiB }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

test("a program whose every instruction traps still ends at --max-instructions", { timeout: 60_000 }, async () => {
  // jr x0: the fetch at 0 faults, mtvec is 0, so the trap handler's fetch faults, forever.
  const storm = write("storm.elf", makeElf([jalr(0, 0, 0)]));
  const r = await rvplay(["test-elf", "--max-instructions", "2000000", storm], 50_000);
  assert.equal(r.stdout, "TIMEOUT storm.elf\n0 passed, 1 failed\n");
  assert.equal(r.code, 1);
});

test("a program printing its whole RAM through HTIF again and again keeps the host's memory bounded", { timeout: 120_000 }, async () => {
  // A syscall block at 0x80002000: SYS_write(1, 0x80000000, 16 MiB), sent 64 times (1 GiB of output).
  const t0 = 5, t1 = 6, t2 = 7, t3 = 28, a4 = 14, a5 = 15;
  const code = [
    ...la32(t0, 0x80001000), ...la32(t1, 0x80002000),
    addi(t2, 0, 1), sd(t2, t1, 8),
    ...la32(t2, 0x80000000), sd(t2, t1, 16),
    lui(t2, 0x1000), sd(t2, t1, 24),
    addi(t3, 0, 64), addi(a4, 0, 64),
    // loop:
    sd(a4, t1, 0), sd(t1, t0, 0),
    ld(a5, t0, 0), bne(a5, 0, -4), // wait for the host to clear tohost
    addi(t3, t3, -1), bne(t3, 0, -20),
    addi(a5, 0, 1), sd(a5, t0, 0), jalSelf(),
  ];
  const elf = makeElf(code);
  const before = process.memoryUsage().rss;
  let writes = 0, printed = 0;
  const r = await runElf(await loadCoreModule(), elf, { onOutput: (s) => { writes++; printed += s.length; } });
  const grown = process.memoryUsage().rss - before;
  assert.equal(r.outcome.kind, "pass");
  assert.equal(writes, 64);
  assert.ok(printed > 64 * 15 * MiB, `printed ${printed} characters`); // RAM decoded as UTF-8
  assert.ok(r.output.length <= 64 * 1024, `kept ${r.output.length} characters`);
  assert.ok(grown < 512 * MiB, `the host grew by ${(grown / MiB).toFixed(0)} MiB`);
});

test("ELF headers with impossible entry sizes are refused clearly", () => {
  const good = makeElf(reportProgram(1));
  for (const [off, value, re] of [
    [54, 0, /program header size 0/], [54, 8, /program header size 8/], [54, 1, /program header size 1/],
    [58, 0, /section header size 0/], [58, 8, /section header size 8/], [58, 1, /section header size 1/],
  ] as const) {
    const b = good.slice();
    new DataView(b.buffer).setUint16(off, value, true);
    assert.throws(() => parseElf(b, ["tohost"]), (e: unknown) => e instanceof ElfError && re.test((e as Error).message));
  }
});

test("a symbol table of 1.6 MB with unterminated names is read in linear time", () => {
  // 70,000 symbols whose names all start at offset 1 of a string table with
  // no NUL after it: a scan per name to the end of the table was quadratic.
  const elf = makeElf(reportProgram(1));
  const nsym = 70_000, strSize = 1_600_000;
  const symOff = elf.length, strOff = symOff + nsym * 24;
  const b = new Uint8Array(strOff + strSize);
  b.set(elf);
  const dv = new DataView(b.buffer);
  for (let i = 1; i < nsym; i++) dv.setUint32(symOff + i * 24, 1, true);
  b.fill(0x41, strOff, strOff + strSize); // "AAAA..." with no terminator
  const shOff = Number(dv.getBigUint64(40, true));
  dv.setBigUint64(shOff + 64 + 24, BigInt(symOff), true); // .symtab
  dv.setBigUint64(shOff + 64 + 32, BigInt(nsym * 24), true);
  dv.setBigUint64(shOff + 128 + 24, BigInt(strOff), true); // .strtab
  dv.setBigUint64(shOff + 128 + 32, BigInt(strSize), true);
  const t0 = performance.now();
  const img = parseElf(b, ["tohost", "fromhost"]);
  const ms = performance.now() - t0;
  assert.equal(img.symbols.size, 0);
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
});

test("gzip bombs are refused as too large, with the cap they broke", () => {
  const bomb = write("bomb.gz", gzipSync(new Uint8Array(100 * MiB)));
  assert.throws(() => readBootFile(bomb, "kernel", 64 * MiB, "the guest's RAM"),
    (e: unknown) => e instanceof ImageError && /the kernel '.*bomb\.gz' is too large: its uncompressed contents are larger, more than the guest's RAM \(64 MiB\)/.test((e as Error).message));
  assert.throws(() => readBootFile(bomb, "disk image", 32 * MiB),
    (e: unknown) => e instanceof ImageError && /too large/.test((e as Error).message));
  const raw = write("raw.bin", new Uint8Array(3 * MiB));
  assert.throws(() => readBootFile(raw, "initrd", 2 * MiB, "the guest's RAM"),
    (e: unknown) => e instanceof ImageError && /the initrd '.*raw\.bin' is too large: 3 MiB, more than the guest's RAM \(2 MiB\)/.test((e as Error).message));
  const corrupt = gzipSync(new Uint8Array(4096));
  corrupt[corrupt.length - 12] ^= 0xff;
  assert.throws(() => readBootFile(write("corrupt.gz", corrupt), "kernel"), /is a corrupt gzip file/);
  assert.equal(readBootFile(write("fits.gz", gzipSync(new Uint8Array(MiB))), "kernel", 2 * MiB).length, MiB);
});

test("rvplay boot refuses what would hang or mislead: bombs, low ELF kernels, odd-sized disks", { timeout: 120_000 }, async () => {
  const bomb = write("kernel.gz", gzipSync(new Uint8Array(100 * MiB)));
  const low = makeElf(reportProgram(1)); // linked at 0x80000000: over the firmware
  const lowPath = write("low.elf", low);
  const odd = write("odd.img", new Uint8Array(512 * 8 + 100));
  const cases: [string[], RegExp][] = [
    [["--kernel", bomb, "--mem", "64"], /the kernel '.*' is too large: its uncompressed contents are larger, more than the guest's RAM \(64 MiB\)/],
    [["--initrd", bomb, "--mem", "64"], /the initrd '.*' is too large/],
    [["--kernel", lowPath], /the kernel ELF's entry point 0x80000000 is not 0x80200000/],
    [["--disk", odd], /is 4196 bytes, not a whole number of 512-byte sectors/],
  ];
  for (const [args, re] of cases) {
    const r = await rvplay(["boot", ...args]);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
  // An ELF whose entry is right but whose data reaches below the kernel.
  const b = low.slice();
  new DataView(b.buffer).setBigUint64(24, 0x80200000n, true);
  const r = await rvplay(["boot", "--kernel", write("below.elf", b)]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /the kernel ELF has a segment at 0x80000000, below its place at 0x80200000 \(it would overwrite the firmware\)/);
});

test("a guest failure code that is a multiple of 256 still exits non-zero", { timeout: 60_000 }, async () => {
  // An S-mode "kernel" (after OpenSBI) that writes FAIL | 256 << 16 to sifive,test.
  const t0 = 5, t1 = 6;
  const words = [lui(t0, 0x100), lui(t1, 0x1003), addi(t1, t1, 0x333), sw(t1, t0, 0), jalSelf()];
  const kernel = write("fail256.bin", new Uint8Array(new Uint32Array(words).buffer));
  const r = await rvplay(["boot", "--kernel", kernel, "--no-disk", "--mem", "64"]);
  assert.match(r.stderr, /the guest reported failure \(code 256\)/);
  assert.equal(r.code, 1);
});
