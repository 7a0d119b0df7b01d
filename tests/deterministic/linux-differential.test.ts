// The differential test of issue 12: the sample Linux image booted in
// deterministic mode (`rvplay boot --deterministic`) runs a workload (a
// shell loop, checksums, a walk of the whole file system, disk I/O, a
// sleep, the seeded hwrng) and powers off; the interpreter twice, the JIT
// with every page translated at its first entry, and the JIT at its default
// threshold must give byte-identical console output and the same final
// architectural state (registers, CSRs, instret, mtime, the RAM's and the
// devices' SHA-256). A run with another start date shows the comparison
// does see a difference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MachineState } from "../../src/machine/machine-state.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");

const WORKLOAD = [
  "i=0; s=0; while [ $i -lt 3000 ]; do i=$((i+1)); s=$((s+i*i)); done; echo sum=$s",
  "dd if=/dev/zero bs=64k count=16 2>/dev/null | md5sum",
  "md5sum /bin/busybox",
  "ls -lR / 2>/dev/null | wc -l",
  "ls -lR /etc /bin | md5sum",
  "cat /mnt/disk/hello.txt",
  "seq 1 3000 > /mnt/disk/det.txt; sync; md5sum < /mnt/disk/det.txt",
  "dmesg | tail -4",
  "sleep 1; cut -d' ' -f1 /proc/uptime",
  "head -c 32 /dev/hwrng | md5sum",
  "date",
  "poweroff",
];

interface Run { stdout: string; stderr: string; code: number | null; state: MachineState }

// How the input reaches rvplay: all at once, or in pieces cut anywhere
// (mid-line too) with pauses between them, so that where the guest is when
// each piece arrives depends on the host.
type Typing = "at-once" | "in-pieces";

function boot(label: string, extra: string[], typing: Typing = "at-once", workload = WORKLOAD): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-det-"));
  const stateFile = join(dir, "state.json");
  const args = [cli, "boot", "--deterministic", "--mem", "128", "--state-out", stateFile, ...extra];
  const env = { ...process.env, RVPLAY_JIT: "", RVPLAY_JIT_THRESHOLD: "" };
  const p = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], env });
  let stdout = "", stderr = "";
  p.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
  p.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
  // Deterministic mode holds the input and delivers a line each time the
  // guest waits at its prompt, whenever it arrived.
  const input = workload.map((l) => `${l}\n`).join("");
  if (typing === "at-once") p.stdin.end(input);
  else void (async () => {
    let seed = 12345;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
    for (let at = 0; at < input.length;) {
      const n = 1 + rand(40);
      p.stdin.write(input.slice(at, at + n));
      at += n;
      await new Promise((r) => setTimeout(r, rand(400)));
    }
    p.stdin.end();
  })();
  const timer = setTimeout(() => p.kill("SIGKILL"), 150_000);
  return new Promise((resolve, reject) => p.on("exit", (code) => {
    clearTimeout(timer);
    try {
      assert.equal(code, 0, `${label}: exit ${code}\n${stderr}\n--- output tail ---\n${stdout.slice(-3000)}`);
      resolve({ stdout, stderr, code, state: JSON.parse(readFileSync(stateFile, "utf8")) as MachineState });
    } catch (e) {
      reject(e);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }));
}

const md5 = (b: Buffer | string) => createHash("md5").update(b).digest("hex");

// What the workload must have printed, so that identical runs are also right ones.
function checkWorkload(out: string): void {
  assert.match(out, new RegExp(`sum=${(3000 * 3001 * 6001) / 6}\\r?\\n`));
  assert.ok(out.includes(`${md5(Buffer.alloc(16 * 64 * 1024))}  -`), "dd | md5sum");
  assert.ok(out.includes("hello from the rvplay disk"));
  assert.ok(out.includes(`${md5(Array.from({ length: 3000 }, (_, i) => `${i + 1}\n`).join(""))}  -`), "seq | md5sum");
  assert.match(out, /Thu Jan {2}1 00:00:\d\d UTC 2026/);
  assert.match(out, /reboot: Power down/);
  // Every line was typed at a prompt of its own (the shell wraps long ones at 80 columns).
  assert.ok(out.split("root@rvplay:~# ").length - 1 >= WORKLOAD.length, "a prompt per line");
  const uptime = /^(\d+\.\d\d)\r?$/m.exec(out.slice(out.indexOf("cut -d")));
  assert.ok(uptime && Number(uptime[1]) >= 1, `uptime after sleep 1: ${uptime?.[1]}`);
}

