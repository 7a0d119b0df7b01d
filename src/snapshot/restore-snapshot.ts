// Restoring a snapshot: everything is checked and unpacked first (boot
// images found by hash, the state blob and the packs inflated, the maps
// decoded against what they refer to); then VirtMachine.restore() builds a
// machine of the saved shape, this writes the records and RAM into its new
// memory and checks what the host relies on; the caches are rebuilt there.
// Any failure is a SnapshotError before a hart of the new machine runs, and
// no other machine is touched.
import * as L from "../../wasm-core/layout.js";
import * as R from "../../wasm-core/spec/riscv.js";
import { VIRTIO_ID_BLOCK, VIRTIO_ID_RNG, VIRTIO_ID_CONSOLE, VIRTIO_ID_9P, VIRTIO_ID_NET } from "../../wasm-core/spec/virtio.js";
import { VIRTIO_SLOTS } from "../../wasm-core/board.js";
import { memoryRecords } from "../../wasm-core/records.js";
import { CoreError, type CoreView } from "../machine/core.js";
import { VirtMachine, type HartSpawner, type VirtConfig } from "../machine/virt-machine.js";
import { ImageError } from "../machine/boot-images.js";
import type { IoSpawner } from "../devices/io-host.js";
import type { DeviceSpec, NetSpec, ShareSpec } from "../devices/specs.js";
import { DEFAULT_MSIZE_CAP } from "../9p/server.js";
import { BASE, decodeSnapshotMaps, IMAGE, IMAGE_TAIL, PACK, type Run } from "./chunk-map.js";
import { decompress, inflate, sha256Hex } from "./blob-codec.js";
import { EMPTY_BASE, PAGE_SIZE, type ImageRef, type Manifest, type PackEntry, type Section, type Virtio9pState, type NetState } from "./manifest.js";
import type { Snapshot } from "./snapshot-file.js";
import { SnapshotError } from "./snapshot-error.js";
import { SnapshotDisk } from "./snapshot-disk.js";
import type { BootImage, ConsoleScreen, LaterImage } from "./take-snapshot.js";

// Bytes the restorer may use for boot images and disk bases: whatever the
// caller has at hand (the sample's files, files given on the command
// line); each is matched by size and SHA-256.
export interface ImageCandidate {
  name: string;
  bytes: Uint8Array;
  // Its SHA-256 if the caller has it already (a cache); else computed here.
  sha256?: Promise<string>;
}

// A boot image the restorer can fetch when it is needed, by role (the page's
// kernel and initrd of a built image): a snapshot whose RAM holds every
// page itself needs them only for a reboot, so they are not fetched to
// resume it. What `load` gives is checked against the snapshot's image
// (size and SHA-256) when it comes.
export interface DeferredImage {
  role: "kernel" | "initrd";
  load(): Promise<Uint8Array>;
}

// A disk of a disk store (src/disks/) over the snapshot's disk base, for a
// base too large to hold in memory (a built image's, read on demand): the
// restorer writes the snapshot's changed pages into it (its overlay), and
// the machine gets `spec`. The caller gives a disk whose overlay is empty.
export interface StoreDiskTarget {
  base: { sha256: string; size: number };
  spec: DeviceSpec;
  // 4 KiB pages at their index; `bytes` undefined: all zero. May be called
  // more than once; the restore awaits each call.
  write(pages: { index: number; bytes: Uint8Array | undefined }[]): Promise<void>;
}

export interface PreparedRestore {
  manifest: Manifest;
  // The boot images, in the manifest's order: with their bytes, or (a
  // deferred image no map refers to) to be loaded for a reboot.
  images: (BootImage | LaterImage)[];
  disk?: SnapshotDisk;
  diskSpec?: DeviceSpec;  // the store disk (StoreDiskTarget), instead of `disk`
  diskPages?: number;     // pages written into it
  console?: ConsoleScreen;
  mtime: bigint;
  // The packs with their pages, for the next snapshot to reuse.
  packs: { entry: PackEntry; bytes: Uint8Array; pages: Uint8Array }[];
  load(view: CoreView): void;
}

