// The snapshot manifest (format versions 1 and 2): UTF-8 JSON that names
// everything a machine needs to resume, and the blobs that hold it. It is
// what the snapshot service stores by hash (share-api.ts: "format",
// integer "version", "blobs": [{hash, size}]), so a share link is the hash
// of these bytes. ARCHITECTURE.md "Snapshot format" documents every field
// for readers in other languages.
//
// Everything read here is untrusted (a file from anyone, a link): each field
// is checked for type and range, the machine's shape against
// wasm-core/limits.ts, and every cross-reference (a pack, a record, a
// section of the state blob) against what it points to. A manifest of a
// newer version is refused with a clear message, never misread.
import { MAX_HARTS, MAX_RAM_MIB, MIN_HARTS, MIN_RAM_MIB, TIMEBASE_HZ } from "../../wasm-core/limits.js";
import { VIRTIO_SLOTS } from "../../wasm-core/board.js";
import { memoryRecords } from "../../wasm-core/records.js";
import { MANIFEST_FORMAT, isContentHash } from "./share-api.js";
import { SnapshotError } from "./snapshot-error.js";
import { parseP9Session, P9SessionError, type P9SessionState } from "../9p/session-state.js";
import { MAX_TAG_BYTES } from "../devices/virtio-9p.js";

// The newest version this rvplay reads. A writer writes the lowest version
// that holds what it writes: 1 unless a pack is brotli or larger than 64
// pages (version 2, made for a published image's snapshot: fetched once by
// everyone, so its size counts more than the time to compress it).
export const SNAPSHOT_VERSION = 2;
export type SnapshotVersion = 1 | 2;
export const PAGE_SIZE = 4096;
// Raw deflate (RFC 1951), which every browser (CompressionStream
// "deflate-raw") and Node (node:zlib) has: the state blob's codec, and the
// packs' in version 1.
export const CODEC = "deflate-raw";
// Version 2 packs may be brotli (RFC 7932): about a quarter smaller on a
// booted guest's pages than deflate; browsers have no native decoder for it
// (blob-codec.ts).
export const BROTLI = "brotli";
export type PackCodec = typeof CODEC | typeof BROTLI;
// Pages (or disk chunks) per pack, at most: 64 in version 1 (see
// ARCHITECTURE.md for why), 1024 (4 MiB) in version 2.
export const PACK_PAGES = 64;
export const PACK_PAGES_V2 = 1024;
// The version a manifest with these packs needs.
export function packsVersion(packs: readonly PackEntry[]): SnapshotVersion {
  return packs.some((p) => p.codec !== CODEC || p.pages > PACK_PAGES) ? 2 : 1;
}
// The service's limit on one manifest (share-api ServerInfo.manifestBytes
// default): a manifest larger than this could not be shared.
export const MAX_MANIFEST_BYTES = 4 << 20;
// The largest blob the service takes by default.
export const MAX_BLOB_BYTES = 32 << 20;
export const MAX_STATE_BYTES = 64 << 20;
export const MAX_DISK_BYTES = 2048 * 1024 * 1024 - 4096;
const MAX_BOOTARGS = 4096;
const MAX_NAME = 255;
const MAX_IMAGES = 8;
const MAX_CONSOLE = 4 << 20;

export type ImageRole = "firmware" | "kernel" | "initrd";
export const IMAGE_ROLES: readonly ImageRole[] = ["firmware", "kernel", "initrd"];

// A boot image, by content: its bytes are not in the snapshot.
export interface ImageRef { role: ImageRole; name: string; sha256: string; size: number }

export type DeviceType = "virtio-blk" | "virtio-rng" | "virtio-console" | "virtio-9p" | "virtio-net";
export const DEVICE_VERSIONS: Record<DeviceType, number> = { "virtio-blk": 1, "virtio-rng": 1, "virtio-console": 1, "virtio-9p": 1, "virtio-net": 1 };

// virtio-9p's state (version 1): its mount tag and the 9P session by path
// (src/9p/session-state.ts). The folder's files are not in the snapshot:
// they are the host's (or the page's), and the restore is given the folder.
export interface Virtio9pState { tag: string; session: P9SessionState }

// A device in a virtio-mmio slot, with its host-side state (a named,
// versioned record; virtio-9p keeps its session, Virtio9pState, virtio-net
// its card, NetState, the others none: `{}`).
export interface DeviceEntry { slot: number; type: DeviceType; version: number; disk?: number; state: Record<string, unknown> }

