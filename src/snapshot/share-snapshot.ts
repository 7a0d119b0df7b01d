// Sharing a snapshot through the snapshot service, and fetching one back:
// the page's Share button and link opening, `rvplay share` and `rvplay boot
// --restore URL` all go through here (no DOM or Node API).
//
// Sharing: ask which of the snapshot's blobs the service lacks, upload only
// those (a few at a time, with byte progress), then publish the manifest;
// its id (the SHA-256 of its bytes) makes the link. Fetching: the manifest
// (verified against the id, then checked field by field), the shape against
// what this side can run, then only the blobs this side does not have, each
// verified against its hash as it arrives. Every failure is a
// RemoteStoreError or a SnapshotError; shareFailure() words either for people.
import { parseManifest, type Manifest } from "./manifest.js";
import { RemoteStore, RemoteStoreError } from "./remote-store.js";
import { SnapshotError } from "./snapshot-error.js";
import type { Snapshot } from "./snapshot-file.js";
import { ShareLinkError } from "./share-link.js";

/** Byte and blob counts of a transfer in progress. */
export interface TransferProgress {
  blobs: number;      // blobs to move
  blobsDone: number;
  bytes: number;      // their bytes
  bytesDone: number;
}

export interface UploadResult {
  id: string;
  blobs: number;          // blobs the snapshot lists
  uploadedBlobs: number;  // of those, sent (the service lacked them)
  uploadedBytes: number;
  totalBytes: number;     // all its blobs
  manifestBytes: number;
}

// Moves `items` through `work`, `concurrency` at a time. After the first
// failure nothing new starts; the ones under way finish, then it throws.
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { e: unknown } | undefined;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try { await work(item); } catch (e) { failed ??= { e }; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  if (failed) throw failed.e;
}

/** Asks the service what it is first, so that a site without one gets a clear answer. */
export async function checkService(remote: RemoteStore): Promise<void> {
  try {
    await remote.info();
  } catch (e) {
    if (e instanceof RemoteStoreError && (e.status === 404 || e.kind === "bad_response")) {
      throw new RemoteStoreError("bad_response", `${remote.base.href} has no snapshot service (${e.message})`, { status: e.status, code: "no_service", cause: e });
    }
    throw e;
  }
}

/** Uploads the blobs the service lacks, then publishes the manifest. */
export async function uploadSnapshot(remote: RemoteStore, s: Snapshot,
  onProgress?: (p: TransferProgress) => void, concurrency = 8): Promise<UploadResult> {
  await checkService(remote);
  const sizes = new Map(s.manifest.blobs.map((b) => [b.hash, b.size]));
  const totalBytes = s.manifest.blobs.reduce((n, b) => n + b.size, 0);
  const sent = { blobs: 0, bytes: 0 };
  const send = async (hashes: string[]) => {
    const p: TransferProgress = { blobs: hashes.length, blobsDone: 0, bytes: hashes.reduce((n, h) => n + (sizes.get(h) ?? 0), 0), bytesDone: 0 };
    const partial = new Map<string, number>();
    let finished = 0;
    const report = () => onProgress?.({ ...p, bytesDone: finished + [...partial.values()].reduce((a, b) => a + b, 0) });
    report();
    await pool(hashes, concurrency, async (hash) => {
      const bytes = s.blobs.get(hash);
      if (!bytes) throw new SnapshotError("missing_blob", `blob ${hash} of the snapshot is not at hand to upload`);
      await remote.putBlob(hash, bytes, (done) => { partial.set(hash, done); report(); });
      partial.delete(hash);
      finished += bytes.length;
      p.blobsDone++;
      sent.blobs++;
      sent.bytes += bytes.length;
      report();
    });
  };
  await send(await remote.missing([...sizes.keys()]));
  let id: string;
  try {
    id = await remote.publishManifest(s.manifestBytes);
  } catch (e) {
    // Blobs can go between the question and the publish (a store emptied,
    // a damaged one set aside): send those the service names, once.
    const ours = e instanceof RemoteStoreError && e.code === "missing_blobs" ? (e.missing ?? []).filter((h) => s.blobs.has(h)) : [];
    if (!ours.length) throw e;
    await send(ours);
    id = await remote.publishManifest(s.manifestBytes);
  }
  if (id !== s.id) throw new RemoteStoreError("bad_response", `the service published the manifest as ${id}, not ${s.id}`);
  return { id, blobs: sizes.size, uploadedBlobs: sent.blobs, uploadedBytes: sent.bytes, totalBytes, manifestBytes: s.manifestBytes.length };
}

/** What a fetch may use and must respect on this side. */
export interface FetchOptions {
  /** The listed blobs this side already has (verified), by hash. */
  local?: (hashes: string[]) => Promise<Map<string, Uint8Array>>;
  /** Refuses a machine larger than this side runs, before any blob is fetched. */
  limits?: { maxHarts: number; maxRamMiB: number; why?: string };
  /** The manifest, checked, before the blobs are fetched. */
  onManifest?: (m: Manifest) => void;
  onProgress?: (p: TransferProgress) => void;
  concurrency?: number;
}

export interface FetchResult {
  snapshot: Snapshot;
  manifestBytes: number;
  fetchedBlobs: number;
  fetchedBytes: number;
  localBlobs: number;
  localBytes: number;
  /** hashes of the blobs fetched (the rest were local) */
  fetched: Set<string>;
}

