// Node entry of a hart worker (worker_threads); see hart-loop.ts.
import { parentPort } from "node:worker_threads";
import { hartMain, type HartStart } from "../machine/hart-loop.js";

const port = parentPort!;
port.once("message", (start: HartStart) => {
  void hartMain(start, (m) => port.postMessage(m));
});
