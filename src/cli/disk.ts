// rvplay disk: the disk store from the command line (list, add, create,
// reset, rm, export), and the store disks `rvplay boot --disk NAME` boots.
import { createReadStream, createWriteStream, existsSync, statSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { DiskFormatError } from "../disks/base-format.js";
import type { DiskStore, ImportProgress } from "../disks/disk-store.js";
import type { DiskRecord } from "../disks/store-backend.js";
import type { DeviceSpec } from "../devices/specs.js";
import { defaultStoreDir, openFileStore } from "../node/disk-files.js";

export const DISK_USAGE = `  disk list             the disks of the store: name, size, changed, last used, base
  disk add FILE|DIR     import a raw or gzip'd image (streamed into chunks), or a
                        base directory (disk.json + chunks/), as a new disk
      --name N               its name (default: the file's name)
  disk create NAME SIZE an empty disk (SIZE like 512M, 2G, or bytes)
  disk reset NAME       back to its base image: drop everything the guest wrote
  disk rm NAME          delete the disk (and its base, if no other disk uses it)
  disk export NAME FILE write the disk's contents as a raw image
  (all:) --store DIR    the store (default $XDG_DATA_HOME/rvplay/disks,
                        else ~/.local/share/rvplay/disks)
`;

export function storeDir(flag?: string): string { return flag ?? defaultStoreDir(); }

// "512M", "2G", "1.5GiB", "65536" → bytes; undefined if it is none of those.
export function parseSize(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B)?$/i.exec(s.trim());
  if (!m) return undefined;
  const mult = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2].toUpperCase() as "" | "K" | "M" | "G" | "T"];
  const n = Number(m[1]) * mult;
  return Number.isSafeInteger(n) ? n : undefined;
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

function when(t: number | null): string {
  return t === null ? "never" : new Date(t).toISOString().replace("T", " ").slice(0, 16);
}

function defaultName(path: string): string {
  const n = basename(path.replace(/\/+$/, "")).replace(/(\.gz)$/i, "").replace(/\.(img|raw|ext[234])$/i, "");
  return n.replace(/[^A-Za-z0-9 ._+-]/g, "_").replace(/^[^A-Za-z0-9]+/, "").slice(0, 63) || "disk";
}

// The device for `--disk NAME` when NAME is a store disk.
export async function storeDiskSpec(name: string, dir: string): Promise<DeviceSpec> {
  const store = await openFileStore(dir);
  const d = await store.find(name);
  return { kind: "blk", disk: { type: "store", store: dir, id: d.id }, serial: d.name.slice(0, 20) };
}

