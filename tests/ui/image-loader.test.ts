// Fetching the boot files with progress, gzip or already unpacked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { fetchBootFiles, fetchGzip, LoadError, type FileProgress } from "../../src/ui/image-loader.js";

function data(n: number, seed: number): Uint8Array {
  const d = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; d[i] = i % 7 === 0 ? x >>> 24 : 0; }
  return d;
}

// A fetch over a table of paths, in small chunks, optionally "unpacking" as a
// browser does for Content-Encoding: gzip.
function fakeFetch(files: Record<string, Uint8Array>): typeof fetch {
  return (async (input: string | URL | Request) => {
    const path = new URL(String(input instanceof Request ? input.url : input)).pathname;
    const body = files[path];
    if (!body) return new Response("no", { status: 404 });
    let off = 0;
    return new Response(new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (off >= body.length) { ctl.close(); return; }
        ctl.enqueue(body.slice(off, off + 4096));
        off += 4096;
      },
    }));
  }) as typeof fetch;
}

const fw = data(100_000, 1), kernel = data(300_000, 2), disk = data(1 << 20, 3);
const gz = (d: Uint8Array) => new Uint8Array(gzipSync(d));
const manifest = (files: [string, string, Uint8Array][]) => new TextEncoder().encode(JSON.stringify({
  format: 1, files: files.map(([name, file, d]) => ({ name, file, size: d.length, gzSize: gz(d).length })),
}));

test("the three files arrive decompressed, with progress up to their sizes", async () => {
  const files = {
    "/images/manifest.json": manifest([["fw_dynamic.bin", "fw_dynamic.bin.gz", fw], ["Image", "Image.gz", kernel], ["disk.img", "disk.img.gz", disk]]),
    "/images/fw_dynamic.bin.gz": gz(fw), "/images/Image.gz": gz(kernel), "/images/disk.img.gz": gz(disk),
  };
  const reports: FileProgress[][] = [];
  const got = await fetchBootFiles("http://x/images/", (p) => reports.push(p), fakeFetch(files));
  assert.deepEqual(got.firmware, fw);
  assert.deepEqual(got.kernel, kernel);
  assert.deepEqual(got.disk, disk);
  const last = reports[reports.length - 1];
  assert.deepEqual(last.map((f) => f.name), ["fw_dynamic.bin", "Image", "disk.img"]);
  for (const f of last) {
    assert.equal(f.done, true);
    assert.equal(f.inflated, f.size);
    assert.equal(f.fetched, f.gzSize);
  }
  // Progress went up step by step, never past the totals.
  const disks = reports.map((r) => r[2]);
  assert.ok(disks.some((d) => d.inflated > 0 && d.inflated < d.size), "no intermediate progress");
  for (const d of disks) assert.ok(d.fetched <= d.gzSize && d.inflated <= d.size);
});

test("a file the server already unpacked (Content-Encoding: gzip) is taken as it is", async () => {
  const p: FileProgress[] = [];
  const out = await fetchGzip(new URL("http://x/Image.gz"), { name: "Image", file: "Image.gz", size: kernel.length, gzSize: 1234 },
    (x) => p.push(x), fakeFetch({ "/Image.gz": kernel }));
  assert.deepEqual(out, kernel);
  assert.equal(p[p.length - 1].fetched, 1234);
});

test("clear errors: missing file, wrong size, corrupt gzip, no disk is fine", async () => {
  const entry = { name: "Image", file: "Image.gz", size: kernel.length, gzSize: 1 };
  await assert.rejects(fetchGzip(new URL("http://x/Image.gz"), entry, () => {}, fakeFetch({})), (e) => e instanceof LoadError && /HTTP 404/.test(e.message));
  await assert.rejects(fetchGzip(new URL("http://x/Image.gz"), { ...entry, size: 5 }, () => {}, fakeFetch({ "/Image.gz": gz(kernel) })),
    /decompressed to 300000 bytes, the manifest says 5/);
  const broken = gz(kernel).slice(0, 5000);
  await assert.rejects(fetchGzip(new URL("http://x/Image.gz"), entry, () => {}, fakeFetch({ "/Image.gz": broken })), LoadError);
  const noDisk = await fetchBootFiles("http://x/i/", () => {}, fakeFetch({
    "/i/manifest.json": manifest([["fw_dynamic.bin", "f.gz", fw], ["Image", "k.gz", kernel]]), "/i/f.gz": gz(fw), "/i/k.gz": gz(kernel),
  }));
  assert.equal(noDisk.disk, undefined);
  await assert.rejects(fetchBootFiles("http://x/i/", () => {}, fakeFetch({ "/i/manifest.json": new TextEncoder().encode('{"format":9}') })), /unknown manifest format 9/);
});
