// Shared set-up of the server tests: a snapshot server on loopback over a
// real store (local disk in a temp dir, or S3 on a moto_server the tests
// start and stop themselves), and a raw-socket client for what fetch will not
// send (path tricks, stalls, half-sent bodies).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { createSnapshotServer, type ServerOptions, type SnapshotServer } from "../../server/http-server.js";
import { DiskStore } from "../../server/disk-store.js";
import { S3Store } from "../../server/s3-store.js";
import type { BlobStore } from "../../server/blob-store.js";
import type { ApiLimits } from "../../server/snapshot-api.js";

export const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
export function randomBytesSeeded(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export const TEST_LIMITS: ApiLimits = {
  blobBytes: 4 * 1024 * 1024, manifestBytes: 64 * 1024, snapshotBytes: 16 * 1024 * 1024,
  missingList: 256, manifestBlobs: 256,
};

// ---- moto_server ----

/** moto_server: $RVPLAY_MOTO_SERVER, then PATH. */
export function motoPath(): string | undefined {
  const env = process.env.RVPLAY_MOTO_SERVER;
  if (env) return existsSync(env) ? env : undefined;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, "moto_server"))) return join(dir, "moto_server");
  }
  return undefined;
}

/** Why the S3 tests cannot run here, or undefined. In CI a missing moto is a failure, not a skip. */
export function s3SkipReason(): string | undefined {
  if (motoPath()) return undefined;
  const msg = "no moto_server found (Python's moto package; or set RVPLAY_MOTO_SERVER): S3 tests skipped";
  if (process.env.CI) throw new Error(`CI must run the S3 tests: ${msg}`);
  return msg;
}

export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface Moto { endpoint: string; stop(): Promise<void> }

export async function startMoto(): Promise<Moto> {
  const bin = motoPath();
  if (!bin) throw new Error("moto_server not found");
  const port = await freePort();
  const proc: ChildProcess = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr!.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`moto_server exited (${proc.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) { proc.kill("SIGKILL"); throw new Error(`moto_server did not answer: ${stderr}`); }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    endpoint,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

let bucketCount = 0;

/** A fresh bucket on the moto server and a store over it. */
export async function newS3Store(moto: Moto, bucket?: string): Promise<S3Store> {
  const name = bucket ?? `rvplay-test-${process.pid}-${++bucketCount}`;
  const store = new S3Store({
    bucket: name, endpoint: moto.endpoint, region: "us-east-1", prefix: "snap/", forcePathStyle: true,
    spoolDir: mkdtempSync(join(tmpdir(), "rvplay-spool-test-")),
    // Explicit test credentials: the SDK must never go looking for real ones.
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  if (!bucket) await store.client.send(new CreateBucketCommand({ Bucket: name }));
  return store;
}

// ---- the server ----

export interface TestServer {
  url: string;
  app: SnapshotServer;
  store: BlobStore;
  /** the disk store's root, when the store is on disk */
  dataDir?: string;
  /** where uploads wait while hashed (disk: DATA/tmp; S3: the spool dir) */
  spoolDir: string;
  close(): Promise<void>;
}

export async function startTestServer(store: BlobStore | "disk", opts: Partial<ServerOptions> = {}): Promise<TestServer> {
  let dataDir: string | undefined;
  if (store === "disk") {
    dataDir = mkdtempSync(join(tmpdir(), "rvplay-server-test-"));
    store = new DiskStore(dataDir);
  }
  await store.check();
  const app = createSnapshotServer({
    store,
    limits: TEST_LIMITS,
    rate: { requestsPerMinute: 100_000, bytesPerMinute: 1 << 30, concurrent: 1000 },
    timeouts: { headersMs: 5000, requestMs: 30_000, idleMs: 5000 },
    ...opts,
  });
  const url = await app.listen(0, "127.0.0.1");
  const spoolDir = store instanceof S3Store ? store.spoolDir : join(dataDir!, "tmp");
  return {
    url, app, store, dataDir, spoolDir,
    async close() {
      await app.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (store instanceof S3Store) rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}

/** Files in a spool directory (uploads in progress or left behind). */
export function tempFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Polls until check() holds, or fails after ms. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---- raw HTTP ----

export interface RawResult {
  /** everything the server sent */
  text: string;
  status: number | undefined;
  /** how the exchange ended: the server closed, or we stopped waiting */
  closedByServer: boolean;
  ms: number;
}

/**
 * Writes `parts` to a fresh connection (with `gapMs` between them), then reads
 * until the server closes or `waitMs` passes. `end` false leaves our side open.
 */
export async function rawRequest(url: string, parts: (string | Uint8Array)[],
  opts: { waitMs?: number; gapMs?: number; destroyAfterWrite?: boolean } = {}): Promise<RawResult> {
  const u = new URL(url);
  const t0 = performance.now();
  const sock = connect(Number(u.port), u.hostname);
  sock.on("error", () => {});
  await new Promise<void>((r, j) => { sock.once("connect", r); sock.once("error", j); });
  const chunks: Buffer[] = [];
  let closed = false;
  sock.on("data", (d: Buffer) => chunks.push(d));
  const done = new Promise<void>((r) => sock.once("close", () => { closed = true; r(); }));
  for (const p of parts) {
    if (sock.destroyed) break;
    sock.write(p);
    if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
  }
  if (opts.destroyAfterWrite) {
    await new Promise((r) => setTimeout(r, 50));
    sock.destroy();
  }
  await Promise.race([done, new Promise((r) => setTimeout(r, opts.waitMs ?? 5000))]);
  const closedByServer = closed && !opts.destroyAfterWrite;
  sock.destroy();
  const text = Buffer.concat(chunks).toString("latin1");
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return { text, status: m ? Number(m[1]) : undefined, closedByServer, ms: performance.now() - t0 };
}

/** The JSON body of a raw response (after the blank line). */
export function rawJson(r: RawResult): unknown {
  const i = r.text.indexOf("\r\n\r\n");
  return JSON.parse(r.text.slice(i + 4));
}
