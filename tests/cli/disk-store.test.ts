// The CLI's disk store end to end: `rvplay disk add` the sample disk, boot
// it by name, write a file, power off, boot again: the file is there; the
// base is unchanged (its chunks still hash to its SHA-256); `export` gives
// an image e2fsck passes and that holds the file. And bad input to
// `disk add` gets a message and leaves nothing behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { Console } from "../boot/console.js";
import { SAMPLE_IMAGES } from "../boot/sample-image.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const PROMPT = /root@rvplay:[^\n]*# $/m;

// e2fsprogs' tools: $E2FSCK / $DEBUGFS, else Debian's paths.
const tool = (env: string, name: string) => [process.env[env], `/usr/sbin/${name}`, `/sbin/${name}`].find((p): p is string => !!p && existsSync(p));
const e2fsck = tool("E2FSCK", "e2fsck");
const debugfs = tool("DEBUGFS", "debugfs");

function rvplay(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

async function bootAndRun(store: string, disk: string, cmds: (c: Console) => Promise<void>): Promise<void> {
  const c = Console.spawn(process.execPath, [cli, "boot", "--mem", "96", "--store", store, "--disk", disk], `rvplay boot --disk ${disk}`);
  try {
    await c.waitFor(PROMPT, 120_000);
    await cmds(c);
    c.send("poweroff\n");
    assert.equal(await c.exited, 0);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
}

test("a store disk keeps the guest's writes across boots; the base stays as it was; export passes e2fsck", {
  timeout: 400_000, skip: e2fsck && debugfs ? false : "e2fsprogs not installed (apt-get install e2fsprogs)",
}, async () => {
  const store = mkdtempSync(join(tmpdir(), "rvplay-cli-store-"));
  const image = gunzipSync(readFileSync(join(SAMPLE_IMAGES, "disk.img.gz")));
  const sha = createHash("sha256").update(image).digest("hex");
  let r = rvplay("disk", "add", join(SAMPLE_IMAGES, "disk.img.gz"), "--name", "work", "--store", store);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /added 'work': 32 MiB/);

  await bootAndRun(store, "work", async (c) => {
    await c.run("echo kept-$((6 * 7)) > /mnt/disk/kept.txt && sync");
  });
  await bootAndRun(store, "work", async (c) => {
    assert.equal((await c.run("cat /mnt/disk/kept.txt")).trim(), "kept-42");
  });

  // The base: its record and chunks still make the image they were made from.
  const base = JSON.parse(readFileSync(join(store, "bases", `${sha}.json`), "utf8")) as { chunks: (string | null)[]; chunkSize: number; size: number };
  const h = createHash("sha256");
  for (const c of base.chunks) {
    if (c === null) h.update(Buffer.alloc(base.chunkSize));
    else h.update(gunzipSync(readFileSync(join(store, "chunks", c.slice(0, 2), `${c}.gz`))));
  }
  assert.equal(h.digest("hex"), sha, "the base is unchanged");

  const out = join(store, "exported.img");
  r = rvplay("disk", "export", "work", out, "--store", store);
  assert.equal(r.status, 0, r.out);
  const fsck = spawnSync(e2fsck!, ["-fn", out], { encoding: "utf8" });
  assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
  const cat = spawnSync(debugfs!, ["-R", "cat /kept.txt", out], { encoding: "utf8" });
  assert.equal(cat.stdout.trim(), "kept-42");

  // List shows it changed; reset drops the change; the disk boots pristine.
  r = rvplay("disk", "list", "--json", "--store", store);
  const listed = JSON.parse(r.out) as { name: string; changedBytes: number; durableCommits: number }[];
  assert.ok(listed[0].changedBytes > 0 && listed[0].durableCommits > 0);
  assert.equal(rvplay("disk", "reset", "work", "--store", store).status, 0);
  await bootAndRun(store, "work", async (c) => {
    assert.equal((await c.run("ls /mnt/disk/kept.txt 2>&1")).trim(), "ls: /mnt/disk/kept.txt: No such file or directory");
  });
});

test("rvplay disk: bad input gets a message and a non-zero status, and leaves the store as it was", { timeout: 120_000 }, async () => {
  const store = mkdtempSync(join(tmpdir(), "rvplay-cli-bad-"));
  const dir = mkdtempSync(join(tmpdir(), "rvplay-cli-files-"));
  assert.equal(rvplay("disk", "create", "keep", "1M", "--store", store).status, 0);
  const files: [string, Uint8Array, RegExp][] = [
    ["empty.img", new Uint8Array(0), /is empty/],
    ["odd.img", new Uint8Array(1000), /not a whole number of 512-byte sectors/],
    ["broken.img.gz", gzipSync(new Uint8Array(1 << 20).fill(7)).subarray(0, 500), /not a valid gzip file, or it is cut off/],
  ];
  for (const [name, bytes, re] of files) {
    writeFileSync(join(dir, name), bytes);
    const r = rvplay("disk", "add", join(dir, name), "--store", store);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, re);
    assert.doesNotMatch(r.out, /\n\s+at /, "a message, not a stack trace");
  }
  const cases: [string[], RegExp, number][] = [
    [["add", join(dir, "missing.img")], /cannot read .*no such file/, 1],
    [["create", "x", "lots"], /'lots' is not a size/, 2],
    [["create", "x", "1000"], /512-byte sectors/, 1],
    [["create", "keep", "1M"], /exists already/, 1],
    [["reset", "nope"], /no disk named 'nope'/, 1],
    [["frobnicate"], /unknown command 'frobnicate'/, 2],
  ];
  for (const [args, re, status] of cases) {
    const r = rvplay("disk", ...args, "--store", store);
    assert.equal(r.status, status, `${args.join(" ")}: ${r.out}`);
    assert.match(r.out, re);
  }
  const r = rvplay("disk", "list", "--store", store);
  assert.match(r.out, /^keep\s+1 MiB/m);
  assert.equal(r.out.trim().split("\n").length, 2, "one disk, as before");
  assert.deepEqual(readdirSync(join(store, "bases")), []);
  assert.deepEqual(readdirSync(join(store, "chunks")).flatMap((d) => readdirSync(join(store, "chunks", d))), []);
  const boot = rvplay("boot", "--store", store, "--disk", "nosuchdisk");
  assert.equal(boot.status, 1);
  assert.match(boot.out, /no such file, and no disk of that name in the store/);
});
