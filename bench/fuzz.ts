// `npm run bench -- --only fuzz`: every fuzz target at length (not in the
// default run: it takes a while). At least 10^6 inputs for the file parsers
// (ELF, boot images, gzip, disk manifests), 10^5 for the rest, including
// the guest-side virtqueue harness. Per target: inputs, crashes, hangs, time.
import { TARGETS } from "../tests/fuzz/targets.js";
import { runTarget } from "../tests/fuzz/runner.js";

interface Figure { name: string; value: number; unit: string }

const LONG = new Set(["elf", "boot-image", "gzip", "disk-manifest", "disk-record", "overlay-log", "stored-boot", "settings"]);

export async function fuzzBench(figures: Figure[]): Promise<void> {
  const scale = Number(process.env.RVPLAY_FUZZ_SCALE ?? "1");
  for (const t of TARGETS) {
    const count = Math.max(1000, Math.round((LONG.has(t.name) ? 1_000_000 : 100_000) * scale));
    const r = await runTarget(t, count, 20261204, { hangMs: 10_000 });
    figures.push({ name: `fuzz ${t.name}: inputs`, value: r.inputs, unit: "inputs" });
    figures.push({ name: `fuzz ${t.name}: crashes`, value: r.crashes, unit: "inputs" });
    figures.push({ name: `fuzz ${t.name}: hangs`, value: r.hangs, unit: "inputs" });
    figures.push({ name: `fuzz ${t.name}: time`, value: Math.round(r.seconds * 10) / 10, unit: "s" });
    for (const f of r.failures.slice(0, 3)) process.stderr.write(`fuzz ${t.name}: ${f.kind} at input ${f.index}: ${f.message.split("\n")[0]}\n`);
  }
}
