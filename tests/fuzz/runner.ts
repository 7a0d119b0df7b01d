// Runs a fuzz target over `count` inputs made from a seed, in a worker
// thread, and counts the outcomes: a clear error (the target's own typed
// error), accepted, a crash (any other exception), a hang (an input that
// runs longer than the limit: the worker is ended and a new one goes on
// after it). Failing inputs can be saved as regression files.
import { Worker } from "node:worker_threads";
import { mkdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mutate, rng } from "./mutate.js";
import type { FuzzTarget } from "./targets.js";
import type { WorkerJob, WorkerReport } from "./worker.js";

// Input i of a run: the i-th mutation under `seed` (independent of the
// others, so any one can be made again).
export function inputAt(target: FuzzTarget, corpus: Uint8Array[], seed: number, i: number): Uint8Array {
  return mutate(corpus, rng((seed * 0x9e3779b1 + i * 0x85ebca6b) >>> 0), target.maxLen);
}

export interface Failure { index: number; kind: "crash" | "hang"; message: string; input?: Uint8Array }
export interface FuzzResult { target: string; inputs: number; errors: number; accepted: number; crashes: number; hangs: number; seconds: number; failures: Failure[] }

export interface RunOptions { hangMs?: number; inputs?: Uint8Array[]; saveDir?: string }

export async function runTarget(target: FuzzTarget, count: number, seed: number, opts: RunOptions = {}): Promise<FuzzResult> {
  const hangMs = opts.hangMs ?? 5000;
  const res: FuzzResult = { target: target.name, inputs: 0, errors: 0, accepted: 0, crashes: 0, hangs: 0, seconds: 0, failures: [] };
  const t0 = performance.now();
  const total = opts.inputs ? opts.inputs.length : count;
  let next = 0;
  let corpus: Uint8Array[] | undefined;
  const inputOf = async (i: number) => opts.inputs ? opts.inputs[i] : inputAt(target, corpus ??= await target.corpus(), seed, i);
  // A corpus that cannot be made (a file missing) would kill every worker
  // at its start, each death counted as a crash of one input: say it once.
  if (!opts.inputs) {
    try {
      corpus = await target.corpus();
    } catch (e) {
      throw new Error(`fuzz target ${target.name}: its corpus could not be made: ${(e as Error).message}`);
    }
  }
  while (next < total) {
    const job: WorkerJob = { target: target.name, seed, from: next, to: total, inputs: opts.inputs?.slice(next) };
    const w = new Worker(new URL("./worker.js", import.meta.url), { workerData: job });
    let current = next;
    let last = performance.now();
    let hung = false;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (performance.now() - last > hangMs) {
          clearInterval(timer);
          hung = true;
          res.hangs++; res.inputs++;
          res.failures.push({ index: current, kind: "hang", message: `no answer within ${hangMs} ms` });
          next = current + 1;
          void w.terminate().then(() => resolve());
        }
      }, Math.min(250, hangMs / 4));
      w.on("message", (m: WorkerReport) => {
        last = performance.now();
        if (m.type === "start") current = m.index;
        else if (m.type === "done") {
          res.inputs++;
          if (m.outcome === "error") res.errors++;
          else if (m.outcome === "accepted") res.accepted++;
          else { res.crashes++; res.failures.push({ index: m.index, kind: "crash", message: m.message ?? "" }); }
          next = m.index + 1;
        } else if (m.type === "finished") {
          next = total;
        }
      });
      const end = (crash?: string) => {
        clearInterval(timer);
        if (hung) return; // counted as a hang; terminate() ends it
        if (crash !== undefined && next < total) {
          // The worker itself died (out of memory, a throw outside the
          // target): the input it was on is a crash.
          res.crashes++; res.inputs++;
          res.failures.push({ index: current, kind: "crash", message: crash });
          next = current + 1;
        }
        resolve();
      };
      w.on("error", (e) => end(`the worker died: ${e.message}`));
      w.on("exit", (code) => end(code === 0 ? undefined : `the worker exited with ${code}`));
    });
  }
  for (const f of res.failures) f.input = await inputOf(f.index);
  if (opts.saveDir) {
    for (const f of res.failures) {
      const dir = join(opts.saveDir, target.name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${f.kind}-${createHash("sha256").update(f.input!).digest("hex").slice(0, 16)}.bin`), f.input!);
    }
  }
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

export const REGRESSIONS_DIR = fileURLToPath(new URL("../../../tests/fuzz/regressions/", import.meta.url));
