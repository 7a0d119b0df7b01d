// The snapshot service's HTTP API, as both sides see it: paths, the form of
// a content hash, the JSON bodies and the error codes. The server (server/)
// and the client library (remote-store.ts) import this one declaration.
// No Node-only APIs: it runs in the browser too.

/** Every route of the API starts with this; a breaking change gets /api/v2. */
export const API_PREFIX = "/api/v1";

/** A blob or manifest id: the lowercase hex SHA-256 of its bytes. */
export const CONTENT_HASH = /^[0-9a-f]{64}$/;

export function isContentHash(s: unknown): s is string {
  return typeof s === "string" && CONTENT_HASH.test(s);
}

/** The one manifest format the service accepts (`"format"` field). */
export const MANIFEST_FORMAT = "rvplay-snapshot";

/** Error codes of `{ error: { code, message } }` bodies, with their usual HTTP status. */
export const ERROR_STATUS = {
  bad_hash: 400,            // not 64 lowercase hex digits
  bad_json: 400,            // body is not JSON (or not UTF-8)
  bad_request: 400,         // JSON of the wrong shape, bad header
  bad_manifest: 400,        // manifest fails the service's checks
  hash_mismatch: 400,       // the bytes sent do not hash to the name given
  not_found: 404,
  method_not_allowed: 405,
  missing_blobs: 409,       // publish refused: `missing` and `wrongSize` list the hashes
  length_required: 411,     // uploads must send Content-Length
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,        // see Retry-After
  internal: 500,
  corrupt_object: 500,      // a stored object failed its hash; it has been set aside
  storage_unavailable: 503,
} as const;

export type ApiErrorCode = keyof typeof ERROR_STATUS;

export interface ApiErrorBody {
  error: {
    code: ApiErrorCode;
    message: string;
    /** missing_blobs: listed hashes the store does not have. */
    missing?: string[];
    /** missing_blobs: listed hashes whose stored size differs from the manifest's. */
    wrongSize?: string[];
  };
}

/** POST /api/v1/blobs/missing */
export interface MissingRequest { hashes: string[] }
export interface MissingResponse { missing: string[] }

/** POST /api/v1/manifests */
export interface PublishResponse { id: string; blobs: number; bytes: number }

/** PUT /api/v1/blobs/<hash> */
export interface PutBlobResponse { hash: string; size: number; created: boolean }

/** GET /api/v1/info: what a client needs to size its requests. */
export interface ServerInfo {
  api: 1;
  limits: {
    blobBytes: number;
    manifestBytes: number;
    snapshotBytes: number;
    /** most hashes in one POST /blobs/missing */
    missingList: number;
    /** most blobs one manifest may list */
    manifestBlobs: number;
  };
}

export function blobPath(hash: string): string { return `${API_PREFIX}/blobs/${hash}`; }
export function manifestPath(id: string): string { return `${API_PREFIX}/manifests/${id}`; }

/** The share link of a published manifest: `<origin>/#/s/<id>`. */
export function shareLink(origin: string, id: string): string {
  return `${origin.replace(/\/+$/, "")}/#/s/${id}`;
}
