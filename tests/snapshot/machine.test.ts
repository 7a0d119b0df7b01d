// Snapshots of the booted sample machine: taken mid-workload (1 and 2
// harts), restored by `rvplay boot --restore` in a fresh process, the
// workload finishes with the result an uninterrupted run gives; the guest
// clock goes on; a second snapshot stores little; a clone gets fresh
// entropy; bad snapshots are refused while a running machine goes on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultBootargs } from "../../src/machine/bootargs.js";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn, spawnSync } from "node:child_process";
import { SAMPLE_IMAGES } from "../boot/sample-image.js";
import { Console } from "../boot/console.js";
import { loadCoreModule } from "../../src/node/core-module.js";
import { spawnNodeHart } from "../../src/node/harts.js";
import { readSnapshotFile, writeSnapshotFile } from "../../src/snapshot/snapshot-file.js";
import { encodeManifest } from "../../src/snapshot/manifest.js";
import { prepareRestore, restoreMachine } from "../../src/snapshot/restore-snapshot.js";
import { SnapshotError } from "../../src/snapshot/snapshot-error.js";
import { bootSample, DISKS, Guest, IMAGES } from "./sample-machine.js";

const RVPLAY = fileURLToPath(new URL("../../../bin/rvplay.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "rvplay-snap-"));
const N = 3000;

// The checksum the workload prints: s = (s * 31 + i) mod 1000003, and the
// lines "i s" it appends to its file.
function expected(n: number): { sum: number; md5: string } {
  let s = 0;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) { s = (s * 31 + i) % 1000003; lines.push(`${i} ${s}\n`); }
  return { sum: s, md5: createHash("md5").update(lines.join("")).digest("hex") };
}
const checksumLoop = (n: number, file: string, tag: string) =>
  `(s=0; i=0; while [ $i -lt ${n} ]; do s=$(( (s * 31 + i) % 1000003 )); echo "$i $s" >> ${file}; i=$((i+1)); done; sync; echo "${tag} $s $(md5sum < ${file})") &`;

const lines = async (g: Guest, file: string) => Number((await g.run(`cat ${file} 2>/dev/null | wc -l`)).trim());
const uptime = async (g: Guest) => Number((await g.run("cut -d' ' -f1 /proc/uptime")).trim());

function restoreCli(file: string, args: string[] = []): Console {
  return Console.spawn(process.execPath, [RVPLAY, "boot", "--restore", file, ...args], "rvplay boot --restore");
}

test("1 hart: a snapshot mid-workload finishes in a fresh process as an uninterrupted run; the clock goes on; the next snapshot is small", { timeout: 300_000 }, async () => {
  const { guest, take } = await bootSample(1);
  let file = "";
  let before = 0;
  try {
    guest.send(checksumLoop(N, "/tmp/w.txt", "DONE") + "\n");
    while ((await lines(guest, "/tmp/w.txt")) < N / 10) await new Promise((r) => setTimeout(r, 100));
    before = await uptime(guest);
    const first = await take();
    assert.doesNotMatch(guest.out, /DONE \d/, "the snapshot is taken mid-workload");
    assert.ok(first.stats.pauseMs < 1000, `pause ${first.stats.pauseMs} ms`);
    file = join(dir, "one.rvsnap");
    writeFileSync(file, writeSnapshotFile(first.snapshot));
    // A second snapshot of the same machine stores only what changed.
    await new Promise((r) => setTimeout(r, 300));
    const second = await take();
    assert.ok(second.stats.reusedPacks > 0 && second.stats.newBytes * 4 < first.stats.bytes,
      `second snapshot: ${second.stats.newBytes} new bytes of ${second.stats.bytes}; the first had ${first.stats.bytes}`);
    // The original finishes too, with the same result.
    const done = await guest.until(/DONE (\d+) ([0-9a-f]{32})/, 120_000);
    assert.deepEqual({ sum: Number(done[1]), md5: done[2] }, expected(N));
  } finally {
    await guest.stop();
  }
  const c = restoreCli(file);
  try {
    const done = await c.waitFor(/DONE (\d+) ([0-9a-f]{32})/, 120_000);
    assert.deepEqual({ sum: Number(done[1]), md5: done[2] }, expected(N));
    assert.equal((await c.run("wc -l < /tmp/w.txt")).trim(), String(N));
    const after = Number((await c.run("cut -d' ' -f1 /proc/uptime")).trim());
    assert.ok(after >= before, `guest uptime ${before} s before the snapshot, ${after} s after the restore`);
  } finally {
    c.send("\x01x");
    c.proc.kill();
    await c.exited;
  }
});

test("2 harts: a checksum and a file written on the disk, snapshotted mid-way, both finish after a restore", { timeout: 300_000 }, async () => {
  const { guest, take } = await bootSample(2);
  const file = join(dir, "two.rvsnap");
  try {
    guest.send(checksumLoop(N, "/tmp/a.txt", "SUMA") + "\n");
    guest.send(checksumLoop(N, "/mnt/disk/b.txt", "SUMB") + "\n");
    while ((await lines(guest, "/mnt/disk/b.txt")) < N / 10) await new Promise((r) => setTimeout(r, 100));
    const { snapshot, stats } = await take();
    assert.doesNotMatch(guest.out, /SUM[AB] \d/);
    assert.ok(stats.diskChunks > 0, "the disk's changed chunks are in the snapshot");
    writeFileSync(file, writeSnapshotFile(snapshot));
  } finally {
    await guest.stop();
  }
  const c = restoreCli(file);
  try {
    const a = await c.waitFor(/SUMA (\d+) ([0-9a-f]{32})/, 180_000);
    const b = await c.waitFor(/SUMB (\d+) ([0-9a-f]{32})/, 180_000);
    assert.deepEqual({ sum: Number(a[1]), md5: a[2] }, expected(N));
    assert.deepEqual({ sum: Number(b[1]), md5: b[2] }, expected(N));
    assert.equal((await c.run("nproc")).trim(), "2");
    assert.equal((await c.run("md5sum < /mnt/disk/b.txt")).trim().split(/\s/)[0], expected(N).md5, "the disk holds the file");
  } finally {
    c.send("\x01x");
    c.proc.kill();
    await c.exited;
  }
});

test("Ctrl-A s writes a snapshot here without stopping the guest; --restore answers at once without booting; snapshot info describes it", { timeout: 300_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), "rvplay-ctrl-a-s-"));
  const c = new Console(spawn(process.execPath, [RVPLAY, "boot"], { cwd, env: { ...process.env, RVPLAY_ESCAPE: "1" }, stdio: ["pipe", "pipe", "pipe"] }), "rvplay boot");
  let path = "";
  try {
    await c.waitFor(/root@rvplay:~# $/);
    c.send("n=0; (while :; do n=$((n+1)); echo $n > /tmp/count; sleep 1; done) &\n");
    await c.run("sleep 2");
    c.send("\x01s");
    const m = await c.waitFor(/\[rvplay\] snapshot written to \.\/(rvplay-[0-9-]+\.rvsnap) \(([\d.]+) MB/);
    path = join(cwd, m[1]);
    assert.deepEqual(readdirSync(cwd), [m[1]]);
    assert.equal((await c.run("echo still-$((1+1))")).trim(), "still-2", "the guest goes on");
  } finally {
    c.send("\x01x");
    await c.exited;
  }
  const info = spawn(process.execPath, [RVPLAY, "snapshot", "info", "--json", path]);
  let json = "";
  info.stdout.on("data", (d) => { json += d; });
  assert.equal(await new Promise((r) => info.on("exit", r)), 0);
  const i = JSON.parse(json);
  assert.equal(i.version, 1);
  assert.deepEqual(i.machine, { harts: 1, ramMiB: 256, bootargs: defaultBootargs({ sample: true, verbose: false }) });
  assert.equal(i.ram.pages, 65536);
  assert.ok(i.ram.image > 1000 && i.ram.packed > 0 && i.ram.zero > 60000, JSON.stringify(i.ram));
  assert.ok(i.bytes.total < 1_000_000, `${i.bytes.total} bytes`);
  assert.ok(i.console.bytes > 0);

  const r = restoreCli(path);
  try {
    const t0 = performance.now();
    const count = Number((await r.run("cat /tmp/count")).trim());
    assert.ok(performance.now() - t0 < 30_000);
    const screen = r.output;
    assert.match(screen, /Welcome to rvplay/, "the console screen comes back");
    const afterScreen = screen.slice(screen.lastIndexOf("Welcome to rvplay"));
    assert.doesNotMatch(afterScreen, /OpenSBI|Linux version/, "no boot messages after the saved screen");
    await r.run("sleep 2");
    assert.ok(Number((await r.run("cat /tmp/count")).trim()) > count, "the counter started before the snapshot keeps counting");
  } finally {
    r.send("\x01x");
    r.proc.kill();
    await r.exited;
  }
});

