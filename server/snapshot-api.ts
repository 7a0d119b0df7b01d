// The request handler of /api/v1/ (documented in ARCHITECTURE.md, "Snapshot
// service"). Routing works on the raw request path, never a decoded one: a
// name must be 64 lowercase hex digits as sent, so "..", "%2e%2e", upper case
// and wrong lengths are all refused before any storage name is built.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash } from "node:crypto";
import { open, unlink } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  API_PREFIX, CONTENT_HASH, isContentHash, type MissingResponse, type PublishResponse, type PutBlobResponse, type ServerInfo,
} from "../src/snapshot/share-api.js";
import type { BlobStore, Namespace } from "./blob-store.js";
import { HttpError, StorageError } from "./http-error.js";
import { parseManifest } from "./manifest.js";
import type { RateLimiter } from "./rate-limit.js";

export interface ApiLimits {
  blobBytes: number;
  manifestBytes: number;
  snapshotBytes: number;
  missingList: number;
  manifestBlobs: number;
}

export interface ApiOptions {
  store: BlobStore;
  limits: ApiLimits;
  rate: RateLimiter;
  /** The client's address as rate limits see it. */
  clientId: (req: IncomingMessage) => string;
  log?: (line: string) => void;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const IMMUTABLE = "public, max-age=31536000, immutable";
const STORE_CONCURRENCY = 16;  // stat calls in flight for one request (S3 HEADs)

function etag(hash: string): string { return `"${hash}"`; }

function notModified(req: IncomingMessage, hash: string): boolean {
  const inm = req.headers["if-none-match"];
  if (!inm) return false;
  return inm.split(",").some((t) => { const v = t.trim(); return v === "*" || v === etag(hash) || v === `W/${etag(hash)}`; });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Content-Length of a request with a body, checked against `max` before a byte is read. */
function bodyLength(req: IncomingMessage, max: number, what: string): number {
  const raw = req.headers["content-length"];
  if (raw === undefined) {
    throw new HttpError("length_required", `${what}: send Content-Length (chunked uploads are not accepted)`);
  }
  if (!/^\d{1,16}$/.test(raw)) throw new HttpError("bad_request", `${what}: bad Content-Length ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n > max) throw new HttpError("too_large", `${what}: ${n} bytes; the limit is ${max}`);
  return n;
}

/** A body of at most `max` bytes (already announced by Content-Length). */
async function readBody(req: IncomingMessage, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (n + chunk.length > length) throw new HttpError("bad_request", "body longer than its Content-Length");
    chunk.copy(buf, n);
    n += chunk.length;
  }
  if (n !== length) throw new HttpError("bad_request", `body ended after ${n} of ${length} bytes`);
  return buf;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new HttpError("bad_json", `body is not JSON: ${(e as Error).message}`);
  }
}

/** Runs f over xs with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(xs: T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  const worker = async () => {
    while (next < xs.length) { const i = next++; out[i] = await f(xs[i]); }
  };
  await Promise.all(Array.from({ length: Math.min(limit, xs.length) }, worker));
  return out;
}

/** Resolves when `res` can take more, or is gone; leaves no listener behind. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { res.off("drain", done); res.off("close", done); resolve(); };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * Sends a stored object while hashing it, holding back its last chunk until the
 * hash is known: a client never receives every byte of an object that fails.
 * On "corrupt" the caller answers 500 corrupt_object if nothing was sent yet,
 * or else cuts the connection short of Content-Length.
 */
async function sendVerified(src: Readable, res: ServerResponse, hash: string, size: number,
  headers: Record<string, string | number>): Promise<"sent" | "corrupt" | "gone"> {
  const h = createHash("sha256");
  let held: Buffer | undefined;
  let n = 0;
  const gone = () => res.destroyed || res.writableEnded;
  const write = async (chunk: Buffer) => {
    if (!res.headersSent) res.writeHead(200, headers);
    if (!res.write(chunk)) await drainedOrClosed(res);
  };
  try {
    for await (const chunk of src as AsyncIterable<Buffer>) {
      if (gone()) { src.destroy(); return "gone"; }
      h.update(chunk);
      n += chunk.length;
      if (n > size) break;
      if (held) await write(held);
      held = chunk;
    }
  } finally {
    src.destroy();
  }
  if (gone()) return "gone";
  // The caller sets the object aside before the client sees the failure, then cuts the answer.
  if (n !== size || h.digest("hex") !== hash) return "corrupt";
  if (!res.headersSent) res.writeHead(200, headers);
  res.end(held);
  return "sent";
}

export function createApiHandler(opts: ApiOptions): RequestHandler {
  const { store, limits, rate } = opts;
  const log = opts.log ?? (() => {});
  const info: ServerInfo = {
    api: 1,
    limits: {
      blobBytes: limits.blobBytes, manifestBytes: limits.manifestBytes, snapshotBytes: limits.snapshotBytes,
      missingList: limits.missingList, manifestBlobs: limits.manifestBlobs,
    },
  };
  // Largest body of POST /blobs/missing: 64 hex digits, quotes and comma per hash, and room for spaces.
  const missingBodyBytes = limits.missingList * 80 + 1024;

  async function corrupt(ns: Namespace, hash: string): Promise<void> {
    log(`corrupt ${ns} object ${hash}: failed its hash on the way out; setting it aside`);
    await store.quarantine(ns, hash).catch((e) => log(`quarantine of ${hash} failed: ${(e as Error).message}`));
  }

  async function getObject(req: IncomingMessage, res: ServerResponse, ns: Namespace, hash: string, client: string) {
    const headers = {
      "Content-Type": ns === "blobs" ? "application/octet-stream" : "application/json; charset=utf-8",
      "Cache-Control": IMMUTABLE,
      "ETag": etag(hash),
    };
    if (req.method === "HEAD") {
      const size = await store.stat(ns, hash);
      if (size === undefined) throw new HttpError("not_found", `no ${ns.slice(0, -1)} ${hash}`);
      res.writeHead(200, { ...headers, "Content-Length": size });
      res.end();
      return;
    }
    if (notModified(req, hash)) {
      // The name is the hash of the bytes: a client holding this ETag holds these bytes.
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const obj = await store.read(ns, hash);
    if (!obj) throw new HttpError("not_found", `no ${ns.slice(0, -1)} ${hash}`);
    try {
      rate.takeBytes(client, obj.size);
    } catch (e) {
      obj.stream.destroy();
      throw e;
    }
    const result = await sendVerified(obj.stream, res, hash, obj.size, { ...headers, "Content-Length": obj.size });
    if (result === "corrupt") {
      await corrupt(ns, hash);
      if (res.headersSent) res.destroy();
      else {
        throw new HttpError("corrupt_object", `stored ${ns.slice(0, -1)} ${hash} failed its hash and was set aside; upload it again`);
      }
    }
  }

  async function putBlob(req: IncomingMessage, res: ServerResponse, hash: string, client: string) {
    const length = bodyLength(req, limits.blobBytes, "blob");
    rate.takeBytes(client, length);
    const existing = await store.stat("blobs", hash);
    const h = createHash("sha256");
    let n = 0;
    if (existing !== undefined) {
      // Already stored: the body is still checked, so a wrong upload is told so.
      for await (const chunk of req as AsyncIterable<Buffer>) { h.update(chunk); n += chunk.length; }
      if (n !== length || h.digest("hex") !== hash) throw new HttpError("hash_mismatch", `body does not hash to ${hash}`);
      const body: PutBlobResponse = { hash, size: existing, created: false };
      sendJson(res, 200, body);
      return;
    }
    const temp = await store.tempFile();
    let committed = false;
    try {
      const fh = await open(temp, "wx").catch((e) => { throw new StorageError(`cannot create ${temp}: ${e.message}`); });
      try {
        for await (const chunk of req as AsyncIterable<Buffer>) {
          n += chunk.length;
          if (n > length) throw new HttpError("bad_request", "body longer than its Content-Length");
          h.update(chunk);
          await fh.write(chunk);
        }
      } finally {
        await fh.close();
      }
      if (n !== length) throw new HttpError("bad_request", `body ended after ${n} of ${length} bytes`);
      if (h.digest("hex") !== hash) throw new HttpError("hash_mismatch", `body does not hash to ${hash}; nothing stored`);
      committed = true;  // commitFile owns (and removes) the temp file from here
      const result = await store.commitFile("blobs", hash, temp, length);
      const body: PutBlobResponse = { hash, size: length, created: result === "created" };
      sendJson(res, result === "created" ? 201 : 200, body, { Location: `${API_PREFIX}/blobs/${hash}` });
    } finally {
      if (!committed) await unlink(temp).catch(() => {});
    }
  }

  async function missing(req: IncomingMessage, res: ServerResponse) {
    const body = parseJson(await readBody(req, bodyLength(req, missingBodyBytes, "hash list")));
    const hashes = (body as { hashes?: unknown } | null)?.hashes;
    if (typeof body !== "object" || body === null || !Array.isArray(hashes)) {
      throw new HttpError("bad_request", `body must be { "hashes": ["<64 hex>", ...] }`);
    }
    if (hashes.length > limits.missingList) {
      throw new HttpError("too_large", `${hashes.length} hashes; at most ${limits.missingList} per request`);
    }
    hashes.forEach((x, i) => {
      if (!isContentHash(x)) throw new HttpError("bad_hash", `hashes[${i}] is not 64 lowercase hex digits`);
    });
    const unique = [...new Set(hashes as string[])];
    const sizes = await mapLimit(unique, STORE_CONCURRENCY, (x) => store.stat("blobs", x));
    const out: MissingResponse = { missing: unique.filter((_, i) => sizes[i] === undefined) };
    sendJson(res, 200, out);
  }

  async function publish(req: IncomingMessage, res: ServerResponse) {
    const bytes = await readBody(req, bodyLength(req, limits.manifestBytes, "manifest"));
    const manifest = parseManifest(bytes, limits);
    const id = createHash("sha256").update(bytes).digest("hex");
    const sizes = await mapLimit(manifest.blobs, STORE_CONCURRENCY, (b) => store.stat("blobs", b.hash));
    const absent = manifest.blobs.filter((_, i) => sizes[i] === undefined).map((b) => b.hash);
    const wrongSize = manifest.blobs.filter((b, i) => sizes[i] !== undefined && sizes[i] !== b.size).map((b) => b.hash);
    if (absent.length || wrongSize.length) {
      throw new HttpError("missing_blobs",
        `${absent.length} listed blob(s) not stored` + (wrongSize.length ? `, ${wrongSize.length} with another size` : ""),
        { extra: { missing: absent, wrongSize } });
    }
    const result = await store.commitBytes("manifests", id, bytes);
    const body: PublishResponse = { id, blobs: manifest.blobs.length, bytes: manifest.totalBytes };
    sendJson(res, result === "created" ? 201 : 200, body, { Location: `${API_PREFIX}/manifests/${id}` });
  }

  function methods(req: IncomingMessage, allowed: string[]): void {
    if (!allowed.includes(req.method ?? "")) {
      throw new HttpError("method_not_allowed", `${req.method} is not allowed here; use ${allowed.join(", ")}`,
        { headers: { Allow: allowed.join(", ") } });
    }
  }

  function name(segment: string): string {
    if (!CONTENT_HASH.test(segment)) {
      throw new HttpError("bad_hash", `${JSON.stringify(segment.slice(0, 80))} is not 64 lowercase hex digits`);
    }
    return segment;
  }

  async function route(req: IncomingMessage, res: ServerResponse, path: string, client: string) {
    const rest = path.slice(API_PREFIX.length);
    if (rest === "/info") {
      methods(req, ["GET", "HEAD"]);
      sendJson(res, 200, info);
    } else if (rest === "/blobs/missing") {
      methods(req, ["POST"]);
      await missing(req, res);
    } else if (rest.startsWith("/blobs/")) {
      methods(req, ["GET", "HEAD", "PUT"]);
      const hash = name(rest.slice("/blobs/".length));
      if (req.method === "PUT") await putBlob(req, res, hash, client);
      else await getObject(req, res, "blobs", hash, client);
    } else if (rest === "/manifests") {
      methods(req, ["POST"]);
      await publish(req, res);
    } else if (rest.startsWith("/manifests/")) {
      methods(req, ["GET", "HEAD"]);
      await getObject(req, res, "manifests", name(rest.slice("/manifests/".length)), client);
    } else {
      throw new HttpError("not_found", `no API route ${JSON.stringify(path.slice(0, 100))}`);
    }
  }

  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    let client = "?";
    let release = () => {};
    try {
      client = opts.clientId(req);
      release = rate.begin(client);
      if (!path.startsWith(`${API_PREFIX}/`)) throw new HttpError("not_found", `unknown API version; this server speaks ${API_PREFIX}`);
      await route(req, res, path, client);
    } catch (e) {
      let err: HttpError;
      if (e instanceof HttpError) err = e;
      else if (e instanceof StorageError) {
        log(`${req.method} ${path}: ${e.message}`);
        err = new HttpError("storage_unavailable", "the store is unavailable; try again later");
      } else if (req.destroyed || (e as NodeJS.ErrnoException).code === "ECONNRESET" || (e as Error).message === "aborted") {
        return;  // the client went away (or a timeout cut it off): nobody to answer
      } else {
        log(`${req.method} ${path}: internal error: ${(e as Error).stack ?? e}`);
        err = new HttpError("internal", "internal error");
      }
      if (res.headersSent) { res.destroy(); return; }
      // A body left unread is not worth reading: close the connection after the answer.
      const headers: Record<string, string> = { ...err.headers };
      if (!req.complete) headers.Connection = "close";
      sendJson(res, err.status, err.body(), headers);
    } finally {
      release();
    }
  };
}