const human = (n: number) => n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`;

export function describeImage(i: ImageRef): string {
  return `the ${i.role} '${i.name}' (${human(i.size)}, sha256 ${i.sha256.slice(0, 12)}…)`;
}

// Find each boot image the snapshot names among the candidates, by hash;
// `orElse` may stand for one that is not there (undefined: missing).
async function findImages<T>(refs: ImageRef[], candidates: readonly ImageCandidate[], what: (r: ImageRef) => string, hint: string,
  orElse: (r: ImageRef, i: number) => T | undefined = () => undefined): Promise<(Uint8Array | T)[]> {
  // Hash, all at once, only the candidates whose size some image has.
  const sizes = new Set(refs.map((r) => r.size));
  const hashes = new Map(candidates.filter((c) => sizes.has(c.bytes.length)).map((c) => [c, c.sha256 ?? sha256Hex(c.bytes)] as const));
  const known = await Promise.all([...hashes].map(async ([c, h]) => ({ c, h: await h })));
  const out: (Uint8Array | T)[] = [];
  const missing: string[] = [];
  refs.forEach((r, i) => {
    const found = known.find((k) => k.c.bytes.length === r.size && k.h === r.sha256)?.c.bytes ?? orElse(r, i);
    if (found !== undefined) out.push(found);
    else missing.push(what(r));
  });
  if (missing.length) throw new SnapshotError("missing_image", `the snapshot needs ${missing.join(", and ")}, which ${missing.length > 1 ? "are" : "is"} not available: ${hint}`);
  return out;
}

// A deferred image as a LaterImage of `ref`: loaded at most once, and
// checked against it.
function laterImage(ref: ImageRef, d: DeferredImage): LaterImage {
  let got: Promise<Uint8Array> | undefined;
  const load = async () => {
    const bytes = await d.load();
    if (bytes.length !== ref.size || await sha256Hex(bytes) !== ref.sha256) {
      throw new SnapshotError("missing_image", `the ${ref.role} fetched (${human(bytes.length)}) is not ${describeImage(ref)}, which the snapshot was taken with`);
    }
    return bytes;
  };
  return {
    role: ref.role, name: ref.name, size: ref.size, sha256: ref.sha256,
    load: () => {
      got ??= load();
      got.catch(() => { got = undefined; }); // a failed fetch is tried again
      return got;
    },
  };
}

export async function prepareRestore(s: Snapshot, candidates: readonly ImageCandidate[], diskCandidates: readonly ImageCandidate[] = [],
  storeDisk?: StoreDiskTarget, deferred: readonly DeferredImage[] = []): Promise<PreparedRestore> {
  const m = s.manifest;
  const blob = (hash: string, what: string) => {
    const b = s.blobs.get(hash);
    if (!b) throw new SnapshotError("missing_blob", `the snapshot's ${what} (blob ${hash}) is missing`);
    return b;
  };
  // The devices are rebuilt in their slots, which must run from 0 without a
  // gap (VirtMachine gives slots in order), with one virtio-rng, at most
  // one disk and at most one network card.
  const bySlot = [...m.devices].sort((a, b) => a.slot - b.slot);
  if (m.disks.length > 1 || bySlot.some((d, i) => d.slot !== i) || bySlot.filter((d) => d.type === "virtio-rng").length !== 1 ||
    bySlot.filter((d) => d.type === "virtio-net").length > 1) {
    throw new SnapshotError("unsupported", `the snapshot's devices (${m.devices.map((d) => `${d.type} in slot ${d.slot}`).join(", ")}) are not a set this rvplay builds`);
  }
  // Hashing the boot images and inflating the blobs go on at once. A boot
  // image that a deferred one stands for is fetched now only if a map
  // refers to it (stateP, below, tells).
  const stateP = inflate(blob(m.state.blob, "state"), m.state.size, "the snapshot's state");
  const mapsP = stateP.then((state) => decodeSnapshotMaps(m, state));
  const imagesP = (async () => {
    const found = await findImages(m.images, candidates, describeImage,
      "in the CLI give the files with --kernel, --firmware, --initrd; in the page, boot them once with \"Boot your own\"",
      (r) => { const d = deferred.find((x) => x.role === r.role); return d && laterImage(r, d); });
    if (found.every((x) => x instanceof Uint8Array)) return found;
    // The boot images a map refers to.
    const maps = await mapsP;
    const needed = new Set<number>();
    for (const r of [...maps.ram, ...maps.disks.flat()]) if (r.kind === IMAGE || r.kind === IMAGE_TAIL) needed.add(r.image);
    return Promise.all(found.map((x, i) => x instanceof Uint8Array || !needed.has(i) ? x : x.load()));
  })();
  const d0 = m.disks[0];
  if (d0 && storeDisk && (storeDisk.base.sha256 !== d0.base.sha256 || storeDisk.base.size !== d0.base.size)) {
    throw new SnapshotError("missing_image", `the snapshot's disk started from ${human(d0.base.size)} (sha256 ${d0.base.sha256.slice(0, 12)}…), ` +
      `not from the disk given (${human(storeDisk.base.size)}, sha256 ${storeDisk.base.sha256.slice(0, 12)}…)`);
  }
  const diskBaseP = d0 && storeDisk ? Promise.resolve(undefined) : d0 && (d0.base.sha256 === EMPTY_BASE ? Promise.resolve([new Uint8Array(d0.base.size)]) : findImages([{ role: "kernel", name: "disk", sha256: d0.base.sha256, size: d0.base.size }], diskCandidates,
    () => `the disk image it started from (${human(d0.base.size)}, sha256 ${d0.base.sha256.slice(0, 12)}…)`,
    "in the CLI give it with --disk; in the page, boot it once with \"Boot your own\""));
  const packsP = Promise.all(m.packs.map(async (p, i) => {
    const bytes = blob(p.blob, `pack ${i}`);
    return { entry: p, bytes, pages: await decompress(bytes, p.pages * PAGE_SIZE, `snapshot pack ${i} (${p.blob.slice(0, 12)}…)`, p.codec) };
  }));
  // Every promise is awaited together, so none is left to reject unheard.
  const [imageBytes, diskBase, state, maps, packs] = await Promise.all([imagesP, diskBaseP, stateP, mapsP, packsP]);
  const images = m.images.map((r, i): BootImage | LaterImage => {
    const b = imageBytes[i];
    return b instanceof Uint8Array ? { role: r.role, name: r.name, bytes: b } : b;
  });
  const bytesOf = (i: number) => (images[i] as BootImage).bytes; // a map refers only to images in hand
  const sec = (x: Section) => state.subarray(x.offset, x.offset + x.size);
  const ramRuns = maps.ram;

  // The chunk a run refers to, as bytes (undefined: zero).
  const chunkOf = (r: Run, k: number): Uint8Array | undefined => {
    if (r.kind === IMAGE) return bytesOf(r.image).subarray(r.offset + k * PAGE_SIZE, r.offset + (k + 1) * PAGE_SIZE);
    if (r.kind === IMAGE_TAIL) return bytesOf(r.image).subarray(r.offset, r.offset + r.length);
    if (r.kind === PACK) return packs[r.pack].pages.subarray((r.slot + k) * PAGE_SIZE, (r.slot + k + 1) * PAGE_SIZE);
    return undefined;
  };

  let disk: SnapshotDisk | undefined;
  let diskPages: number | undefined;
  if (m.disks.length > 0 && storeDisk) {
    // Only the pages that differ from the base go to the store disk, in
    // batches (the rest it reads from the base on demand).
    const runs = maps.disks[0];
    let batch: { index: number; bytes: Uint8Array | undefined }[] = [];
    let c = 0;
    diskPages = 0;
    for (const r of runs) {
      if (r.kind === BASE) { c += r.count; continue; }
      for (let k = 0; k < r.count; k++, c++) {
        batch.push({ index: c, bytes: chunkOf(r, k) });
        diskPages++;
        if (batch.length >= 4096) { await storeDisk.write(batch); batch = []; }
      }
    }
    if (batch.length) await storeDisk.write(batch);
  } else if (m.disks.length > 0) {
    const d = m.disks[0];
    const [base] = diskBase as Uint8Array[];
    const runs = maps.disks[0];
    const data = new Uint8Array(new SharedArrayBuffer(base.length));
    data.set(base);
    let c = 0;
    for (const r of runs) {
      for (let k = 0; k < r.count; k++, c++) {
        if (r.kind === BASE) continue;
        const start = c * PAGE_SIZE, end = Math.min(start + PAGE_SIZE, data.length);
        const bytes = chunkOf(r, k);
        if (bytes) data.set(bytes.subarray(0, end - start), start);
        else data.fill(0, start, end);
        if (bytes && bytes.length < end - start) data.fill(0, start + bytes.length, end);
      }
    }
    disk = new SnapshotDisk(base, Promise.resolve({ ...d.base }), data);
  }

  const records = memoryRecords(m.machine.harts, m.machine.ramBytes);
  const load = (view: CoreView) => {
    const mem = view.bytes;
    for (const r of m.records) mem.set(sec(r), records.find((x) => x.name === r.name)!.base);
    let page = 0;
    for (const r of ramRuns) {
      if (r.kind === PACK || r.kind === IMAGE) {
        // Consecutive pages come from consecutive bytes: one copy per run.
        const src = r.kind === PACK
          ? packs[r.pack].pages.subarray(r.slot * PAGE_SIZE, (r.slot + r.count) * PAGE_SIZE)
          : bytesOf(r.image).subarray(r.offset, r.offset + r.count * PAGE_SIZE);
        mem.set(src, L.RAM_OFFSET + page * PAGE_SIZE);
      } else if (r.kind === IMAGE_TAIL) {
        mem.set(chunkOf(r, 0)!, L.RAM_OFFSET + page * PAGE_SIZE); // the rest of a new memory is zero
      }
      page += r.count;
    }
    checkLoadedState(view, m);
  };
  const console = m.console ? { bytes: sec(m.console).slice(), cols: m.console.cols, rows: m.console.rows } : undefined;
  return { manifest: m, images, disk, diskSpec: storeDisk?.spec, diskPages, console, mtime: BigInt(m.clock.mtime), packs, load };
}

