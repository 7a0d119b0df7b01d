// A disk that remembers which 4 KiB chunks the guest wrote since it was the
// base image, so that a snapshot stores only those (the base is referenced
// by its SHA-256, never copied). This is the in-memory disk's form of what
// the disks' copy-on-write overlays (issue 9) will give: the overlay knows
// its changed chunks itself and will take this one's place.
import type { BlockBackend } from "../devices/virtio-blk.js";
import { PAGE_SIZE } from "./manifest.js";

export interface DiskBase { sha256: string; size: number }

export class TrackedDisk implements BlockBackend {
  private readonly dirty: Uint8Array;
  readonly chunks: number;

  // `base`: the image the disk held before any write (its hash may still be
  // being computed: a snapshot waits for it).
  constructor(readonly inner: BlockBackend, readonly base: Promise<DiskBase>, changed: Iterable<number> = []) {
    this.chunks = Math.ceil(inner.size / PAGE_SIZE);
    this.dirty = new Uint8Array(this.chunks);
    for (const c of changed) this.dirty[c] = 1;
  }

  get size(): number { return this.inner.size; }
  get readOnly(): boolean { return this.inner.readOnly; }

  read(offset: number, length: number): Uint8Array { return this.inner.read(offset, length); }

  write(offset: number, data: Uint8Array): void {
    this.inner.write(offset, data);
    if (data.length === 0) return;
    const last = Math.floor((offset + data.length - 1) / PAGE_SIZE);
    for (let c = Math.floor(offset / PAGE_SIZE); c <= last; c++) this.dirty[c] = 1;
  }

  flush(): void { this.inner.flush(); }

  // The chunks written since the base, in order.
  changedChunks(): number[] {
    const out: number[] = [];
    for (let c = 0; c < this.chunks; c++) if (this.dirty[c]) out.push(c);
    return out;
  }

  // Chunk c's bytes, zero-padded to 4096 when the disk ends inside it.
  readChunk(c: number): Uint8Array {
    const start = c * PAGE_SIZE;
    const bytes = this.inner.read(start, Math.min(PAGE_SIZE, this.size - start));
    if (bytes.length === PAGE_SIZE) return bytes;
    const out = new Uint8Array(PAGE_SIZE);
    out.set(bytes);
    return out;
  }
}
