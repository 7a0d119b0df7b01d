// The machine worker's side of share links. Share: snapshot the running
// machine, upload the blobs the service lacks, publish, answer the link.
// Open a link: the snapshot from this browser's store if it is whole there,
// else its manifest from the service and only the blobs the store lacks;
// then restore it (core-worker.ts builds and checks the new machine before
// the running one gives way, so any failure leaves that one running). Both
// report progress with byte counts (share-status, link-status).
import { RemoteStore } from "../snapshot/remote-store.js";
import { shareLink } from "../snapshot/share-api.js";
import { checkService, checkShape, fetchSnapshot, shareFailure, uploadSnapshot, type TransferProgress } from "../snapshot/share-snapshot.js";
import { SnapshotError } from "../snapshot/snapshot-error.js";
import { sha256Hex } from "../snapshot/blob-codec.js";
import type { Snapshot } from "../snapshot/snapshot-file.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import type { DeviceSpec } from "../devices/specs.js";
import type { LinkStatus, ShareStatus } from "./share-protocol.js";
import type { SnapshotStore } from "./snapshot-store.js";

export interface ShareHost {
  post(m: FromWorker): void;
  /** a machine runs (or is paused) */
  running(): boolean;
  /** nothing runs: say the machine is loading / off */
  loading(): void;
  idle(): void;
  /** a snapshot of the running machine */
  take(): Promise<Snapshot>;
  /** resume it; throws, with the running machine untouched, if it cannot */
  restore(s: Snapshot, imagesUrl: string, net?: DeviceSpec): Promise<void>;
  /** start fetching the sample's boot images (a restore needs them) */
  prefetchImages(imagesUrl: string): void;
  store(): SnapshotStore;
  postList(): Promise<void>;
  boot(msg: Extract<ToWorker, { type: "boot" }>): Promise<void>;
}

const PROGRESS_MS = 50;
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

// Progress messages at most every PROGRESS_MS, and always the last one.
function throttled(send: (p: TransferProgress) => void): (p: TransferProgress) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (now - last < PROGRESS_MS && p.bytesDone < p.bytes) return;
    last = now;
    send(p);
  };
}

function serviceName(apiBase: string): string {
  try { return new URL(apiBase).host; } catch { return apiBase; }
}

export async function shareJob(host: ShareHost, msg: Extract<ToWorker, { type: "share" }>): Promise<void> {
  const t0 = performance.now();
  const status = (s: ShareStatus) => host.post({ type: "share-status", status: s });
  try {
    // A site without the service is told so before the machine is paused.
    const remote = new RemoteStore(msg.apiBase);
    await checkService(remote);
    status({ kind: "busy", phase: "snapshot", message: "Taking a snapshot…" });
    const snap = await host.take();
    const snapshotMs = performance.now() - t0;
    // Kept in this browser too (it lists under Snapshots, and opening the
    // link here needs nothing fetched); the link does not wait for it.
    const when = new Date(snap.manifest.created);
    const kept = host.store().put(snap, `Shared ${when.toLocaleDateString()} ${when.toLocaleTimeString()}`)
      .then(() => host.postList(), () => {});
    const r = await uploadSnapshot(remote, snap, throttled((transfer) => status({
      kind: "busy", phase: transfer.bytesDone < transfer.bytes ? "upload" : "publish", transfer,
      message: transfer.blobs === 0 ? "The server has every part already; publishing…" : `Uploading ${transfer.blobsDone} of ${transfer.blobs} parts the server lacks…`,
    })));
    const link = shareLink(msg.linkBase, r.id);
    status({
      kind: "done", link, id: r.id, uploadedBytes: r.uploadedBytes, uploadedBlobs: r.uploadedBlobs, totalBytes: r.totalBytes, blobs: r.blobs,
      ms: performance.now() - t0, snapshotMs, uploadMs: performance.now() - t0 - snapshotMs,
      message: `Shared: ${mb(r.uploadedBytes)} uploaded (${r.uploadedBlobs} of ${r.blobs} parts; the server had the rest) in ${((performance.now() - t0) / 1000).toFixed(1)} s.`,
    });
    await kept;
  } catch (e) {
    status({ kind: "error", message: shareFailure(e, "share", serviceName(msg.apiBase)) });
  }
}

