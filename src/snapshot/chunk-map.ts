// The chunk map: where each 4 KiB page of RAM (or chunk of a disk) of a
// snapshot comes from. Binary, little-endian, a sequence of runs that
// together cover chunks 0 .. count-1 in order:
//
//   run   := kind:u8 count:u32 body          count >= 1
//   kind 0 ZERO        body: -                  all bytes zero
//   kind 1 BASE        body: -                  (disks) the base image's same chunk
//   kind 2 IMAGE       body: image:u8 offset:u32
//                      chunk k of the run = boot image `image` bytes
//                      [offset + 4096k, offset + 4096k + 4096)
//   kind 3 IMAGE_TAIL  body: image:u8 offset:u32 length:u16   (count = 1)
//                      image bytes [offset, offset + length), then zeros
//                      (the last page of a file whose size is not a
//                      multiple of 4096, as Linux's page cache holds it)
//   kind 4 PACK        body: pack:u32 slot:u32
//                      chunk k of the run = page (slot + k) of pack `pack`
//
// `image` indexes the manifest's `images`, `pack` its `packs`. decodeChunkMap
// checks every reference; it is the parser's fuzz entry point and throws
// only SnapshotError.
import { PAGE_SIZE, type Manifest, type Section } from "./manifest.js";
import { SnapshotError } from "./snapshot-error.js";

export const ZERO = 0, BASE = 1, IMAGE = 2, IMAGE_TAIL = 3, PACK = 4;

export type Run =
  | { kind: typeof ZERO | typeof BASE; count: number }
  | { kind: typeof IMAGE; count: number; image: number; offset: number }
  | { kind: typeof IMAGE_TAIL; count: 1; image: number; offset: number; length: number }
  | { kind: typeof PACK; count: number; pack: number; slot: number };

const BODY: Record<number, number> = { [ZERO]: 0, [BASE]: 0, [IMAGE]: 5, [IMAGE_TAIL]: 7, [PACK]: 8 };

// Builds runs chunk by chunk, merging a chunk into the run before it when it
// continues it.
export class ChunkMapBuilder {
  readonly runs: Run[] = [];
  private chunks = 0;

  get count(): number { return this.chunks; }

  add(r: Run): void {
    this.chunks += r.count;
    const last = this.runs[this.runs.length - 1];
    if (last && last.kind === r.kind) {
      if (r.kind === ZERO || r.kind === BASE) { last.count += r.count; return; }
      if (r.kind === IMAGE && last.kind === IMAGE && last.image === r.image && last.offset + last.count * PAGE_SIZE === r.offset) { last.count += r.count; return; }
      if (r.kind === PACK && last.kind === PACK && last.pack === r.pack && last.slot + last.count === r.slot) { last.count += r.count; return; }
    }
    this.runs.push({ ...r });
  }

  encode(): Uint8Array {
    const size = this.runs.reduce((n, r) => n + 5 + BODY[r.kind], 0);
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    let at = 0;
    for (const r of this.runs) {
      out[at] = r.kind;
      dv.setUint32(at + 1, r.count, true);
      at += 5;
      if (r.kind === IMAGE || r.kind === IMAGE_TAIL) {
        out[at] = r.image;
        dv.setUint32(at + 1, r.offset, true);
        if (r.kind === IMAGE_TAIL) dv.setUint16(at + 5, r.length, true);
      } else if (r.kind === PACK) {
        dv.setUint32(at, r.pack, true);
        dv.setUint32(at + 4, r.slot, true);
      }
      at += BODY[r.kind];
    }
    return out;
  }
}

// What a map may refer to: the sizes of the images and of the packs (in
// pages), and whether BASE runs are allowed (disks only).
export interface MapContext { count: number; imageSizes: number[]; packPages: number[]; base: boolean; what: string }

export function decodeChunkMap(bytes: Uint8Array, ctx: MapContext): Run[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const runs: Run[] = [];
  const bad = (why: string) => new SnapshotError("bad_state", `snapshot ${ctx.what} map: ${why}`);
  let at = 0, chunks = 0;
  while (at < bytes.length) {
    if (at + 5 > bytes.length) throw bad("ends inside a run");
    const kind = bytes[at];
    const count = dv.getUint32(at + 1, true);
    at += 5;
    if (!(kind in BODY)) throw bad(`unknown run kind ${kind}`);
    if (at + BODY[kind] > bytes.length) throw bad("ends inside a run");
    if (count === 0) throw bad("has an empty run");
    if (count > ctx.count - chunks) throw bad(`covers more than its ${ctx.count} chunks`);
    if (kind === ZERO) runs.push({ kind, count });
    else if (kind === BASE) {
      if (!ctx.base) throw bad("refers to a base image, which RAM has none of");
      runs.push({ kind, count });
    } else if (kind === IMAGE || kind === IMAGE_TAIL) {
      const image = bytes[at], offset = dv.getUint32(at + 1, true);
      if (image >= ctx.imageSizes.length) throw bad(`refers to boot image ${image}, of ${ctx.imageSizes.length}`);
      const size = ctx.imageSizes[image];
      if (kind === IMAGE) {
        if (offset + count * PAGE_SIZE > size) throw bad(`refers to bytes past the end of boot image ${image}`);
        runs.push({ kind, count, image, offset });
      } else {
        const length = dv.getUint16(at + 5, true);
        if (count !== 1) throw bad("has an image tail run of more than one page");
        if (length === 0 || length >= PAGE_SIZE) throw bad(`has an image tail of ${length} bytes`);
        if (offset + length > size) throw bad(`refers to bytes past the end of boot image ${image}`);
        runs.push({ kind, count: 1, image, offset, length });
      }
    } else {
      const pack = dv.getUint32(at, true), slot = dv.getUint32(at + 4, true);
      if (pack >= ctx.packPages.length) throw bad(`refers to pack ${pack}, of ${ctx.packPages.length}`);
      if (slot + count > ctx.packPages[pack]) throw bad(`refers to pages past the end of pack ${pack}`);
      runs.push({ kind: PACK, count, pack, slot });
    }
    at += BODY[kind];
    chunks += count;
  }
  if (chunks !== ctx.count) throw bad(`covers ${chunks} chunks, not ${ctx.count}`);
  return runs;
}

// A snapshot's RAM map and disk maps, decoded from its inflated state blob.
export function decodeSnapshotMaps(m: Manifest, state: Uint8Array): { ram: Run[]; disks: Run[][] } {
  const ctx = { imageSizes: m.images.map((r) => r.size), packPages: m.packs.map((p) => p.pages) };
  const sec = (x: Section) => state.subarray(x.offset, x.offset + x.size);
  return {
    ram: decodeChunkMap(sec(m.ram.map), { ...ctx, count: m.ram.pages, base: false, what: "RAM" }),
    disks: m.disks.map((d) => decodeChunkMap(sec(d.map), { ...ctx, count: d.chunks, base: true, what: "disk" })),
  };
}
