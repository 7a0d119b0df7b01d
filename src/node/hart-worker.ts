// Node entry of a hart worker (worker_threads); see hart-loop.ts.
import { parentPort } from "node:worker_threads";
(globalThis as { RVPLAY_JIT_REPORT_MS?: unknown }).RVPLAY_JIT_REPORT_MS = process.env.RVPLAY_JIT_REPORT_MS;
const { hartMain } = await import("../machine/hart-loop.js");
import type { HartStart } from "../machine/hart-loop.js";

const port = parentPort!;
port.once("message", (start: HartStart) => {
  void hartMain(start, (m) => port.postMessage(m));
});
