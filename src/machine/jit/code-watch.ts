// The host's share of "code that changes" (wasm-core/assembly/hart/jit.ts):
// when host code writes guest RAM behind the harts' backs (a device's DMA,
// loading boot files, a reset), the generation of every written page that
// holds translated code moves on, so that no hart runs code translated from
// the old bytes. Called after the bytes are written.
import * as L from "../../../wasm-core/layout.js";

// [offset, offset + len) in host memory (inside RAM) was written.
export function noteRamWritten(i32: Int32Array, offset: number, len: number): void {
  if (len <= 0) return;
  const first = Math.floor((offset - L.RAM_OFFSET) / 4096);
  const last = Math.floor((offset + len - 1 - L.RAM_OFFSET) / 4096);
  const base = L.JIT_GEN >> 2;
  for (let p = Math.max(0, first); p <= last && p < L.JIT_MAX_PAGES; p++) {
    // A read-modify-write: a full barrier after the bytes were written.
    let w = Atomics.add(i32, base + p, 0);
    while (w & 1) {
      const seen = Atomics.compareExchange(i32, base + p, w, w + 1);
      if (seen === w) break;
      w = seen;
    }
  }
}

// Every page of a machine with ramBytes of RAM changed (a reset reloads the
// RAM): all translated code is retired, watched or not.
export function retireAllCode(i32: Int32Array, ramBytes: number): void {
  const base = L.JIT_GEN >> 2;
  const pages = Math.min(L.JIT_MAX_PAGES, Math.ceil(ramBytes / 4096));
  for (let p = 0; p < pages; p++) Atomics.store(i32, base + p, (Atomics.load(i32, base + p) | 1) + 1);
}
