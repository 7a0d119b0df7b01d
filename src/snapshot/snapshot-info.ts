// A summary of a snapshot for people and scripts (`rvplay snapshot info`,
// the page's list): its version, the machine's shape, the sizes of its
// parts and how its RAM pages are held. It reads the state blob's maps, so
// it also checks them.
import { decodeSnapshotMaps, BASE, IMAGE, IMAGE_TAIL, PACK, ZERO } from "./chunk-map.js";
import { inflate } from "./blob-codec.js";
import { PAGE_SIZE } from "./manifest.js";
import type { Snapshot } from "./snapshot-file.js";

export interface SnapshotInfo {
  id: string;
  version: number;
  created: string;
  machine: { harts: number; ramMiB: number; bootargs: string };
  guestSeconds: number;
  images: { role: string; name: string; size: number; sha256: string }[];
  devices: string[];
  bytes: { total: number; manifest: number; state: number; packs: number };
  ram: { pages: number; zero: number; image: number; packed: number };
  packs: { count: number; pages: number };
  disks: { baseSha256: string; baseSize: number; changedChunks: number }[];
  console: { cols: number; rows: number; bytes: number } | null;
}

export async function snapshotInfo(s: Snapshot): Promise<SnapshotInfo> {
  const m = s.manifest;
  const stateBlob = s.blobs.get(m.state.blob);
  const state = stateBlob ? await inflate(stateBlob, m.state.size, "the snapshot's state") : undefined;
  const maps = state ? decodeSnapshotMaps(m, state) : { ram: [], disks: m.disks.map(() => []) };
  const ram = { pages: m.ram.pages, zero: 0, image: 0, packed: 0 };
  for (const r of maps.ram) {
    if (r.kind === ZERO) ram.zero += r.count;
    else if (r.kind === IMAGE || r.kind === IMAGE_TAIL) ram.image += r.count;
    else if (r.kind === PACK) ram.packed += r.count;
  }
  const blobSize = (h: string) => m.blobs.find((b) => b.hash === h)?.size ?? 0;
  return {
    id: s.id, version: m.version, created: m.created,
    machine: { harts: m.machine.harts, ramMiB: m.machine.ramBytes / 2 ** 20, bootargs: m.machine.bootargs },
    guestSeconds: Number(BigInt(m.clock.mtime)) / m.machine.timebaseHz,
    images: m.images.map((i) => ({ role: i.role, name: i.name, size: i.size, sha256: i.sha256 })),
    devices: m.devices.map((d) => `${d.type}@${d.slot}`),
    bytes: {
      total: s.manifestBytes.length + m.blobs.reduce((n, b) => n + b.size, 0),
      manifest: s.manifestBytes.length, state: blobSize(m.state.blob), packs: m.packs.reduce((n, p) => n + blobSize(p.blob), 0),
    },
    ram,
    packs: { count: m.packs.length, pages: m.packs.reduce((n, p) => n + p.pages, 0) },
    disks: m.disks.map((d, i) => ({
      baseSha256: d.base.sha256, baseSize: d.base.size,
      changedChunks: maps.disks[i].reduce((n, r) => n + (r.kind === BASE ? 0 : r.count), 0),
    })),
    console: m.console ? { cols: m.console.cols, rows: m.console.rows, bytes: m.console.size } : null,
  };
}

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

export function formatSnapshotInfo(i: SnapshotInfo): string {
  const lines = [
    `snapshot ${i.id}`,
    `  format version ${i.version}, taken ${i.created}, guest time ${i.guestSeconds.toFixed(1)} s`,
    `  machine: ${i.machine.harts} hart${i.machine.harts === 1 ? "" : "s"}, ${i.machine.ramMiB} MiB RAM, command line "${i.machine.bootargs}"`,
    `  devices: ${i.devices.join(", ")}`,
    ...i.images.map((x) => `  ${x.role}: ${x.name} (${x.size} bytes, sha256 ${x.sha256})`),
    `  size: ${mb(i.bytes.total)} (manifest ${i.bytes.manifest} B, state ${i.bytes.state} B, packs ${mb(i.bytes.packs)})`,
    `  RAM: ${i.ram.pages} pages: ${i.ram.zero} zero, ${i.ram.image} from boot images, ${i.ram.packed} packed`,
    `  packs: ${i.packs.count} holding ${i.packs.pages} distinct pages (${mb(i.packs.pages * PAGE_SIZE)} before compression)`,
    ...i.disks.map((d) => `  disk: ${d.changedChunks} chunks changed from base ${d.baseSha256.slice(0, 16)}… (${d.baseSize} bytes)`),
    `  console: ${i.console ? `${i.console.bytes} bytes of screen, ${i.console.cols}x${i.console.rows}` : "none"}`,
  ];
  return lines.join("\n") + "\n";
}
