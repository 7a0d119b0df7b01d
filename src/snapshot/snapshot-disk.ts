// A disk a snapshot can take: its bytes in a SharedArrayBuffer (the I/O
// side writes the guest's writes into it: DiskSpec "memory") and the image
// it started from, kept pristine, named by its SHA-256. While the machine is
// paused (its I/O drained) the bytes are copied; after it resumes the copy
// is compared with the pristine image chunk by chunk, and only the chunks
// that differ are stored. The disks' copy-on-write overlays (issue 9) will
// know their changed chunks themselves and replace this comparison.
import type { DeviceSpec } from "../devices/specs.js";
import { PAGE_SIZE } from "./manifest.js";

export interface DiskBase { sha256: string; size: number }

export class SnapshotDisk {
  readonly bytes: Uint8Array; // over a SharedArrayBuffer

  // `bytes`: the disk as it is now (default: a shared copy of `pristine`).
  constructor(readonly pristine: Uint8Array, readonly base: Promise<DiskBase>, bytes?: Uint8Array) {
    if (bytes && !(bytes.buffer instanceof SharedArrayBuffer)) throw new TypeError("a snapshot disk's bytes must be shared");
    if (!bytes) {
      bytes = new Uint8Array(new SharedArrayBuffer(pristine.length));
      bytes.set(pristine);
    }
    this.bytes = bytes;
  }

  get spec(): DeviceSpec {
    return { kind: "blk", disk: { type: "memory", buffer: this.bytes.buffer as SharedArrayBuffer } };
  }

  // Whether a device spec is this disk.
  is(spec: DeviceSpec): boolean {
    return spec.kind === "blk" && spec.disk.type === "memory" && spec.disk.buffer === this.bytes.buffer;
  }

  // The chunks of `copy` (the disk's bytes at some moment) that differ from
  // the pristine image, in order.
  changedChunks(copy: Uint8Array): number[] {
    const out: number[] = [];
    const a = copy, b = this.pristine;
    const whole = Math.floor(Math.min(a.length, b.length) / PAGE_SIZE);
    // Compare 32 bits at a time where both views allow it.
    const aligned = a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0;
    const a32 = aligned ? new Int32Array(a.buffer, a.byteOffset, whole * (PAGE_SIZE / 4)) : undefined;
    const b32 = aligned ? new Int32Array(b.buffer, b.byteOffset, whole * (PAGE_SIZE / 4)) : undefined;
    for (let c = 0; c < whole; c++) {
      let same = true;
      if (a32 && b32) {
        for (let i = c * (PAGE_SIZE / 4), e = i + PAGE_SIZE / 4; i < e; i++) if (a32[i] !== b32[i]) { same = false; break; }
      } else {
        for (let i = c * PAGE_SIZE, e = i + PAGE_SIZE; i < e; i++) if (a[i] !== b[i]) { same = false; break; }
      }
      if (!same) out.push(c);
    }
    for (let c = whole; c * PAGE_SIZE < a.length; c++) {
      for (let i = c * PAGE_SIZE; i < a.length; i++) if (a[i] !== b[i]) { out.push(c); break; }
    }
    return out;
  }
}
