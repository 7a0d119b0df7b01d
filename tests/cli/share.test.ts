// `rvplay boot --share DIR` end to end with the sample image, which mounts
// the share at /mnt/host by itself: the guest reads a host file (SHA-256),
// writes one the host then reads (SHA-256), makes, renames and removes
// directories, and cannot reach outside DIR through "..", a symlink pointing
// out or an absolute symlink; `--share DIR,ro` refuses every write. Bad
// --share arguments get a message before anything boots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../boot/console.js";
import { bootSample } from "../snapshot/sample-machine.js";
import { writeSnapshotFile } from "../../src/snapshot/snapshot-file.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const PROMPT = /root@rvplay:[^\n]*# $/m;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function withGuest(args: string[], body: (c: Console) => Promise<void>): Promise<void> {
  const c = Console.spawn(process.execPath, [cli, "boot", "--mem", "128", ...args], `rvplay boot ${args.join(" ")}`);
  try {
    await c.waitFor(PROMPT, 180_000);
    await body(c);
    c.send("poweroff\n");
    assert.equal(await c.exited, 0);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
}

test("--share DIR: the guest reads and writes files (checksums agree), makes, renames and removes directories, and cannot escape", { timeout: 400_000 }, async () => {
  const top = mkdtempSync(join(tmpdir(), "rvplay-share-"));
  const dir = join(top, "shared");
  const outside = join(top, "outside");
  mkdirSync(dir);
  mkdirSync(outside);
  writeFileSync(join(outside, "secret.txt"), "host secret\n");
  const input = randomBytes(3 * 2 ** 20 + 12345); // several msize-sized reads and a partial one
  writeFileSync(join(dir, "in.bin"), input);
  symlinkSync("../outside", join(dir, "up")); // points out of the share
  symlinkSync(outside, join(dir, "abs")); // an absolute symlink to the same place
  try {
    await withGuest(["--share", dir], async (c) => {
      assert.match(await c.run("grep ' /mnt/host ' /proc/mounts"), /^host \/mnt\/host 9p .*trans=virtio/m);
      // Host -> guest.
      assert.equal((await c.run("sha256sum /mnt/host/in.bin")).split(" ")[0], sha(input));
      // Guest -> host: random bytes the guest makes, with its own checksum.
      const guestSum = (await c.run("dd if=/dev/urandom of=/mnt/host/out.bin bs=65536 count=40 2>/dev/null && sha256sum /mnt/host/out.bin")).split(" ")[0];
      // Directories: make, rename, remove.
      await c.run("mkdir -p /mnt/host/a/b/c && echo note > /mnt/host/a/b/c/n.txt && mv /mnt/host/a/b /mnt/host/a/moved && mv /mnt/host/out.bin /mnt/host/a/out.bin");
      await c.run("mkdir /mnt/host/gone && rmdir /mnt/host/gone");
      assert.equal((await c.run("cat /mnt/host/a/moved/c/n.txt")).trim(), "note");
      assert.match(await c.run("rmdir /mnt/host/a/moved 2>&1; echo status=$?"), /status=1/, "a non-empty directory is not removed");
      // Escapes. The guest resolves symlinks in its own namespace: neither
      // the relative nor the absolute one reaches the host's file.
      const up = await c.run("cat /mnt/host/up/secret.txt 2>&1; echo status=$?");
      const abs = await c.run("cat /mnt/host/abs/secret.txt 2>&1; echo status=$?");
      const dots = await c.run("cat /mnt/host/../outside/secret.txt /mnt/host/../../outside/secret.txt 2>&1; ls /mnt/host/.. 2>&1");
      for (const out of [up, abs, dots]) assert.doesNotMatch(out, /host secret/);
      assert.match(up, /status=1/);
      assert.match(abs, /status=1/);
      // A symlink the guest makes and writes through lands in the guest's own
      // namespace, never at the host path it names.
      await c.run(`ln -s ${outside}/planted /mnt/host/plant; ln -s ../outside/planted2 /mnt/host/plant2; echo pwned > /mnt/host/plant 2>/dev/null; echo pwned > /mnt/host/plant2 2>/dev/null; true`);
      assert.equal((await c.run("cat /mnt/host/in.bin > /dev/null && echo ok")).trim(), "ok");
      await c.run("sync");
      // The host's side, while the guest still runs.
      assert.equal(sha(readFileSync(join(dir, "a", "out.bin"))), guestSum);
      assert.equal(readFileSync(join(dir, "a", "moved", "c", "n.txt"), "utf8"), "note\n");
    });
    assert.equal(existsSync(join(dir, "gone")), false);
    assert.equal(existsSync(join(dir, "a", "b")), false);
    assert.equal(existsSync(join(outside, "planted")), false, "nothing was written outside the share");
    assert.equal(existsSync(join(outside, "planted2")), false);
    assert.deepEqual(readdirSync(outside), ["secret.txt"]);
    assert.equal(readFileSync(join(outside, "secret.txt"), "utf8"), "host secret\n");
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
});

test("--share DIR,ro: the guest reads, and every write is refused", { timeout: 400_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-share-ro-"));
  writeFileSync(join(dir, "keep.txt"), "read only\n");
  mkdirSync(join(dir, "sub"));
  try {
    await withGuest(["--share", `${dir},ro`], async (c) => {
      assert.equal((await c.run("cat /mnt/host/keep.txt")).trim(), "read only");
      for (const cmd of ["echo x > /mnt/host/new.txt", "echo x >> /mnt/host/keep.txt", "rm /mnt/host/keep.txt", "mkdir /mnt/host/d",
        "rmdir /mnt/host/sub", "mv /mnt/host/keep.txt /mnt/host/k2", "touch /mnt/host/keep.txt", "chmod 600 /mnt/host/keep.txt", "ln -s x /mnt/host/l"]) {
        const out = await c.run(`${cmd} 2>&1; echo status=$?`);
        assert.match(out, /status=[1-9]/, `${cmd} succeeded: ${out}`);
      }
      assert.match(await c.run("echo x > /mnt/host/new.txt"), /Read-only file system/);
    });
    assert.deepEqual(readdirSync(dir).sort(), ["keep.txt", "sub"]);
    assert.equal(readFileSync(join(dir, "keep.txt"), "utf8"), "read only\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--share with a missing directory, a file, or nothing: a message and status 1, before booting", () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-share-bad-"));
  writeFileSync(join(dir, "file"), "x");
  try {
    for (const [arg, msg] of [[join(dir, "nope"), /cannot share '.*nope': no such directory/], [join(dir, "file"), /not a directory/], [",ro", /--share needs a directory/]] as const) {
      const r = spawnSync(process.execPath, [cli, "boot", "--share", arg], { encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, msg);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--share with snapshots: Ctrl-A s holds the shared folder's session; --restore without --share gives an empty folder in memory and says so, with it the guest's /mnt/host works on", { timeout: 400_000 }, async () => {
  const top = mkdtempSync(join(tmpdir(), "rvplay-share-snap-"));
  const dir = join(top, "shared");
  mkdirSync(dir);
  const input = randomBytes(200_000);
  writeFileSync(join(dir, "in.bin"), input);
  let snap = "";
  try {
    const c = new Console(spawn(process.execPath, [cli, "boot", "--mem", "128", "--share", dir], { cwd: top, env: { ...process.env, RVPLAY_ESCAPE: "1" }, stdio: ["pipe", "pipe", "pipe"] }), "rvplay boot --share");
    try {
      await c.waitFor(PROMPT, 180_000);
      await c.run("echo before > /mnt/host/before.txt; exec 3</mnt/host/in.bin");
      c.send("\x01s");
      const m = await c.waitFor(/\[rvplay\] snapshot written to \.\/(rvplay-[0-9-]+\.rvsnap)/);
      snap = join(top, m[1]);
    } finally {
      c.send("\x01x");
      await c.exited;
    }
    const info = spawnSync(process.execPath, [cli, "snapshot", "info", snap], { encoding: "utf8" });
    assert.match(info.stdout, /virtio-9p@\d/, info.stdout + info.stderr);

    // Without --share: an empty folder in memory, said so; the held file fails rather than reads other bytes.
    const bare = Console.spawn(process.execPath, [cli, "boot", "--restore", snap], "rvplay boot --restore (no --share)");
    try {
      await bare.waitFor(/had a shared folder \(\/mnt\/host\); without --share DIR it gets an empty one in memory/);
      assert.match(await bare.run("cat <&3 >/dev/null 2>&1; echo status=$?"), /status=[1-9]/);
      assert.equal((await bare.run("ls -A /mnt/host | wc -l")).trim(), "0");
      assert.equal((await bare.run("echo m > /mnt/host/m && cat /mnt/host/m")).trim(), "m");
    } finally {
      bare.send("\x01x");
      bare.proc.kill();
      await bare.exited;
    }
    assert.equal(existsSync(join(dir, "m")), false, "the in-memory folder is not the host's");

    const r = Console.spawn(process.execPath, [cli, "boot", "--restore", snap, "--share", dir], "rvplay boot --restore --share");
    try {
      assert.equal((await r.run("sha256sum <&3")).split(" ")[0], sha(input), "the file held open before the snapshot reads on");
      assert.equal((await r.run("cat /mnt/host/before.txt")).trim(), "before");
      await r.run("echo after > /mnt/host/after.txt; sync");
      assert.equal(readFileSync(join(dir, "after.txt"), "utf8"), "after\n");
    } finally {
      r.send("\x01x");
      r.proc.kill();
      await r.exited;
    }
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
});

test("--restore of a snapshot without a shared folder refuses --share, by name", { timeout: 300_000 }, async () => {
  const top = mkdtempSync(join(tmpdir(), "rvplay-share-nosnap-"));
  const { guest, take } = await bootSample(1, 128);
  try {
    const file = join(top, "plain.rvsnap");
    writeFileSync(file, writeSnapshotFile((await take()).snapshot));
    await guest.stop();
    const r = spawnSync(process.execPath, [cli, "boot", "--restore", file, "--share", top], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /had no shared folder: drop --share/);
  } finally {
    await guest.stop().catch(() => {});
    rmSync(top, { recursive: true, force: true });
  }
});