function jitShare(stderr: string): number {
  const m = /(\d+) of (\d+) instructions in translated code/.exec(stderr);
  assert.ok(m, `no JIT figures in:\n${stderr}`);
  return Number(m[1]) / Number(m[2]);
}

test("deterministic mode: the sample image and a workload give the same output and state with the interpreter and the JIT", { timeout: 900_000 }, async () => {
  const a = await boot("interpreter", ["--no-jit"]);
  checkWorkload(a.stdout);
  assert.ok(BigInt(a.state.harts[0].instret) > 10_000_000n, `instret ${a.state.harts[0].instret}`);

  const b = await boot("interpreter again, input typed in pieces", ["--no-jit"], "in-pieces");
  assert.equal(b.stdout, a.stdout, "two interpreter runs printed different output");
  assert.deepEqual(b.state, a.state, "two interpreter runs ended in different states");

  const j1 = await boot("JIT, threshold 1", ["--jit", "--jit-threshold", "1", "--jit-stats"]);
  assert.ok(jitShare(j1.stderr) > 0.5, j1.stderr);
  assert.equal(j1.stdout, a.stdout, "the JIT (threshold 1) printed other output than the interpreter");
  assert.deepEqual(j1.state, a.state, "the JIT (threshold 1) ended in another state than the interpreter");

  const jd = await boot("JIT, default threshold", ["--jit", "--jit-stats"]);
  assert.ok(jitShare(jd.stderr) > 0.2, jd.stderr);
  assert.equal(jd.stdout, a.stdout, "the JIT (default threshold) printed other output than the interpreter");
  assert.deepEqual(jd.state, a.state, "the JIT (default threshold) ended in another state than the interpreter");

  // The control: another start date changes what `date` prints and what
  // RAM holds; the comparison above would have seen it.
  const other = await boot("another date", ["--no-jit", "--rtc", "2031-06-15T12:00:00Z"]);
  assert.match(other.stdout, /Sun Jun 15 12:00:\d\d UTC 2031/);
  assert.notEqual(other.stdout, a.stdout);
  assert.notEqual(other.state.ramSha256, a.state.ramSha256);
});

// The shell on the virtio console (hvc0): output through virtqueue buffers
// served on the hart, input through the I/O side's receive queue.
test("deterministic mode on the virtio console (console=hvc0): the same output and state with the interpreter and the JIT", { timeout: 600_000 }, async () => {
  const workload = ["ls -lR /etc | md5sum", "echo $((6 * 7))", "cut -d' ' -f1 /proc/uptime", "poweroff"];
  const args = ["--append", "console=hvc0 quiet"];
  const a = await boot("hvc0, interpreter", ["--no-jit", ...args], "at-once", workload);
  assert.match(a.stdout, /^42\r?$/m);
  // Input for hvc0 is delivered by the I/O side: the hart waits for it to
  // finish (without that wait, 2 runs in 5 here ended in another state).
  const b = await boot("hvc0, interpreter, input in pieces", ["--no-jit", ...args], "in-pieces", workload);
  assert.equal(b.stdout, a.stdout);
  assert.deepEqual(b.state, a.state);
  const j = await boot("hvc0, JIT threshold 1", ["--jit", "--jit-threshold", "1", ...args], "at-once", workload);
  assert.equal(j.stdout, a.stdout);
  assert.deepEqual(j.state, a.state);
});
