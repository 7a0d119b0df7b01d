// Taking a snapshot of a running VirtMachine. While the guest runs, every
// page of RAM is touched once (zero-scan.ts: so the pause pays no page
// faults); then VirtMachine.capture() pauses every hart at an instruction
// boundary and, while nothing runs, this copies the non-zero RAM pages, the
// "state" records (wasm-core/records.ts), the guest clock and the disks'
// changed chunks; the machine resumes, and only then are the copies
// matched against the boot images, hashed, deduplicated, compressed and
// packed (manifest.ts, chunk-map.ts). A SnapshotTaker remembers the packs
// of the last snapshot it took (or that the machine was restored from), so
// the next one stores only the pages that changed.
import * as L from "../../wasm-core/layout.js";
import { VIRTIO_ID_BLOCK, VIRTIO_ID_RNG, VIRTIO_ID_CONSOLE, VIRTIO_ID_9P, VIRTIO_ID_NET } from "../../wasm-core/spec/virtio.js";
import type { DiskSave } from "../devices/virtio-blk.js";
import type { Virtio9pSave } from "../devices/virtio-9p.js";
import { memoryRecords } from "../../wasm-core/records.js";
import type { CoreView } from "../machine/core.js";
import type { VirtMachine } from "../machine/virt-machine.js";
import { MANIFEST_FORMAT } from "./share-api.js";
import {
  CODEC, DEVICE_VERSIONS, EMPTY_BASE, PACK_PAGES, PAGE_SIZE, packsVersion, StateLayout,
  type DeviceEntry, type DiskEntry, type ImageRef, type NetState, type ImageRole, type Manifest, type PackEntry, type RecordEntry,
} from "./manifest.js";
import { BASE, ChunkMapBuilder, IMAGE, IMAGE_TAIL, PACK, ZERO } from "./chunk-map.js";
import { ImageIndex } from "./image-index.js";
import { deflate, sha256, sha256Hex, toHex } from "./blob-codec.js";
import { snapshotOf, type Snapshot } from "./snapshot-file.js";
import type { SnapshotDisk } from "./snapshot-disk.js";
import { ZeroScanner } from "./zero-scan.js";
import { SnapshotError } from "./snapshot-error.js";

// A boot image of the machine, with its bytes (to find RAM pages that
// equal them) and a name for people.
export interface BootImage { role: ImageRole; name: string; bytes: Uint8Array }
// One known by content whose bytes are fetched only when needed (a machine
// resumed from a snapshot that holds all its pages: for its reboot). A
// snapshot names it, and stores every page itself.
export interface LaterImage { role: ImageRole; name: string; size: number; sha256: string; load(): Promise<Uint8Array> }

// The console's screen: terminal output (UTF-8, with escape sequences) that
// redraws it when written to a terminal of cols x rows.
export interface ConsoleScreen { bytes: Uint8Array; cols: number; rows: number }

export interface TakeStats {
  pauseMs: number;        // how long the harts stood still
  totalMs: number;        // from the call to the snapshot in hand
  ramPages: number;       // pages of guest RAM
  nonZeroPages: number;
  imagePages: number;     // left out: a boot image has them
  storedPages: number;    // distinct pages (and disk chunks) in packs
  dedupedPages: number;   // pages equal to another page of this snapshot
  diskChunks: number;     // disk chunks that differ from the base
  newPacks: number;
  reusedPacks: number;
  bytes: number;          // all blobs of the snapshot, compressed
  newBytes: number;       // blobs the previous snapshot did not have
}

interface Captured {
  mtime: bigint;
  records: { name: string; version: number; bytes: Uint8Array }[];
  pages: Uint32Array;     // numbers of the non-zero RAM pages, ascending
  copy: Uint8Array;       // their bytes, 4096 each
  devices: { slot: number; deviceId: number; state?: unknown }[];
  disk?: Uint8Array;      // the disk's bytes (a disk in memory)
  saved?: DiskSave;       // the disk's chunks, pinned (a store disk)
}

// A disk store (src/disks/) whose disks a snapshot can take: it reads the
// chunks a disk pinned when it saved itself, and releases the pins once the
// snapshot holds the chunks.
export interface DiskStoreAccess {
  read(hash: string): Promise<Uint8Array | undefined>;
  unpin(owner: string): Promise<void>;
}

