// A snapshot rewritten for fetching over a network by many (a published
// image's instant start): every page it restores is held in the snapshot
// itself (no IMAGE runs, so a restore fetches no kernel or initrd; they
// are needed only for a reboot), deduplicated, and packed into large packs
// with a stronger codec (version 2: brotli, up to 1024 pages a pack). The
// machine it restores is the same to the byte: the state records, clock,
// devices and screen are kept as they are, and each map covers the same
// chunks with the same bytes.
import { BASE, ChunkMapBuilder, decodeSnapshotMaps, IMAGE, IMAGE_TAIL, PACK, ZERO, type Run } from "./chunk-map.js";
import { decompress, deflate, inflate, sha256Hex } from "./blob-codec.js";
import { CODEC, PACK_PAGES_V2, PAGE_SIZE, packsVersion, StateLayout, type Manifest, type PackCodec, type PackEntry, type Section } from "./manifest.js";
import { snapshotOf, type Snapshot } from "./snapshot-file.js";
import { SnapshotError } from "./snapshot-error.js";

export interface RepackOptions {
  codec: PackCodec;
  packPages: number; // 1 .. PACK_PAGES_V2
  compress(raw: Uint8Array): Promise<Uint8Array>; // to `codec`
  // The bytes of the boot images the snapshot's maps refer to, by the
  // manifest's image index (checked by size and SHA-256).
  images?: (Uint8Array | undefined)[];
}

export async function repackSnapshot(s: Snapshot, o: RepackOptions): Promise<Snapshot> {
  if (!(Number.isInteger(o.packPages) && o.packPages >= 1 && o.packPages <= PACK_PAGES_V2)) throw new RangeError(`packPages must be 1..${PACK_PAGES_V2}`);
  const m = s.manifest;
  const blob = (h: string) => {
    const b = s.blobs.get(h);
    if (!b) throw new SnapshotError("missing_blob", `the snapshot's blob ${h} is missing`);
    return b;
  };
  const state = await inflate(blob(m.state.blob), m.state.size, "the snapshot's state");
  const packs = await Promise.all(m.packs.map((p, i) => decompress(blob(p.blob), p.pages * PAGE_SIZE, `snapshot pack ${i}`, p.codec)));
  const sec = (x: Section) => state.subarray(x.offset, x.offset + x.size);
  const maps = decodeSnapshotMaps(m, state);

  const checked = new Map<number, Uint8Array>();
  const image = async (i: number): Promise<Uint8Array> => {
    let b = checked.get(i);
    if (b) return b;
    const ref = m.images[i];
    b = o.images?.[i];
    if (!b || b.length !== ref.size || await sha256Hex(b) !== ref.sha256) {
      throw new SnapshotError("missing_image", `the snapshot's pages refer to its ${ref.role} '${ref.name}' (${ref.size} bytes, sha256 ${ref.sha256.slice(0, 12)}…), which was not given`);
    }
    checked.set(i, b);
    return b;
  };

  // Every stored page once, in first-seen order (RAM by address, then the
  // disks): a chunk map run per chunk, merged by the builder.
  const order: Uint8Array[] = [];
  const slotOf = new Map<string, number>();
  const rebuild = async (runs: Run[]): Promise<ChunkMapBuilder> => {
    const out = new ChunkMapBuilder();
    for (const r of runs) {
      if (r.kind === ZERO || r.kind === BASE) { out.add({ kind: r.kind, count: r.count }); continue; }
      for (let k = 0; k < r.count; k++) {
        let page: Uint8Array;
        if (r.kind === PACK) page = packs[r.pack].subarray((r.slot + k) * PAGE_SIZE, (r.slot + k + 1) * PAGE_SIZE);
        else if (r.kind === IMAGE) page = (await image(r.image)).subarray(r.offset + k * PAGE_SIZE, r.offset + (k + 1) * PAGE_SIZE);
        else if (r.kind === IMAGE_TAIL) { page = new Uint8Array(PAGE_SIZE); page.set((await image(r.image)).subarray(r.offset, r.offset + r.length)); }
        else continue; // (ZERO and BASE runs were added whole above)
        const h = await sha256Hex(page);
        let slot = slotOf.get(h);
        if (slot === undefined) { slot = order.length; slotOf.set(h, slot); order.push(page); }
        // Placeholder pack numbers (slot / packPages) are the final ones.
        out.add({ kind: PACK, count: 1, pack: Math.floor(slot / o.packPages), slot: slot % o.packPages });
      }
    }
    return out;
  };
  const ram = await rebuild(maps.ram);
  const disks: ChunkMapBuilder[] = [];
  for (const runs of maps.disks) disks.push(await rebuild(runs));

  const newPacks = await Promise.all(Array.from({ length: Math.ceil(order.length / o.packPages) }, async (_, k) => {
    const group = order.slice(k * o.packPages, (k + 1) * o.packPages);
    const raw = new Uint8Array(group.length * PAGE_SIZE);
    group.forEach((p, i) => raw.set(p, i * PAGE_SIZE));
    const bytes = await o.compress(raw);
    const entry: PackEntry = { blob: await sha256Hex(bytes), codec: o.codec, pages: group.length };
    return { entry, bytes };
  }));
  // Two packs of the same bytes would be one blob listed twice.
  const seen = new Set<string>();
  for (const p of newPacks) {
    if (seen.has(p.entry.blob)) throw new SnapshotError("unsupported", "two packs compressed to the same bytes");
    seen.add(p.entry.blob);
  }

  // The state again: the records, the RAM map, the disks' maps, the screen.
  const layout = new StateLayout();
  const records = m.records.map((r) => ({ ...r, ...layout.add(sec(r)) }));
  const ramMap = layout.add(ram.encode());
  const diskEntries = m.disks.map((d, i) => ({ ...d, map: layout.add(disks[i].encode()) }));
  const consoleEntry = m.console ? { ...m.console, ...layout.add(sec(m.console)) } : null;
  const stateBlob = await deflate(layout.bytes());
  const stateHash = await sha256Hex(stateBlob);

  const packEntries = newPacks.map((p) => p.entry);
  const blobs = new Map<string, Uint8Array>([[stateHash, stateBlob], ...newPacks.map((p): [string, Uint8Array] => [p.entry.blob, p.bytes])]);
  const manifest: Manifest = {
    ...m,
    version: packsVersion(packEntries),
    state: { blob: stateHash, codec: CODEC, size: layout.size },
    records, ram: { ...m.ram, map: ramMap }, disks: diskEntries, packs: packEntries, console: consoleEntry,
    blobs: [...blobs].map(([hash, b]) => ({ hash, size: b.length })),
  };
  return snapshotOf(manifest, blobs);
}
