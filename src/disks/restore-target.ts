// A disk of a store as the disk a snapshot is restored onto
// (restore-snapshot.ts, StoreDiskTarget): the snapshot's changed pages are
// written into the disk's overlay, then committed durably before the
// machine that uses it starts. Shared by the CLI and the page.
import type { DeviceSpec } from "../devices/specs.js";
import type { StoreDiskTarget } from "../snapshot/restore-snapshot.js";
import type { DiskStore } from "./disk-store.js";
import type { OverlayDisk } from "./overlay-disk.js";

const PAGE = 4096;

export interface ClosableTarget extends StoreDiskTarget {
  // Commit what was written and let the disk go (its lock too), so the
  // machine's I/O side can open it. Safe to call when nothing was written.
  close(): Promise<void>;
}

export function storeDiskTarget(store: DiskStore, id: string, base: { sha256: string; size: number }, spec: DeviceSpec): ClosableTarget {
  let open: Promise<OverlayDisk> | undefined;
  return {
    base, spec,
    async write(pages) {
      const disk = await (open ??= store.open(id));
      // Runs of consecutive pages go as one write: a write that covers an
      // overlay chunk whole never reads (fetches) the base's bytes under it.
      const sorted = [...pages].sort((x, y) => x.index - y.index);
      const runs: { at: number; pages: (Uint8Array | undefined)[] }[] = [];
      for (const p of sorted) {
        const last = runs[runs.length - 1];
        if (last && last.at + last.pages.length === p.index) last.pages.push(p.bytes);
        else runs.push({ at: p.index, pages: [p.bytes] });
      }
      await Promise.all(runs.map((r) => {
        const at = r.at * PAGE;
        const n = Math.min(r.pages.length * PAGE, disk.size - at);
        if (n <= 0) return Promise.resolve();
        const buf = new Uint8Array(n); // zero where a page is undefined
        r.pages.forEach((b, k) => { if (b && k * PAGE < n) buf.set(b.subarray(0, Math.min(PAGE, n - k * PAGE)), k * PAGE); });
        return disk.write(at, buf);
      }));
    },
    async close() {
      if (!open) return;
      const disk = await open;
      open = undefined;
      try { await disk.commit(true); } finally { await disk.close(); }
    },
  };
}