// A page to store: its bytes and its SHA-256.
interface Unit { bytes: Uint8Array; hash: string }

interface PackInfo { entry: PackEntry; bytes: Uint8Array; hashes: string[] }

export class SnapshotTaker {
  private imageHashes: Promise<string[]> | undefined;
  private index: ImageIndex | undefined;
  private scanner: { memory: WebAssembly.Memory; scanner: ZeroScanner } | undefined;
  // The packs of the last snapshot, by blob hash, and where each page is.
  private packs = new Map<string, PackInfo>();
  private taken = 0;

  constructor(private readonly images: readonly (BootImage | LaterImage)[]) {}

  private imageIndex(): ImageIndex {
    this.index ??= new ImageIndex(this.images.map((i) => "bytes" in i ? i.bytes : new Uint8Array(0)));
    return this.index;
  }

  private hashes(): Promise<string[]> {
    this.imageHashes ??= Promise.all(this.images.map((i) => "bytes" in i ? sha256Hex(i.bytes) : i.sha256));
    return this.imageHashes;
  }

  // The packs of a snapshot this machine was restored from (restore.ts
  // gives their pages), so the next snapshot can reuse them.
  remember(packs: { entry: PackEntry; bytes: Uint8Array; pages: Uint8Array }[]): Promise<void> {
    const taken = this.taken;
    return Promise.all(packs.map(async (p) => {
      const hashes = await Promise.all(Array.from({ length: p.entry.pages }, (_, i) => sha256Hex(p.pages.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE))));
      return { entry: p.entry, bytes: p.bytes, hashes };
    })).then((list) => {
      if (this.taken === taken) this.packs = new Map(list.map((p) => [p.entry.blob, p])); // unless a newer snapshot is known
    });
  }

  // `snapshotDisks`: the machine's disks in memory as snapshot disks;
  // `stores`: access to the disk store its store disks are in. Every
  // virtio-blk device must be one or the other.
  async take(machine: VirtMachine, screen?: () => ConsoleScreen | undefined | Promise<ConsoleScreen | undefined>,
    snapshotDisks: readonly SnapshotDisk[] = [], stores?: DiskStoreAccess): Promise<{ snapshot: Snapshot; stats: TakeStats }> {
    const t0 = performance.now();
    const { cfg } = machine;
    const blks = (cfg.devices ?? []).filter((d) => d.kind === "blk");
    if (blks.length > 1) throw new SnapshotError("unsupported", "snapshots of a machine with more than one disk are not supported yet");
    const disk = blks.length ? snapshotDisks.find((d) => d.is(blks[0])) : undefined;
    const storeDisk = blks.length && !disk && blks[0].kind === "blk" && blks[0].disk.type === "store" && stores !== undefined;
    if (blks.length && !disk && !storeDisk) {
      throw new SnapshotError("unsupported", "this machine's disk is read from a file in place (a raw image, or --disk-writable): " +
        "a snapshot cannot hold it yet; boot with the disk in memory (a .gz image) or from the disk store to take snapshots");
    }
    // The owner of the disk chunks pinned for this snapshot until it holds them.
    const hasNic = (cfg.devices ?? []).some((d) => d.kind === "net" || (d.kind === "object" && d.device.deviceId === VIRTIO_ID_NET));
    const owner = `snapshot-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    // A shared folder's device saves its 9P session (the fids by path).
    const has9p = (cfg.devices ?? []).some((d) => d.kind === "9p");
    if (this.scanner?.memory !== machine.memory) this.scanner = { memory: machine.memory, scanner: new ZeroScanner(machine.memory) };
    const scanner = this.scanner.scanner;
    scanner.prescan(L.RAM_OFFSET, cfg.ramBytes);
    const index = this.imageIndex(); // built before the pause, once

    const records = memoryRecords(cfg.harts, cfg.ramBytes).filter((r) => r.kind === "state" && r.name !== "ram");
    const { value: cap, pauseMs } = await machine.capture((view: CoreView, saved): Captured => {
      const pages = scanner.nonZeroPages(L.RAM_OFFSET, cfg.ramBytes);
      const copy = new Uint8Array(pages.length * PAGE_SIZE);
      const mem = view.bytes;
      for (let i = 0; i < pages.length; i++) {
        const at = L.RAM_OFFSET + pages[i] * PAGE_SIZE;
        copy.set(mem.subarray(at, at + PAGE_SIZE), i * PAGE_SIZE);
      }
      const devices: Captured["devices"] = [];
      for (let slot = 0; slot < 8; slot++) {
        const id = view.dv.getUint32(L.DEVICE_BASE + L.D_VIRTIO + slot * L.VIRTIO_SLOT_SIZE + L.VQ_DEVICE_ID, true);
        if (id !== 0) devices.push({ slot, deviceId: id, state: saved.find((x) => x.slot === slot)?.state });
      }
      // The I/O side is drained: the disk's bytes hold still until resume
      // (a store disk has pinned its chunks: they stay as they are now).
      const d = disk?.bytes.slice();
      const blkSlot = devices.find((x) => x.deviceId === VIRTIO_ID_BLOCK)?.slot;
      const st = storeDisk ? saved.find((x) => x.slot === blkSlot)?.state as DiskSave | undefined : undefined;
      if (storeDisk && !st) throw new SnapshotError("unsupported", "the disk did not save itself for the snapshot");
      return {
        mtime: view.dev64(L.D_MTIME_FROZEN),
        records: records.map((r) => ({ name: r.name, version: r.version, bytes: mem.slice(r.base, r.base + r.size) })),
        pages, copy, devices, disk: d, saved: st,
      };
      // The devices save themselves for a store disk (its pins), a shared
      // folder (its session) or a NIC (its MAC and cable).
    }, storeDisk || has9p || hasNic ? owner : undefined);
    try {
      return await this.finish(cfg, cap, pauseMs, t0, index, disk, stores, screen);
    } finally {
      if (storeDisk) await stores!.unpin(owner).catch(() => {});
    }
  }

  private async finish(cfg: VirtMachine["cfg"], cap: Captured, pauseMs: number, t0: number, index: ImageIndex,
    disk: SnapshotDisk | undefined, stores: DiskStoreAccess | undefined,
    screen?: () => ConsoleScreen | undefined | Promise<ConsoleScreen | undefined>): Promise<{ snapshot: Snapshot; stats: TakeStats }> {

    // ---- the machine runs again; the rest works on the copies ----
    const imageHashes = await this.hashes();
    const ramPages = cfg.ramBytes / PAGE_SIZE;
    const pageAt = (i: number) => cap.copy.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);

    // RAM pages a boot image holds, and the rest to store.
    type Where = { kind: "image"; image: number; offset: number; length: number } | { kind: "unit"; unit: number };
    const ramWhere: Where[] = new Array(cap.pages.length);
    const toStore: Uint8Array[] = [];
    let imagePages = 0;
    for (let i = 0; i < cap.pages.length; i++) {
      const m = index.find(pageAt(i));
      if (m) { ramWhere[i] = { kind: "image", ...m }; imagePages++; }
      else { ramWhere[i] = { kind: "unit", unit: toStore.length }; toStore.push(pageAt(i)); }
    }
    const diskWhere: ({ kind: "zero" } | { kind: "unit"; unit: number })[] = [];
    const addDiskPage = (bytes: Uint8Array) => {
      if (bytes.length < PAGE_SIZE) { const padded = new Uint8Array(PAGE_SIZE); padded.set(bytes); bytes = padded; }
      if (bytes.every((b) => b === 0)) diskWhere.push({ kind: "zero" });
      else { diskWhere.push({ kind: "unit", unit: toStore.length }); toStore.push(bytes); }
    };
    let diskChunks: number[] = [];
    if (cap.disk && disk) {
      diskChunks = disk.changedChunks(cap.disk);
      for (const c of diskChunks) addDiskPage(cap.disk.subarray(c * PAGE_SIZE, (c + 1) * PAGE_SIZE));
    } else if (cap.saved) {
      // A store disk: every page of the chunks that differ from its base
      // (the store's chunks are larger than a page), read from the pins.
      const sv = cap.saved;
      const per = sv.chunkSize / PAGE_SIZE;
      for (const [i, hash] of [...sv.chunks].sort((a, b) => a[0] - b[0])) {
        const bytes = await stores!.read(hash);
        if (!bytes) throw new SnapshotError("missing_blob", `the disk's chunk ${i} (${hash.slice(0, 12)}…) is missing from the disk store`);
        for (let k = 0; k < per && (i * per + k) * PAGE_SIZE < sv.size; k++) {
          diskChunks.push(i * per + k);
          addDiskPage(bytes.subarray(k * PAGE_SIZE, (k + 1) * PAGE_SIZE));
        }
      }
    }
    const units: Unit[] = await Promise.all(toStore.map(async (bytes) => ({ bytes, hash: toHex(await sha256(bytes)) })));

    // Distinct pages, in first-seen order (RAM by address, then disk).
    const distinct = new Map<string, Unit>();
    for (const u of units) if (!distinct.has(u.hash)) distinct.set(u.hash, u);

    // Reuse the last snapshot's packs that still hold at least half of
    // their pages as they are now: the rest of what they hold is dead
    // weight a restore fetches for nothing.
    const wanted = new Map<string, number>(); // pack blob -> pages still wanted
    const prevSlot = new Map<string, { blob: string; slot: number }>();
    for (const p of this.packs.values()) p.hashes.forEach((h, slot) => { if (!prevSlot.has(h)) prevSlot.set(h, { blob: p.entry.blob, slot }); });
    for (const h of distinct.keys()) {
      const at = prevSlot.get(h);
      if (at) wanted.set(at.blob, (wanted.get(at.blob) ?? 0) + 1);
    }
    const reused = [...this.packs.values()].filter((p) => 2 * (wanted.get(p.entry.blob) ?? 0) >= p.entry.pages);
    const reusedBlobs = new Set(reused.map((p) => p.entry.blob));
    const packs: PackInfo[] = [...reused];
    const where = new Map<string, { pack: number; slot: number }>();
    reused.forEach((p, i) => p.hashes.forEach((h, slot) => { if (!where.has(h)) where.set(h, { pack: i, slot }); }));
    const fresh = [...distinct.values()].filter((u) => !where.has(u.hash));
    const newPacks = await Promise.all(Array.from({ length: Math.ceil(fresh.length / PACK_PAGES) }, async (_, k) => {
      const group = fresh.slice(k * PACK_PAGES, (k + 1) * PACK_PAGES);
      const raw = new Uint8Array(group.length * PAGE_SIZE);
      group.forEach((u, i) => raw.set(u.bytes, i * PAGE_SIZE));
      const bytes = await deflate(raw);
      const entry: PackEntry = { blob: await sha256Hex(bytes), codec: CODEC, pages: group.length };
      return { entry, bytes, hashes: group.map((u) => u.hash) };
    }));
    for (const p of newPacks) {
      const i = packs.length;
      packs.push(p);
      p.hashes.forEach((h, slot) => { if (!where.has(h)) where.set(h, { pack: i, slot }); });
    }

    // The maps.
    const ram = new ChunkMapBuilder();
    let next = 0;
    for (let i = 0; i < cap.pages.length; i++) {
      const p = cap.pages[i];
      if (p > next) ram.add({ kind: ZERO, count: p - next });
      const w = ramWhere[i];
      if (w.kind === "image") {
        if (w.length === PAGE_SIZE) ram.add({ kind: IMAGE, count: 1, image: w.image, offset: w.offset });
        else ram.add({ kind: IMAGE_TAIL, count: 1, image: w.image, offset: w.offset, length: w.length });
      } else {
        const at = where.get(units[w.unit].hash)!;
        ram.add({ kind: PACK, count: 1, pack: at.pack, slot: at.slot });
      }
      next = p + 1;
    }
    if (next < ramPages) ram.add({ kind: ZERO, count: ramPages - next });

    const layout = new StateLayout();
    const recordEntries: RecordEntry[] = cap.records.map((r) => ({ name: r.name, version: r.version, ...layout.add(r.bytes) }));
    const ramMap = layout.add(ram.encode());
    const disks: DiskEntry[] = [];
    if ((cap.disk && disk) || cap.saved) {
      const base = disk ? await disk.base : { sha256: cap.saved!.base ?? EMPTY_BASE, size: cap.saved!.size };
      const chunks = Math.ceil(base.size / PAGE_SIZE);
      const map = new ChunkMapBuilder();
      let n = 0;
      diskChunks.forEach((c, i) => {
        if (c > n) map.add({ kind: BASE, count: c - n });
        const w = diskWhere[i];
        if (w.kind === "zero") map.add({ kind: ZERO, count: 1 });
        else { const at = where.get(units[w.unit].hash)!; map.add({ kind: PACK, count: 1, pack: at.pack, slot: at.slot }); }
        n = c + 1;
      });
      if (n < chunks) map.add({ kind: BASE, count: chunks - n });
      disks.push({ base: { sha256: base.sha256, size: base.size }, chunkSize: PAGE_SIZE, chunks, map: layout.add(map.encode()) });
    }
    const scr = await screen?.();
    const consoleEntry = scr ? { ...layout.add(scr.bytes), cols: scr.cols, rows: scr.rows } : null;
    const stateSize = layout.size;
    const stateBlob = await deflate(layout.bytes());
    const stateHash = await sha256Hex(stateBlob);

    const devices: DeviceEntry[] = cap.devices.map(({ slot, deviceId, state }) => {
      if (deviceId === VIRTIO_ID_NET) {
        const st = state as NetState | undefined;
        if (!st) throw new SnapshotError("unsupported", `the network card in slot ${slot} did not save its state for the snapshot`);
        return { slot, type: "virtio-net", version: DEVICE_VERSIONS["virtio-net"], state: { mac: st.mac, linkUp: st.linkUp, offloads: st.offloads } };
      }
      if (deviceId === VIRTIO_ID_9P) {
        if (state === undefined) throw new SnapshotError("unsupported", `the shared folder's device (virtio-9p, slot ${slot}) did not save its session`);
        const s = state as Virtio9pSave;
        return { slot, type: "virtio-9p", version: DEVICE_VERSIONS["virtio-9p"], state: { tag: s.tag, session: s.session } };
      }
      if (deviceId === VIRTIO_ID_BLOCK) return { slot, type: "virtio-blk", version: DEVICE_VERSIONS["virtio-blk"], disk: 0, state: {} };
      if (deviceId === VIRTIO_ID_RNG) return { slot, type: "virtio-rng", version: DEVICE_VERSIONS["virtio-rng"], state: {} };
      if (deviceId === VIRTIO_ID_CONSOLE) return { slot, type: "virtio-console", version: DEVICE_VERSIONS["virtio-console"], state: {} };
      throw new SnapshotError("unsupported", `the virtio device with id ${deviceId} in slot ${slot} has no snapshot support`);
    });
    const images: ImageRef[] = this.images.map((img, i) => ({ role: img.role, name: img.name, sha256: imageHashes[i], size: "bytes" in img ? img.bytes.length : img.size }));
    const blobs = new Map<string, Uint8Array>([[stateHash, stateBlob], ...packs.map((p): [string, Uint8Array] => [p.entry.blob, p.bytes])]);
    const manifest: Manifest = {
      // (packs reused from a restored version 2 snapshot make this one version 2)
      format: MANIFEST_FORMAT, version: packsVersion(packs.map((p) => p.entry)), created: new Date().toISOString(),
      machine: { harts: cfg.harts, ramBytes: cfg.ramBytes, bootargs: cfg.bootargs, timebaseHz: 10_000_000 },
      images, devices, clock: { mtime: cap.mtime.toString() },
      state: { blob: stateHash, codec: CODEC, size: stateSize },
      records: recordEntries,
      ram: { pageSize: PAGE_SIZE, pages: ramPages, map: ramMap },
      disks, packs: packs.map((p) => p.entry), console: consoleEntry,
      blobs: [...blobs].map(([hash, b]) => ({ hash, size: b.length })),
    };
    const snapshot = await snapshotOf(manifest, blobs);
    this.packs = new Map(packs.map((p) => [p.entry.blob, p]));
    this.taken++;

    const bytes = [...blobs.values()].reduce((n, b) => n + b.length, 0);
    const reusedBytes = reused.reduce((n, p) => n + p.bytes.length, 0);
    return {
      snapshot,
      stats: {
        pauseMs, totalMs: performance.now() - t0, ramPages, nonZeroPages: cap.pages.length, imagePages,
        storedPages: distinct.size, dedupedPages: units.length - distinct.size, diskChunks: diskChunks.length,
        newPacks: newPacks.length, reusedPacks: reusedBlobs.size, bytes, newBytes: bytes - reusedBytes,
      },
    };
  }
}
