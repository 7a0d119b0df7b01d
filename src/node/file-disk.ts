// A raw disk image file as a BlockBackend (Node): read on demand with
// positioned reads, never held whole. Writable: writes go to the file and
// FLUSH is an fsync. Not writable: the guest's writes stay in an overlay in
// memory (4 KiB blocks) and are lost at exit; the file is never modified.
import { open, type FileHandle } from "node:fs/promises";
import type { BlockBackend } from "../devices/virtio-blk.js";
import { ImageError } from "../machine/boot-images.js";

const BLOCK = 4096;

export class FileDisk implements BlockBackend {
  readonly readOnly = false;
  private readonly overlay = new Map<number, Uint8Array>();

  private constructor(private readonly fh: FileHandle, readonly size: number, private readonly writeThrough: boolean) {}

  static async open(path: string, writable: boolean): Promise<FileDisk> {
    let fh: FileHandle;
    try {
      fh = await open(path, writable ? "r+" : "r");
    } catch (e) {
      throw new ImageError(`cannot open the disk image '${path}': ${(e as Error).message}`);
    }
    const { size } = await fh.stat();
    return new FileDisk(fh, size - (size % 512), writable);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.fh.read(out, got, length - got, offset + got);
      if (bytesRead === 0) break; // past the end of a shrunken file: zeros
      got += bytesRead;
    }
    if (this.overlay.size > 0) {
      for (let b = Math.floor(offset / BLOCK); b * BLOCK < offset + length; b++) {
        const blk = this.overlay.get(b);
        if (!blk) continue;
        const from = Math.max(offset, b * BLOCK), to = Math.min(offset + length, (b + 1) * BLOCK);
        out.set(blk.subarray(from - b * BLOCK, to - b * BLOCK), from - offset);
      }
    }
    return out;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (this.writeThrough) {
      let put = 0;
      while (put < data.length) put += (await this.fh.write(data, put, data.length - put, offset + put)).bytesWritten;
      return;
    }
    for (let b = Math.floor(offset / BLOCK); b * BLOCK < offset + data.length; b++) {
      let blk = this.overlay.get(b);
      if (!blk) {
        blk = new Uint8Array(BLOCK);
        const { bytesRead } = await this.fh.read(blk, 0, BLOCK, b * BLOCK);
        blk.fill(0, bytesRead);
        this.overlay.set(b, blk);
      }
      const from = Math.max(offset, b * BLOCK), to = Math.min(offset + data.length, (b + 1) * BLOCK);
      blk.set(data.subarray(from - offset, to - offset), from - b * BLOCK);
    }
  }

  async flush(): Promise<void> {
    if (this.writeThrough) await this.fh.sync();
  }

  async close(): Promise<void> {
    if (this.writeThrough) await this.fh.sync();
    await this.fh.close();
  }
}
