// Client of the snapshot service (/api/v1/, see share-api.ts), for the page
// and the CLI alike: fetch, crypto.subtle and (in a browser, for upload
// progress) XMLHttpRequest; no Node-only API. Everything it receives is
// checked: a blob or manifest must hash to its name, JSON must have the
// documented shape, or a RemoteStoreError says what went wrong.
import {
  blobPath, isContentHash, manifestPath, API_PREFIX,
  type ApiErrorBody, type MissingResponse, type PublishResponse, type PutBlobResponse, type ServerInfo,
} from "./share-api.js";

export type RemoteErrorKind =
  | "unreachable"    // no answer: server down, network error, timeout
  | "bad_response"   // an answer that is not the documented one (garbage, wrong shape)
  | "integrity"      // bytes that do not hash to the name asked for
  | "http"           // a documented error answer: see status, code, message
  | "invalid_argument" // the caller passed a bad hash; nothing was sent
  | "unsupported";     // this runtime lacks WebCrypto (a page not on https or localhost)

export class RemoteStoreError extends Error {
  readonly kind: RemoteErrorKind;
  readonly status?: number;
  readonly code?: string;
  /** publish refused: blobs the server lacks */
  readonly missing?: string[];
  /** publish refused: blobs stored with another size than the manifest says */
  readonly wrongSize?: string[];

  constructor(kind: RemoteErrorKind, message: string,
    extra: { status?: number; code?: string; missing?: string[]; wrongSize?: string[]; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "RemoteStoreError";
    this.kind = kind;
    this.status = extra.status;
    this.code = extra.code;
    this.missing = extra.missing;
    this.wrongSize = extra.wrongSize;
  }
}

export type Progress = (done: number, total: number) => void;

export interface RemoteStoreOptions {
  fetch?: typeof fetch;
  /** per request; default 120 s */
  timeoutMs?: number;
  /** Use XMLHttpRequest for uploads where it exists (real upload progress). Default true. */
  useXhr?: boolean;
}

/** Lowercase hex SHA-256 of bytes, with WebCrypto. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (!globalThis.crypto?.subtle) {
    throw new RemoteStoreError("unsupported", "WebCrypto (crypto.subtle) is unavailable: the page must be served over https or from localhost");
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let s = "";
  for (const b of digest) s += b.toString(16).padStart(2, "0");
  return s;
}

function checkHash(hash: string, what: string): void {
  if (!isContentHash(hash)) {
    throw new RemoteStoreError("invalid_argument", `${what} ${JSON.stringify(String(hash).slice(0, 80))} is not 64 lowercase hex digits`);
  }
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((s) => typeof s === "string");
}

/** The error a non-2xx answer stands for, from its `{ error: { code, message } }` body if it has one. */
function httpError(status: number, text: string, what: string): RemoteStoreError {
  let body: unknown;
  try { body = JSON.parse(text); } catch { body = undefined; }
  const e = (body as ApiErrorBody | undefined)?.error;
  if (e && typeof e.code === "string" && typeof e.message === "string") {
    return new RemoteStoreError("http", `${what}: ${e.message} (HTTP ${status} ${e.code})`, {
      status, code: e.code,
      missing: isStringArray(e.missing) ? e.missing : undefined,
      wrongSize: isStringArray(e.wrongSize) ? e.wrongSize : undefined,
    });
  }
  if (status === 404) return new RemoteStoreError("http", `${what}: not found (HTTP 404)`, { status, code: "not_found" });
  return new RemoteStoreError("bad_response", `${what}: HTTP ${status} without a snapshot-service error body`, { status });
}

export class RemoteStore {
  readonly base: URL;
  private readonly fetcher: typeof fetch;
  private readonly timeoutMs: number;
  private readonly useXhr: boolean;
  private infoCache?: Promise<ServerInfo>;

  /** `baseUrl`: the server's origin (or the directory the API sits under), e.g. https://host/ */
  constructor(baseUrl: string | URL, opts: RemoteStoreOptions = {}) {
    const u = new URL(baseUrl);
    if (!u.pathname.endsWith("/")) u.pathname += "/";
    u.search = "";
    u.hash = "";
    this.base = u;
    this.fetcher = opts.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.useXhr = opts.useXhr ?? true;
  }

