// Node entry of a JIT compile worker (worker_threads); see
// machine/jit/region-compiler.ts.
import { parentPort } from "node:worker_threads";
import { compilerServer, type CompilerMessage } from "../machine/jit/region-compiler.js";

const port = parentPort!;
const serve = compilerServer((r) => port.postMessage(r));
port.on("message", (m: CompilerMessage) => serve(m));
