// Linux with the JIT on (`rvplay boot --jit`), through the CLI as a user runs
// it: the sample image boots to a shell and commands' output reads back
// right, on 1 hart and on 2 (with the SMP stress program: atomics, forks,
// pipes, map/write/unmap on both harts at once), and the JIT's figures show
// that most instructions ran in translated code. A low threshold translates
// much more of the kernel and of busybox than the default would, so that
// code which changes (exec reusing page-cache pages, modules of the kernel
// written at boot, user pages unmapped and remapped) meets translated code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../boot/console.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const PROMPT = /root@rvplay:[^\n]*# $/m;
const THRESHOLD = "100";

async function withJitMachine(cpus: number, body: (c: Console) => Promise<void>, maxRegions?: number): Promise<string> {
  const args = [cli, "boot", "--cpus", String(cpus), "--mem", "192", "--jit", "--jit-threshold", THRESHOLD, "--jit-stats"];
  const env = { ...process.env, RVPLAY_JIT_MAX_REGIONS: maxRegions === undefined ? "" : String(maxRegions) };
  const c = new Console(spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], env }), `rvplay boot --jit --cpus ${cpus}`);
  try {
    await c.waitFor(PROMPT, 180_000);
    await body(c);
    c.send("poweroff\n");
    assert.equal(await c.exited, 0, c.tail());
    return c.output;
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
}

// The figures `--jit-stats` printed for each hart: instructions run in
// translated code and in all.
function jitShare(output: string, cpus: number): { inCode: number; all: number }[] {
  const out = [];
  for (let h = 0; h < cpus; h++) {
    const m = new RegExp(`hart ${h} jit: (\\d+) regions.* (\\d+) of (\\d+) instructions in translated code`).exec(output);
    assert.ok(m, `no JIT figures for hart ${h} in:\n${output.slice(-3000)}`);
    assert.ok(Number(m[1]) > 0, `hart ${h} translated nothing`);
    out.push({ inCode: Number(m[2]), all: Number(m[3]) });
  }
  return out;
}

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

test("Linux with the JIT, 1 hart: commands' output reads back right", { timeout: 300_000 }, async () => {
  const output = await withJitMachine(1, async (c) => {
    assert.equal((await c.run("uname -m")).trim(), "riscv64");
    assert.equal((await c.run("cat /mnt/disk/hello.txt")).trim(), "hello from the rvplay disk");
    assert.equal((await c.run("awk 'BEGIN { printf \"%.6f\\n\", sqrt(2) * 3.5 }'")).trim(), "4.949747");
    assert.equal((await c.run("i=0; s=0; while [ $i -lt 3000 ]; do i=$((i+1)); s=$((s+i*i)); done; echo $s")).trim(),
      String((3000 * 3001 * 6001) / 6));
    assert.equal((await c.run("seq 1 2000 | sort -rn | head -3 | tr '\\n' ' '")).trim(), "2000 1999 1998");
    assert.equal((await c.run("dd if=/dev/zero bs=64k count=64 2>/dev/null | md5sum")).trim(),
      `${md5(Buffer.alloc(64 * 64 * 1024))}  -`);
    // Many short-lived programs: each exec maps its code afresh.
    assert.equal((await c.run("n=0; for i in $(seq 1 40); do ls /bin >/dev/null && cat /proc/version >/dev/null && n=$((n+1)); done; echo $n", 120_000)).trim(), "40");
    // A file written, then read back and checksummed by another program.
    assert.equal((await c.run("seq 1 5000 > /tmp/s && md5sum < /tmp/s")).trim(),
      `${md5(Buffer.from(Array.from({ length: 5000 }, (_, i) => `${i + 1}\n`).join("")))}  -`);
    assert.doesNotMatch(await c.run("dmesg"), /Oops|BUG:|WARNING:|segfault|Illegal instruction/);
  });
  const [h0] = jitShare(output, 1);
  assert.ok(h0.inCode > 0.5 * h0.all, `only ${h0.inCode} of ${h0.all} instructions ran in translated code`);
});

test("Linux with the JIT, 2 harts: SMP stress and parallel pipelines are exact", { timeout: 400_000 }, async () => {
  const output = await withJitMachine(2, async (c) => {
    assert.equal((await c.run("nproc")).trim(), "2");
    const out = await c.run("smp-stress 2 3000", 300_000);
    assert.match(out, /cpus used: 0 1/, out);
    assert.match(out, /smp-stress: all OK/, out);
    const sum = `${md5(Buffer.alloc(4 * 1024 * 1024))}  -`;
    const two = await c.run("(dd if=/dev/zero bs=64k count=64 2>/dev/null | md5sum > /tmp/a) & " +
      "(dd if=/dev/zero bs=64k count=64 2>/dev/null | md5sum > /tmp/b) & wait; cat /tmp/a /tmp/b", 120_000);
    assert.deepEqual(two.trim().split("\n"), [sum, sum]);
    assert.doesNotMatch(await c.run("dmesg"), /Oops|BUG:|WARNING:|segfault|Illegal instruction|rcu_sched self-detected stall/);
  });
  for (const h of jitShare(output, 2)) assert.ok(h.inCode > 0, "a hart ran nothing translated");
});

test("Linux with the JIT and a code cache of 24 regions: evicted code is not missed", { timeout: 300_000 }, async () => {
  const output = await withJitMachine(1, async (c) => {
    assert.equal((await c.run("i=0; s=0; while [ $i -lt 2000 ]; do i=$((i+1)); s=$((s+i)); done; echo $s")).trim(), "2001000");
    assert.equal((await c.run("dd if=/dev/zero bs=64k count=32 2>/dev/null | md5sum")).trim(), `${md5(Buffer.alloc(32 * 64 * 1024))}  -`);
    assert.equal((await c.run("echo $(seq 1 500 | sort -rn | head -3)")).trim(), "500 499 498");
  }, 24);
  const m = /hart 0 jit: \d+ regions translated \((\d+) live, \d+ KiB; \d+ retired, (\d+) evicted\)/.exec(output);
  assert.ok(m, output.slice(-2000));
  assert.ok(Number(m[1]) <= 24, `${m[1]} regions live`);
  assert.ok(Number(m[2]) > 0, "nothing was evicted");
  jitShare(output, 1);
});