// What the host code relies on in the loaded state, which a snapshot from
// anyone could set to anything: the shape, ring indices, device identities
// and queue registers, and values of the hart state the core takes as given
// (the guest itself can never write values outside these).
function checkLoadedState(view: CoreView, m: Manifest): void {
  const bad = (why: string) => new SnapshotError("bad_state", `the snapshot's machine state cannot be run: ${why}`);
  const dv = view.dv;
  const D = L.DEVICE_BASE;
  if (view.ramBytes() !== m.machine.ramBytes) throw bad("its machine record gives another RAM size");
  if (dv.getInt32(D + L.D_NHARTS, true) !== m.machine.harts) throw bad("its machine record gives another number of harts");
  for (let h = 0; h < m.machine.harts; h++) {
    const hb = view.hartBase(h);
    if (dv.getInt32(hb + L.H_HARTID, true) !== h) throw bad(`hart ${h}'s record says it is hart ${dv.getInt32(hb + L.H_HARTID, true)}`);
    const priv = dv.getInt32(hb + L.H_PRIV, true);
    if (priv !== R.PRIV_U && priv !== R.PRIV_S && priv !== R.PRIV_M) throw bad(`hart ${h} is at privilege level ${priv}`);
    const mpp = (dv.getBigUint64(hb + L.C_MSTATUS, true) & BigInt(R.MS_MPP)) >> BigInt(R.MS_MPP_SHIFT);
    if (mpp === 2n) throw bad(`hart ${h}'s mstatus.MPP is the reserved value 2`);
    const mode = dv.getBigUint64(hb + L.C_SATP, true) >> BigInt(R.SATP_MODE_SHIFT);
    if (mode !== BigInt(R.SATP_MODE_BARE) && mode !== BigInt(R.SATP_MODE_SV39)) throw bad(`hart ${h}'s satp names translation mode ${mode}`);
  }
  const U = D + L.D_UART;
  const txUsed = (dv.getInt32(U + L.UART_TX_HEAD, true) - dv.getInt32(U + L.UART_TX_TAIL, true)) | 0;
  const rxUsed = (dv.getInt32(U + L.UART_RX_HEAD, true) - dv.getInt32(U + L.UART_RX_TAIL, true)) | 0;
  if (txUsed < 0 || txUsed > L.UART_TX_SIZE || rxUsed < 0 || rxUsed > L.UART_RX_SIZE) throw bad("the console rings' indices are out of range");
  const ids: Record<string, number> = { "virtio-blk": VIRTIO_ID_BLOCK, "virtio-rng": VIRTIO_ID_RNG, "virtio-console": VIRTIO_ID_CONSOLE, "virtio-9p": VIRTIO_ID_9P, "virtio-net": VIRTIO_ID_NET };
  const queues: Record<string, number> = { "virtio-blk": 1, "virtio-rng": 1, "virtio-console": 2, "virtio-9p": 1, "virtio-net": 2 };
  for (let slot = 0; slot < VIRTIO_SLOTS; slot++) {
    const s = D + L.D_VIRTIO + slot * L.VIRTIO_SLOT_SIZE;
    const dev = m.devices.find((d) => d.slot === slot);
    const id = dv.getUint32(s + L.VQ_DEVICE_ID, true);
    if (id !== (dev ? ids[dev.type] : 0)) throw bad(`virtio slot ${slot} holds device id ${id}, not the manifest's ${dev?.type ?? "nothing"}`);
    if (!dev) continue;
    if (dv.getUint32(s + L.VQ_NUM_QUEUES, true) !== queues[dev.type]) throw bad(`the ${dev.type} in slot ${slot} has another number of queues`);
    for (let q = 0; q < L.VQ_MAX_QUEUES; q++) {
      const num = dv.getUint32(s + L.VQ_QUEUES + q * L.VQ_QUEUE_SIZE + L.Q_NUM, true);
      if (num > L.VIRTQ_MAX_SIZE || (num & (num - 1)) !== 0) throw bad(`queue ${q} of slot ${slot} has size ${num}`);
    }
  }
}

