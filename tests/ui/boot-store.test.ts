// The saved boot set read back from IndexedDB is checked before use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzzStoredBoot, parseStoredBoot, StoredBootError } from "../../src/ui/boot-store.js";

test("a saved set of files and URLs reads back", () => {
  const blob = new Blob([new Uint8Array(8)]);
  const v = { format: 1, savedAt: 1, files: { kernel: { blob, name: "Image.gz" }, disk: { url: "https://x.example/d.img" }, append: "console=ttyS0" } };
  const f = parseStoredBoot(v);
  assert.equal("blob" in f.kernel && f.kernel.blob, blob);
  assert.deepEqual(f.disk, { url: "https://x.example/d.img" });
  assert.equal(f.append, "console=ttyS0");
  assert.equal(f.initrd, undefined);
});

test("damaged or foreign records are refused with a typed error", () => {
  const bad: unknown[] = [
    undefined, null, 42, "x", [], { format: 2, files: {} }, { format: 1 }, { format: 1, files: {} },
    { format: 1, files: { kernel: { url: "javascript:alert(1)" } } },
    { format: 1, files: { kernel: { blob: "not a blob", name: "k" } } },
    { format: 1, files: { kernel: { url: "https://x.example/k" }, initrd: 7 } },
    { format: 1, files: { kernel: { url: "https://x.example/k" }, append: "a\u0001b" } },
  ];
  for (const v of bad) assert.throws(() => parseStoredBoot(v), StoredBootError, JSON.stringify(v));
});

test("any bytes: a boot set or StoredBootError, nothing else", () => {
  let seed = 7;
  const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 16; };
  const samples = ['{"format":1,"files":{"kernel":{"url":"https://a.example/k"}}}', '{"format":1,"files":{"kernel":{"url":"x"},"append":"q"}}'];
  for (let i = 0; i < 3000; i++) {
    const b = new TextEncoder().encode(samples[i % 2]);
    for (let k = rand() % 4; k >= 0; k--) b[rand() % b.length] = rand() & 0x7f;
    try { fuzzStoredBoot(b); } catch (e) { assert.ok(e instanceof StoredBootError, String(e)); }
  }
});
