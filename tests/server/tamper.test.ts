// A stored object that no longer hashes to its name (bit rot, a hand edit, a
// bad copy) is never served as good: the answer is cut short or a 500, the
// object is set aside, and a fresh upload heals it.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DiskStore } from "../../server/disk-store.js";
import type { S3Store } from "../../server/s3-store.js";
import { RemoteStore, RemoteStoreError } from "../../src/snapshot/remote-store.js";
import {
  newS3Store, rawRequest, randomBytesSeeded, s3SkipReason, sha256, startMoto, startTestServer, type Moto, type TestServer,
} from "./harness.js";

const PREFIX = "/api/v1";

type Tamper = (ns: "blobs" | "manifests", hash: string, flip: (b: Uint8Array) => Uint8Array) => Promise<void>;

function suite(kind: "disk" | "s3") {
  const skip = kind === "s3" ? s3SkipReason() : undefined;
  describe(`a tampered object on ${kind}`, { skip }, () => {
    let moto: Moto | undefined;
    let srv: TestServer;
    let tamper: Tamper;
    before(async () => {
      if (kind === "s3") {
        moto = await startMoto();
        const store = await newS3Store(moto);
        srv = await startTestServer(store);
        tamper = async (ns, hash, flip) => {
          const obj = (await store.read(ns, hash))!;
          const bytes = new Uint8Array(await (obj.stream as unknown as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
          // Straight into the bucket, as another writer (or decay) could.
          await (store as S3Store).client.send(new PutObjectCommand({
            Bucket: (store as unknown as { opts: { bucket: string } }).opts.bucket, Key: `snap/${ns}/${hash}`, Body: flip(bytes),
          }));
        };
      } else {
        srv = await startTestServer("disk");
        const store = srv.store as DiskStore;
        tamper = async (ns, hash, flip) => {
          const p = store.path(ns, hash);
          writeFileSync(p, flip(new Uint8Array(readFileSync(p))));
        };
      }
    });
    after(async () => {
      await srv?.close();
      await moto?.stop();
    });

    const flipLast = (b: Uint8Array) => { const c = b.slice(); c[c.length - 1] ^= 1; return c; };

    test("a large blob: the answer is cut short, the client library says integrity, a re-upload heals", async () => {
      const blob = randomBytesSeeded(3_000_000, 21);
      const hash = sha256(blob);
      const put = () => fetch(new URL(`${PREFIX}/blobs/${hash}`, srv.url), { method: "PUT", body: blob as Uint8Array<ArrayBuffer> });
      assert.equal((await put()).status, 201);
      await tamper("blobs", hash, flipLast);

      // Raw: the headers promise 3,000,000 bytes; fewer arrive before the connection is cut.
      const r = await rawRequest(srv.url, [`GET ${PREFIX}/blobs/${hash} HTTP/1.1\r\nHost: x\r\n\r\n`], { waitMs: 5000 });
      assert.equal(r.status, 200);
      assert.ok(r.closedByServer);
      const body = r.text.length - (r.text.indexOf("\r\n\r\n") + 4);
      assert.ok(body < blob.length, `only ${body} of ${blob.length} bytes sent`);

      // The object was set aside: the next reader gets a clean 404, and `missing` lists it.
      const client = new RemoteStore(srv.url);
      await assert.rejects(client.getBlob(hash), (e: unknown) => e instanceof RemoteStoreError && e.kind === "http" && e.status === 404);
      assert.deepEqual(await client.missing([hash]), [hash]);
      assert.equal((await put()).status, 201, "uploaded again");
      assert.deepEqual(await client.getBlob(hash), blob);
    });

    test("the client library refuses a blob cut short", async () => {
      const blob = randomBytesSeeded(2_000_000, 22);
      const hash = sha256(blob);
      const client = new RemoteStore(srv.url);
      assert.equal(await client.putBlob(hash, blob), "created");
      await tamper("blobs", hash, flipLast);
      await assert.rejects(client.getBlob(hash), (e: unknown) => e instanceof RemoteStoreError && e.kind === "integrity");
    });

    test("a small blob or manifest found bad before anything is sent: 500 corrupt_object", async () => {
      const blob = randomBytesSeeded(1000, 23);
      const hash = sha256(blob);
      const client = new RemoteStore(srv.url);
      await client.putBlob(hash, blob);
      const manifest = new TextEncoder().encode(JSON.stringify({ format: "rvplay-snapshot", version: 1, blobs: [{ hash, size: blob.length }] }));
      const id = await client.publishManifest(manifest);
      await tamper("blobs", hash, flipLast);
      await tamper("manifests", id, (b) => new TextEncoder().encode(new TextDecoder().decode(b).replace('"version":1', '"version":2')));
      let res = await fetch(new URL(`${PREFIX}/blobs/${hash}`, srv.url));
      assert.equal(res.status, 500);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "corrupt_object");
      res = await fetch(new URL(`${PREFIX}/manifests/${id}`, srv.url));
      assert.equal(res.status, 500);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "corrupt_object");
      await assert.rejects(client.getManifest(id), (e: unknown) => e instanceof RemoteStoreError && e.status === 404);
      // Publishing the manifest again restores it.
      assert.equal(await client.publishManifest(manifest).catch((e: RemoteStoreError) => e.code), "missing_blobs",
        "its blob was set aside too");
      await client.putBlob(hash, blob);
      assert.equal(await client.publishManifest(manifest), id);
      assert.deepEqual(await client.getManifest(id), manifest);
    });

    test("a truncated object is caught too", async () => {
      const blob = randomBytesSeeded(500_000, 24);
      const hash = sha256(blob);
      const client = new RemoteStore(srv.url);
      await client.putBlob(hash, blob);
      await tamper("blobs", hash, (b) => b.subarray(0, b.length - 1000));
      await assert.rejects(client.getBlob(hash), (e: unknown) => e instanceof RemoteStoreError && (e.kind === "integrity" || e.status === 500));
    });
  });
}

suite("disk");
suite("s3");