// The network card of a snapshot, plugged into `net`: the same MAC (the
// running driver sends from it), the same offered features (the driver
// negotiated them) and cable. The network behind it is new: the guest keeps
// its address and routes (the user network answers for 10.0.2.2 and .3 at
// the same MAC whatever its age); connections that were open are gone, as
// after a cable pulled for a while. A snapshot's card restored with no
// network, or onto a network that does not take its offloads, is refused.
export function restoredNic(st: NetState, net: NetSpec | undefined): DeviceSpec {
  if (!net) {
    throw new SnapshotError("unsupported", "the snapshot's machine has a network card (virtio-net): restore it onto a network " +
      "(in the CLI without --net none; in the page with a Network mode other than none)");
  }
  // A LAN carries frames raw to other guests, so its cards take no
  // offloads; a card that negotiated them cannot go there, nor the reverse.
  if (st.offloads !== (net.type === "user")) {
    throw new SnapshotError("unsupported", `the snapshot's network card was on ${st.offloads ? "the user network (Internet)" : "a LAN between tabs"}: ` +
      `restore it onto ${st.offloads ? "the user network, not a LAN" : "a LAN, not the user network"} (its driver negotiated features that network ${st.offloads ? "does not" : "would"} use)`);
  }
  return { kind: "net", net, mac: st.mac, offloads: st.offloads, linkUp: st.linkUp };
}

