// The client library (src/snapshot/remote-store.ts) against the real server,
// and against servers that are down, answer garbage or lie.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { RemoteStore, RemoteStoreError, sha256Hex } from "../../src/snapshot/remote-store.js";
import { shareLink } from "../../src/snapshot/share-api.js";
import { freePort, randomBytesSeeded, sha256, startTestServer, type TestServer } from "./harness.js";

let srv: TestServer;
before(async () => { srv = await startTestServer("disk"); });
after(async () => { await srv?.close(); });

function isKind(kind: string, extra: (e: RemoteStoreError) => boolean = () => true) {
  return (e: unknown) => e instanceof RemoteStoreError && e.kind === kind && extra(e);
}

/** A throwaway HTTP server answering every request with `answer`. */
async function fakeServer(answer: (path: string) => { status: number; body: string | Uint8Array; headers?: Record<string, string> }): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const a = answer(req.url ?? "/");
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, server };
}

test("share a snapshot and open it again: missing, putBlob with progress, publish, get", async () => {
  const client = new RemoteStore(srv.url);
  assert.equal(await sha256Hex(new TextEncoder().encode("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const packs = [randomBytesSeeded(1_200_000, 51), randomBytesSeeded(70_000, 52)];
  const hashes = await Promise.all(packs.map(sha256Hex));
  assert.deepEqual(hashes, packs.map(sha256));
  assert.deepEqual(await client.missing([...hashes, hashes[0]]), hashes);
  const progress: [number, number][] = [];
  assert.equal(await client.putBlob(hashes[0], packs[0], (d, t) => progress.push([d, t])), "created");
  assert.deepEqual(progress[0], [0, packs[0].length]);
  assert.deepEqual(progress.at(-1), [packs[0].length, packs[0].length]);
  assert.deepEqual(await client.missing(hashes), [hashes[1]]);
  await client.putBlob(hashes[1], packs[1]);
  assert.equal(await client.putBlob(hashes[1], packs[1]), "exists");

  const manifest = new TextEncoder().encode(JSON.stringify({
    format: "rvplay-snapshot", version: 1, blobs: packs.map((p, i) => ({ hash: hashes[i], size: p.length })),
  }));
  const id = await client.publishManifest(manifest);
  assert.equal(id, sha256(manifest));
  assert.equal(shareLink("https://play.example/", id), `https://play.example/#/s/${id}`);

  const opener = new RemoteStore(srv.url.replace(/\/$/, ""));  // with or without the slash
  assert.deepEqual(await opener.getManifest(id), manifest);
  const seen: number[] = [];
  assert.deepEqual(await opener.getBlob(hashes[0], (d) => seen.push(d)), packs[0]);
  assert.equal(seen.at(-1), packs[0].length);
  const info = await opener.info();
  assert.equal(info.api, 1);
});

test("missing() asks in batches no larger than the server takes", async () => {
  const client = new RemoteStore(srv.url);
  const limit = (await client.info()).limits.missingList;
  const many = Array.from({ length: limit * 2 + 5 }, (_, i) => sha256(new Uint8Array([i & 255, i >> 8, 99])));
  assert.deepEqual(await client.missing(many), many);
});

test("documented refusals become typed errors", async () => {
  const client = new RemoteStore(srv.url);
  const blob = randomBytesSeeded(1000, 53);
  const absent = sha256(randomBytesSeeded(10, 54));
  const manifest = new TextEncoder().encode(JSON.stringify({ format: "rvplay-snapshot", version: 1, blobs: [{ hash: absent, size: 10 }] }));
  await assert.rejects(client.publishManifest(manifest),
    isKind("http", (e) => e.status === 409 && e.code === "missing_blobs" && e.missing?.[0] === absent));
  await assert.rejects(client.getManifest(absent), isKind("http", (e) => e.status === 404 && e.code === "not_found"));
  await assert.rejects(client.getBlob(absent), isKind("http", (e) => e.status === 404));
  await assert.rejects(client.publishManifest(new TextEncoder().encode("{}")), isKind("http", (e) => e.code === "bad_manifest"));
  // Bad arguments are refused before anything is sent.
  await assert.rejects(client.putBlob(absent, blob), isKind("invalid_argument"));
  await assert.rejects(client.getBlob("ABC"), isKind("invalid_argument"));
  await assert.rejects(client.missing(["../x"]), isKind("invalid_argument"));
  const big = randomBytesSeeded(5 * 1024 * 1024, 55);
  await assert.rejects(client.putBlob(sha256(big), big), isKind("http", (e) => e.status === 413 && e.code === "too_large"));
});

test("a server that is down: unreachable", async () => {
  const client = new RemoteStore(`http://127.0.0.1:${await freePort()}/`);
  await assert.rejects(client.info(), isKind("unreachable"));
  await assert.rejects(client.getManifest(sha256(new Uint8Array(1))), isKind("unreachable"));
  const blob = new Uint8Array([1, 2]);
  await assert.rejects(client.putBlob(sha256(blob), blob), isKind("unreachable"));
});

test("a server that answers garbage: bad_response", async (t) => {
  const { url, server } = await fakeServer(() => ({ status: 200, body: "<html>hello</html>", headers: { "Content-Type": "text/html" } }));
  t.after(() => server.close());
  const client = new RemoteStore(url);
  await assert.rejects(client.info(), isKind("bad_response"));
  const blob = new Uint8Array([1, 2]);
  await assert.rejects(client.putBlob(sha256(blob), blob), isKind("bad_response"));
  await assert.rejects(client.publishManifest(new TextEncoder().encode("{}")), isKind("bad_response"));
  const { url: url2, server: s2 } = await fakeServer((p) => p.endsWith("/info")
    ? { status: 200, body: JSON.stringify({ api: 1, limits: { blobBytes: 1, manifestBytes: 1, snapshotBytes: 1, missingList: 10, manifestBlobs: 1 } }) }
    : { status: 200, body: JSON.stringify({ missing: ["not asked"] }) });
  t.after(() => s2.close());
  await assert.rejects(new RemoteStore(url2).missing([sha256(blob)]), isKind("bad_response"));
  const { url: url3, server: s3 } = await fakeServer(() => ({ status: 502, body: "Bad Gateway" }));
  t.after(() => s3.close());
  await assert.rejects(new RemoteStore(url3).getBlob(sha256(blob)), isKind("bad_response", (e) => e.status === 502));
});

test("a server that lies: integrity", async (t) => {
  const wanted = randomBytesSeeded(3000, 56);
  const other = randomBytesSeeded(3000, 57);
  const { url, server } = await fakeServer(() => ({ status: 200, body: other }));
  t.after(() => server.close());
  const client = new RemoteStore(url);
  await assert.rejects(client.getBlob(sha256(wanted)), isKind("integrity"));
  await assert.rejects(client.getManifest(sha256(wanted)), isKind("integrity"));
  const { url: url2, server: s2 } = await fakeServer(() => ({ status: 201, body: JSON.stringify({ id: sha256(other), blobs: 0, bytes: 0 }) }));
  t.after(() => s2.close());
  await assert.rejects(new RemoteStore(url2).publishManifest(wanted), isKind("bad_response"));
});
