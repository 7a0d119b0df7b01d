// Pages a boot image holds are found: its own 4 KiB pages, and the pages of
// files in an initramfs (cpio newc) inside it, tails included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpioFiles, ImageIndex } from "../../src/snapshot/image-index.js";
import { PAGE_SIZE } from "../../src/snapshot/manifest.js";
import { bytesOf } from "./synthetic.js";

// A newc archive of regular files (name -> bytes), as gen_init_cpio writes it.
function newc(files: [string, Uint8Array][]): Uint8Array {
  const parts: number[] = [];
  const pad = () => { while (parts.length % 4) parts.push(0); };
  const entry = (name: string, mode: number, data: Uint8Array) => {
    const hex = (n: number) => n.toString(16).padStart(8, "0");
    const head = "070701" + [1, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0].map(hex).join("");
    for (const c of head + name) parts.push(c.charCodeAt(0));
    parts.push(0);
    pad();
    parts.push(...data);
    pad();
  };
  for (const [n, d] of files) entry(n, 0o100644, d);
  entry("TRAILER!!!", 0, new Uint8Array(0));
  return Uint8Array.from(parts);
}

test("files of an initramfs inside an image are found page by page, tails padded with zeros", () => {
  const a = bytesOf(11, 2 * PAGE_SIZE + 300), b = bytesOf(12, 77);
  const archive = newc([["bin/a", a], ["etc/b", b]]);
  const image = new Uint8Array(PAGE_SIZE * 3 + archive.length + 5);
  image.set(bytesOf(13, 1234));
  image.set(archive, 1234 + 3); // an archive at an odd place
  assert.deepEqual(cpioFiles(image).map((f) => f.size), [a.length, b.length]);
  const idx = new ImageIndex([bytesOf(14, PAGE_SIZE), image]);
  const page = (bytes: Uint8Array) => { const p = new Uint8Array(PAGE_SIZE); p.set(bytes); return p; };
  const m1 = idx.find(page(a.subarray(PAGE_SIZE, 2 * PAGE_SIZE)));
  assert.deepEqual(m1 && { image: m1.image, length: m1.length }, { image: 1, length: PAGE_SIZE });
  assert.deepEqual(image.subarray(m1!.offset, m1!.offset + PAGE_SIZE), a.subarray(PAGE_SIZE, 2 * PAGE_SIZE));
  const tail = idx.find(page(a.subarray(2 * PAGE_SIZE)));
  assert.equal(tail?.length, 300);
  assert.equal(idx.find(page(b))?.length, 77);
  assert.deepEqual(idx.find(bytesOf(14, PAGE_SIZE)), { image: 0, offset: 0, length: PAGE_SIZE });
  const almost = page(b);
  almost[4000] = 1; // the tail, but not zeros after it
  assert.equal(idx.find(almost), undefined);
  assert.equal(idx.find(bytesOf(15, PAGE_SIZE)), undefined);
});

test("a damaged archive header stops the walk without throwing", () => {
  const archive = newc([["x", bytesOf(1, 5000)]]);
  archive[20] = 0x5a; // not a hex digit
  assert.deepEqual(cpioFiles(archive), []);
  assert.deepEqual(cpioFiles(new TextEncoder().encode("070701")), []);
});
