// npm run bench: rvplay's figures, each beside QEMU (TCG) on the same binary
// where qemu-system-riscv64 is installed: CPU benchmark MIPS, Linux boot and
// in-guest workloads, page open -> prompt in Chromium, SMP scaling and idle
// CPU; the snapshot service under load; snapshots of the sample VM; share
// links in Chromium; the shared folder; the guest's network (bench/net.ts).
// `--json` prints [{ name, value, unit }];
// `--only cpu,linux,browser,smp,server,disk,snapshot,share,folder,console,net,fuzz,debian`
// runs a subset (fuzz, and netoffloads — virtio-net with and without each
// offload — only when asked for; debian where the Debian image is built).
import { readFileSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { loadCoreModule } from "../src/node/core-module.js";
import { runElf } from "../src/machine/run-elf.js";
import { DEFAULT_JIT_CONFIG } from "../src/machine/jit/hart-jit.js";
import { Console } from "../tests/boot/console.js";
import { unpackSampleImage } from "../tests/boot/sample-image.js";
import { chromiumPath, launchBrowser, startServer } from "../e2e/browser.js";
import { runCommand, waitForPrompt } from "../e2e/screen.js";
import { serverBench } from "./server-load.js";
import { netBench } from "./net.js";
import { netOffloadsBench } from "./net-offloads.js";
import { diskBench } from "./disk.js";
import { folderBench } from "./shared-folder.js";
import { fuzzBench } from "./fuzz.js";
import { consoleBench } from "./console.js";
import { snapshotBench } from "./snapshot.js";
import { shareBench } from "./share.js";
import { debianBench } from "./debian.js";

interface Figure { name: string; value: number; unit: string }

const root = fileURLToPath(new URL("../../", import.meta.url));
const json = process.argv.includes("--json");
const RUNS = 3;

function qemuBinary(): string | undefined {
  const candidates = [process.env.QEMU_SYSTEM_RISCV64, "/usr/bin/qemu-system-riscv64"];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function cpuBench(figures: Figure[]): Promise<void> {
  const elfPath = `${root}bench/cpu/bin/cpu-bench.elf`;
  const bytes = new Uint8Array(readFileSync(elfPath));
  const module = await loadCoreModule();
  const mips: number[] = [];
  let instructions = 0;
  const secs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await runElf(module, bytes, { maxInstructions: 5_000_000_000 });
    if (r.outcome.kind !== "pass") {
      throw new Error(`cpu-bench did not pass (${JSON.stringify(r.outcome)}); output: ${r.output}`);
    }
    instructions = r.instructions;
    secs.push(r.seconds);
    mips.push(r.instructions / r.seconds / 1e6);
  }
  figures.push({ name: "cpu-bench guest instructions", value: instructions, unit: "instructions" });
  figures.push({ name: "cpu-bench rvplay --no-jit 1 hart (Node), median of 3", value: round(median(mips)), unit: "MIPS" });
  figures.push({ name: "cpu-bench rvplay --no-jit time", value: round(median(secs), 3), unit: "s" });
  // The same with the JIT (--jit; issue 12): speed, and what translating cost.
  const jitMips: number[] = [], jitSecs: number[] = [];
  let jitFigures: { share: number; ms: number; regions: number; blocks: number; kib: number } | undefined;
  for (let i = 0; i < RUNS; i++) {
    const r = await runElf(module, bytes, { maxInstructions: 5_000_000_000, jit: DEFAULT_JIT_CONFIG });
    if (r.outcome.kind !== "pass") throw new Error(`cpu-bench with the JIT did not pass (${JSON.stringify(r.outcome)}); output: ${r.output}`);
    jitSecs.push(r.seconds);
    jitMips.push(r.instructions / r.seconds / 1e6);
    const st = r.jit!.stats;
    jitFigures = { share: Number(r.jit!.retiredInCode) / r.instructions, ms: st.translateMs + st.compileMs + st.instantiateMs,
      regions: st.regions, blocks: st.blocks, kib: st.liveBytes / 1024 };
  }
  figures.push({ name: "cpu-bench rvplay --jit 1 hart (Node), median of 3", value: round(median(jitMips)), unit: "MIPS" });
  figures.push({ name: "cpu-bench rvplay --jit time", value: round(median(jitSecs), 3), unit: "s" });
  figures.push({ name: "cpu-bench rvplay --jit / interpreter speed", value: round(median(jitMips) / median(mips), 2), unit: "x" });
  if (jitFigures) {
    figures.push({ name: "cpu-bench --jit: instructions run in translated code", value: round(jitFigures.share * 100), unit: "%" });
    figures.push({ name: "cpu-bench --jit: translate + compile + instantiate, all regions", value: round(jitFigures.ms), unit: "ms" });
    figures.push({ name: "cpu-bench --jit: regions / blocks translated", value: jitFigures.regions, unit: `regions (${jitFigures.blocks} blocks)` });
    figures.push({ name: "cpu-bench --jit: compile cost per block", value: round((jitFigures.ms * 1000) / Math.max(1, jitFigures.blocks)), unit: "µs" });
    figures.push({ name: "cpu-bench --jit: code cache at the end", value: round(jitFigures.kib), unit: "KiB" });
  }

  const qemu = qemuBinary();
  if (qemu) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = spawnSync(qemu, ["-M", "spike", "-nographic", "-bios", "none", "-kernel", elfPath], {
        timeout: 120_000, encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`QEMU run of cpu-bench failed: status ${r.status} ${r.stderr}`);
      times.push((performance.now() - t0) / 1000);
    }
    const q = median(times);
    figures.push({ name: "cpu-bench QEMU spike (TCG) time incl. start-up", value: round(q, 3), unit: "s" });
    figures.push({ name: "cpu-bench QEMU equivalent speed", value: round(instructions / q / 1e6), unit: "MIPS" });
    figures.push({ name: "cpu-bench rvplay / QEMU time", value: round(median(secs) / q, 2), unit: "x" });
    figures.push({ name: "cpu-bench rvplay --jit / QEMU time", value: round(median(jitSecs) / q, 2), unit: "x" });
  } else if (!json) {
    process.stdout.write("(qemu-system-riscv64 not found: no QEMU reference; apt-get install qemu-system-misc)\n");
  }
}