// virtio-net's state, version 1: what the transport's registers in the
// state blob do not hold. `mac` is what the guest's driver read at probe
// (the restored card keeps it: the running guest sends from it); `offloads`
// decides the feature bits the card offers, which must be those the driver
// negotiated; `linkUp` is the cable. The network behind the card is not in
// a snapshot (its connections were the host's): the restorer plugs the
// card into a new one.
export interface NetState { mac: string; linkUp: boolean; offloads: boolean }
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

// A byte range of the decompressed state blob.
export interface Section { offset: number; size: number }

// The state blob's bytes built section after section (the records, the RAM
// map, the disks' maps, the screen: in that order).
export class StateLayout {
  private readonly parts: Uint8Array[] = [];
  size = 0;

  add(bytes: Uint8Array): Section {
    const s = { offset: this.size, size: bytes.length };
    this.parts.push(bytes);
    this.size += bytes.length;
    return s;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) { out.set(p, at); at += p.length; }
    return out;
  }
}

export interface RecordEntry extends Section { name: string; version: number }

// A disk's base that is no image: the disk started empty (all zeros).
export const EMPTY_BASE = "0".repeat(64);

export interface DiskEntry {
  base: { sha256: string; size: number }; // the image the disk started from (EMPTY_BASE: none, all zeros)
  chunkSize: number;                      // 4096 in version 1
  chunks: number;                         // ceil(base.size / chunkSize)
  map: Section;                           // chunk map (chunk-map.ts): what differs from the base
}

export interface PackEntry { blob: string; codec: PackCodec; pages: number }

export interface ConsoleEntry extends Section { cols: number; rows: number }

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: SnapshotVersion;
  created: string; // ISO 8601, UTC
  machine: { harts: number; ramBytes: number; bootargs: string; timebaseHz: number };
  images: ImageRef[];
  devices: DeviceEntry[];
  clock: { mtime: string }; // the guest's mtime (decimal u64) when it was taken
  state: { blob: string; codec: typeof CODEC; size: number };
  records: RecordEntry[];
  ram: { pageSize: number; pages: number; map: Section };
  disks: DiskEntry[];
  packs: PackEntry[];
  console: ConsoleEntry | null;
  blobs: { hash: string; size: number }[];
}

// ---- checking ----

const bad = (path: string, why: string) => new SnapshotError("bad_manifest", `snapshot manifest: ${path} ${why}`);

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(path, "is not an object");
  return v as Record<string, unknown>;
}
function arr(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw bad(path, "is not a list");
  if (v.length > max) throw bad(path, `has ${v.length} entries, more than ${max}`);
  return v;
}
function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw bad(path, "is not an integer");
  if (v < min || v > max) throw bad(path, `is ${v}, not in ${min}..${max}`);
  return v;
}
function str(v: unknown, path: string, max: number): string {
  if (typeof v !== "string") throw bad(path, "is not a string");
  if (v.length > max) throw bad(path, `is longer than ${max} characters`);
  // No control characters: these strings are shown to people.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) throw bad(path, "holds control characters");
  return v;
}
function hash(v: unknown, path: string): string {
  if (!isContentHash(v)) throw bad(path, "is not a SHA-256 (64 lowercase hex digits)");
  return v;
}
function section(v: unknown, path: string, stateSize: number): Section {
  const o = obj(v, path);
  const offset = int(o.offset, `${path}.offset`, 0, stateSize);
  const size = int(o.size, `${path}.size`, 0, stateSize - offset);
  return { offset, size };
}
function keys(o: Record<string, unknown>, path: string, allowed: string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw bad(path, `has an unknown field "${k}"`);
}

function p9State(o: Record<string, unknown>, path: string): Virtio9pState {
  keys(o, path, ["tag", "session"]);
  const tag = str(o.tag, `${path}.tag`, MAX_TAG_BYTES);
  if (tag.length === 0 || new TextEncoder().encode(tag).length > MAX_TAG_BYTES) throw bad(`${path}.tag`, `is not a mount tag of 1 to ${MAX_TAG_BYTES} bytes`);
  try {
    return { tag, session: parseP9Session(o.session, `${path}.session`) };
  } catch (e) {
    if (e instanceof P9SessionError) throw new SnapshotError("bad_manifest", `snapshot manifest: ${e.message}`);
    throw e;
  }
}