test("a restored clone gets fresh entropy from virtio-rng", { timeout: 300_000 }, async () => {
  const { guest, take } = await bootSample(1, 128);
  const { snapshot } = await take();
  await guest.stop();
  const read = async () => {
    const p = await prepareRestore(snapshot, IMAGES, DISKS);
    const g = new Guest(await restoreMachine(p, await loadCoreModule(), spawnNodeHart));
    try {
      // The drivers hold up to ~128 bytes read before the snapshot
      // (hw_random's and virtio-rng's buffers): look past them.
      return (await g.run("head -c 4096 /dev/hwrng | tail -c 256 | md5sum")).trim();
    } finally {
      await g.stop();
    }
  };
  const a = await read(), b = await read();
  assert.match(a, /^[0-9a-f]{32}/);
  assert.notEqual(a, b);
});

test("bad snapshots are refused with a clear message and a running machine goes on", { timeout: 300_000 }, async () => {
  const { guest, take } = await bootSample(1, 128);
  try {
    const { snapshot } = await take();
    const file = writeSnapshotFile(snapshot);
    const module = await loadCoreModule();
    const attempt = async (bytes: Uint8Array, images = IMAGES) => {
      const p = await prepareRestore(await readSnapshotFile(bytes), images, DISKS);
      const m = await restoreMachine(p, module, spawnNodeHart);
      m.stop();
    };
    const refused = async (what: string, bytes: Uint8Array, code: string, re: RegExp, images = IMAGES) => {
      await assert.rejects(attempt(bytes, images), (e: unknown) => e instanceof SnapshotError && e.code === code && re.test(e.message), what);
    };
    await refused("truncated", file.subarray(0, file.length - 1000), "truncated", /truncated/);
    const tampered = file.slice();
    tampered[file.length - 5000] ^= 1; // inside a pack
    await refused("tampered chunk", tampered, "hash_mismatch", /damaged/);
    const future = file.slice();
    new DataView(future.buffer).setUint32(8, 7, true);
    await refused("future version", future, "future_version", /update rvplay/);
    const big = { ...snapshot, manifest: { ...snapshot.manifest, machine: { ...snapshot.manifest.machine, harts: 16 } } };
    await refused("too many harts", writeSnapshotFile({ ...big, manifestBytes: encodeManifest(big.manifest) }), "limits", /16 harts/);
    await refused("missing base image", file, "missing_image", /kernel 'Image'/, [IMAGES[0]]);
    assert.equal((await guest.run("echo alive-$((2+3))")).trim(), "alive-5", "the running machine is untouched");
  } finally {
    await guest.stop();
  }
  // The CLI says the same and exits non-zero.
  const bad = join(dir, "bad.rvsnap");
  writeFileSync(bad, readFileSync(join(dir, "one.rvsnap")).subarray(0, 5000));
  for (const [args, re] of [[[bad], /cannot restore .*truncated/], [[join(dir, "one.rvsnap"), "--kernel", join(fileURLToPath(new URL("../../../public/images/", import.meta.url)), "fw_dynamic.bin.gz")], /needs the kernel 'Image'/]] as const) {
    const p = spawn(process.execPath, [RVPLAY, "boot", "--restore", ...args]);
    let err = "";
    p.stderr.on("data", (d) => { err += d; });
    p.stdin.end();
    assert.equal(await new Promise((r) => p.on("exit", r)), 1);
    assert.match(err, re);
  }
});

