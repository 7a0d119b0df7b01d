// Finding the guest RAM pages that are not all zero, fast enough to do while
// the machine is paused for a snapshot (a booted 256 MiB guest has about
// 3,600 such pages of 65,536). A plain JavaScript loop over an Int32Array
// took 50-80 ms for 256 MiB; this small WebAssembly function, 16 bytes at a
// time with SIMD, takes about 7 ms. It is assembled from the text below
// (tests/snapshot/zero-scan.test.ts re-assembles the text with binaryen and
// checks the bytes):
//
//   (module
//     (import "env" "memory" (memory 1 65536 shared))
//     ;; the first 4 KiB page in [p, end) that is not all zero, or end
//     (func (export "nextNonZero") (param $p i32) (param $end i32) (result i32)
//       (local $q i32) (local $acc v128)
//       (block $done
//         (loop $pages
//           (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
//           (local.set $q (i32.add (local.get $p) (i32.const 4096)))
//           (local.set $acc (v128.const i64x2 0 0))
//           (loop $words
//             (local.set $acc (v128.or (local.get $acc)
//               (v128.or (v128.or (v128.load offset=0 (local.get $p)) (v128.load offset=16 (local.get $p)))
//                        (v128.or (v128.load offset=32 (local.get $p)) (v128.load offset=48 (local.get $p))))))
//             (local.set $p (i32.add (local.get $p) (i32.const 64)))
//             (br_if $words (i32.lt_u (local.get $p) (local.get $q))))
//           (if (v128.any_true (local.get $acc)) (then (return (i32.sub (local.get $q) (i32.const 4096)))))
//           (br $pages)))
//       (local.get $end)))
//
// The first scan of a fresh memory also pays the host's page faults for
// every never-touched page (about 120 ms for 256 MiB): prescan() does that
// while the guest still runs, so the pause pays only the scan itself.
import { fromHex } from "./blob-codec.js";
import { PAGE_SIZE } from "./manifest.js";

export const ZERO_SCAN_WASM = fromHex(
  "0061736d0100000001070160027f7f017f02120103656e76066d656d6f727902030180800403020100070f010b6e6578" +
  "744e6f6e5a65726f00000a7a017802017f017b02400340200020014f0d0120004180206a2102fd0c0000000000000000" +
  "00000000000000002103034020032000fd0004002000fd000410fd502000fd0004202000fd000430fd50fd50fd502103" +
  "200041c0006a210020002002490d000b2003fd53044020024180206b0f0b0c000b000b20010b");

export type NextNonZero = (from: number, end: number) => number;

let compiled: WebAssembly.Module | null | undefined;

function wasmScanner(memory: WebAssembly.Memory): NextNonZero | undefined {
  if (compiled === undefined) {
    try { compiled = new WebAssembly.Module(ZERO_SCAN_WASM as Uint8Array<ArrayBuffer>); } catch { compiled = null; } // no SIMD: the loop below
  }
  if (!compiled) return undefined;
  const inst = new WebAssembly.Instance(compiled, { env: { memory } });
  return inst.exports.nextNonZero as NextNonZero;
}

export function jsScanner(memory: WebAssembly.Memory): NextNonZero {
  return (from, end) => {
    const i32 = new Int32Array(memory.buffer);
    for (let p = from; p < end; p += PAGE_SIZE) {
      const b = p >> 2;
      for (let i = 0; i < PAGE_SIZE / 4; i += 8) {
        if (i32[b + i] | i32[b + i + 1] | i32[b + i + 2] | i32[b + i + 3] | i32[b + i + 4] | i32[b + i + 5] | i32[b + i + 6] | i32[b + i + 7]) return p;
      }
    }
    return end;
  };
}

export class ZeroScanner {
  private readonly next: NextNonZero;
  readonly simd: boolean;
  constructor(memory: WebAssembly.Memory) {
    const w = wasmScanner(memory);
    this.simd = w !== undefined;
    this.next = w ?? jsScanner(memory);
  }

  // The page numbers (from `base`, a page-aligned byte offset of the
  // memory) of the pages in [base, base + bytes) that are not all zero.
  nonZeroPages(base: number, bytes: number): Uint32Array {
    let out = new Uint32Array(1024);
    let n = 0;
    const end = base + bytes;
    for (let p = this.next(base, end); p < end; p = this.next(p + PAGE_SIZE, end)) {
      if (n === out.length) { const o = new Uint32Array(n * 2); o.set(out); out = o; }
      out[n++] = (p - base) / PAGE_SIZE;
    }
    return out.subarray(0, n);
  }

  // Touch every page once (the result is thrown away).
  prescan(base: number, bytes: number): void {
    this.nonZeroPages(base, bytes);
  }
}
