// A small, valid snapshot built by hand (no machine booted): a 64 MiB,
// 1-hart machine whose RAM holds two firmware pages, a kernel file's tail
// page and two packed pages. Format and bad-input tests start from it and
// change one thing at a time.
import * as L from "../../wasm-core/layout.js";
import { memoryRecords } from "../../wasm-core/records.js";
import { VIRTIO_ID_RNG } from "../../wasm-core/spec/virtio.js";
import { MANIFEST_FORMAT } from "../../src/snapshot/share-api.js";
import { CODEC, PAGE_SIZE, SNAPSHOT_VERSION, type Manifest } from "../../src/snapshot/manifest.js";
import { ChunkMapBuilder, IMAGE, IMAGE_TAIL, PACK, ZERO } from "../../src/snapshot/chunk-map.js";
import { deflate, sha256Hex } from "../../src/snapshot/blob-codec.js";
import { snapshotOf, type Snapshot } from "../../src/snapshot/snapshot-file.js";

export const RAM = 64 * 1024 * 1024;

export function bytesOf(seed: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; b[i] = s & 0xff; }
  return b;
}

// The firmware and kernel the synthetic snapshot refers to (any bytes are a
// flat binary to the boot layout).
export const FIRMWARE = bytesOf(1, 2 * PAGE_SIZE);
export const KERNEL = bytesOf(2, 3 * PAGE_SIZE + 100);

export interface Tweaks {
  manifest?: (m: Manifest) => void;         // after it is built, before it is encoded
  records?: (name: string, bytes: Uint8Array) => void;
}

export async function syntheticSnapshot(t: Tweaks = {}): Promise<Snapshot> {
  const records = memoryRecords(1, RAM).filter((r) => r.kind === "state" && r.name !== "ram");
  const sections: Uint8Array[] = [];
  let size = 0;
  const section = (b: Uint8Array) => { const s = { offset: size, size: b.length }; sections.push(b); size += b.length; return s; };
  const recs = records.map((r) => {
    const bytes = new Uint8Array(r.size);
    const dv = new DataView(bytes.buffer);
    if (r.name === "hart0") { dv.setInt32(L.H_PRIV, 3, true); dv.setBigUint64(L.H_PC, 0x80000000n, true); dv.setBigInt64(L.H_RESERVATION, -1n, true); }
    if (r.name === "machine") { dv.setBigUint64(L.D_RAM_SIZE, BigInt(RAM), true); dv.setInt32(L.D_NHARTS, 1, true); }
    if (r.name === "virtio") { dv.setUint32(L.VQ_DEVICE_ID, VIRTIO_ID_RNG, true); dv.setUint32(L.VQ_NUM_QUEUES, 1, true); }
    t.records?.(r.name, bytes);
    return { name: r.name, version: r.version, ...section(bytes) };
  });
  const pack = bytesOf(3, 2 * PAGE_SIZE);
  const map = new ChunkMapBuilder();
  map.add({ kind: IMAGE, count: 2, image: 0, offset: 0 });
  map.add({ kind: IMAGE_TAIL, count: 1, image: 1, offset: 3 * PAGE_SIZE, length: 100 });
  map.add({ kind: PACK, count: 2, pack: 0, slot: 0 });
  map.add({ kind: PACK, count: 1, pack: 0, slot: 1 }); // a duplicate page
  map.add({ kind: ZERO, count: RAM / PAGE_SIZE - 6 });
  const ramMap = section(map.encode());
  const screen = section(new TextEncoder().encode("root@rvplay:~# "));
  const state = new Uint8Array(size);
  let at = 0;
  for (const s of sections) { state.set(s, at); at += s.length; }
  const stateBlob = await deflate(state), packBlob = await deflate(pack);
  const stateHash = await sha256Hex(stateBlob), packHash = await sha256Hex(packBlob);
  const manifest: Manifest = {
    format: MANIFEST_FORMAT, version: SNAPSHOT_VERSION, created: "2026-01-01T00:00:00.000Z",
    machine: { harts: 1, ramBytes: RAM, bootargs: "console=ttyS0", timebaseHz: 10_000_000 },
    images: [
      { role: "firmware", name: "fw.bin", sha256: await sha256Hex(FIRMWARE), size: FIRMWARE.length },
      { role: "kernel", name: "kernel.bin", sha256: await sha256Hex(KERNEL), size: KERNEL.length },
    ],
    devices: [{ slot: 0, type: "virtio-rng", version: 1, state: {} }],
    clock: { mtime: "12345678" },
    state: { blob: stateHash, codec: CODEC, size },
    records: recs,
    ram: { pageSize: PAGE_SIZE, pages: RAM / PAGE_SIZE, map: ramMap },
    disks: [],
    packs: [{ blob: packHash, codec: CODEC, pages: 2 }],
    console: { ...screen, cols: 80, rows: 24 },
    blobs: [{ hash: stateHash, size: stateBlob.length }, { hash: packHash, size: packBlob.length }],
  };
  t.manifest?.(manifest);
  return snapshotOf(manifest, new Map([[stateHash, stateBlob], [packHash, packBlob]]));
}
