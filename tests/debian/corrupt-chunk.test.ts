// A corrupt chunk of the Debian image's disk base (issue 14, bad input): in
// a copy of the built image, the chunk that holds the start of
// /usr/bin/python3.13 is replaced by a well-formed gzip of other bytes (so
// only its SHA-256 tells). The resumed machine reads it when python3 runs:
// the guest gets an I/O error and the CLI names the chunk; no command ever
// sees wrong bytes; the rest of the disk reads on. Skips, saying why,
// without the built image and its snapshot, or without debugfs (e2fsprogs,
// which finds where the file is).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { Console } from "../boot/console.js";
import { builtImageDir } from "../../src/node/built-images.js";
import { parseImageManifest } from "../../image/debian/image-manifest.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const out = builtImageDir("debian");
const debugfs = process.env.DEBUGFS || ["/usr/sbin/debugfs", "/sbin/debugfs"].find((p) => existsSync(p));
const skip = !existsSync(join(out, "image.json")) ? `no Debian image in ${out}: run npm run image:debian first`
  : !existsSync(join(out, "snapshot.rvsnap")) ? `the Debian image in ${out} has no snapshot: run npm run image:debian -- --snapshot-only`
  : !debugfs ? "no debugfs (apt-get install e2fsprogs, or set DEBUGFS): it finds the file's blocks" : false;
const TARGET = "/usr/bin/python3.13";

test("a corrupt chunk of the Debian disk base is an I/O error in the guest and a message naming it, never wrong data", { skip, timeout: 20 * 60_000 }, async (t) => {
  const m = parseImageManifest(readFileSync(join(out, "image.json")));
  // The file's first block, and the chunk of the base that holds it.
  const bmap = execFileSync(debugfs!, ["-R", `bmap ${TARGET} 0`, join(out, m.disk.raw)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  const block = Number(bmap);
  assert.ok(Number.isSafeInteger(block) && block > 0, `debugfs bmap: ${bmap}`);
  const disk = JSON.parse(readFileSync(join(out, m.disk.base), "utf8")) as { chunkSize: number; chunks: (string | null)[] };
  const index = Math.floor((block * 4096) / disk.chunkSize);
  const hash = disk.chunks[index];
  assert.ok(hash, `chunk ${index} holds ${TARGET}, so it is not all zero`);

  // A copy of the image: every file linked, that one chunk rewritten.
  const copy = mkdtempSync(join(tmpdir(), "rvplay-debian-corrupt-"));
  const store = mkdtempSync(join(tmpdir(), "rvplay-debian-store-"));
  try {
    for (const f of readdirSync(out)) if (f !== "chunks") linkSync(join(out, f), join(copy, f));
    mkdirSync(join(copy, "chunks"));
    for (const f of readdirSync(join(out, "chunks"))) if (f !== `${hash}.gz`) linkSync(join(out, "chunks", f), join(copy, "chunks", f));
    const raw = gunzipSync(readFileSync(join(out, "chunks", `${hash}.gz`)));
    raw[(block * 4096) % disk.chunkSize] ^= 0xff; // the file's first byte (ELF's 0x7f)
    writeFileSync(join(copy, "chunks", `${hash}.gz`), gzipSync(raw));

    const c = Console.spawn(process.execPath, [cli, "boot", "--image", copy, "--store", store], "rvplay boot --image <corrupt copy>");
    try {
      await c.waitFor(/resumed its snapshot/, 120_000);
      await c.waitFor(/root@rvplay:~# $/, 120_000);
      // Reading the file: an I/O error, no checksum of other bytes.
      const sum = await c.run(`md5sum ${TARGET}; echo "rc=$?"`, 300_000);
      t.diagnostic(`md5sum in the guest: ${sum.trim()}`);
      assert.match(sum, /Input\/output error/);
      assert.match(sum, /rc=1/);
      assert.doesNotMatch(sum, /^[0-9a-f]{32}\s/m, "no checksum: the file's bytes never reached the guest");
      const py = await c.run("python3 -c 'print(6*7)'; echo \"rc=$?\"", 300_000);
      assert.doesNotMatch(py, /^42$/m);
      assert.match(py, /rc=(?!0)\d+/);
      // The CLI says which chunk, and why.
      await c.waitFor(new RegExp(`\\[rvplay\\] disk I/O error: .*${hash.slice(0, 12)}`), 30_000);
      assert.match(await c.run("dmesg | grep -c 'I/O error' || true", 60_000), /^[1-9]\d*$/m);
      // The rest of the disk reads on.
      assert.match((await c.run("cat /etc/debian_version", 120_000)).trim(), /^13\.\d+$/);
      c.send("poweroff\n");
      assert.equal(await c.exited, 0);
    } finally {
      if (c.exitCode === null) c.proc.kill("SIGKILL");
    }
  } finally {
    rmSync(copy, { recursive: true, force: true });
    rmSync(store, { recursive: true, force: true });
  }
});