// What a restore is given besides the snapshot: the shared folder (a
// snapshot holds the 9P session, by path, but not the folder's files).
export interface RestoreOptions {
  share?: ShareSpec;
  net?: NetSpec; // the network a snapshot's network card is plugged into
}

// The virtio-9p device of a restored machine: the snapshot's session over
// the folder given, which must be there.
function shareDevice(state: Virtio9pState, share: ShareSpec | undefined): DeviceSpec {
  if (!share) {
    throw new SnapshotError("missing_share", `the snapshot's machine had a shared folder (virtio-9p, tag "${state.tag}"), and none was given to restore it with: ` +
      "in the CLI give --share DIR (the folder it had); the page gives its Files folder");
  }
  if (state.session.msize > DEFAULT_MSIZE_CAP) {
    throw new SnapshotError("bad_state", `the snapshot's shared folder session has msize ${state.session.msize}, above the ${DEFAULT_MSIZE_CAP} this rvplay agrees to`);
  }
  return { kind: "9p", tag: state.tag, share, session: state.session };
}

// The configuration a prepared snapshot runs with.
export function restoredConfig(p: PreparedRestore, opts: RestoreOptions = {}): VirtConfig {
  const img = (role: string) => p.images.find((i) => i.role === role);
  const by = (role: string) => { const i = img(role); return i && "bytes" in i ? i.bytes : undefined; };
  const pending = p.images.filter((i): i is LaterImage => !("bytes" in i));
  if (pending.some((i) => i.role === "firmware")) throw new SnapshotError("missing_image", "the snapshot's firmware must be given to restore it");
  return {
    ramBytes: p.manifest.machine.ramBytes, harts: p.manifest.machine.harts, bootargs: p.manifest.machine.bootargs,
    firmware: by("firmware")!, kernel: by("kernel"), initrd: by("initrd"),
    // The boot images not fetched yet: a reboot fetches them.
    later: pending.length === 0 ? undefined : async () => {
      const k = img("kernel")!, i = img("initrd");
      const load = (x: BootImage | LaterImage) => "bytes" in x ? Promise.resolve(x.bytes) : x.load();
      const [kernel, initrd] = await Promise.all([load(k), i && load(i)]);
      return { kernel, initrd };
    },
    // In their slots, as the snapshot had them.
    devices: [...p.manifest.devices].sort((a, b) => a.slot - b.slot).map((d): DeviceSpec =>
      d.type === "virtio-blk" ? p.diskSpec ?? p.disk!.spec : d.type === "virtio-console" ? { kind: "console" }
        : d.type === "virtio-9p" ? shareDevice(d.state as unknown as Virtio9pState, opts.share)
        : d.type === "virtio-net" ? restoredNic(d.state as unknown as NetState, opts.net) : { kind: "rng" }),
  };
}

// Build and load the machine (its harts start with run()). The devices are
// the ones a machine of this configuration gets (VirtMachine.create's); a
// manifest that lists others is refused by the state check above.
export async function restoreMachine(p: PreparedRestore, module: WebAssembly.Module, spawnHart: HartSpawner, spawnIo?: IoSpawner,
  opts: RestoreOptions = {}): Promise<VirtMachine> {
  const cfg = restoredConfig(p, opts); // a missing shared folder or network is refused before anything is built
  try {
    return await VirtMachine.restore(module, cfg, spawnHart, (view) => p.load(view), p.mtime, spawnIo);
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    if (e instanceof ImageError || e instanceof CoreError) throw new SnapshotError("bad_state", `the snapshot cannot be restored: ${e.message}`);
    throw e;
  }
}
