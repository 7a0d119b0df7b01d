// The servers offer a built image at images/<name>/ (the page's Image
// picker reads it there): what the page needs, nothing else, nothing outside.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { createBuiltImagesHandler } from "../../server/built-images.js";

test("images/debian/ serves image.json, the boot files, the snapshot and the disk base of RVPLAY_DEBIAN_OUT, and nothing else", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-served-"));
  mkdirSync(join(dir, "chunks"));
  const hash = "ab".repeat(32);
  const files: Record<string, string> = { "image.json": "{}", Image: "kernel", "Image.gz": "kernel.gz", "initrd.img": "initrd", "snapshot.rvsnap": "snap", "disk.json": "{\"d\":1}", [`chunks/${hash}.gz`]: "chunk", "disk.img": "raw", "secret.txt": "no" };
  for (const [f, body] of Object.entries(files)) writeFileSync(join(dir, f), body);
  const handle = createBuiltImagesHandler({ RVPLAY_DEBIAN_OUT: dir });
  const server: Server = createServer((req, res) => {
    void handle(req, res).then((done) => { if (!done) { res.writeHead(418); res.end("not mine"); } });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    for (const f of ["image.json", "Image", "Image.gz", "initrd.img", "snapshot.rvsnap", "disk.json", `chunks/${hash}.gz`]) {
      const res = await fetch(`${base}/images/debian/${f}`);
      assert.equal(res.status, 200, f);
      assert.equal(await res.text(), files[f]);
    }
    for (const f of ["disk.img", "secret.txt", "chunks%2f..%2fsecret.txt", "chunks/zz.gz", ""]) {
      assert.equal((await fetch(`${base}/images/debian/${f}`)).status, 404, f);
    }
    assert.equal((await fetch(`${base}/images/other/image.json`)).status, 418, "an unknown image is left to the next handler");
    assert.equal((await fetch(`${base}/images/fw_dynamic.bin.gz`)).status, 418, "the sample is left to the app's files");
    rmSync(dir, { recursive: true, force: true });
    assert.equal((await fetch(`${base}/images/debian/image.json`)).status, 404, "not built: not offered");
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