test("a machine on a store disk: Ctrl-A s holds the disk's changes, and --restore brings them back", { timeout: 300_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), "rvplay-store-snap-"));
  const store = join(cwd, "store");
  const add = spawnSync(process.execPath, [RVPLAY, "disk", "add", join(SAMPLE_IMAGES, "disk.img.gz"), "--name", "work", "--store", store], { encoding: "utf8" });
  assert.equal(add.status, 0, add.stdout + add.stderr);
  const c = new Console(spawn(process.execPath, [RVPLAY, "boot", "--store", store, "--disk", "work"], { cwd, env: { ...process.env, RVPLAY_ESCAPE: "1" }, stdio: ["pipe", "pipe", "pipe"] }), "rvplay boot --disk work");
  let path = "";
  try {
    await c.waitFor(/root@rvplay:~# $/, 120_000);
    await c.run("dd if=/dev/urandom of=/mnt/disk/blob bs=1k count=300 2>/dev/null; md5sum /mnt/disk/blob > /tmp/sum; sync");
    c.send("\x01s");
    const m = await c.waitFor(/\[rvplay\] snapshot written to \.\/(rvplay-[0-9-]+\.rvsnap)/, 120_000);
    path = join(cwd, m[1]);
    // Written after the snapshot: not in it.
    await c.run("echo later > /mnt/disk/later; sync");
  } finally {
    c.send("\x01x");
    await c.exited;
  }
  // Restored with the sample's disk image as the base (the CLI's default).
  const r = restoreCli(path);
  try {
    const sum = (await r.run("cat /tmp/sum")).trim();
    assert.equal((await r.run("md5sum /mnt/disk/blob")).trim(), sum, "the disk as it was at the snapshot");
    assert.equal((await r.run("[ -e /mnt/disk/later ] && echo later || echo none")).trim(), "none");
  } finally {
    r.send("\x01x");
    r.proc.kill();
    await r.exited;
  }
});
