// npm run fuzz -- [--target T[,T...]] [--count N] [--seed S] [--hang-ms MS] [--save DIR] [--json]
// Runs the fuzz targets (tests/fuzz/targets.ts) and prints, per target,
// inputs run, clear errors, accepted, crashes, hangs and the time taken.
// Failing inputs are saved (default: tests/fuzz/regressions/<target>/), and
// the status is 1 if any target crashed or hung.
import { parseArgs } from "node:util";
import { TARGETS, targetByName } from "./targets.js";
import { runTarget, REGRESSIONS_DIR, type FuzzResult } from "./runner.js";

const USAGE = "usage: npm run fuzz -- [--target T[,T...]] [--count N] [--seed S] [--hang-ms MS] [--save DIR] [--json] | --list\n";

export async function fuzzMain(argv: string[]): Promise<number> {
  const options = {
    target: { type: "string" }, count: { type: "string", default: "10000" }, seed: { type: "string", default: "1" },
    "hang-ms": { type: "string", default: "5000" }, save: { type: "string" }, json: { type: "boolean", default: false },
    list: { type: "boolean", default: false }, help: { type: "boolean", default: false },
  } as const;
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options }>>["values"];
  try {
    ({ values } = parseArgs({ args: argv, options }));
  } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) { process.stdout.write(USAGE); return 0; }
  if (values.list) {
    for (const t of TARGETS) process.stdout.write(`${t.name.padEnd(14)} ${t.about}\n`);
    return 0;
  }
  const names = values.target ? values.target.split(",") : TARGETS.map((t) => t.name);
  const unknown = names.filter((n) => !targetByName(n));
  if (unknown.length) { process.stderr.write(`fuzz: no target ${unknown.join(", ")} (--list shows them)\n`); return 2; }
  const count = Number(values.count), seed = Number(values.seed), hangMs = Number(values["hang-ms"]);
  if (!(Number.isInteger(count) && count > 0 && Number.isInteger(seed) && hangMs > 0)) { process.stderr.write("fuzz: --count, --seed and --hang-ms want positive whole numbers\n"); return 2; }
  const results: FuzzResult[] = [];
  for (const n of names) {
    let r: FuzzResult;
    try {
      r = await runTarget(targetByName(n)!, count, seed, { hangMs, saveDir: values.save ?? REGRESSIONS_DIR });
    } catch (e) {
      process.stderr.write(`fuzz: ${(e as Error).message}\n`);
      return 2;
    }
    results.push(r);
    if (!values.json) {
      process.stdout.write(`${r.target.padEnd(14)} ${String(r.inputs).padStart(9)} inputs  ${String(r.errors).padStart(9)} clear errors  ${String(r.accepted).padStart(9)} accepted  ` +
        `${r.crashes} crashes  ${r.hangs} hangs  ${r.seconds.toFixed(1)} s\n`);
      for (const f of r.failures.slice(0, 3)) process.stdout.write(`    ${f.kind} at input ${f.index}: ${f.message.split("\n")[0]}\n`);
    }
  }
  if (values.json) process.stdout.write(JSON.stringify(results.map(({ failures, ...r }) => ({ ...r, failures: failures.map((f) => ({ index: f.index, kind: f.kind, message: f.message })) })), null, 2) + "\n");
  return results.some((r) => r.crashes + r.hangs > 0) ? 1 : 0;
}

process.exitCode = await fuzzMain(process.argv.slice(2));
