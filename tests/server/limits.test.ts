// Bad clients: floods, stalls and half-sent uploads. Each is refused or cut
// off, leaves nothing stored, and the server goes on serving others.
import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually, rawJson, rawRequest, randomBytesSeeded, sha256, startTestServer, tempFiles } from "./harness.js";

const PREFIX = "/api/v1";

async function headStatus(url: string, hash: string): Promise<number> {
  return (await fetch(new URL(`${PREFIX}/blobs/${hash}`, url), { method: "HEAD" })).status;
}

test("a flood of requests gets 429 with Retry-After; other clients are still served", async (t) => {
  const srv = await startTestServer("disk", {
    rate: { requestsPerMinute: 5, bytesPerMinute: 1 << 30, concurrent: 100 }, trustProxy: true,
  });
  t.after(() => srv.close());
  const info = (client: string) => fetch(new URL(`${PREFIX}/info`, srv.url), { headers: { "X-Forwarded-For": client } });
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) { const r = await info("192.0.2.1"); statuses.push(r.status); await r.arrayBuffer(); }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
  const limited = await info("192.0.2.1");
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  assert.equal(((await limited.json()) as { error: { code: string } }).error.code, "rate_limited");
  const other = await info("192.0.2.2");
  assert.equal(other.status, 200, "another client is not affected");
});

test("bytes per minute are limited too, before the bytes move", async (t) => {
  const srv = await startTestServer("disk", {
    rate: { requestsPerMinute: 1000, bytesPerMinute: 1024 * 1024, concurrent: 100 },
  });
  t.after(() => srv.close());
  const a = randomBytesSeeded(600_000, 11), b = randomBytesSeeded(600_000, 12);
  const put = (x: Uint8Array) => fetch(new URL(`${PREFIX}/blobs/${sha256(x)}`, srv.url), { method: "PUT", body: x as Uint8Array<ArrayBuffer> });
  assert.equal((await put(a)).status, 201);
  const second = await put(b);
  assert.equal(second.status, 429);
  assert.equal(((await second.json()) as { error: { code: string } }).error.code, "rate_limited");
  assert.equal(await headStatus(srv.url, sha256(b)), 404);
  // Downloads count as well: 600 kB up + 600 kB down is over 1 MiB.
  const down = await fetch(new URL(`${PREFIX}/blobs/${sha256(a)}`, srv.url));
  assert.equal(down.status, 429);
});

test("a stalled upload is cut off by the idle timeout and leaves nothing", async (t) => {
  const srv = await startTestServer("disk", { timeouts: { headersMs: 2000, requestMs: 20_000, idleMs: 400 } });
  t.after(() => srv.close());
  const blob = randomBytesSeeded(100_000, 13);
  const hash = sha256(blob);
  const pending = rawRequest(srv.url, [
    `PUT ${PREFIX}/blobs/${hash} HTTP/1.1\r\nHost: x\r\nContent-Length: ${blob.length}\r\n\r\n`,
    blob.subarray(0, 10_000),  // then nothing more
  ], { waitMs: 5000 });
  await eventually(() => tempFiles(srv.spoolDir).length === 1, 300, "the upload is being spooled");
  const r = await pending;
  assert.ok(r.closedByServer, "the server closed the stalled connection");
  assert.ok(r.ms < 4000, `cut off after ${Math.round(r.ms)} ms`);
  await eventually(() => tempFiles(srv.spoolDir).length === 0, 3000, "the partial temp file is removed");
  assert.equal(await headStatus(srv.url, hash), 404);
  // The same blob uploaded properly afterwards.
  const ok = await fetch(new URL(`${PREFIX}/blobs/${hash}`, srv.url), { method: "PUT", body: blob as Uint8Array<ArrayBuffer> });
  assert.equal(ok.status, 201);
});