function progressLine(label: string): ((p: ImportProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (p) => process.stderr.write(`\r${label}: ${formatSize(p.read)} read, ${formatSize(p.unpacked)} unpacked${p.total ? ` (${Math.floor((100 * p.read) / p.total)} %)` : ""}   `);
}

export async function disk(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true,
      options: { store: { type: "string" }, name: { type: "string" }, json: { type: "boolean", default: false } },
    });
  } catch (e) {
    process.stderr.write(`rvplay disk: ${(e as Error).message}\n`);
    return 2;
  }
  const [sub, ...pos] = parsed.positionals;
  const v = parsed.values;
  const need = (n: number, usage: string) => {
    if (pos.length === n) return true;
    process.stderr.write(`rvplay disk ${sub}: usage: rvplay disk ${usage}\n`);
    return false;
  };
  const dir = storeDir(v.store);
  try {
    switch (sub) {
      case "list": {
        const store = await openFileStore(dir);
        const disks = await store.list();
        if (v.json) { process.stdout.write(JSON.stringify(await withBases(store, disks), null, 1) + "\n"); return 0; }
        if (!disks.length) { process.stdout.write(`no disks in ${dir} (rvplay disk add FILE, or rvplay disk create NAME SIZE)\n`); return 0; }
        const rows = (await withBases(store, disks)).map((d) => [d.name, formatSize(d.size), formatSize(d.changedBytes), when(d.lastUsed), d.baseLabel ?? "(empty)"]);
        const head = ["NAME", "SIZE", "CHANGED", "LAST USED", "BASE"];
        const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
        for (const r of [head, ...rows]) process.stdout.write(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join("  ") + "\n");
        return 0;
      }
      case "add": {
        if (!need(1, "add FILE|DIR [--name N]")) return 2;
        const path = pos[0];
        const name = v.name ?? defaultName(path);
        const store = await openFileStore(dir);
        let st;
        try { st = statSync(path); } catch { throw new DiskFormatError(`cannot read '${path}': no such file`); }
        let d: DiskRecord;
        const progress = progressLine(`adding '${name}'`);
        if (st.isDirectory()) {
          const manifest = join(path, "disk.json");
          if (!existsSync(manifest)) throw new DiskFormatError(`'${path}' is a directory without a disk.json: not a base image directory`);
          d = await store.importBaseDir(name, new Uint8Array(await readFile(manifest)),
            async (hash) => new Uint8Array(await readFile(join(path, "chunks", `${hash}.gz`))), basename(path), progress);
        } else {
          const stream = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
          d = await store.importImage(name, stream, { label: basename(path), total: st.size, onProgress: progress });
        }
        if (progress) process.stderr.write("\n");
        process.stdout.write(`added '${d.name}': ${formatSize(d.size)}\n`);
        return 0;
      }
      case "create": {
        if (!need(2, "create NAME SIZE")) return 2;
        const size = parseSize(pos[1]);
        if (size === undefined) { process.stderr.write(`rvplay disk create: '${pos[1]}' is not a size (say 512M, 2G, or a number of bytes)\n`); return 2; }
        const d = await (await openFileStore(dir)).create(pos[0], size);
        process.stdout.write(`created '${d.name}': ${formatSize(d.size)}, all zero\n`);
        return 0;
      }
      case "reset": {
        if (!need(1, "reset NAME")) return 2;
        const store = await openFileStore(dir);
        const d = await store.find(pos[0]);
        await store.reset(d.id);
        process.stdout.write(`reset '${d.name}': ${formatSize(d.changedBytes)} of changes dropped\n`);
        return 0;
      }
      case "rm": {
        if (!need(1, "rm NAME")) return 2;
        const store = await openFileStore(dir);
        const d = await store.find(pos[0]);
        await store.remove(d.id);
        process.stdout.write(`deleted '${d.name}'\n`);
        return 0;
      }
      case "export": {
        if (!need(2, "export NAME FILE")) return 2;
        const store = await openFileStore(dir);
        const d = await store.find(pos[0]);
        const out = pos[1];
        const part = `${out}.part`;
        const ws = createWriteStream(part);
        const done = new Promise<void>((resolve, reject) => { ws.on("finish", resolve); ws.on("error", reject); });
        try {
          await store.exportImage(d.id, (b) => new Promise<void>((resolve, reject) => {
            ws.write(b, (e) => (e ? reject(e) : resolve()));
          }));
          ws.end();
          await done;
          await rename(part, out);
        } catch (e) {
          ws.destroy();
          await rm(part, { force: true });
          throw e;
        }
        process.stdout.write(`exported '${d.name}' to ${out}: ${formatSize(d.size)}\n`);
        return 0;
      }
      default:
        process.stderr.write(`rvplay disk: ${sub === undefined ? "which command?" : `unknown command '${sub}'`}\n${DISK_USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof DiskFormatError) {
      process.stderr.write(`\nrvplay disk ${sub}: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code) { process.stderr.write(`\nrvplay disk ${sub}: ${err.message}\n`); return 1; }
    throw e;
  }
}

async function withBases(store: DiskStore, disks: DiskRecord[]): Promise<(DiskRecord & { baseLabel?: string })[]> {
  const out: (DiskRecord & { baseLabel?: string })[] = [];
  for (const d of disks) {
    const b = d.base ? await store.backend.getBase(d.base) : undefined;
    out.push({ ...d, baseLabel: b ? `${b.label} (${b.sha256.slice(0, 12)})` : undefined });
  }
  return out;
}