  private url(path: string): URL {
    return new URL(path.slice(1), this.base);  // API paths are absolute; keep the base's directory
  }

  private async request(what: string, path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await this.fetcher(this.url(path), { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const timeout = (e as Error).name === "TimeoutError";
      throw new RemoteStoreError("unreachable",
        `${what}: ${timeout ? `no answer within ${this.timeoutMs} ms` : `cannot reach ${this.base.origin}: ${(e as Error).message}`}`, { cause: e });
    }
  }

  private async text(res: Response, what: string): Promise<string> {
    try { return await res.text(); } catch (e) {
      throw new RemoteStoreError("unreachable", `${what}: the answer was cut off: ${(e as Error).message}`, { cause: e });
    }
  }

  private async json(res: Response, what: string): Promise<unknown> {
    const text = await this.text(res, what);
    if (!res.ok) throw httpError(res.status, text, what);
    try { return JSON.parse(text); } catch {
      throw new RemoteStoreError("bad_response", `${what}: the answer is not JSON (HTTP ${res.status}): ${JSON.stringify(text.slice(0, 60))}`, { status: res.status });
    }
  }

  /** The server's API version and limits. */
  info(): Promise<ServerInfo> {
    this.infoCache ??= (async () => {
      const what = "snapshot service info";
      const body = await this.json(await this.request(what, `${API_PREFIX}/info`), what) as ServerInfo;
      const l = body?.limits;
      if (body?.api !== 1 || typeof l !== "object" || l === null ||
        !["blobBytes", "manifestBytes", "snapshotBytes", "missingList", "manifestBlobs"]
          .every((k) => Number.isSafeInteger((l as unknown as Record<string, unknown>)[k]))) {
        throw new RemoteStoreError("bad_response", `${what}: not a snapshot service (api 1) answer`);
      }
      return body;
    })().catch((e) => { this.infoCache = undefined; throw e; });
    return this.infoCache;
  }

  /** Which of `hashes` the server lacks (asked in batches the server accepts), in the order given. */
  async missing(hashes: string[]): Promise<string[]> {
    hashes.forEach((h) => checkHash(h, "hash"));
    const unique = [...new Set(hashes)];
    if (unique.length === 0) return [];
    const batch = (await this.info()).limits.missingList;
    const out: string[] = [];
    for (let i = 0; i < unique.length; i += batch) {
      const part = unique.slice(i, i + batch);
      const what = "asking which blobs are missing";
      const body = await this.json(await this.request(what, `${API_PREFIX}/blobs/missing`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ hashes: part }),
      }), what) as MissingResponse;
      const asked = new Set(part);
      if (!isStringArray(body?.missing) || !body.missing.every((h) => asked.has(h))) {
        throw new RemoteStoreError("bad_response", `${what}: the answer is not a list of the hashes asked`);
      }
      const m = new Set(body.missing);
      out.push(...part.filter((h) => m.has(h)));
    }
    return out;
  }

  /**
   * Uploads one blob; resolves "created" or "exists". The hash is checked here
   * first (a wrong one would be refused by the server anyway).
   */
  async putBlob(hash: string, bytes: Uint8Array, onProgress?: Progress): Promise<"created" | "exists"> {
    checkHash(hash, "blob hash");
    if ((await sha256Hex(bytes)) !== hash) {
      throw new RemoteStoreError("invalid_argument", `the bytes given do not hash to ${hash}`);
    }
    const what = `uploading blob ${hash.slice(0, 12)}…`;
    onProgress?.(0, bytes.length);
    const { status, text } = this.useXhr && typeof XMLHttpRequest !== "undefined"
      ? await this.xhrPut(blobPath(hash), bytes, what, onProgress)
      : await this.fetchPut(blobPath(hash), bytes, what);
    if (status < 200 || status > 299) throw httpError(status, text, what);
    let body: PutBlobResponse;
    try { body = JSON.parse(text) as PutBlobResponse; } catch { body = undefined as unknown as PutBlobResponse; }
    if (body?.hash !== hash || body.size !== bytes.length || typeof body.created !== "boolean") {
      throw new RemoteStoreError("bad_response", `${what}: the answer does not acknowledge this blob`, { status });
    }
    onProgress?.(bytes.length, bytes.length);
    return body.created ? "created" : "exists";
  }

  private async fetchPut(path: string, bytes: Uint8Array, what: string): Promise<{ status: number; text: string }> {
    const res = await this.request(what, path, {
      method: "PUT", headers: { "Content-Type": "application/octet-stream" }, body: bytes as Uint8Array<ArrayBuffer>,
    });
    return { status: res.status, text: await this.text(res, what) };
  }

  private xhrPut(path: string, bytes: Uint8Array, what: string, onProgress?: Progress): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", this.url(path).href);
      xhr.timeout = this.timeoutMs;
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded, bytes.length);
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
      xhr.onerror = () => reject(new RemoteStoreError("unreachable", `${what}: cannot reach ${this.base.origin}`));
      xhr.ontimeout = () => reject(new RemoteStoreError("unreachable", `${what}: no answer within ${this.timeoutMs} ms`));
      xhr.send(bytes as Uint8Array<ArrayBuffer>);
    });
  }

  /** Fetches a stored object and checks that it hashes to its name. */
  private async getVerified(what: string, path: string, hash: string, onProgress?: Progress): Promise<Uint8Array> {
    const res = await this.request(what, path);
    if (!res.ok) throw httpError(res.status, await this.text(res, what), what);
    const lengthHeader = res.headers.get("Content-Length");
    const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    const chunks: Uint8Array[] = [];
    let n = 0;
    try {
      if (!res.body) throw new Error("no body");
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        n += value.length;
        if (total !== undefined && n > total) throw new Error("more bytes than Content-Length");
        onProgress?.(n, total ?? n);
      }
    } catch (e) {
      // The server cuts an object that fails its hash short: say so as an integrity failure.
      throw new RemoteStoreError("integrity", `${what}: the transfer broke off after ${n} bytes` +
        `${total !== undefined ? ` of ${total}` : ""} (${(e as Error).message}); the object is not trusted`, { cause: e });
    }
    if (total !== undefined && n !== total) {
      throw new RemoteStoreError("integrity", `${what}: got ${n} of ${total} bytes; the object is not trusted`);
    }
    const bytes = new Uint8Array(n);
    let at = 0;
    for (const c of chunks) { bytes.set(c, at); at += c.length; }
    const got = await sha256Hex(bytes);
    if (got !== hash) throw new RemoteStoreError("integrity", `${what}: the bytes hash to ${got}, not ${hash}`);
    return bytes;
  }

  /** A blob, verified against its hash. */
  async getBlob(hash: string, onProgress?: Progress): Promise<Uint8Array> {
    checkHash(hash, "blob hash");
    return this.getVerified(`fetching blob ${hash.slice(0, 12)}…`, blobPath(hash), hash, onProgress);
  }

  /** Publishes a manifest (its exact bytes); resolves to its id, checked against our own hash. */
  async publishManifest(bytes: Uint8Array): Promise<string> {
    const id = await sha256Hex(bytes);
    const what = "publishing the snapshot manifest";
    const body = await this.json(await this.request(what, `${API_PREFIX}/manifests`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: bytes as Uint8Array<ArrayBuffer>,
    }), what) as PublishResponse;
    if (body?.id !== id) {
      throw new RemoteStoreError("bad_response", `${what}: the server named it ${JSON.stringify(body?.id)}, not ${id}`);
    }
    return id;
  }

  /** A manifest's exact bytes, verified against its id. */
  async getManifest(id: string): Promise<Uint8Array> {
    checkHash(id, "manifest id");
    return this.getVerified(`fetching manifest ${id.slice(0, 12)}…`, manifestPath(id), id);
  }
}
