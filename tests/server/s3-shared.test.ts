// S3: several server instances share one bucket (the reason for S3), and
// writes are create-only on moto as on S3 (If-None-Match: * -> 412).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { RemoteStore } from "../../src/snapshot/remote-store.js";
import { S3Store } from "../../server/s3-store.js";
import { StorageError } from "../../server/http-error.js";
import { createSnapshotServer } from "../../server/http-server.js";
import {
  freePort, newS3Store, randomBytesSeeded, s3SkipReason, sha256, startMoto, startTestServer, TEST_LIMITS, type Moto,
} from "./harness.js";

const skip = s3SkipReason();
let moto: Moto | undefined;
before(async () => { if (!skip) moto = await startMoto(); });
after(async () => { await moto?.stop(); });

test("two server instances on one bucket: publish through one, fetch through the other", { skip }, async (t) => {
  const first = await newS3Store(moto!);
  const bucket = (first as unknown as { opts: { bucket: string } }).opts.bucket;
  const a = await startTestServer(first);
  t.after(() => a.close());
  const b = await startTestServer(await newS3Store(moto!, bucket));
  t.after(() => b.close());
  const viaA = new RemoteStore(a.url), viaB = new RemoteStore(b.url);

  const blobs = [randomBytesSeeded(1_500_000, 31), randomBytesSeeded(40_000, 32), randomBytesSeeded(4096, 33)];
  const hashes = blobs.map(sha256);
  assert.deepEqual(await viaB.missing(hashes), hashes);
  for (let i = 0; i < blobs.length; i++) assert.equal(await viaA.putBlob(hashes[i], blobs[i]), "created");
  assert.deepEqual(await viaB.missing(hashes), [], "B sees what A stored");
  assert.equal(await viaB.putBlob(hashes[0], blobs[0]), "exists");
  const manifest = new TextEncoder().encode(JSON.stringify({
    format: "rvplay-snapshot", version: 1, blobs: blobs.map((x, i) => ({ hash: hashes[i], size: x.length })),
  }));
  const id = await viaA.publishManifest(manifest);
  assert.deepEqual(await viaB.getManifest(id), manifest);
  for (let i = 0; i < blobs.length; i++) assert.deepEqual(await viaB.getBlob(hashes[i]), blobs[i]);
});

test("moto honours If-None-Match: * on PutObject, so the store's writes are create-only", { skip }, async (t) => {
  const store = await newS3Store(moto!);
  t.after(() => store.close());
  const bucket = (store as unknown as { opts: { bucket: string } }).opts.bucket;
  const bytes = randomBytesSeeded(1000, 34);
  const hash = sha256(bytes);
  assert.equal(await store.commitBytes("blobs", hash, bytes), "created");
  // What moto 5.2.1 does with a second conditional PUT: 412 PreconditionFailed.
  await assert.rejects(store.client.send(new PutObjectCommand({ Bucket: bucket, Key: `snap/blobs/${hash}`, Body: new Uint8Array(3), IfNoneMatch: "*" })),
    (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 412);
  // The store never overwrites: even handed other bytes under the same name, it reports "exists" and keeps the first.
  assert.equal(await store.commitBytes("blobs", hash, new Uint8Array(1000)), "exists");
  const got = await store.client.send(new GetObjectCommand({ Bucket: bucket, Key: `snap/blobs/${hash}` }));
  assert.equal(sha256(await got.Body!.transformToByteArray()), hash);
});

test("S3 unreachable: 503 storage_unavailable, and the server keeps answering", async (t) => {
  // A store whose endpoint nobody listens on (a free loopback port); no moto needed.
  const store = new S3Store({
    bucket: "rvplay-down", endpoint: `http://127.0.0.1:${await freePort()}`, region: "us-east-1", prefix: "",
    forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await assert.rejects(store.check(), StorageError);
  const app = createSnapshotServer({
    store, limits: TEST_LIMITS, rate: { requestsPerMinute: 1000, bytesPerMinute: 1 << 30, concurrent: 100 },
    timeouts: { headersMs: 5000, requestMs: 30_000, idleMs: 5000 },
  });
  const url = await app.listen(0, "127.0.0.1");
  t.after(() => app.close());
  const hash = sha256(new Uint8Array([7]));
  for (const [method, path, body] of [["GET", `blobs/${hash}`], ["HEAD", `blobs/${hash}`], ["POST", "blobs/missing", JSON.stringify({ hashes: [hash] })],
    ["PUT", `blobs/${hash}`, new Uint8Array([7])]] as const) {
    const res = await fetch(new URL(`/api/v1/${path}`, url), { method, body });
    assert.equal(res.status, 503, `${method} ${path}`);
    if (method !== "HEAD") assert.equal(((await res.json()) as { error: { code: string } }).error.code, "storage_unavailable");
  }
  assert.equal((await fetch(new URL("/api/v1/info", url))).status, 200);
});

test("a bucket that does not exist is a broken store (503), not a missing object", { skip }, async (t) => {
  const store = await newS3Store(moto!);
  const srv = await startTestServer(store);
  t.after(() => srv.close());
  (store as unknown as { opts: { bucket: string } }).opts.bucket = "rvplay-no-such-bucket";
  const res = await fetch(new URL(`/api/v1/blobs/${sha256(new Uint8Array([8]))}`, srv.url));
  assert.equal(res.status, 503);
});

test("rvplay-server configured for S3 by its environment variables", { skip, timeout: 30_000 }, async (t) => {
  const store = await newS3Store(moto!);  // makes the bucket
  const bucket = (store as unknown as { opts: { bucket: string } }).opts.bucket;
  await store.close();
  const main = fileURLToPath(new URL("../../server/main.js", import.meta.url));
  const p = spawn(process.execPath, [main, "--port", "0", "--no-web"], {
    env: {
      ...process.env, RVPLAY_S3_BUCKET: bucket, RVPLAY_S3_ENDPOINT: moto!.endpoint, RVPLAY_S3_PREFIX: "env-test",
      AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_SESSION_TOKEN: "", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((r) => p.on("exit", r));
  t.after(async () => { if (p.exitCode === null) { p.kill("SIGTERM"); await exited; } });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    p.stdout!.on("data", (d) => { out += d; const m = /rvplay server: (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
    p.on("exit", () => reject(new Error(`exited: ${out}`)));
  });
  assert.match(out, new RegExp(`store: s3 bucket ${bucket} prefix env-test/ at ${moto!.endpoint}`));
  const client = new RemoteStore(url);
  const blob = randomBytesSeeded(100_000, 35);
  assert.equal(await client.putBlob(sha256(blob), blob), "created");
  // It landed in the bucket under the prefix.
  const other = await newS3Store(moto!, bucket);
  t.after(() => other.close());
  const got = await other.client.send(new GetObjectCommand({ Bucket: bucket, Key: `env-test/blobs/${sha256(blob)}` }));
  assert.equal(sha256(await got.Body!.transformToByteArray()), sha256(blob));
  p.kill("SIGTERM");
  assert.equal(await exited, 0);
});
