// `npm run bench -- --only server`: a bounded load test of the snapshot
// service on loopback. 200 uploads at once of 4 KiB–1 MiB blobs, one in ten
// tampered (a byte changed after hashing), against `rvplay-server` in its own
// process on local disk and on S3 (moto_server). Good uploads must all
// succeed, tampered ones must all be refused, and afterwards every good blob
// reads back verified while no tampered one is stored.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { RemoteStore } from "../src/snapshot/remote-store.js";
import { motoPath, randomBytesSeeded, sha256, startMoto } from "../tests/server/harness.js";

interface Figure { name: string; value: number; unit: string }

const UPLOADS = 200;
const TAMPERED_EVERY = 10;
const MIN = 4 * 1024, MAX = 1024 * 1024;
const root = fileURLToPath(new URL("../../", import.meta.url));

async function startServer(env: Record<string, string>): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [join(root, "dist/server/main.js"), "--port", "0", "--no-web",
    "--max-concurrent", "1000", "--rate-requests", "100000", "--rate-bytes", "8GiB"],
  { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d) => { out += d; const m = /rvplay server: (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
    proc.on("exit", (c) => reject(new Error(`rvplay-server exited (${c}): ${out}`)));
  });
  return { url, proc };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  await exited;
}

async function load(label: string, url: string, figures: Figure[]): Promise<void> {
  // Seeded sizes and contents: the same load every run.
  const blobs = Array.from({ length: UPLOADS }, (_, i) => {
    const r = randomBytesSeeded(4, 1000 + i);
    const size = MIN + (((r[0] << 16) | (r[1] << 8) | r[2]) % (MAX - MIN + 1));
    const bytes = randomBytesSeeded(size, 5000 + i);
    const hash = sha256(bytes);
    const tampered = i % TAMPERED_EVERY === TAMPERED_EVERY - 1;
    const body = tampered ? bytes.slice() : bytes;
    if (tampered) body[(r[3] * 997) % size] ^= 0x40;
    return { hash, body, tampered };
  });
  const totalBytes = blobs.reduce((a, b) => a + b.body.length, 0);
  const t0 = performance.now();
  const results = await Promise.all(blobs.map(async (b) => {
    try {
      const res = await fetch(new URL(`api/v1/blobs/${b.hash}`, url), { method: "PUT", body: b.body as Uint8Array<ArrayBuffer> });
      const body = await res.json() as { error?: { code: string } };
      return { status: res.status, code: body.error?.code };
    } catch (e) {
      return { status: 0, code: (e as Error).message };
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  const goodErrors = results.filter((r, i) => !blobs[i].tampered && r.status !== 201 && r.status !== 200);
  const tamperedAccepted = results.filter((r, i) => blobs[i].tampered && !(r.status === 400 && r.code === "hash_mismatch"));
  // Afterwards: every good blob reads back verified; no tampered one is stored, under either hash.
  const client = new RemoteStore(url);
  const missing = new Set(await client.missing([...blobs.map((b) => b.hash), ...blobs.filter((b) => b.tampered).map((b) => sha256(b.body))]));
  let badStored = 0;
  for (const b of blobs) {
    if (b.tampered) { if (!missing.has(b.hash) || !missing.has(sha256(b.body))) badStored++; continue; }
    const got = await client.getBlob(b.hash);  // throws on a hash mismatch
    if (got.length !== b.body.length) badStored++;
  }
  const tamperedCount = blobs.filter((b) => b.tampered).length;
  figures.push({ name: `server ${label}: ${UPLOADS} concurrent uploads (4 KiB-1 MiB, ${tamperedCount} tampered)`, value: Math.round(UPLOADS / secs), unit: "uploads/s" });
  figures.push({ name: `server ${label}: upload throughput`, value: Math.round((totalBytes / 1e6 / secs) * 10) / 10, unit: "MB/s" });
  figures.push({ name: `server ${label}: good uploads that failed`, value: goodErrors.length, unit: "uploads" });
  figures.push({ name: `server ${label}: tampered uploads accepted`, value: tamperedAccepted.length, unit: "uploads" });
  figures.push({ name: `server ${label}: tampered or wrong objects stored`, value: badStored, unit: "objects" });
  if (goodErrors.length || tamperedAccepted.length || badStored) {
    throw new Error(`server load on ${label}: ${goodErrors.length} good uploads failed (${JSON.stringify(goodErrors.slice(0, 3))}), ` +
      `${tamperedAccepted.length} tampered accepted, ${badStored} bad objects stored`);
  }
}

export async function serverBench(figures: Figure[]): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), "rvplay-bench-server-"));
  const disk = await startServer({ RVPLAY_DATA_DIR: data });
  try {
    await load("local disk", disk.url, figures);
  } finally {
    await stop(disk.proc);
    rmSync(data, { recursive: true, force: true });
  }
  if (!motoPath()) {
    process.stdout.write("(no moto_server: no S3 figures; Python's moto package provides it)\n");
    return;
  }
  const moto = await startMoto();
  const spool = mkdtempSync(join(tmpdir(), "rvplay-bench-spool-"));
  try {
    const creds = { AWS_ACCESS_KEY_ID: "bench", AWS_SECRET_ACCESS_KEY: "bench" };
    const s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
    await s3.send(new CreateBucketCommand({ Bucket: "rvplay-bench" }));
    s3.destroy();
    const srv = await startServer({ ...creds, RVPLAY_S3_BUCKET: "rvplay-bench", RVPLAY_S3_ENDPOINT: moto.endpoint, RVPLAY_SPOOL_DIR: spool });
    try {
      await load("S3 (moto)", srv.url, figures);
    } finally {
      await stop(srv.proc);
    }
  } finally {
    await moto.stop();
    rmSync(spool, { recursive: true, force: true });
  }
}
