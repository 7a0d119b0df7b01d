// Fuzz entry points of the snapshot readers, and a seeded mutator for them:
// any bytes given to these either parse or throw SnapshotError, never
// anything else, and never hang (tests/snapshot/fuzz.test.ts runs a few
// thousand mutated inputs with a fixed seed; scripts can run more).
import { parseManifest } from "./manifest.js";
import { readSnapshotFile } from "./snapshot-file.js";
import { snapshotInfo } from "./snapshot-info.js";
import { SnapshotError } from "./snapshot-error.js";

// A whole snapshot file: container, manifest, blob hashes, then the state
// blob and the maps (as `rvplay snapshot info` reads them).
export async function fuzzSnapshotFile(bytes: Uint8Array): Promise<void> {
  await snapshotInfo(await readSnapshotFile(bytes));
}

// A manifest alone.
export function fuzzManifest(bytes: Uint8Array): void {
  parseManifest(bytes);
}

export function isSnapshotError(e: unknown): e is SnapshotError {
  return e instanceof SnapshotError;
}

// A small deterministic generator (xorshift32) and mutations that keep
// most of the structure, so inputs get past the first checks.
export class Mutator {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  below(n: number): number { return this.next() % n; }

  mutate(input: Uint8Array): Uint8Array {
    let b = input.slice();
    const rounds = 1 + this.below(4);
    for (let r = 0; r < rounds; r++) {
      switch (this.below(7)) {
        case 0: if (b.length) b[this.below(b.length)] ^= 1 << this.below(8); break;          // flip a bit
        case 1: if (b.length) b[this.below(b.length)] = this.below(256); break;              // set a byte
        case 2: b = b.subarray(0, this.below(b.length + 1)); break;                          // truncate
        case 3: {                                                                             // delete a range
          const at = this.below(b.length + 1), n = this.below(64);
          b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + n))]);
          break;
        }
        case 4: {                                                                             // insert bytes
          const at = this.below(b.length + 1);
          const ins = Array.from({ length: 1 + this.below(16) }, () => this.below(256));
          b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
          break;
        }
        case 5: {                                                                             // an interesting 32-bit value
          if (b.length < 4) break;
          const at = this.below(b.length - 3);
          const v = [0, 1, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 4096, 65536][this.below(8)];
          new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
          break;
        }
        case 6: {                                                                             // a digit in text
          if (!b.length) break;
          const at = this.below(b.length);
          if (b[at] >= 0x30 && b[at] <= 0x39) b[at] = 0x30 + this.below(10);
          else b[at] = 0x30 + this.below(10);
          break;
        }
      }
    }
    return b;
  }
}
