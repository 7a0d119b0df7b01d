// What the service checks of a manifest before it stores one. The rest of
// the document is the client's business (see src/snapshot/share-api.ts).
// parseManifest takes raw bytes and throws only HttpError: a fuzzer can call it.
import { isContentHash, MANIFEST_FORMAT } from "../src/snapshot/share-api.js";
import { HttpError } from "./http-error.js";

export interface ManifestLimits {
  blobBytes: number;      // largest size a listed blob may have
  snapshotBytes: number;  // largest sum of the listed sizes
  manifestBlobs: number;  // most entries in "blobs"
}

export interface BlobRef { hash: string; size: number }
export interface ParsedManifest { version: number; blobs: BlobRef[]; totalBytes: number }

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function parseManifest(bytes: Uint8Array, limits: ManifestLimits): ParsedManifest {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HttpError("bad_json", "manifest is not valid UTF-8");
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new HttpError("bad_json", `manifest is not JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new HttpError("bad_manifest", "manifest must be a JSON object");
  }
  const m = doc as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) {
    throw new HttpError("bad_manifest", `manifest "format" must be "${MANIFEST_FORMAT}"`);
  }
  if (typeof m.version !== "number" || !Number.isSafeInteger(m.version) || m.version < 1) {
    throw new HttpError("bad_manifest", `manifest "version" must be a positive integer`);
  }
  if (!Array.isArray(m.blobs)) {
    throw new HttpError("bad_manifest", `manifest "blobs" must be an array of { hash, size }`);
  }
  if (m.blobs.length > limits.manifestBlobs) {
    throw new HttpError("too_large", `manifest lists ${m.blobs.length} blobs; the limit is ${limits.manifestBlobs}`);
  }
  const seen = new Set<string>();
  const blobs: BlobRef[] = [];
  let totalBytes = 0;
  m.blobs.forEach((entry: unknown, i: number) => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new HttpError("bad_manifest", `blobs[${i}] must be an object { hash, size }`);
    }
    const { hash, size } = entry as Record<string, unknown>;
    if (!isContentHash(hash)) {
      throw new HttpError("bad_manifest", `blobs[${i}].hash must be 64 lowercase hex digits`);
    }
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
      throw new HttpError("bad_manifest", `blobs[${i}].size must be a non-negative integer`);
    }
    if (size > limits.blobBytes) {
      throw new HttpError("bad_manifest", `blobs[${i}].size ${size} exceeds the blob limit ${limits.blobBytes}`);
    }
    if (seen.has(hash)) throw new HttpError("bad_manifest", `blobs[${i}]: hash ${hash} is listed twice`);
    seen.add(hash);
    totalBytes += size;
    blobs.push({ hash, size });
  });
  if (totalBytes > limits.snapshotBytes) {
    throw new HttpError("too_large", `snapshot is ${totalBytes} bytes; the limit is ${limits.snapshotBytes}`);
  }
  return { version: m.version, blobs, totalBytes };
}
