// The built Debian image (npm run image:debian) boots on rvplay: Debian's own
// kernel and initramfs, the ext4 root on /dev/vda, systemd to an auto-login
// root shell on ttyS0, where python3, apt and dpkg work. Its disk base reads
// back as the raw disk. Skips, saying why, where the image is not built (it
// is not committed, and CI does not build it: about 15-25 minutes).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "../boot/console.js";
import { DiskBaseReader } from "../../image/debian/disk-base.js";
import { describeFile } from "../../image/debian/describe-file.js";
import { parseImageManifest } from "../../image/debian/image-manifest.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const out = process.env.RVPLAY_DEBIAN_OUT || join(root, "image", "debian", "out");
const manifestPath = join(out, "image.json");
const skip = existsSync(manifestPath) ? false : `no Debian image in ${out}: run npm run image:debian first`;
const PROMPT = /root@rvplay:~# $/m;

function image() {
  return parseImageManifest(readFileSync(manifestPath));
}

test("the built image's files are the ones image.json names, and its disk base reads back as disk.img", { skip, timeout: 300_000 }, () => {
  const m = image();
  assert.deepEqual(describeFile(join(out, m.kernel.file), m.kernel.file), m.kernel);
  assert.deepEqual(describeFile(join(out, m.initrd.file), m.initrd.file), m.initrd);
  // The kernel is a RISC-V Linux Image: "RISCV\0\0\0" at 0x30, "RSC\x05" at 0x38.
  const head = readFileSync(join(out, m.kernel.file)).subarray(0, 64);
  assert.equal(Buffer.from(head.subarray(0x38, 0x3c)).toString("latin1"), "RSC\x05");
  const raw = readFileSync(join(out, m.disk.raw));
  assert.equal(raw.length, m.disk.size);
  const reader = DiskBaseReader.open(join(out));
  assert.equal(reader.manifest.size, m.disk.size);
  const cs = reader.manifest.chunkSize;
  assert.equal(cs, 65536, "the recipe cuts the disk in 64 KiB chunks (build.sh)");
  let differ = -1;
  const hash = reader.verify((i, bytes) => {
    if (differ < 0 && Buffer.compare(bytes, raw.subarray(i * cs, i * cs + bytes.length)) !== 0) differ = i;
  });
  assert.equal(differ, -1, `chunk ${differ} differs from disk.img`);
  assert.equal(hash, m.disk.sha256);
  // The ext4 superblock (at 1024, magic 0xEF53 at +0x38) with the recipe's label.
  assert.equal(raw.readUInt16LE(1024 + 0x38), 0xef53);
  assert.equal(raw.subarray(1024 + 0x78, 1024 + 0x78 + 13).toString("latin1"), "debian-rvplay");
});

test("Debian boots on rvplay to a root shell; python3, apt and dpkg work", { skip, timeout: 40 * 60_000 }, async (t) => {
  const m = image();
  const t0 = performance.now();
  // --image debian: the CLI reads image.json (RVPLAY_DEBIAN_OUT, else
  // image/debian/out); its disk is a disk of a store (a throw-away one
  // here); --from-scratch boots even where the image's snapshot could resume.
  const store = mkdtempSync(join(tmpdir(), "rvplay-debian-store-"));
  t.after(() => rmSync(store, { recursive: true, force: true }));
  const c = Console.spawn(process.execPath, [cli, "boot", "--image", "debian", "--from-scratch", "--store", store, "--cpus", "2"], "rvplay boot --image debian");
  try {
    // The command line says quiet: systemd's banner is not shown, the prompt
    // is. (The machine also has a virtio console, hvc0: the image starts no
    // getty there unless console=hvc0; instant-start.test.ts checks.)
    await c.waitFor(/Debian GNU\/Linux 13 rvplay ttyS0[\s\S]*root@rvplay:~# $/, 30 * 60_000);
    t.diagnostic(`boot to the root prompt: ${((performance.now() - t0) / 1000).toFixed(1)} s (2 harts, ${m.memMiB} MiB)`);
    const run = (cmd: string, ms = 300_000) => c.run(cmd, ms);

    assert.match((await run("cat /etc/debian_version")).trim(), /^13\.\d+$/);
    assert.equal((await run("python3 -c 'print(6*7)'")).trim(), "42");
    const installed = Number((await run("apt list --installed 2>/dev/null | grep -c '\\[installed'")).trim());
    assert.equal(installed, m.debian.packages, "apt lists every package of the lock as installed");
    assert.match(await run("dpkg -l bash"), /^ii\s+bash\s+5\.\S+\s+riscv64\s/m);
    const osRelease = await run("cat /etc/os-release");
    assert.match(osRelease, /^PRETTY_NAME="Debian GNU\/Linux 13 \(trixie\)"$/m);
    assert.match(osRelease, /^VERSION_CODENAME=trixie$/m);
    assert.equal((await run("uname -r")).trim(), m.linux);
    assert.equal((await run("uname -m")).trim(), "riscv64");
    assert.equal((await run("findmnt -n -o SOURCE,FSTYPE /")).trim().replace(/\s+/g, " "), "/dev/vda ext4");
    assert.equal((await run("nproc")).trim(), "2");
    assert.equal((await run("cat /etc/hostname")).trim(), "rvplay");
    // The drivers came from the initramfs as modules (Debian builds them so).
    const mods = await run("cut -d' ' -f1 /proc/modules");
    for (const mod of ["virtio_blk", "virtio_mmio", "ext4"]) assert.match(mods, new RegExp(`^${mod}$`, "m"), `${mod} is loaded`);
    // Writes go to the store disk's overlay; apt's own state is usable.
    assert.equal((await run("echo hello > /root/f && cat /root/f && rm /root/f")).trim(), "hello");
    assert.match(await run("apt-config dump Dir::Etc::SourceParts"), /sources\.list\.d/);
    // What systemd thinks, and what the kernel complained about, for the report.
    t.diagnostic(`systemctl is-system-running: ${(await run("systemctl is-system-running")).trim()}`);
    const failed = (await run("systemctl --failed --plain --no-legend --no-pager")).trim();
    t.diagnostic(`failed units: ${failed || "none"}`);
    t.diagnostic(`kernel warnings and errors:\n${(await run("dmesg --level=emerg,alert,crit,err,warn --notime | head -40")).trim()}`);
    assert.equal(failed, "", "no systemd unit failed");

    c.send("poweroff\n");
    assert.equal(await c.exited, 0, "rvplay exits 0 when Debian powers off");
    assert.match(c.output, /reboot: Power down/);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
});