function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function printTable(figures: Figure[]): void {
  const w = Math.max(...figures.map((f) => f.name.length));
  const vw = Math.max(...figures.map((f) => String(f.value).length));
  process.stdout.write(`${"figure".padEnd(w)}  ${"value".padStart(vw)}  unit\n`);
  process.stdout.write(`${"-".repeat(w)}  ${"-".repeat(vw)}  ----\n`);
  for (const f of figures) process.stdout.write(`${f.name.padEnd(w)}  ${String(f.value).padStart(vw)}  ${f.unit}\n`);
}

// ---- Linux: boot to prompt and two in-guest workloads, rvplay vs QEMU ----

const PROMPT = /root@rvplay:[^\n]*# $/m;
const WORKLOADS: [string, string][] = [
  ["dd 64 MiB | md5sum", "dd if=/dev/zero bs=1M count=64 2>/dev/null | md5sum >/dev/null"],
  ["200,000-iteration shell loop", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"],
];

async function withGuest<T>(label: string, cmd: string, args: string[], body: (c: Console) => Promise<T>,
  after?: (output: string) => void): Promise<T> {
  const c = Console.spawn(cmd, args, label);
  try {
    await c.waitFor(PROMPT, 300_000);
    const r = await body(c);
    c.send("poweroff\n");
    await c.exited; // rvplay and QEMU both end when the guest powers off
    after?.(c.output);
    return r;
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
}

async function linuxRun(label: string, cmd: string, args: string[]): Promise<{ boot: number; work: number[]; share?: number }> {
  const t0 = performance.now();
  let boot = 0, share: number | undefined;
  const work = await withGuest(label, cmd, args, async (c) => {
    boot = (performance.now() - t0) / 1000;
    const out: number[] = [];
    for (const [, w] of WORKLOADS) out.push(await c.guestSeconds(w));
    return out;
  }, (output) => {
    // `rvplay boot --jit-stats`: the share of instructions run translated.
    const m = /hart 0 jit: .* (\d+) of (\d+) instructions in translated code/.exec(output);
    if (m) share = Number(m[1]) / Number(m[2]);
  });
  return { boot, work, share };
}

async function linuxBench(figures: Figure[]): Promise<void> {
  const boots: { boot: number; work: number[] }[] = [];
  for (let i = 0; i < RUNS; i++) {
    boots.push(await linuxRun("rvplay --no-jit", process.execPath, [`${root}bin/rvplay.js`, "boot", "--mem", "256", "--no-jit"]));
  }
  const med = (f: (r: { boot: number; work: number[] }) => number, rs: typeof boots) => median(rs.map(f));
  const ours = { boot: med((r) => r.boot, boots), work: WORKLOADS.map((_, i) => med((r) => r.work[i], boots)) };
  const jitBoots: { boot: number; work: number[]; share?: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    jitBoots.push(await linuxRun("rvplay (JIT)", process.execPath, [`${root}bin/rvplay.js`, "boot", "--mem", "256", "--jit-stats"]));
  }
  const jit = { boot: med((r) => r.boot, jitBoots), work: WORKLOADS.map((_, i) => med((r) => r.work[i], jitBoots)) };
  let theirs: typeof ours | undefined;
  const qemu = qemuBinary();
  if (qemu) {
    const dir = unpackSampleImage();
    const runs: typeof boots = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await linuxRun("qemu", qemu, ["-M", "virt", "-nographic", "-m", "256M", "-smp", "1",
        "-bios", join(dir, "fw_dynamic.bin"), "-kernel", join(dir, "Image"), "-append", "console=ttyS0",
        "-drive", `file=${join(dir, "disk.img")},format=raw,if=none,id=d0`, "-device", "virtio-blk-device,drive=d0"]));
    }
    theirs = { boot: med((r) => r.boot, runs), work: WORKLOADS.map((_, i) => med((r) => r.work[i], runs)) };
  }
  const add = (name: string, v: number, j: number, q?: number) => {
    figures.push({ name: `${name}: rvplay --no-jit (Node, 1 hart)`, value: round(v, 2), unit: "s" });
    figures.push({ name: `${name}: rvplay with the JIT (Node, 1 hart)`, value: round(j, 2), unit: "s" });
    if (q !== undefined) {
      figures.push({ name: `${name}: QEMU virt (TCG)`, value: round(q, 2), unit: "s" });
      figures.push({ name: `${name}: rvplay --no-jit / QEMU`, value: round(v / q, 1), unit: "x" });
      figures.push({ name: `${name}: rvplay with the JIT / QEMU`, value: round(j / q, 1), unit: "x" });
    }
  };
  add("launch to shell prompt, median of 3", ours.boot, jit.boot, theirs?.boot);
  WORKLOADS.forEach(([name], i) => add(`in guest: ${name}`, ours.work[i], jit.work[i], theirs?.work[i]));
  const shares = jitBoots.map((r) => r.share).filter((v): v is number => v !== undefined);
  if (shares.length) figures.push({ name: "rvplay --jit: instructions run translated (boot + workloads)", value: round(median(shares) * 100), unit: "%" });
}

