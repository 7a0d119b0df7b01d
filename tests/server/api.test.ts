// The snapshot API end to end over HTTP, against each real store: local disk
// in a temp dir, and S3 on a moto_server started here.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  eventually, newS3Store, rawJson, rawRequest, randomBytesSeeded, s3SkipReason, sha256, startMoto, startTestServer,
  tempFiles, TEST_LIMITS, type Moto, type TestServer,
} from "./harness.js";

const PREFIX = "/api/v1";

function manifestBytes(blobs: { hash: string; size: number }[], extra: Record<string, unknown> = {}): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ format: "rvplay-snapshot", version: 1, blobs, ...extra }));
}

async function put(url: string, hash: string, bytes: Uint8Array): Promise<Response> {
  return fetch(new URL(`${PREFIX}/blobs/${hash}`, url), { method: "PUT", body: bytes as Uint8Array<ArrayBuffer> });
}

async function errorCode(res: Response): Promise<string> {
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  const body = await res.json() as { error: { code: string; message: string } };
  assert.equal(typeof body.error.message, "string");
  return body.error.code;
}

function suite(kind: "disk" | "s3") {
  const skip = kind === "s3" ? s3SkipReason() : undefined;
  describe(`snapshot API on ${kind}`, { skip }, () => {
    let moto: Moto | undefined;
    let srv: TestServer;
    before(async () => {
      if (kind === "s3") moto = await startMoto();
      srv = await startTestServer(kind === "s3" ? await newS3Store(moto!) : "disk");
    });
    after(async () => {
      await srv?.close();
      await moto?.stop();
    });

    test("round trip: blob up and down, manifest published and fetched, cache headers", async () => {
      const blob = randomBytesSeeded(300_000, 1);
      const hash = sha256(blob);
      let res = await put(srv.url, hash, blob);
      assert.equal(res.status, 201);
      assert.deepEqual(await res.json(), { hash, size: blob.length, created: true });
      res = await put(srv.url, hash, blob);
      assert.equal(res.status, 200, "a second upload of the same bytes");
      assert.equal(((await res.json()) as { created: boolean }).created, false);

      res = await fetch(new URL(`${PREFIX}/blobs/${hash}`, srv.url));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assert.equal(res.headers.get("etag"), `"${hash}"`);
      assert.equal(res.headers.get("cross-origin-resource-policy"), "same-origin");
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), blob);

      res = await fetch(new URL(`${PREFIX}/blobs/${hash}`, srv.url), { method: "HEAD" });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-length"), String(blob.length));
      res = await fetch(new URL(`${PREFIX}/blobs/${hash}`, srv.url), { headers: { "If-None-Match": `"${hash}"` } });
      assert.equal(res.status, 304);

      const m = manifestBytes([{ hash, size: blob.length }], { machine: { harts: 2 } });
      res = await fetch(new URL(`${PREFIX}/manifests`, srv.url), { method: "POST", body: m as Uint8Array<ArrayBuffer> });
      assert.equal(res.status, 201);
      const id = sha256(m);
      assert.deepEqual(await res.json(), { id, blobs: 1, bytes: blob.length });
      assert.equal(res.headers.get("location"), `${PREFIX}/manifests/${id}`);
      res = await fetch(new URL(`${PREFIX}/manifests`, srv.url), { method: "POST", body: m as Uint8Array<ArrayBuffer> });
      assert.equal(res.status, 200, "publishing the same manifest again");

      res = await fetch(new URL(`${PREFIX}/manifests/${id}`, srv.url));
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      assert.equal(res.headers.get("etag"), `"${id}"`);
      assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), m);

      res = await fetch(new URL(`${PREFIX}/manifests/${sha256(new Uint8Array([1]))}`, srv.url));
      assert.equal(res.status, 404);
      assert.equal(await errorCode(res), "not_found");
    });

    test("an empty blob is a blob too", async () => {
      const hash = sha256(new Uint8Array(0));
      const res = await put(srv.url, hash, new Uint8Array(0));
      assert.ok(res.status === 201 || res.status === 200);
      const got = await fetch(new URL(`${PREFIX}/blobs/${hash}`, srv.url));
      assert.equal(got.status, 200);
      assert.equal((await got.arrayBuffer()).byteLength, 0);
    });

    test("missing: the absent hashes, in the order asked; bad lists refused", async () => {
      const a = randomBytesSeeded(1000, 2), b = randomBytesSeeded(1000, 3), c = randomBytesSeeded(1000, 4);
      assert.equal((await put(srv.url, sha256(b), b)).status, 201);
      const ask = (body: string) => fetch(new URL(`${PREFIX}/blobs/missing`, srv.url), { method: "POST", body });
      let res = await ask(JSON.stringify({ hashes: [sha256(c), sha256(a), sha256(b), sha256(c)] }));
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { missing: [sha256(c), sha256(a)] });

      res = await ask(JSON.stringify({ hashes: [sha256(a).toUpperCase()] }));
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), "bad_hash");
      res = await ask("{ hashes: [");
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), "bad_json");
      res = await ask(JSON.stringify([sha256(a)]));
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), "bad_request");
      res = await ask(JSON.stringify({ hashes: Array.from({ length: TEST_LIMITS.missingList + 1 }, (_, i) => sha256(new Uint8Array([i & 255, i >> 8]))) }));
      assert.equal(res.status, 413);
      assert.equal(await errorCode(res), "too_large");
      res = await fetch(new URL(`${PREFIX}/blobs/missing`, srv.url));
      assert.equal(res.status, 405);
      assert.equal(res.headers.get("allow"), "POST");
    });

    test("publish is refused (409) while a listed blob is absent or of another size", async () => {
      const have = randomBytesSeeded(5000, 5), lack = randomBytesSeeded(6000, 6);
      assert.equal((await put(srv.url, sha256(have), have)).status, 201);
      const publish = (m: Uint8Array) => fetch(new URL(`${PREFIX}/manifests`, srv.url), { method: "POST", body: m as Uint8Array<ArrayBuffer> });

      let m = manifestBytes([{ hash: sha256(have), size: have.length }, { hash: sha256(lack), size: lack.length }]);
      let res = await publish(m);
      assert.equal(res.status, 409);
      let body = await res.json() as { error: { code: string; missing: string[]; wrongSize: string[] } };
      assert.equal(body.error.code, "missing_blobs");
      assert.deepEqual(body.error.missing, [sha256(lack)]);
      assert.deepEqual(body.error.wrongSize, []);
      assert.equal((await fetch(new URL(`${PREFIX}/manifests/${sha256(m)}`, srv.url))).status, 404, "nothing published");

      m = manifestBytes([{ hash: sha256(have), size: have.length + 1 }]);
      res = await publish(m);
      assert.equal(res.status, 409);
      body = await res.json() as typeof body;
      assert.deepEqual(body.error.wrongSize, [sha256(have)]);
      assert.deepEqual(body.error.missing, []);

      // Once the blob is there, the same manifest goes through.
      m = manifestBytes([{ hash: sha256(have), size: have.length }, { hash: sha256(lack), size: lack.length }]);
      assert.equal((await put(srv.url, sha256(lack), lack)).status, 201);
      assert.equal((await publish(m)).status, 201);

      // The service's own checks on the document.
      res = await publish(new TextEncoder().encode(`{"format":"rvplay-snapshot","version":1,"blobs":[]`));
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), "bad_json");
      res = await publish(manifestBytes([], { format: "something-else" }));
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), "bad_manifest");
      res = await publish(manifestBytes([{ hash: sha256(have), size: 9 * 1024 * 1024 }, { hash: sha256(lack), size: 9 * 1024 * 1024 }]));
      assert.equal(res.status, 400, "a blob size above the blob limit");
      const many = Array.from({ length: 5 }, (_, i) => ({ hash: sha256(new Uint8Array([i, 9])), size: 4 * 1024 * 1024 }));
      res = await publish(manifestBytes(many));
      assert.equal(res.status, 413, "sizes adding up to more than the snapshot limit");
      assert.equal(await errorCode(res), "too_large");
    });

    test("a body that does not hash to its name is refused and nothing is stored", async () => {
      const good = randomBytesSeeded(200_000, 7);
      const claimed = sha256(randomBytesSeeded(200_000, 8));
      const res = await put(srv.url, claimed, good);
      assert.equal(res.status, 400);
      assert.equal(await errorCode(res), "hash_mismatch");
      assert.equal((await fetch(new URL(`${PREFIX}/blobs/${claimed}`, srv.url), { method: "HEAD" })).status, 404);
      assert.equal((await fetch(new URL(`${PREFIX}/blobs/${sha256(good)}`, srv.url), { method: "HEAD" })).status, 404);
      const miss = await fetch(new URL(`${PREFIX}/blobs/missing`, srv.url), { method: "POST", body: JSON.stringify({ hashes: [claimed] }) });
      assert.deepEqual(await miss.json(), { missing: [claimed] });
      await eventually(() => tempFiles(srv.spoolDir).length === 0, 2000, "temp file removed");
    });

    test("an oversize body gets 413 before it is sent; no length gets 411", async () => {
      const hash = sha256(new Uint8Array([42]));
      // Headers only: the answer must come without the server waiting for (or buffering) the body.
      const r = await rawRequest(srv.url, [
        `PUT ${PREFIX}/blobs/${hash} HTTP/1.1\r\nHost: x\r\nContent-Length: ${TEST_LIMITS.blobBytes + 1}\r\n\r\n`,
      ], { waitMs: 3000 });
      assert.equal(r.status, 413);
      assert.equal((rawJson(r) as { error: { code: string } }).error.code, "too_large");
      assert.ok(r.closedByServer, "the connection is closed rather than the body read");
      const chunked = await rawRequest(srv.url, [
        `PUT ${PREFIX}/blobs/${hash} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1\r\n*\r\n0\r\n\r\n`,
      ]);
      assert.equal(chunked.status, 411);
      assert.equal((rawJson(chunked) as { error: { code: string } }).error.code, "length_required");
      const bigManifest = await rawRequest(srv.url, [
        `POST ${PREFIX}/manifests HTTP/1.1\r\nHost: x\r\nContent-Length: ${TEST_LIMITS.manifestBytes + 1}\r\n\r\n`,
      ], { waitMs: 3000 });
      assert.equal(bigManifest.status, 413);
      assert.equal((await fetch(new URL(`${PREFIX}/blobs/${hash}`, srv.url), { method: "HEAD" })).status, 404);
    });

    test("names that are not 64 lowercase hex digits, and path tricks, are refused", async () => {
      const h = sha256(new Uint8Array([1, 2, 3]));
      const bad = [
        "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e", "%2e%2e%2f" + h, "..", ".",
        h.toUpperCase(), h.slice(0, 63), h + "0", h.slice(0, 62) + "zz", `${h}/`, `${h}%00`, `./${h}`, `${h.slice(0, 2)}/${h}`,
        "", "%252e%252e", "\\..\\..\\x",
      ];
      for (const name of bad) {
        for (const [method, path] of [["GET", "blobs"], ["PUT", "blobs"], ["HEAD", "blobs"], ["GET", "manifests"]]) {
          const body = method === "PUT" ? "Content-Length: 3\r\n\r\nabc" : "\r\n";
          const r = await rawRequest(srv.url, [`${method} ${PREFIX}/${path}/${name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${body}`]);
          const what = `${method} ${path}/${name}`;
          if (r.status === 400 && method !== "HEAD") {
            assert.equal((rawJson(r) as { error: { code: string } }).error.code, "bad_hash", what);
          } else {
            // Node's HTTP parser refuses some of these itself (e.g. a backslash): still a 400, never a lookup.
            assert.equal(r.status, 400, `${what}: ${r.text.slice(0, 200)}`);
          }
        }
      }
      const r = await rawRequest(srv.url, [`GET /api/v1/info/../blobs/${h} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
      assert.equal(r.status, 404, "no route: paths are never normalised");
      if (srv.dataDir) {
        // Only what the store itself made is in its directory.
        for (const entry of readdirSync(srv.dataDir)) assert.ok(["blobs", "manifests", "tmp", "quarantine"].includes(entry), entry);
        assert.ok(!existsSync(join(srv.dataDir, "..", "etc")));
      }
      const info = await fetch(new URL(`${PREFIX}/info`, srv.url));
      assert.equal(info.status, 200, "still serving");
    });

    test("concurrent uploads of one blob: all succeed, one creates it", async () => {
      const blob = randomBytesSeeded(700_000, 9);
      const hash = sha256(blob);
      const results = await Promise.all(Array.from({ length: 8 }, () => put(srv.url, hash, blob)));
      const statuses = results.map((r) => r.status).sort();
      await Promise.all(results.map((r) => r.arrayBuffer()));
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 201]);
      const got = await fetch(new URL(`${PREFIX}/blobs/${hash}`, srv.url));
      assert.equal(sha256(new Uint8Array(await got.arrayBuffer())), hash);
      await eventually(() => tempFiles(srv.spoolDir).length === 0, 2000, "temp files removed");
    });

    test("unknown routes and methods get JSON errors", async () => {
      let res = await fetch(new URL("/api/v2/info", srv.url));
      assert.equal(res.status, 404);
      assert.equal(await errorCode(res), "not_found");
      res = await fetch(new URL(`${PREFIX}/nothing`, srv.url));
      assert.equal(res.status, 404);
      res = await fetch(new URL(`${PREFIX}/manifests/${sha256(new Uint8Array(1))}`, srv.url), { method: "DELETE" });
      assert.equal(res.status, 405);
      assert.equal(await errorCode(res), "method_not_allowed");
      res = await fetch(new URL(`${PREFIX}/info`, srv.url));
      assert.deepEqual(((await res.json()) as { limits: unknown }).limits, TEST_LIMITS);
    });
  });
}

suite("disk");
suite("s3");