// The snapshot `id` if this browser keeps it whole (its manifest hashing to
// the id, every blob intact), else undefined.
async function keptHere(store: SnapshotStore, id: string): Promise<Snapshot | undefined> {
  try {
    if (!(await store.has(id))) return undefined;
    const s = await store.load(id);
    return (await sha256Hex(s.manifestBytes)) === id ? { ...s, id } : undefined;
  } catch {
    return undefined;  // damaged or unreadable here: fetch it
  }
}

export async function openLinkJob(host: ShareHost, msg: Extract<ToWorker, { type: "link-open" }>): Promise<void> {
  const t0 = performance.now();
  const { id } = msg;
  const status = (s: LinkStatus) => host.post({ type: "link-status", status: s });
  const limits = { maxHarts: msg.limits.maxCpus, maxRamMiB: msg.limits.maxMemMiB, why: "this browser's limit" };
  try {
    host.loading();
    // The boot images come from the app's own public/images, fetched
    // (once per tab) while the snapshot is.
    host.prefetchImages(msg.imagesUrl);
    status({ kind: "busy", id, phase: "manifest", message: "Fetching the shared machine…" });
    const store = host.store();
    let snap = await keptHere(store, id);
    let fetched = { bytes: 0, blobs: 0, local: 0, manifest: 0 };
    if (snap) {
      checkShape(snap.manifest, limits);
      fetched.local = snap.manifest.blobs.reduce((n, b) => n + b.size, 0);
    } else {
      let localBytes = 0;
      const r = await fetchSnapshot(new RemoteStore(msg.apiBase), id, {
        limits,
        local: async (hashes) => {
          const here = await store.blobsHere(hashes).catch(() => new Map<string, Uint8Array>());
          for (const b of here.values()) localBytes += b.length;
          return here;
        },
        onProgress: throttled((transfer) => status({
          kind: "busy", id, phase: "blobs", transfer, localBytes,
          message: `Fetching ${transfer.blobs} part${transfer.blobs === 1 ? "" : "s"} of the shared machine this browser lacks…`,
        })),
      });
      snap = r.snapshot;
      fetched = { bytes: r.fetchedBytes, blobs: r.fetchedBlobs, local: r.localBytes, manifest: r.manifestBytes };
      // Kept here for the next open (after the restore has what it needs).
      const s = snap;
      void Promise.resolve().then(() => store.put(s, `Link ${id.slice(0, 12)}`, r.fetched)).then(() => host.postList(), () => {});
    }
    status({ kind: "busy", id, phase: "restore", message: "Resuming the shared machine…" });
    const fetchMs = performance.now() - t0;
    await host.restore(snap, msg.imagesUrl, msg.net).catch((e) => {
      // new WebAssembly.Memory(): more than this browser gives one page.
      if (e instanceof RangeError) throw new SnapshotError("limits", `this browser would not give the machine its ${snap!.manifest.machine.ramBytes / 2 ** 20} MiB of RAM (${e.message})`);
      throw e;
    });
    const ms = performance.now() - t0;
    status({
      kind: "done", id, ms, fetchMs, restoreMs: ms - fetchMs, shape: { cpus: snap.manifest.machine.harts, memMiB: snap.manifest.machine.ramBytes / 2 ** 20 },
      fetchedBytes: fetched.bytes, fetchedBlobs: fetched.blobs, localBytes: fetched.local, manifestBytes: fetched.manifest,
      message: `Resumed the shared machine in ${(ms / 1000).toFixed(1)} s: ${mb(fetched.bytes + fetched.manifest)} fetched, ${mb(fetched.local)} already in this browser.`,
    });
  } catch (e) {
    const message = shareFailure(e, "open", serviceName(msg.apiBase));
    if (host.running()) {
      status({ kind: "error", id, message: `${message} The running machine goes on.` });
    } else if (msg.orBoot) {
      status({ kind: "error", id, message: `${message} Booting ${msg.orBoot.source.kind === "sample" ? "the sample Linux" : "your own files"} instead.` });
      await host.boot(msg.orBoot);
    } else {
      status({ kind: "error", id, message });
      host.idle();
    }
  }
}