// ---- SMP: one pipeline on 1 hart vs two at once on 2 harts; idle CPU ----

const JOB = "dd if=/dev/zero bs=1M count=32 2>/dev/null | md5sum >/dev/null";

async function smpBench(figures: Figure[]): Promise<void> {
  const rv = (cpus: number) => [`${root}bin/rvplay.js`, "boot", "--mem", "256", "--cpus", String(cpus)];
  // Each timed RUNS times inside one guest; medians, since the host is noisy.
  const repeat = async (c: Console, w: string) => {
    const t: number[] = [];
    for (let i = 0; i < RUNS; i++) t.push(await c.guestSeconds(w));
    return median(t);
  };
  const PAIR = `(${JOB}) & (${JOB}) & wait`;
  const one = await withGuest("rvplay smp1", process.execPath, rv(1), (c) => repeat(c, JOB));
  const two = await withGuest("rvplay smp2", process.execPath, rv(2), (c) => repeat(c, PAIR));
  figures.push({ name: "parallel job: 1 pipeline on 1 hart (rvplay), median of 3", value: round(one, 2), unit: "s" });
  figures.push({ name: "parallel job: 2 pipelines on 2 harts (rvplay), median of 3", value: round(two, 2), unit: "s" });
  figures.push({ name: "parallel job: throughput 2 harts / 1 hart (rvplay)", value: round((2 * one) / two, 2), unit: "x" });
  const qemu = qemuBinary();
  if (qemu) {
    const dir = unpackSampleImage();
    const q = (cpus: number) => ["-M", "virt", "-nographic", "-m", "256M", "-smp", String(cpus),
      "-bios", join(dir, "fw_dynamic.bin"), "-kernel", join(dir, "Image"), "-append", "console=ttyS0"];
    const qone = await withGuest("qemu smp1", qemu, q(1), (c) => repeat(c, JOB));
    const qtwo = await withGuest("qemu smp2", qemu, q(2), (c) => repeat(c, PAIR));
    figures.push({ name: "parallel job: throughput 2 harts / 1 hart (QEMU TCG)", value: round((2 * qone) / qtwo, 2), unit: "x" });
  }
  // Idle: host CPU of a booted 2-hart machine doing nothing, over 10 s.
  const idle = await withGuest("rvplay idle", process.execPath, rv(2), async (c) => {
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = c.cpuSeconds();
    await new Promise((r) => setTimeout(r, 10_000));
    return (c.cpuSeconds() - t0) / 10;
  });
  figures.push({ name: "idle booted VM (2 harts), host CPU over 10 s", value: round(idle * 100, 2), unit: "% of one core" });
}