test("a trickling upload is cut off by the request timeout", async (t) => {
  const srv = await startTestServer("disk", { timeouts: { headersMs: 500, requestMs: 1000, idleMs: 5000 } });
  t.after(() => srv.close());
  const blob = randomBytesSeeded(50_000, 14);
  const parts: (string | Uint8Array)[] = [`PUT ${PREFIX}/blobs/${sha256(blob)} HTTP/1.1\r\nHost: x\r\nContent-Length: ${blob.length}\r\n\r\n`];
  for (let i = 0; i < 40; i++) parts.push(blob.subarray(i * 100, i * 100 + 100));  // 100 bytes every 100 ms: never idle
  const r = await rawRequest(srv.url, parts, { gapMs: 100, waitMs: 1000 });
  assert.ok(r.closedByServer, "the server ended the slow request");
  assert.ok(r.ms < 4500, `cut off after ${Math.round(r.ms)} ms`);
  await eventually(() => tempFiles(srv.spoolDir).length === 0, 3000, "the partial temp file is removed");
  assert.equal(await headStatus(srv.url, sha256(blob)), 404);
});

test("headers sent slowly are cut off by the headers timeout", async (t) => {
  const srv = await startTestServer("disk", { timeouts: { headersMs: 500, requestMs: 5000, idleMs: 5000 } });
  t.after(() => srv.close());
  const parts = ["GET /api/v1/info HTTP/1.1\r\n", ...Array.from({ length: 30 }, (_, i) => `X-Slow-${i}: 1\r\n`)];
  const r = await rawRequest(srv.url, parts, { gapMs: 100, waitMs: 1000 });
  assert.ok(r.closedByServer, "the server closed the connection");
  assert.ok(r.ms < 3500, `closed after ${Math.round(r.ms)} ms`);
  assert.ok(r.status === undefined || r.status === 408, r.text.slice(0, 100));
  assert.equal((await fetch(new URL(`${PREFIX}/info`, srv.url))).status, 200, "others still served");
});

test("a half-sent upload (client gone) leaves nothing; a manifest too", async (t) => {
  const srv = await startTestServer("disk");
  t.after(() => srv.close());
  const blob = randomBytesSeeded(1_000_000, 15);
  const hash = sha256(blob);
  await rawRequest(srv.url, [
    `PUT ${PREFIX}/blobs/${hash} HTTP/1.1\r\nHost: x\r\nContent-Length: ${blob.length}\r\n\r\n`,
    blob.subarray(0, blob.length / 2),
  ], { destroyAfterWrite: true, waitMs: 200 });
  await eventually(() => tempFiles(srv.spoolDir).length === 0, 3000, "the partial temp file is removed");
  assert.equal(await headStatus(srv.url, hash), 404);
  const m = `{"format":"rvplay-snapshot","version":1,"blobs":[]}`;
  await rawRequest(srv.url, [
    `POST ${PREFIX}/manifests HTTP/1.1\r\nHost: x\r\nContent-Length: ${m.length}\r\n\r\n`, m.slice(0, 20),
  ], { destroyAfterWrite: true, waitMs: 200 });
  const id = sha256(new TextEncoder().encode(m));
  assert.equal((await fetch(new URL(`${PREFIX}/manifests/${id}`, srv.url))).status, 404);
  const r = await rawRequest(srv.url, [`GET ${PREFIX}/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
  assert.equal(r.status, 200);
  assert.equal((rawJson(r) as { api: number }).api, 1);
});

test("too many requests in flight from one client get 429", async (t) => {
  const srv = await startTestServer("disk", {
    rate: { requestsPerMinute: 1000, bytesPerMinute: 1 << 30, concurrent: 2 },
    timeouts: { headersMs: 2000, requestMs: 20_000, idleMs: 3000 },
  });
  t.after(() => srv.close());
  const hash = sha256(new Uint8Array(10));
  // Two uploads held open (headers and part of the body), then a third request.
  const held = [0, 1].map(() => rawRequest(srv.url, [
    `PUT ${PREFIX}/blobs/${hash} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n`, "abc",
  ], { waitMs: 1500 }));
  await new Promise((r) => setTimeout(r, 300));
  const third = await fetch(new URL(`${PREFIX}/info`, srv.url));
  assert.equal(third.status, 429);
  await Promise.all(held);
  await eventually(async () => (await fetch(new URL(`${PREFIX}/info`, srv.url))).status === 200, 5000, "served again once they end");
});
