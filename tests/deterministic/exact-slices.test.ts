// Deterministic mode stops a slice exactly at its budget, with the
// interpreter and with translated code alike (hart/run.ts: the EXACT inner
// loop; jit/translate.ts: a block runs only if it fits in the budget), and
// the two give the same state after every slice. Run slice by slice with
// odd budgets over the CPU benchmark (hot loops: most of it runs
// translated) and the project's ISA tests (traps, interrupts, CSRs, FP,
// self-modifying code), the JIT translating every page at its first entry.
// Outside deterministic mode a slice may run on to the next taken branch:
// the control below shows the budgets are overshot there, so the exact
// check is what makes the difference.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as L from "../../wasm-core/layout.js";
import { loadCoreModule } from "../../src/node/core-module.js";
import { runElf, type ElfRunResult } from "../../src/machine/run-elf.js";
import { DEFAULT_JIT_CONFIG } from "../../src/machine/jit/hart-jit.js";
import type { CoreView } from "../../src/machine/core.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const isaDir = join(root, "tests", "isa", "bin");
const isaFiles = readdirSync(isaDir).filter((f) => f.endsWith(".elf")).sort();

// Budgets that fall anywhere in a block: primes, 1, and a few larger ones.
const BUDGETS = [1, 7, 997, 3, 65_537, 13, 100_003, 2, 31, 250_007];
const budget = (i: number) => BUDGETS[i % BUDGETS.length];

interface Trace { slices: string[]; overshoots: number; result: ElfRunResult }

// Runs `bytes` slice by slice; records after each slice the hart's whole
// architectural record (x, f, pc, privilege, CSRs, instret) with the
// slice's counts, and checks each budget was met exactly (or the slice
// ended early for a reason: HTIF, WFI).
async function trace(bytes: Uint8Array, opts: { jit: boolean; deterministic: boolean; maxInstructions?: number }): Promise<Trace> {
  const module = await loadCoreModule();
  const slices: string[] = [];
  let overshoots = 0;
  let i = 0, total = 0;
  const limit = opts.maxInstructions ?? 200_000_000;
  const onSlice = (view: CoreView, reason: number) => {
    const want = Math.min(budget(i++), limit - total); // as runElf asks
    const done = view.sliceRetired() + view.sliceTraps();
    total += done;
    if (reason === L.EXIT_BUDGET && done !== want) overshoots++;
    if (opts.deterministic) assert.ok(done <= want, `slice ${i - 1}: ${done} instructions for a budget of ${want}`);
    const hb = view.hartBase(0);
    const arch = createHash("sha256").update(view.bytes.subarray(hb, hb + L.HART_ARCH_SIZE)).digest("hex");
    slices.push(`${reason} ${view.sliceRetired()} ${view.sliceTraps()} ${arch}`);
  };
  const result = await runElf(module, bytes, {
    deterministic: opts.deterministic, sliceBudget: budget, onSlice,
    jit: opts.jit ? { ...DEFAULT_JIT_CONFIG, threshold: 1 } : undefined,
    maxInstructions: opts.maxInstructions, maxSeconds: 120,
  });
  return { slices, overshoots, result };
}

test("deterministic mode: the CPU benchmark stops exactly at every budget, and the JIT's state matches the interpreter's slice by slice", { timeout: 300_000 }, async () => {
  const bytes = new Uint8Array(readFileSync(join(root, "bench", "cpu", "bin", "cpu-bench.elf")));
  const max = 20_000_000;
  const interp = await trace(bytes, { jit: false, deterministic: true, maxInstructions: max });
  const jit = await trace(bytes, { jit: true, deterministic: true, maxInstructions: max });
  assert.equal(interp.overshoots, 0);
  assert.equal(jit.overshoots, 0);
  assert.ok(interp.slices.length > 100, `${interp.slices.length} slices`);
  const inCode = Number(jit.result.jit!.retiredInCode);
  assert.ok(inCode > 0.5 * max, `only ${inCode} of ${max} instructions ran in translated code`);
  assert.equal(jit.slices.length, interp.slices.length);
  for (let k = 0; k < interp.slices.length; k++) assert.equal(jit.slices[k], interp.slices[k], `slice ${k} differs`);

  // The control: without deterministic mode the same budgets are overshot
  // (a slice runs on to a taken branch), by the interpreter and the JIT.
  const loose = await trace(bytes, { jit: true, deterministic: false, maxInstructions: max });
  assert.ok(loose.overshoots > 0, "no budget was overshot outside deterministic mode: the exact check proves nothing");
});

test("deterministic mode: every ISA test passes and gives the same state slice by slice with the JIT as without", { timeout: 300_000 }, async () => {
  for (const f of isaFiles) {
    const bytes = new Uint8Array(readFileSync(join(isaDir, f)));
    const interp = await trace(bytes, { jit: false, deterministic: true });
    const jit = await trace(bytes, { jit: true, deterministic: true });
    assert.deepEqual(interp.result.outcome, { kind: "pass" }, `${f} (interpreter): ${JSON.stringify(interp.result.outcome)}`);
    assert.deepEqual(jit.result.outcome, { kind: "pass" }, `${f} (JIT): ${JSON.stringify(jit.result.outcome)}`);
    assert.equal(interp.overshoots + jit.overshoots, 0, f);
    assert.deepEqual(jit.slices, interp.slices, `${f}: the JIT's slices differ from the interpreter's`);
  }
});