// The manifest in `bytes`, checked. Throws SnapshotError.
export function parseManifest(bytes: Uint8Array): Manifest {
  if (bytes.length > MAX_MANIFEST_BYTES) throw new SnapshotError("limits", `snapshot manifest is ${bytes.length} bytes, more than ${MAX_MANIFEST_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new SnapshotError("not_snapshot", "snapshot manifest is not UTF-8 JSON");
  }
  return checkManifest(json);
}

export function checkManifest(json: unknown): Manifest {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new SnapshotError("not_snapshot", "snapshot manifest is not a JSON object");
  const m = json as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) throw new SnapshotError("not_snapshot", `not an rvplay snapshot (format ${JSON.stringify(m.format)?.slice(0, 40)})`);
  if (typeof m.version !== "number" || !Number.isSafeInteger(m.version) || m.version < 1) throw bad("version", "is not a positive integer");
  if (m.version > SNAPSHOT_VERSION) {
    throw new SnapshotError("future_version", `this snapshot has format version ${m.version}; this rvplay reads versions up to ${SNAPSHOT_VERSION}: update rvplay to restore it`);
  }
  const version = m.version as SnapshotVersion;
  keys(m, "manifest", ["format", "version", "created", "machine", "images", "devices", "clock", "state", "records", "ram", "disks", "packs", "console", "blobs"]);

  const created = str(m.created, "created", 40);
  if (Number.isNaN(Date.parse(created))) throw bad("created", "is not a date");

  const mo = obj(m.machine, "machine");
  keys(mo, "machine", ["harts", "ramBytes", "bootargs", "timebaseHz"]);
  if (typeof mo.harts !== "number" || !Number.isSafeInteger(mo.harts)) throw bad("machine.harts", "is not an integer");
  if (mo.harts < MIN_HARTS || mo.harts > MAX_HARTS) {
    throw new SnapshotError("limits", `the snapshot's machine has ${mo.harts} harts; this rvplay runs ${MIN_HARTS} to ${MAX_HARTS}`);
  }
  if (typeof mo.ramBytes !== "number" || !Number.isSafeInteger(mo.ramBytes)) throw bad("machine.ramBytes", "is not an integer");
  if (mo.ramBytes < MIN_RAM_MIB * 2 ** 20 || mo.ramBytes > MAX_RAM_MIB * 2 ** 20 || mo.ramBytes % 2 ** 20 !== 0) {
    throw new SnapshotError("limits", `the snapshot's machine has ${mo.ramBytes} bytes of RAM; this rvplay runs ${MIN_RAM_MIB} to ${MAX_RAM_MIB} MiB in whole MiB`);
  }
  const machine = {
    harts: mo.harts, ramBytes: mo.ramBytes,
    bootargs: str(mo.bootargs, "machine.bootargs", MAX_BOOTARGS),
    timebaseHz: int(mo.timebaseHz, "machine.timebaseHz", TIMEBASE_HZ, TIMEBASE_HZ),
  };

  const images = arr(m.images, "images", MAX_IMAGES).map((v, i): ImageRef => {
    const o = obj(v, `images[${i}]`);
    keys(o, `images[${i}]`, ["role", "name", "sha256", "size"]);
    if (!IMAGE_ROLES.includes(o.role as ImageRole)) throw bad(`images[${i}].role`, `is not one of ${IMAGE_ROLES.join(", ")}`);
    return { role: o.role as ImageRole, name: str(o.name, `images[${i}].name`, MAX_NAME), sha256: hash(o.sha256, `images[${i}].sha256`), size: int(o.size, `images[${i}].size`, 1, machine.ramBytes) };
  });
  for (const role of IMAGE_ROLES) {
    const n = images.filter((x) => x.role === role).length;
    if (n > 1 || (role !== "initrd" && n === 0)) throw bad("images", `must name exactly one ${role}${role === "initrd" ? " at most" : ""}`);
  }

  const st = obj(m.state, "state");
  keys(st, "state", ["blob", "codec", "size"]);
  if (st.codec !== CODEC) throw new SnapshotError("unsupported", `snapshot state is compressed with ${JSON.stringify(st.codec)}; this rvplay reads ${CODEC}`);
  const state = { blob: hash(st.blob, "state.blob"), codec: CODEC, size: int(st.size, "state.size", 1, MAX_STATE_BYTES) } as const;

  const disks = arr(m.disks, "disks", VIRTIO_SLOTS).map((v, i): DiskEntry => {
    const p = `disks[${i}]`;
    const o = obj(v, p);
    keys(o, p, ["base", "chunkSize", "chunks", "map"]);
    const b = obj(o.base, `${p}.base`);
    keys(b, `${p}.base`, ["sha256", "size"]);
    const base = { sha256: hash(b.sha256, `${p}.base.sha256`), size: int(b.size, `${p}.base.size`, 512, MAX_DISK_BYTES) };
    const chunkSize = int(o.chunkSize, `${p}.chunkSize`, PAGE_SIZE, PAGE_SIZE);
    const chunks = int(o.chunks, `${p}.chunks`, Math.ceil(base.size / chunkSize), Math.ceil(base.size / chunkSize));
    return { base, chunkSize, chunks, map: section(o.map, `${p}.map`, state.size) };
  });

  const devices = arr(m.devices, "devices", VIRTIO_SLOTS).map((v, i): DeviceEntry => {
    const p = `devices[${i}]`;
    const o = obj(v, p);
    keys(o, p, ["slot", "type", "version", "disk", "state"]);
    const type = o.type as DeviceType;
    if (!(typeof type === "string" && type in DEVICE_VERSIONS)) throw bad(`${p}.type`, `is not a device this rvplay has (${Object.keys(DEVICE_VERSIONS).join(", ")})`);
    const version = int(o.version, `${p}.version`, 1, Number.MAX_SAFE_INTEGER);
    if (version > DEVICE_VERSIONS[type]) throw new SnapshotError("future_version", `the snapshot's ${type} device state has version ${version}; this rvplay reads ${DEVICE_VERSIONS[type]}: update rvplay`);
    const entry: DeviceEntry = { slot: int(o.slot, `${p}.slot`, 0, VIRTIO_SLOTS - 1), type, version, state: obj(o.state, `${p}.state`) };
    if (type === "virtio-9p") entry.state = p9State(entry.state, `${p}.state`) as unknown as Record<string, unknown>;
    else if (type === "virtio-net") {
      const st = entry.state;
      keys(st, `${p}.state`, ["mac", "linkUp", "offloads"]);
      // A unicast MAC (bit 0 of the first byte clear), lower-case, colons.
      if (typeof st.mac !== "string" || !MAC_RE.test(st.mac) || (parseInt(st.mac.slice(0, 2), 16) & 1) !== 0) throw bad(`${p}.state.mac`, "is not a unicast MAC address (xx:xx:xx:xx:xx:xx, lower case)");
      if (typeof st.linkUp !== "boolean") throw bad(`${p}.state.linkUp`, "is not true or false");
      if (typeof st.offloads !== "boolean") throw bad(`${p}.state.offloads`, "is not true or false");
    } else if (Object.keys(entry.state).length > 0) throw bad(`${p}.state`, `has fields version ${version} of ${type} does not define`);
    if (type === "virtio-blk") entry.disk = int(o.disk, `${p}.disk`, 0, disks.length - 1);
    else if (o.disk !== undefined) throw bad(`${p}.disk`, "is given for a device without a disk");
    return entry;
  });
  const slots = new Set(devices.map((d) => d.slot));
  if (slots.size !== devices.length) throw bad("devices", "puts two devices in one slot");
  const diskUse = devices.filter((d) => d.disk !== undefined).map((d) => d.disk);
  if (new Set(diskUse).size !== diskUse.length || diskUse.length !== disks.length) throw bad("devices", "must use each disk exactly once");

  const clock = obj(m.clock, "clock");
  keys(clock, "clock", ["mtime"]);
  if (typeof clock.mtime !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(clock.mtime) || BigInt(clock.mtime) >= 1n << 63n) {
    throw bad("clock.mtime", "is not a decimal integer below 2^63");
  }

  // The records: exactly the "state" records of a machine of this shape
  // (wasm-core/records.ts), each at the version this rvplay writes; RAM is
  // the page map's.
  const expected = memoryRecords(machine.harts, machine.ramBytes).filter((r) => r.kind === "state" && r.name !== "ram");
  const records = arr(m.records, "records", expected.length).map((v, i): RecordEntry => {
    const p = `records[${i}]`;
    const o = obj(v, p);
    keys(o, p, ["name", "version", "offset", "size"]);
    const name = str(o.name, `${p}.name`, 32);
    const rec = expected.find((r) => r.name === name);
    if (!rec) throw bad(p, `names a record "${name}" that a ${machine.harts}-hart machine does not have`);
    const version = int(o.version, `${p}.version`, 1, Number.MAX_SAFE_INTEGER);
    if (version > rec.version) throw new SnapshotError("future_version", `the snapshot's record "${name}" has version ${version}; this rvplay reads ${rec.version}: update rvplay`);
    if (version < rec.version) throw new SnapshotError("unsupported", `the snapshot's record "${name}" has version ${version}, which this rvplay no longer reads`);
    const s = section(o, p, state.size);
    if (s.size !== rec.size) throw bad(`${p}.size`, `is ${s.size}; record "${name}" is ${rec.size} bytes`);
    return { name, version, ...s };
  });
  for (const r of expected) if (!records.some((x) => x.name === r.name)) throw bad("records", `lacks "${r.name}"`);
  if (new Set(records.map((r) => r.name)).size !== records.length) throw bad("records", "names a record twice");

  const ro = obj(m.ram, "ram");
  keys(ro, "ram", ["pageSize", "pages", "map"]);
  const ram = {
    pageSize: int(ro.pageSize, "ram.pageSize", PAGE_SIZE, PAGE_SIZE),
    pages: int(ro.pages, "ram.pages", machine.ramBytes / PAGE_SIZE, machine.ramBytes / PAGE_SIZE),
    map: section(ro.map, "ram.map", state.size),
  };

  // Packs hold at most the pages and chunks the maps can refer to.
  const maxChunks = ram.pages + disks.reduce((n, d) => n + d.chunks, 0);
  const packs = arr(m.packs, "packs", maxChunks).map((v, i): PackEntry => {
    const o = obj(v, `packs[${i}]`);
    keys(o, `packs[${i}]`, ["blob", "codec", "pages"]);
    const codecs: PackCodec[] = version === 1 ? [CODEC] : [CODEC, BROTLI];
    if (!codecs.includes(o.codec as PackCodec)) {
      throw new SnapshotError("unsupported", `snapshot pack ${i} is compressed with ${JSON.stringify(o.codec)}; version ${version} snapshots use ${codecs.join(" or ")}`);
    }
    return { blob: hash(o.blob, `packs[${i}].blob`), codec: o.codec as PackCodec, pages: int(o.pages, `packs[${i}].pages`, 1, version === 1 ? PACK_PAGES : PACK_PAGES_V2) };
  });

  let consoleEntry: ConsoleEntry | null = null;
  if (m.console !== null) {
    const o = obj(m.console, "console");
    keys(o, "console", ["offset", "size", "cols", "rows"]);
    const s = section(o, "console", state.size);
    if (s.size > MAX_CONSOLE) throw bad("console.size", `is more than ${MAX_CONSOLE}`);
    consoleEntry = { ...s, cols: int(o.cols, "console.cols", 1, 1000), rows: int(o.rows, "console.rows", 1, 1000) };
  }

  const blobs = arr(m.blobs, "blobs", maxChunks + 1).map((v, i) => {
    const o = obj(v, `blobs[${i}]`);
    keys(o, `blobs[${i}]`, ["hash", "size"]);
    return { hash: hash(o.hash, `blobs[${i}].hash`), size: int(o.size, `blobs[${i}].size`, 1, MAX_BLOB_BYTES) };
  });
  // "blobs" lists exactly the blobs referenced (the service checks that
  // they are all there before it publishes), each once.
  const referenced = new Set([state.blob, ...packs.map((p) => p.blob)]);
  const listed = new Set(blobs.map((b) => b.hash));
  if (listed.size !== blobs.length) throw bad("blobs", "lists a blob twice");
  for (const h of referenced) if (!listed.has(h)) throw bad("blobs", `does not list ${h}, which the snapshot refers to`);
  for (const h of listed) if (!referenced.has(h)) throw bad("blobs", `lists ${h}, which nothing refers to`);
  if (new Set(packs.map((p) => p.blob)).size !== packs.length) throw bad("packs", "lists a pack twice");

  return {
    format: MANIFEST_FORMAT, version, created, machine, images, devices,
    clock: { mtime: clock.mtime }, state, records, ram, disks, packs, console: consoleEntry, blobs,
  };
}

export function encodeManifest(m: Manifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(m));
}
