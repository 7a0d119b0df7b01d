// A few hundred random and mutated requests against a live server (local
// disk): every answer is a clear 2xx/3xx/4xx (JSON errors under /api/), never
// a 5xx, and the server keeps serving good clients afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rawRequest, randomBytesSeeded, sha256, startTestServer } from "./harness.js";

const SEED = 20261204;

test("random and mutated requests get only clear 4xx answers; the server keeps serving", { timeout: 120_000 }, async (t) => {
  const srv = await startTestServer("disk");
  t.after(() => srv.close());
  const good = randomBytesSeeded(5000, 41);
  const goodHash = sha256(good);
  assert.equal((await fetch(new URL(`/api/v1/blobs/${goodHash}`, srv.url), { method: "PUT", body: good as Uint8Array<ArrayBuffer> })).status, 201);
  const goodManifest = JSON.stringify({ format: "rvplay-snapshot", version: 1, blobs: [{ hash: goodHash, size: good.length }] });

  let state = SEED;
  const rnd = (n: number) => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return (state >>> 8) % n; };
  const pick = <T>(xs: T[]): T => xs[rnd(xs.length)];
  const mutate = (s: string): string => {
    const c = s.split("");
    for (let k = 0, n = 1 + rnd(4); k < n; k++) {
      const at = rnd(c.length + 1);
      const op = rnd(3);
      const ch = pick(["{", "}", "[", "]", "\"", ",", ":", "0", "-", "e", "A", "\\", " ", "\u00e9", "\u0000", "null"]);
      if (op === 0) c.splice(at, 1);
      else if (op === 1) c.splice(at, 0, ch);
      else c[at] = ch;
    }
    return c.join("");
  };
  const names = () => pick([goodHash, goodHash.toUpperCase(), goodHash.slice(3), `${goodHash}00`, "..", "%2e%2e", "missing", "",
    sha256(randomBytesSeeded(4, rnd(1e6) + 1)), mutate(goodHash)]);

  const counts = new Map<number, number>();
  const N = 400;
  for (let i = 0; i < N; i++) {
    const kind = rnd(6);
    let method: string, path: string, body: Uint8Array | string | undefined;
    if (kind === 0) { method = "POST"; path = "/api/v1/manifests"; body = mutate(goodManifest); }
    else if (kind === 1) { method = "POST"; path = "/api/v1/blobs/missing"; body = mutate(JSON.stringify({ hashes: [goodHash, sha256(new Uint8Array(1))] })); }
    else if (kind === 2) { method = "PUT"; path = `/api/v1/blobs/${names()}`; body = randomBytesSeeded(rnd(3000), i + 1); }
    else if (kind === 3) { method = pick(["GET", "HEAD", "DELETE", "PATCH", "OPTIONS"]); path = `/api/v1/${pick(["blobs", "manifests", "info", "x"])}/${names()}`; }
    else if (kind === 4) { method = "POST"; path = pick(["/api/v1/manifests", "/api/v1/blobs/missing"]); body = randomBytesSeeded(rnd(2000), i + 2); }
    else { method = pick(["GET", "POST", "PUT"]); path = `/api/${mutate("v1/blobs/missing")}`; body = method === "GET" ? undefined : mutate("{}"); }
    const bytes = body === undefined ? new Uint8Array(0) : typeof body === "string" ? new TextEncoder().encode(body) : body;
    // Raw requests: fetch would normalise or refuse some of these paths.
    const safePath = path.replace(/[^\x21-\x7e]/g, (ch) => encodeURIComponent(ch));
    const head = `${method} ${safePath} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
      (body === undefined ? "" : `Content-Length: ${bytes.length}\r\n`) + "\r\n";
    const r = await rawRequest(srv.url, [head, bytes], { waitMs: 5000 });
    assert.ok(r.status !== undefined, `${method} ${safePath}: no answer`);
    counts.set(r.status!, (counts.get(r.status!) ?? 0) + 1);
    assert.ok(r.status! < 500, `${method} ${safePath} -> ${r.status}: ${r.text.slice(0, 300)}`);
    if (r.status! >= 400 && method !== "HEAD") {
      const json = JSON.parse(r.text.slice(r.text.indexOf("\r\n\r\n") + 4)) as { error: { code: string; message: string } };
      assert.equal(typeof json.error.code, "string");
      assert.equal(typeof json.error.message, "string");
    }
  }
  const fours = [...counts].filter(([s]) => s >= 400).reduce((a, [, n]) => a + n, 0);
  assert.ok(fours > N / 2, `mostly refused: ${JSON.stringify([...counts])}`);
  // Still serving, and the good blob is intact.
  const res = await fetch(new URL(`/api/v1/blobs/${goodHash}`, srv.url));
  assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), goodHash);
  assert.equal((await fetch(new URL("/api/v1/info", srv.url))).status, 200);
});
