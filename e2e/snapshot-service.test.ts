// The snapshot service in Chromium: the built app served by rvplay-server is
// cross-origin isolated and boots; the client library runs in a page (XHR
// upload progress, WebCrypto checks) against the same-origin API of the Vite
// dev server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { build } from "vite";
import { browserSkipReason, launchBrowser, repoRoot, startServer } from "./browser.js";
import { runCommand, waitForPrompt } from "./screen.js";
import { createSnapshotServer, type SnapshotServer } from "../server/http-server.js";
import { DiskStore } from "../server/disk-store.js";

const skip = browserSkipReason();
let browser: Browser | undefined;
const dirs: string[] = [];
const tmp = (p: string) => { const d = mkdtempSync(join(tmpdir(), p)); dirs.push(d); return d; };

before(async () => { if (!skip) browser = await launchBrowser(); });
after(async () => {
  await browser?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("npm run serve: the built app is cross-origin isolated and boots; the API is on its origin", { skip, timeout: 180_000 }, async (t) => {
  const outDir = tmp("rvplay-serve-web-");
  await build({ root: repoRoot, configFile: join(repoRoot, "vite.config.ts"), logLevel: "error", build: { outDir, emptyOutDir: true } });
  const app: SnapshotServer = createSnapshotServer({
    store: new DiskStore(tmp("rvplay-serve-data-")),
    limits: { blobBytes: 32 << 20, manifestBytes: 4 << 20, snapshotBytes: 256 << 20, missingList: 4096, manifestBlobs: 4096 },
    rate: { requestsPerMinute: 600, bytesPerMinute: 1 << 30, concurrent: 32 },
    timeouts: { headersMs: 10_000, requestMs: 120_000, idleMs: 15_000 },
    webDir: outDir,
  });
  const url = await app.listen(0, "127.0.0.1");
  t.after(() => app.close());
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
  t.after(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const res = await page.goto(`${url}?cpus=1&mem=256`);
  assert.equal(res?.headers()["cross-origin-embedder-policy"], "require-corp");
  await waitForPrompt(page, 120_000);
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
  assert.match(await runCommand(page, "uname -m"), /^riscv64$/m);
  const info = await page.evaluate(async () => (await fetch("api/v1/info")).json());
  assert.equal((info as { api: number }).api, 1);
  assert.deepEqual(errors, []);
});

test("the client library in a page: upload with progress, publish, fetch verified", { skip, timeout: 120_000 }, async (t) => {
  const saved = process.env.RVPLAY_DATA_DIR;
  process.env.RVPLAY_DATA_DIR = tmp("rvplay-dev-data-");
  const { server, url } = await startServer();
  t.after(async () => {
    await server.close();
    if (saved === undefined) delete process.env.RVPLAY_DATA_DIR; else process.env.RVPLAY_DATA_DIR = saved;
  });
  const page = await browser!.newPage();
  t.after(() => page.close());
  // A blank page of the dev origin: the module is served (and compiled) by Vite.
  await page.goto(new URL("api/v1/info", url).href);
  const result = await page.evaluate(async () => {
    const { RemoteStore, RemoteStoreError, sha256Hex } = await import("/src/snapshot/remote-store.ts" as string);
    const client = new RemoteStore(location.origin);
    const bytes = new Uint8Array(6 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const hash = await sha256Hex(bytes);
    const before = await client.missing([hash]);
    const progress: number[] = [];
    const put = await client.putBlob(hash, bytes, (done: number) => progress.push(done));
    const manifest = new TextEncoder().encode(JSON.stringify({ format: "rvplay-snapshot", version: 1, blobs: [{ hash, size: bytes.length }] }));
    const id = await client.publishManifest(manifest);
    const back = await client.getBlob(hash);
    const same = back.length === bytes.length && back.every((b: number, i: number) => b === bytes[i]);
    const m = new TextDecoder().decode(await client.getManifest(id));
    let refused = "";
    try { await client.getBlob(hash.replace(/^./, (c: string) => (c === "0" ? "1" : "0"))); } catch (e) {
      const err = e as { kind: string; status: number };
      refused = e instanceof RemoteStoreError ? `${err.kind} ${err.status}` : String(e);
    }
    return { before: before.length, put, progress, same, manifestOk: JSON.parse(m).blobs[0].hash === hash, refused };
  });
  assert.equal(result.before, 1);
  assert.equal(result.put, "created");
  assert.equal(result.progress[0], 0);
  assert.equal(result.progress.at(-1), 6 * 1024 * 1024);
  assert.ok(result.progress.length >= 3, `upload progress events: ${result.progress.length}`);
  assert.ok(result.same);
  assert.ok(result.manifestOk);
  assert.equal(result.refused, "http 404");
});
