// The sample image boots headless in Node to a shell; commands run and their
// output comes back; the disk works; poweroff ends the process cleanly.
// Where QEMU is installed, the same image boots to the same prompt there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync, openSync, ftruncateSync, closeSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Console } from "./console.js";
import { unpackSampleImage, qemuSystem as qemu, SAMPLE_IMAGES as images } from "./sample-image.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "rvplay.js");
const PROMPT = /root@rvplay:[^\n]*# $/m;

test("the sample image boots to a shell in Node and runs commands", { timeout: 180_000 }, async () => {
  const c = Console.spawn(process.execPath, [cli, "boot", "--mem", "128"], "rvplay boot");
  try {
    await c.waitFor(/Welcome to rvplay/, 120_000);
    await c.waitFor(PROMPT, 60_000);
    assert.equal((await c.run("uname -m")).trim(), "riscv64");
    const cpuinfo = await c.run("cat /proc/cpuinfo");
    assert.match(cpuinfo, /^processor\s*: 0$/m);
    assert.match(cpuinfo, /^isa\s*: rv64imafdc/m);
    assert.match(cpuinfo, /^mmu\s*: sv39$/m);
    assert.equal((await c.run("grep -c ^processor /proc/cpuinfo")).trim(), "1");
    assert.match(await c.run("free -m"), /Mem:\s+1[0-2]\d\s/); // 128 MiB less the kernel
    // The disk: a file from the image, and a file that survives sync + remount.
    assert.equal((await c.run("cat /mnt/disk/hello.txt")).trim(), "hello from the rvplay disk");
    await c.run("echo written-by-test > /mnt/disk/new.txt && sync && umount /mnt/disk && mount -t ext4 /dev/vda /mnt/disk");
    assert.equal((await c.run("cat /mnt/disk/new.txt")).trim(), "written-by-test");
    assert.match(await c.run("mount"), /\/dev\/vda on \/mnt\/disk type ext4 \(rw/);
    // Floating point through busybox awk (soft-float results checked by hand).
    assert.equal((await c.run("awk 'BEGIN { printf \"%.6f\\n\", sqrt(2) * 3.5 }'")).trim(), "4.949747");
    c.send("poweroff\n");
    assert.equal(await c.exited, 0);
    assert.match(c.output, /reboot: Power down/);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
});

test("a writable disk keeps what the guest wrote after power-off", { timeout: 180_000 }, async () => {
  const disk = join(unpackSampleImage(["disk.img"], "rvplay-disk-"), "disk.img");
  const c = Console.spawn(process.execPath, [cli, "boot", "--mem", "96", "--disk", disk, "--disk-writable"], "rvplay boot");
  try {
    await c.waitFor(PROMPT, 120_000);
    await c.run("echo persisted-$((6 * 7)) > /mnt/disk/kept.txt && sync");
    c.send("poweroff\n");
    assert.equal(await c.exited, 0);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
  const c2 = Console.spawn(process.execPath, [cli, "boot", "--mem", "96", "--disk", disk], "rvplay boot (again)");
  try {
    await c2.waitFor(PROMPT, 120_000);
    assert.equal((await c2.run("cat /mnt/disk/kept.txt")).trim(), "persisted-42");
    c2.send("poweroff\n");
    assert.equal(await c2.exited, 0);
  } finally {
    if (c2.exitCode === null) c2.proc.kill("SIGKILL");
  }
});

test("bad input gets a clear message and a non-zero exit", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-bad-"));
  const text = join(dir, "notes.txt");
  writeFileSync(text, "just some text\n");
  const arm = join(dir, "arm64-Image");
  const armBytes = new Uint8Array(4096);
  armBytes.set(new TextEncoder().encode("ARM\x64"), 0x38);
  writeFileSync(arm, armBytes);
  const cases: [string[], RegExp][] = [
    [["--kernel", join(dir, "missing")], /cannot read the kernel '.*missing': no such file/],
    [["--kernel", text], /the kernel looks like a text file, not a boot image/],
    [["--kernel", arm], /the kernel is an ARM64 Linux image, not a RISC-V one/],
    [["--mem", "32"], /--mem '32': RAM must be a whole number of MiB from 64 to 2048/],
    [["--mem", "lots"], /--mem 'lots': RAM must be a whole number of MiB from 64 to 2048/],
    [["--cpus", "9"], /--cpus '9': vCPUs must be a whole number from 1 to 8/],
    [["--disk", join(dir, "nodisk.img")], /cannot read the disk image/],
    [["--disk", join(images, "disk.img.gz"), "--disk-writable"], /is gzip-compressed: decompress it to write to it in place/],
  ];
  for (const [args, re] of cases) {
    const c = Console.spawn(process.execPath, [cli, "boot", ...args], `rvplay boot ${args.join(" ")}`);
    const code = await c.exited;
    assert.notEqual(code, 0, args.join(" "));
    assert.match(c.output, re);
    assert.doesNotMatch(c.output, /\n\s+at /, "no stack trace"); // a message, not a crash
  }
});

test("the same image boots to the same prompt under QEMU virt", { timeout: 180_000, skip: qemu() ? false : "qemu-system-riscv64 not installed" }, async () => {
  const dir = unpackSampleImage();
  const c = Console.spawn(qemu()!, ["-M", "virt", "-nographic", "-m", "128M", "-smp", "1",
    "-bios", join(dir, "fw_dynamic.bin"), "-kernel", join(dir, "Image"), "-append", "console=ttyS0",
    "-drive", `file=${join(dir, "disk.img")},format=raw,if=none,id=d0`, "-device", "virtio-blk-device,drive=d0"], "qemu");
  try {
    await c.waitFor(PROMPT, 120_000);
    assert.doesNotMatch(c.output, /failed with error|already claimed/, "no driver fails to probe under QEMU either");
    assert.equal((await c.run("uname -m")).trim(), "riscv64");
    assert.equal((await c.run("cat /mnt/disk/hello.txt")).trim(), "hello from the rvplay disk");
    c.send("poweroff\n");
    await c.waitFor(/reboot: Power down/, 60_000);
    await c.exited;
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
});

const UBOOT = "/usr/lib/u-boot/qemu-riscv64_smode";

test("Debian's S-mode U-Boot boots as --kernel (flat binary and ELF) to its prompt", {
  timeout: 120_000, skip: existsSync(`${UBOOT}/u-boot.bin`) ? false : "u-boot-qemu not installed",
}, async () => {
  for (const kernel of [`${UBOOT}/u-boot.bin`, `${UBOOT}/uboot.elf`]) {
    const c = Console.spawn(process.execPath, [cli, "boot", "--kernel", kernel, "--no-disk", "--mem", "128"], `u-boot ${kernel}`);
    try {
      await c.waitFor(/Hit any key to stop autoboot/, 60_000);
      c.send(" "); // stop autoboot
      await c.waitFor(/=> $/m, 60_000);
      const from = c.output.length;
      c.send("version\n");
      await c.waitFor(/U-Boot 20\d\d/, 30_000, from);
    } finally {
      c.proc.kill("SIGKILL");
      await c.exited;
    }
  }
});

test("a raw disk larger than memory would hold is read on demand (a sparse 3 GiB image)", { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "rvplay-big-"));
  const disk = join(dir, "big.img");
  const fd = openSync(disk, "w");
  ftruncateSync(fd, 3 * 1024 ** 3);
  closeSync(fd);
  const c = Console.spawn(process.execPath, [cli, "boot", "--mem", "96", "--disk", disk], "rvplay boot (3 GiB disk)");
  try {
    await c.waitFor(PROMPT, 120_000);
    assert.equal((await c.run("cat /sys/block/vda/size")).trim(), String(3 * 1024 ** 3 / 512));
    // Write at the far end, read it back (the write stays in memory).
    assert.equal((await c.run("echo far-end | dd of=/dev/vda bs=512 seek=6291000 conv=fsync 2>/dev/null; dd if=/dev/vda bs=512 skip=6291000 count=1 2>/dev/null | head -c 7")).trim(), "far-end");
    c.send("poweroff\n");
    assert.equal(await c.exited, 0);
  } finally {
    if (c.exitCode === null) c.proc.kill("SIGKILL");
  }
  assert.equal(statSync(disk).blocks, 0, "the image file is untouched (still all holes)");
});
