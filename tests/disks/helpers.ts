// Shared by the disk store tests: a fresh store directory, images made of
// known bytes, streams over them.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFileStore } from "../../src/node/disk-files.js";
import type { DiskStore } from "../../src/disks/disk-store.js";

export async function freshStore(): Promise<{ dir: string; store: DiskStore }> {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-store-"));
  return { dir, store: await openFileStore(dir) };
}

// size bytes, a pattern that differs per 512-byte sector, with some all-zero stretches.
export function patternImage(size: number, seed = 1): Uint8Array {
  const b = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    if (Math.floor(i / (256 * 1024)) % 3 === 1) continue; // every third 256 KiB chunk stays zero
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff; b[i + 1] = (x >>> 8) & 0xff; b[i + 2] = (x >>> 16) & 0xff; b[i + 3] = x >>> 24;
  }
  return b;
}

// A stream of the bytes in pieces of `piece` (as a file would arrive).
export function streamOf(bytes: Uint8Array, piece = 100_000, failAfter?: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(ctl) {
      if (failAfter !== undefined && at >= failAfter) { ctl.error(new Error("the file became unreadable")); return; }
      if (at >= bytes.length) { ctl.close(); return; }
      ctl.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}
