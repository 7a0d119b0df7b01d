// The hart workers of one machine: spawned and started together over the
// shared memory, waited for at a pause (each parks between instructions and
// says so in H_PARKED), stopped together. A worker that fails is reported
// once through onFailure.
import * as L from "../../wasm-core/layout.js";
import type { CoreView } from "./core.js";
import type { HartStart, HartMessage } from "./hart-loop.js";
import type { JitConfig } from "./jit/hart-jit.js";
import type { DeterministicHartConfig } from "./deterministic-hart.js";

export interface HartWorker {
  start(s: HartStart): void;
  onMessage(cb: (m: HartMessage) => void): void;
  terminate(): void;
}
export type HartSpawner = () => HartWorker;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class HartPool {
  private workers: HartWorker[] = [];
  failure: string | undefined;

  constructor(private readonly view: CoreView, private readonly spawn: HartSpawner,
    private readonly onFailure: (message: string) => void) {}

  get size(): number { return this.workers.length; }

  // Start one worker per hart; resolves when every one is ready (or failed).
  start(module: WebAssembly.Module, harts: number, jit?: JitConfig, deterministic?: DeterministicHartConfig): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let h = 0; h < harts; h++) {
      const w = this.spawn();
      this.workers.push(w);
      ready.push(new Promise<void>((resolve) => {
        w.onMessage((m) => {
          if (m.type === "ready") resolve();
          else if (m.type === "error") {
            resolve();
            if (this.failure === undefined) {
              this.failure = `hart ${h} stopped: ${m.message}`;
              this.onFailure(this.failure);
            }
          }
        });
      }));
      w.start({ module, memory: this.view.memory, hartId: h, jit, deterministic });
    }
    return Promise.all(ready).then(() => undefined);
  }

  // Wait until every worker has parked (the run state must be RUN_PAUSE).
  async waitParked(timeoutMs: number): Promise<void> {
    const i32 = new Int32Array(this.view.memory.buffer);
    const deadline = performance.now() + timeoutMs;
    for (let h = 0; h < this.workers.length; h++) {
      const parked = (this.view.hartBase(h) + L.H_PARKED) >> 2;
      while (Atomics.load(i32, parked) !== 1 && this.failure === undefined) {
        if (performance.now() > deadline) throw new Error(`hart ${h} did not pause within ${timeoutMs / 1000} s`);
        await sleep(1);
      }
    }
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
    this.workers = [];
  }
}
