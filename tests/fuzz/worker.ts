// A fuzz worker: runs inputs [from, to) of one target and reports each
// outcome; the runner (runner.ts) watches it and ends it if an input hangs.
import { parentPort, workerData } from "node:worker_threads";
import { targetByName } from "./targets.js";
import { inputAt } from "./runner.js";

export interface WorkerJob { target: string; seed: number; from: number; to: number; inputs?: Uint8Array[] }
export type WorkerReport =
  | { type: "start"; index: number }
  | { type: "done"; index: number; outcome: "error" | "accepted" | "crash"; message?: string }
  | { type: "finished" };

const job = workerData as WorkerJob;
const post = (m: WorkerReport) => parentPort!.postMessage(m);
const target = targetByName(job.target)!;
const corpus = await target.corpus();
const state = await target.setup?.();
for (let i = job.from; i < job.to; i++) {
  const input = job.inputs ? job.inputs[i - job.from] : inputAt(target, corpus, job.seed, i);
  post({ type: "start", index: i });
  try {
    await target.run(input, state);
    post({ type: "done", index: i, outcome: "accepted" });
  } catch (e) {
    if (target.expected(e)) post({ type: "done", index: i, outcome: "error" });
    else post({ type: "done", index: i, outcome: "crash", message: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e) });
  }
}
post({ type: "finished" });
