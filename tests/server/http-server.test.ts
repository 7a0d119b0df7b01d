// The composed server: the app with the isolation headers beside the API,
// extra routes and upgrade hooks for other modules, the `npm run serve`
// entry point, and the same API mounted in Vite's dev server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer as createViteServer } from "vite";
import { RemoteStore } from "../../src/snapshot/remote-store.js";
import { rawRequest, randomBytesSeeded, sha256, startTestServer } from "./harness.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const mainJs = join(repoRoot, "dist", "server", "main.js");

function webDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>rvplay</title>");
  writeFileSync(join(dir, "assets", "app-1234.js"), "console.log(1)");
  writeFileSync(join(dir, "..", `rvplay-secret-${process.pid}.txt`), "secret");
  return dir;
}

test("the app and the API on one origin, every response cross-origin isolated", async (t) => {
  const dir = webDir();
  const srv = await startTestServer("disk", { webDir: dir });
  t.after(async () => { await srv.close(); rmSync(dir, { recursive: true, force: true }); rmSync(join(dir, "..", `rvplay-secret-${process.pid}.txt`), { force: true }); });
  const check = (res: Response) => {
    assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(res.headers.get("cross-origin-embedder-policy"), "require-corp");
    assert.equal(res.headers.get("cross-origin-resource-policy"), "same-origin");
  };
  let res = await fetch(srv.url);
  check(res);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  assert.equal(res.headers.get("cache-control"), "no-cache");
  assert.match(await res.text(), /<title>rvplay/);
  res = await fetch(new URL("assets/app-1234.js", srv.url));
  check(res);
  assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
  const tag = res.headers.get("etag")!;
  await res.arrayBuffer();
  res = await fetch(new URL("assets/app-1234.js", srv.url), { headers: { "If-None-Match": tag } });
  assert.equal(res.status, 304);
  res = await fetch(new URL("api/v1/info", srv.url));
  check(res);
  assert.equal(res.status, 200);
  res = await fetch(new URL("nothing.js", srv.url));
  check(res);
  assert.equal(res.status, 404);
  for (const p of [`/../rvplay-secret-${process.pid}.txt`, `/%2e%2e/rvplay-secret-${process.pid}.txt`, `/assets/..%2f..%2frvplay-secret-${process.pid}.txt`, "/%ff", "/a%00b"]) {
    const r = await rawRequest(srv.url, [`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
    assert.ok(r.status === 404 || r.status === 400, `${p}: ${r.status}`);
    assert.ok(!r.text.includes("secret"), p);
  }
  res = await fetch(srv.url, { method: "POST", body: "x" });
  assert.equal(res.status, 405);
});

test("other modules can add routes and upgrade handlers (a WebSocket relay on /wisp/)", async (t) => {
  const srv = await startTestServer("disk");
  t.after(() => srv.close());
  srv.app.addRoute("/relay-status", async (_req, res) => { res.writeHead(200, { "Content-Type": "text/plain" }); res.end("relay ok"); });
  srv.app.addUpgrade("/wisp/", (req, socket) => {
    socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Path: ${req.url}\r\n\r\n`);
  });
  const res = await fetch(new URL("relay-status", srv.url));
  assert.equal(await res.text(), "relay ok");
  assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin");
  const up = (path: string) => rawRequest(srv.url, [
    `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
  ], { waitMs: 2000 });
  const hit = await up("/wisp/");
  assert.equal(hit.status, 101);
  assert.match(hit.text, /X-Path: \/wisp\//);
  const miss = await up("/elsewhere");
  assert.equal(miss.status, 404);
});

function runMain(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [mainJs, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

async function output(p: ReturnType<typeof runMain>): Promise<{ code: number | null; out: string; err: string }> {
  let out = "", err = "";
  p.stdout!.on("data", (d) => { out += d; });
  p.stderr!.on("data", (d) => { err += d; });
  const code = await new Promise<number | null>((r) => p.on("exit", r));
  return { code, out, err };
}

test("rvplay-server: --help, bad flags, and a run that prints its URL and stops on SIGTERM", { timeout: 30_000 }, async (t) => {
  const help = await output(runMain(["--help"]));
  assert.equal(help.code, 0);
  assert.match(help.out, /--port N/);
  assert.match(help.out, /RVPLAY_S3_BUCKET/);
  assert.match(help.out, /--max-blob-bytes/);
  const bad = await output(runMain(["--port", "nope"]));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--port: not a port number/);

  const data = mkdtempSync(join(tmpdir(), "rvplay-main-"));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const p = runMain(["--port", "0", "--host", "127.0.0.1", "--no-web"], { RVPLAY_DATA_DIR: data });
  const done = output(p);
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    p.stdout!.on("data", (d) => { out += d; const m = /rvplay server: (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
    p.on("exit", () => reject(new Error(`exited early: ${out}`)));
  });
  const client = new RemoteStore(url);
  const blob = randomBytesSeeded(10_000, 61);
  assert.equal(await client.putBlob(sha256(blob), blob), "created");
  assert.deepEqual(await client.getBlob(sha256(blob)), blob);
  p.kill("SIGTERM");
  const r = await done;
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`store: disk ${data}`));
});

test("the data directory must be writable, or the server says so and exits", async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), "rvplay-main-")), "a-file");
  writeFileSync(file, "x");
  t.after(() => rmSync(join(file, ".."), { recursive: true, force: true }));
  const r = await output(runMain(["--port", "0", "--no-web", "--data", join(file, "sub")]));
  assert.equal(r.code, 1);
  assert.match(r.err, /disk store: cannot write in/);
});

test("npm start: Vite's dev server answers the same API", { timeout: 60_000 }, async (t) => {
  const data = mkdtempSync(join(tmpdir(), "rvplay-vite-"));
  const saved = process.env.RVPLAY_DATA_DIR;
  process.env.RVPLAY_DATA_DIR = data;  // read by the plugin at its first request
  const server = await createViteServer({
    root: repoRoot, configFile: join(repoRoot, "vite.config.ts"), logLevel: "error",
    server: { host: "127.0.0.1", port: 0 },
  });
  await server.listen();
  t.after(async () => {
    await server.close();
    if (saved === undefined) delete process.env.RVPLAY_DATA_DIR; else process.env.RVPLAY_DATA_DIR = saved;
    rmSync(data, { recursive: true, force: true });
  });
  const url = server.resolvedUrls!.local[0];
  const client = new RemoteStore(url);
  assert.equal((await client.info()).api, 1);
  const blob = randomBytesSeeded(50_000, 62);
  const hash = sha256(blob);
  assert.equal(await client.putBlob(hash, blob), "created");
  const manifest = new TextEncoder().encode(JSON.stringify({ format: "rvplay-snapshot", version: 1, blobs: [{ hash, size: blob.length }] }));
  const id = await client.publishManifest(manifest);
  assert.deepEqual(await client.getManifest(id), manifest);
  const res = await fetch(new URL(`api/v1/blobs/${hash.toUpperCase()}`, url));
  assert.equal(res.status, 400);
  // The app itself is still Vite's.
  const page = await fetch(url);
  assert.match(await page.text(), /<div id="root"|<script/);
});