/** The shape check of a fetch: SnapshotError "limits" when the machine is larger than allowed here. */
export function checkShape(m: Manifest, limits: NonNullable<FetchOptions["limits"]>): void {
  const ramMiB = m.machine.ramBytes / 2 ** 20;
  const why = limits.why ? ` (${limits.why})` : "";
  if (m.machine.harts > limits.maxHarts) {
    throw new SnapshotError("limits", `this machine has ${m.machine.harts} vCPUs; here at most ${limits.maxHarts} can run${why}`);
  }
  if (ramMiB > limits.maxRamMiB) {
    throw new SnapshotError("limits", `this machine has ${ramMiB} MiB of RAM; here at most ${limits.maxRamMiB} MiB can run${why}`);
  }
}

/** The snapshot `id` names, from the service, with what this side has already. */
export async function fetchSnapshot(remote: RemoteStore, id: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const manifestBytes = await remote.getManifest(id);  // verified: its bytes hash to id
  const manifest = parseManifest(manifestBytes);
  if (opts.limits) checkShape(manifest, opts.limits);
  opts.onManifest?.(manifest);
  const listed = manifest.blobs;
  const have = opts.local ? await opts.local(listed.map((b) => b.hash)) : new Map<string, Uint8Array>();
  const blobs = new Map<string, Uint8Array>();
  let localBytes = 0;
  for (const b of listed) {
    const bytes = have.get(b.hash);
    if (bytes && bytes.length === b.size) { blobs.set(b.hash, bytes); localBytes += b.size; }
  }
  const todo = listed.filter((b) => !blobs.has(b.hash));
  const p: TransferProgress = { blobs: todo.length, blobsDone: 0, bytes: todo.reduce((n, b) => n + b.size, 0), bytesDone: 0 };
  const partial = new Map<string, number>();
  let finished = 0;
  const report = () => opts.onProgress?.({ ...p, bytesDone: finished + [...partial.values()].reduce((a, b) => a + b, 0) });
  report();
  await pool(todo, opts.concurrency ?? 6, async (b) => {
    const bytes = await remote.getBlob(b.hash, (done) => { partial.set(b.hash, Math.min(done, b.size)); report(); }).catch((e) => {
      // Not the link's fault but the store's: a part it published with has gone.
      if (e instanceof RemoteStoreError && e.code === "not_found") {
        throw new RemoteStoreError("http", `blob ${b.hash.slice(0, 12)}… of the manifest is gone from the store`, { status: e.status, code: "missing_blob", cause: e });
      }
      throw e;
    });
    // The bytes hash to the name; a size other than the manifest's is the manifest's fault.
    if (bytes.length !== b.size) throw new SnapshotError("bad_manifest", `snapshot manifest: blob ${b.hash} is ${bytes.length} bytes, not the ${b.size} it lists`);
    blobs.set(b.hash, bytes);
    partial.delete(b.hash);
    finished += bytes.length;
    p.blobsDone++;
    report();
  });
  return {
    snapshot: { id, manifest, manifestBytes, blobs },
    manifestBytes: manifestBytes.length,
    fetchedBlobs: todo.length, fetchedBytes: p.bytes,
    localBlobs: listed.length - todo.length, localBytes,
    fetched: new Set(todo.map((b) => b.hash)),
  };
}

const cap = (s: string) => s.length ? s[0].toUpperCase() + s.slice(1) : s;

/**
 * A failure of sharing or of opening a link, in words for the person who
 * clicked: what went wrong, and that nothing was changed.
 */
export function shareFailure(e: unknown, doing: "share" | "open", service: string): string {
  const where = `the snapshot service at ${service}`;
  if (e instanceof ShareLinkError) return `${cap(e.message)}.`;
  if (e instanceof SnapshotError) {
    const lead = doing === "open" ? "This link cannot be opened here" : "This machine cannot be shared";
    return `${lead}: ${e.message}.`;
  }
  if (e instanceof RemoteStoreError) {
    switch (e.kind) {
      case "unreachable":
        return `Cannot reach ${where}: ${e.message}. Is the server running?`;
      case "integrity":
        return `Part of the shared machine did not arrive intact (${e.message}); nothing from it is used. Try again.`;
      case "unsupported":
        return cap(e.message) + ".";
      case "invalid_argument":
        return cap(e.message) + ".";
      case "bad_response":
        return e.code === "no_service"
          ? `${cap(e.message)}: sharing needs the rvplay server (npm run serve, or npm start).`
          : `${cap(where)} answered something that is not a snapshot-service answer (${e.message}).`;
      case "http":
        if (e.code === "not_found" && doing === "open") return `No shared machine has this link's id on ${service}: the link may be mistyped, or from another server.`;
        if (e.code === "missing_blob") return `${cap(where)} no longer has part of this shared machine (${e.message}); it cannot be opened until it is shared again.`;
        if (e.code === "corrupt_object") return `${cap(where)} found part of this shared machine damaged in its storage and set it aside (${e.message}); it cannot be opened until it is shared again.`;
        if (e.code === "rate_limited") return `${cap(where)} is busy with this address's requests; try again in a minute.`;
        if (e.code === "too_large") return `${cap(where)} refuses a machine this large (${e.message}).`;
        return `${cap(where)} refused: ${e.message}.`;
    }
  }
  return `${doing === "open" ? "Opening the link" : "Sharing"} failed: ${e instanceof Error ? e.message : String(e)}.`;
}
