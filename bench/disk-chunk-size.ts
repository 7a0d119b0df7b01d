// How the overlay's chunk size was chosen: IndexedDB in headless Chromium,
// records of 4 KiB .. 1 MiB. Sequential: 32 MiB put in relaxed
// transactions of 4 MiB, one strict at the end, then read back. Scattered:
// 256 separate 4 KiB guest writes, each dirtying one whole chunk, committed
// in one strict transaction (what a journal commit or metadata update
// costs). Run: npm run build && node dist/bench/disk-chunk-size.js
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { chromiumPath, startStaticServer } from "../e2e/browser.js";

const SIZES = [4096, 16384, 65536, 262144, 1048576];

const dir = mkdtempSync(join(tmpdir(), "rvplay-chunkbench-"));
writeFileSync(join(dir, "index.html"), "<!doctype html><title>chunk bench</title>");
const site = await startStaticServer(dir);
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "rvplay-chunkprof-")), {
  executablePath: chromiumPath(), headless: true, args: ["--no-sandbox", "--disable-gpu"],
});
try {
  const page = ctx.pages()[0] ?? await ctx.newPage();
  await page.goto(site.url);
  const rows = await page.evaluate(async (sizes) => {
    const open = (name: string) => new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(name, 1);
      r.onupgradeneeded = () => r.result.createObjectStore("c");
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const tx = (db: IDBDatabase, durability: IDBTransactionDurability, body: (s: IDBObjectStore) => void) => new Promise<void>((res, rej) => {
      const t = db.transaction("c", "readwrite", { durability });
      body(t.objectStore("c"));
      t.oncomplete = () => res();
      t.onerror = () => rej(t.error);
    });
    const out: { size: number; writeMBs: number; readMBs: number; scatteredMs: number; scatteredMB: number }[] = [];
    const TOTAL = 32 * 2 ** 20;
    for (const size of sizes) {
      const db = await open(`bench-${size}`);
      const n = TOTAL / size;
      const perTx = Math.max(1, (4 * 2 ** 20) / size);
      const data = Array.from({ length: 8 }, () => crypto.getRandomValues(new Uint8Array(Math.min(size, 65536))));
      const rec = (i: number) => { const b = new Uint8Array(size); for (let o = 0; o < size; o += 65536) b.set(data[(i + o) % 8].subarray(0, Math.min(65536, size - o)), o); return b.buffer; };
      let t0 = performance.now();
      for (let i = 0; i < n; i += perTx) await tx(db, "relaxed", (s) => { for (let j = i; j < Math.min(n, i + perTx); j++) s.put(rec(j), j); });
      await tx(db, "strict", (s) => s.put(rec(0), 0));
      const w = (performance.now() - t0) / 1000;
      t0 = performance.now();
      for (let i = 0; i < n; i += perTx) {
        await new Promise<void>((res, rej) => {
          const t = db.transaction("c", "readonly");
          const r = t.objectStore("c").getAll(IDBKeyRange.bound(i, Math.min(n, i + perTx) - 1));
          r.onsuccess = () => res();
          r.onerror = () => rej(r.error);
        });
      }
      const r = (performance.now() - t0) / 1000;
      // 256 scattered 4 KiB writes = 256 dirty chunks of `size`, one strict commit.
      t0 = performance.now();
      await tx(db, "strict", (s) => { for (let j = 0; j < 256; j++) s.put(rec(j), 1_000_000 + j); });
      const sc = performance.now() - t0;
      out.push({ size, writeMBs: TOTAL / 2 ** 20 / w, readMBs: TOTAL / 2 ** 20 / r, scatteredMs: sc, scatteredMB: (256 * size) / 2 ** 20 });
      db.close();
    }
    return out;
  }, SIZES);
  process.stdout.write("chunk     seq write MB/s  seq read MB/s  256 scattered 4 KiB writes: ms (MiB committed)\n");
  for (const r of rows) {
    process.stdout.write(`${String(r.size / 1024).padStart(5)} KiB  ${r.writeMBs.toFixed(0).padStart(14)}  ${r.readMBs.toFixed(0).padStart(13)}  ${r.scatteredMs.toFixed(0).padStart(6)} (${r.scatteredMB})\n`);
  }
} finally {
  await ctx.close();
  await site.close();
}