// ---- the page: open -> shell prompt in headless Chromium (1 hart) ----

async function browserBench(figures: Figure[]): Promise<void> {
  if (!chromiumPath()) {
    if (!json) process.stdout.write("(no Chromium: no browser figures; apt-get install chromium)\n");
    return;
  }
  const { server, url } = await startServer();
  const browser = await launchBrowser();
  try {
    // jit: the JIT (the default) or the interpreter alone (?jit=0); said in
    // the URL each time, as the page stores its settings.
    const open = async (jit = true) => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const t0 = performance.now();
      await page.goto(`${url}?cpus=1&mem=256&speed=100&jit=${jit ? 1 : 0}`);
      await waitForPrompt(page, 120_000);
      const seen = (performance.now() - t0) / 1000;
      // The page's own figure: navigation start to the prompt in the output.
      const ms = Number(await page.getByTestId("boot-time").getAttribute("data-ms"));
      await page.close();
      return { seen, page: ms / 1000 };
    };
    await open(); // warm-up: Vite compiles the app on its first load
    const runs = [], noJit = [];
    for (let i = 0; i < RUNS; i++) { runs.push(await open()); noJit.push(await open(false)); }
    figures.push({ name: "page open to shell prompt, Chromium, median of 3 (page's figure)", value: round(median(runs.map((r) => r.page)), 2), unit: "s" });
    figures.push({ name: "page open to prompt visible to the test, Chromium", value: round(median(runs.map((r) => r.seen)), 2), unit: "s" });
    figures.push({ name: "page open to shell prompt, Chromium, ?jit=0, median of 3 (page's figure)", value: round(median(noJit.map((r) => r.page)), 2), unit: "s" });
    // The in-guest workloads in the page, with the JIT and with ?jit=0:
    // typed at the prompt, timed to the end marker on the screen.
    for (const jit of [true, false]) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${url}?cpus=1&mem=256&speed=100&jit=${jit ? 1 : 0}`);
      await waitForPrompt(page, 120_000);
      for (const [name, cmd] of WORKLOADS) {
        const t0 = performance.now();
        await runCommand(page, cmd, 600_000);
        figures.push({ name: `in guest: ${name}: rvplay page${jit ? " with the JIT" : ", ?jit=0"} (Chromium, 1 hart)`, value: round((performance.now() - t0) / 1000, 2), unit: "s" });
      }
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

// `--only cpu,linux,browser,smp,server,disk,snapshot,share,folder,console,net,fuzz,debian` runs a subset;
// `fuzz` and `netoffloads` run only when asked for (they take a while).
const sections: Record<string, (f: Figure[]) => Promise<void>> = {
  cpu: cpuBench, linux: linuxBench, browser: browserBench, smp: smpBench, server: serverBench, disk: diskBench, snapshot: snapshotBench, share: shareBench, folder: folderBench, console: consoleBench,
  net: netBench, netoffloads: netOffloadsBench, fuzz: fuzzBench,
  debian: (f) => debianBench(f, json),
};
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg >= 0 ? (process.argv[onlyArg + 1] ?? "").split(",") : Object.keys(sections).filter((k) => k !== "fuzz" && k !== "netoffloads");
const unknown = only.filter((k) => !(k in sections));
if (unknown.length) {
  process.stderr.write(`bench: unknown section(s) ${unknown.join(", ")}; choose from ${Object.keys(sections).join(", ")}\n`);
  process.exit(2);
}
const figures: Figure[] = [];
for (const k of only) await sections[k](figures);
if (json) process.stdout.write(JSON.stringify(figures, null, 2) + "\n");
else printTable(figures);
