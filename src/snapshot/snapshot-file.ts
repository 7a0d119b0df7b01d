// The single-file form of a snapshot (`.rvsnap`), for the CLI and for
// download / import in the page: the manifest and every blob it lists, in
// one container. All integers little-endian:
//
//   offset 0   8 bytes   magic 89 52 56 53 4E 41 50 0A ("\x89RVSNAP\n")
//          8   u32       container version (1)
//         12   u32       manifest length M (at most 4 MiB)
//         16   M bytes   the manifest (UTF-8 JSON, manifest.ts)
//              u32       blob count N
//              N times:  32 bytes SHA-256 of the blob, u32 length L, L bytes
//   and nothing after the last blob.
//
// Reading checks everything: the magic, the version, the manifest field by
// field, every blob's hash, that the blobs are exactly the ones the manifest
// lists (with its sizes), and that the file ends where it should.
// readSnapshotFile is the fuzz entry point: it throws only SnapshotError.
import { MAX_BLOB_BYTES, MAX_MANIFEST_BYTES, encodeManifest, parseManifest, type Manifest } from "./manifest.js";
import { fromHex, sha256, sha256Hex, toHex } from "./blob-codec.js";
import { SnapshotError } from "./snapshot-error.js";

export const FILE_MAGIC = Uint8Array.of(0x89, 0x52, 0x56, 0x53, 0x4e, 0x41, 0x50, 0x0a);
export const FILE_VERSION = 1;
export const FILE_EXTENSION = ".rvsnap";

// A snapshot in memory: the manifest (its exact bytes, and its id = their
// SHA-256) and the blobs it lists, by hash.
export interface Snapshot {
  id: string;
  manifest: Manifest;
  manifestBytes: Uint8Array;
  blobs: Map<string, Uint8Array>;
}

export async function snapshotOf(manifest: Manifest, blobs: Map<string, Uint8Array>): Promise<Snapshot> {
  const manifestBytes = encodeManifest(manifest);
  return { id: await sha256Hex(manifestBytes), manifest, manifestBytes, blobs };
}

export function writeSnapshotFile(s: Snapshot): Uint8Array {
  const list = s.manifest.blobs;
  const size = 16 + s.manifestBytes.length + 4 + list.reduce((n, b) => n + 36 + b.size, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(FILE_MAGIC, 0);
  dv.setUint32(8, FILE_VERSION, true);
  dv.setUint32(12, s.manifestBytes.length, true);
  out.set(s.manifestBytes, 16);
  let at = 16 + s.manifestBytes.length;
  dv.setUint32(at, list.length, true);
  at += 4;
  for (const b of list) {
    const bytes = s.blobs.get(b.hash);
    if (!bytes || bytes.length !== b.size) throw new SnapshotError("missing_blob", `blob ${b.hash} is not at hand to write`);
    out.set(fromHex(b.hash), at);
    dv.setUint32(at + 32, bytes.length, true);
    out.set(bytes, at + 36);
    at += 36 + bytes.length;
  }
  return out;
}

export function looksLikeSnapshotFile(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && FILE_MAGIC.every((b, i) => bytes[i] === b);
}

// The snapshot in a file's bytes, every hash verified.
export async function readSnapshotFile(bytes: Uint8Array): Promise<Snapshot> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = (what: string) => new SnapshotError("truncated", `the snapshot file is truncated: it ends inside ${what} (${bytes.length} bytes)`);
  if (bytes.length < 8) {
    if (FILE_MAGIC.subarray(0, bytes.length).every((b, i) => bytes[i] === b) && bytes.length > 0) throw truncated("its header");
    throw new SnapshotError("not_snapshot", "not an rvplay snapshot file (no snapshot magic at its start)");
  }
  if (!looksLikeSnapshotFile(bytes)) throw new SnapshotError("not_snapshot", "not an rvplay snapshot file (no snapshot magic at its start)");
  if (bytes.length < 16) throw truncated("its header");
  const version = dv.getUint32(8, true);
  if (version > FILE_VERSION) throw new SnapshotError("future_version", `this snapshot file has container version ${version}; this rvplay reads version ${FILE_VERSION}: update rvplay to restore it`);
  if (version < 1) throw new SnapshotError("not_snapshot", `snapshot file container version ${version} is not valid`);
  const mlen = dv.getUint32(12, true);
  if (mlen > MAX_MANIFEST_BYTES) throw new SnapshotError("limits", `the snapshot file's manifest is ${mlen} bytes, more than ${MAX_MANIFEST_BYTES}`);
  if (16 + mlen > bytes.length) throw truncated("its manifest");
  const manifestBytes = bytes.slice(16, 16 + mlen);
  const manifest = parseManifest(manifestBytes);
  let at = 16 + mlen;
  if (at + 4 > bytes.length) throw truncated("its blob count");
  const count = dv.getUint32(at, true);
  at += 4;
  if (count !== manifest.blobs.length) {
    throw new SnapshotError("bad_manifest", `the snapshot file holds ${count} blobs; its manifest lists ${manifest.blobs.length}`);
  }
  const sizes = new Map(manifest.blobs.map((b) => [b.hash, b.size]));
  const blobs = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    if (at + 36 > bytes.length) throw truncated(`blob ${i + 1} of ${count}`);
    const name = toHex(bytes.subarray(at, at + 32));
    const len = dv.getUint32(at + 32, true);
    if (len > MAX_BLOB_BYTES) throw new SnapshotError("limits", `blob ${name} in the snapshot file is ${len} bytes, more than ${MAX_BLOB_BYTES}`);
    if (at + 36 + len > bytes.length) throw truncated(`blob ${i + 1} of ${count}`);
    const size = sizes.get(name);
    if (size === undefined) throw new SnapshotError("bad_manifest", `the snapshot file holds blob ${name}, which its manifest does not list`);
    if (size !== len) throw new SnapshotError("bad_manifest", `blob ${name} is ${len} bytes in the snapshot file; its manifest says ${size}`);
    if (blobs.has(name)) throw new SnapshotError("bad_manifest", `the snapshot file holds blob ${name} twice`);
    blobs.set(name, bytes.slice(at + 36, at + 36 + len));
    at += 36 + len;
  }
  if (at !== bytes.length) throw new SnapshotError("bad_manifest", `the snapshot file has ${bytes.length - at} bytes after its last blob`);
  // The structure is whole; now every blob must hash to its name.
  const results = await Promise.allSettled([...blobs].map(([name, blob]) => sha256(blob).then((h) => {
    if (toHex(h) !== name) throw new SnapshotError("hash_mismatch", `blob ${name} in the snapshot file is damaged: its bytes hash to ${toHex(h)}`);
  })));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return { id: await sha256Hex(manifestBytes), manifest, manifestBytes, blobs };
}
