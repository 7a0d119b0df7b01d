// The JIT's command-line switches, shared by `rvplay boot` and `rvplay
// test-elf`. The JIT is on by default; --no-jit runs the interpreter alone
// and wins over the rest; the environment variable RVPLAY_JIT=0 does the
// same unless a switch asks for the JIT; --jit (or RVPLAY_JIT=1) is still
// accepted; --jit-threshold N (or
// RVPLAY_JIT_THRESHOLD) sets how many entries make a page hot; 1 translates
// every page at its first entry (how the ISA tests run with the JIT forced
// on).
import { DEFAULT_JIT_CONFIG, type JitConfig } from "../machine/jit/hart-jit.js";

export const JIT_USAGE = `      --jit                  translate hot guest code to WebAssembly (the default)
      --no-jit               the interpreter alone (also RVPLAY_JIT=0)
      --jit-threshold N      entries into a page of code before it is translated
                             (default ${DEFAULT_JIT_CONFIG.threshold}; 1: every page at once; also
                             RVPLAY_JIT_THRESHOLD)
`;

export const JIT_OPTIONS = {
  jit: { type: "boolean", default: false },
  "no-jit": { type: "boolean", default: false },
  "jit-threshold": { type: "string" },
} as const;

export class JitArgError extends Error {}

const MAX_THRESHOLD = 10_000_000;

// The JIT configuration the switches ask for (false: no JIT).
export function jitConfigFrom(values: { jit?: boolean; "no-jit"?: boolean; "jit-threshold"?: string },
  env: Record<string, string | undefined>): JitConfig | false {
  if (values["no-jit"]) return false;
  const raw = values["jit-threshold"] ?? env.RVPLAY_JIT_THRESHOLD;
  if (env.RVPLAY_JIT === "0" && !values.jit && values["jit-threshold"] === undefined) return false;
  const base = { ...DEFAULT_JIT_CONFIG };
  // Tuning knobs for measurements (not documented as stable).
  if (env.RVPLAY_JIT_SWEEP !== undefined) base.sweep = env.RVPLAY_JIT_SWEEP === "1";
  if (env.RVPLAY_JIT_WORKER !== undefined) base.compileWorker = env.RVPLAY_JIT_WORKER !== "0";
  if (env.RVPLAY_JIT_BUDGET_MS !== undefined) base.budgetMs = Number(env.RVPLAY_JIT_BUDGET_MS);
  // A small code cache makes eviction happen early (tests/jit/linux-jit.test.ts).
  const maxRegions = Number(env.RVPLAY_JIT_MAX_REGIONS);
  if (Number.isInteger(maxRegions) && maxRegions >= 1) base.maxRegions = maxRegions;
  if (raw === undefined || raw === "") return base;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_THRESHOLD) {
    const from = values["jit-threshold"] !== undefined ? "--jit-threshold" : "RVPLAY_JIT_THRESHOLD";
    throw new JitArgError(`${from} wants a whole number from 1 to ${MAX_THRESHOLD}, got '${raw}'`);
  }
  return { ...base, threshold: n };
}
