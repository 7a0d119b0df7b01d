// npm run bench: guest MIPS of the CPU benchmark on one hart in Node, beside
// QEMU (TCG) running the same ELF where qemu-system-riscv64 is installed.
// `--json` prints the figures as [{ name, value, unit }].
import { readFileSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadCoreModule } from "../src/vm/node-core.js";
import { runElf } from "../src/vm/run-elf.js";

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
  figures.push({ name: "cpu-bench rvplay 1 hart (Node), median of 3", value: round(median(mips)), unit: "MIPS" });
  figures.push({ name: "cpu-bench rvplay time", value: round(median(secs), 3), unit: "s" });

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

const figures: Figure[] = [];
await cpuBench(figures);
if (json) process.stdout.write(JSON.stringify(figures, null, 2) + "\n");
else printTable(figures);
