// The page's check of your own boot files: RISC-V or not, corrupt gzip, and
// what fits the chosen RAM, which must agree with what the machine itself
// accepts (VirtMachine.create lays the files out and refuses what does not fit).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BootFileError, checkBootFiles, FW_JUMP_FDT_OFFSET, fuzzBootCheck, inflateIfGzip, type BootBytes } from "../../src/ui/boot-check.js";
import { SAMPLE_IMAGES } from "../boot/sample-image.js";
import { makeElf } from "../cli/make-elf.js";
import { loadCoreModule } from "../../src/node/core-module.js";
import { VirtMachine } from "../../src/machine/virt-machine.js";
import { ImageError } from "../../src/machine/boot-images.js";
import { MiB } from "../../src/machine/core.js";

const gz = (name: string) => new Uint8Array(readFileSync(join(SAMPLE_IMAGES, `${name}.gz`)));
const firmware = await inflateIfGzip(gz("fw_dynamic.bin"), "firmware");
const kernel = await inflateIfGzip(gz("Image"), "kernel");

// A RISC-V Linux Image header (Documentation/riscv/boot-image-header.rst)
// whose image_size is `size`, in a file of `fileBytes`.
function linuxImage(size: number, fileBytes = 4096): Uint8Array {
  const b = new Uint8Array(fileBytes);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0x10, BigInt(size), true);
  b.set([0x52, 0x53, 0x43, 0x05], 0x38); // "RSC\x05"
  return b;
}

// An ELF header for another machine (x86-64, e_machine 62), as /bin/true is.
function x86Elf(): Uint8Array {
  const b = new Uint8Array(4096);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  const dv = new DataView(b.buffer);
  dv.setUint16(16, 3, true);  // ET_DYN
  dv.setUint16(18, 62, true); // EM_X86_64
  return b;
}

// What the machine says: undefined when it accepts the files, else its message.
async function machineSays(f: BootBytes, ramMiB: number): Promise<string | undefined> {
  try {
    await VirtMachine.create(await loadCoreModule(), {
      ramBytes: ramMiB * MiB, harts: 1, firmware: f.firmware, kernel: f.kernel, initrd: f.initrd, bootargs: "console=ttyS0",
    }, () => { throw new Error("no hart is started by create()"); });
    return undefined;
  } catch (e) {
    if (e instanceof ImageError) return e.message;
    throw e;
  }
}

test("the sample's firmware and kernel pass at the smallest RAM", () => {
  assert.deepEqual(checkBootFiles({ firmware, kernel }, 64), []);
  // Unpacked whole: the size the image's manifest gives.
  const manifest = JSON.parse(readFileSync(join(SAMPLE_IMAGES, "manifest.json"), "utf8")) as { files: { name: string; size: number }[] };
  assert.equal(kernel.length, manifest.files.find((f) => f.name === "Image")!.size);
});

test("a non-RISC-V kernel, a text file and an empty file are refused by name", () => {
  const p = checkBootFiles({ firmware, kernel: x86Elf() }, 256);
  assert.equal(p.length, 1);
  assert.equal(p[0].slot, "kernel");
  assert.match(p[0].message, /not a RISC-V ELF \(e_machine 62\)/);
  const arm = linuxImage(0);
  arm.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  assert.match(checkBootFiles({ firmware, kernel: arm }, 256)[0].message, /ARM64 Linux image, not a RISC-V one/);
  const text = new TextEncoder().encode("#!/bin/sh\necho hello\n");
  const both = checkBootFiles({ firmware: text, kernel: new Uint8Array(0) }, 256);
  assert.deepEqual(both.map((x) => x.slot), ["firmware", "kernel"]);
  assert.match(both[0].message, /looks like a text file/);
  assert.match(both[1].message, /empty/);
});

test("a corrupt or truncated gzip file is reported by name", async () => {
  const image = gz("Image");
  const truncated = image.subarray(0, image.length >> 1);
  await assert.rejects(inflateIfGzip(truncated, "kernel", "kernel 'Image.gz'"),
    (e: unknown) => e instanceof BootFileError && e.slot === "kernel" && /^the kernel 'Image.gz' is a corrupt gzip file/.test(e.message));
  const flipped = image.slice();
  for (let i = 100; i < 200; i++) flipped[i] ^= 0x5a;
  await assert.rejects(inflateIfGzip(flipped, "initrd"), (e: unknown) => e instanceof BootFileError && e.slot === "initrd");
  // Not gzip at all: handed back as it is.
  assert.equal(await inflateIfGzip(firmware, "firmware"), firmware);
});

test("too large for the RAM: the page's limits are the machine's own", async () => {
  // The kernel ends below fw_jump's DTB copy, whatever the RAM.
  const room = FW_JUMP_FDT_OFFSET - 0x200000;
  assert.deepEqual(checkBootFiles({ firmware, kernel: linuxImage(room) }, 64), []);
  assert.equal(await machineSays({ firmware, kernel: linuxImage(room) }, 64), undefined);
  const big = checkBootFiles({ firmware, kernel: linuxImage(room + 1) }, 2048);
  assert.match(big[0].message, /the kernel needs 32\.0 MiB once loaded, but at most 32\.0 MiB fit/);
  assert.equal(await machineSays({ firmware, kernel: linuxImage(room + 1) }, 2048), big[0].message);
  // The firmware must end where the kernel starts.
  for (const [n, ok] of [[0x200000, true], [0x200001, false]] as const) {
    const fw = new Uint8Array(n).fill(0x13); // not text, so a flat binary
    assert.equal(checkBootFiles({ firmware: fw, kernel }, 64).length === 0, ok, `firmware of ${n} bytes`);
    assert.equal(await machineSays({ firmware: fw, kernel }, 64) === undefined, ok, `the machine, firmware of ${n} bytes`);
  }
  // The initrd goes below the DTB at the top of RAM: find the page's limit
  // for 64 MiB and ask the machine either side of it.
  let lo = 0, hi = 64 * MiB;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (checkBootFiles({ firmware, kernel, initrd: new Uint8Array(mid) }, 64).length === 0) lo = mid; else hi = mid;
  }
  assert.ok(lo > 20 * MiB && lo < 30 * MiB, `initrd limit at 64 MiB: ${lo}`);
  assert.equal(await machineSays({ firmware, kernel, initrd: new Uint8Array(lo) }, 64), undefined);
  const p = checkBootFiles({ firmware, kernel, initrd: new Uint8Array(lo + 1) }, 64);
  assert.equal(await machineSays({ firmware, kernel, initrd: new Uint8Array(lo + 1) }, 64), p[0].message);
  assert.equal(p[0].slot, "initrd");
  const need = Number(/needs at least (\d+) MiB/.exec(p[0].message)?.[1]);
  assert.ok(need > 64, p[0].message);
  assert.deepEqual(checkBootFiles({ firmware, kernel, initrd: new Uint8Array(lo + 1) }, need), []);
});

// makeElf's program, moved to `base` (its one segment and its entry point moved to `entry`).
function elfAt(base: bigint, entry = base): Uint8Array {
  const b = makeElf([0x00000013]);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(24, entry, true);
  dv.setBigUint64(64 + 16, base, true);
  dv.setBigUint64(64 + 24, base, true);
  return b;
}

test("ELF kernels and firmware: the page's verdicts are the machine's", async () => {
  const kernelBase = 0x80200000n;
  const cases: [string, BootBytes, RegExp | undefined][] = [
    ["an ELF firmware at the start of RAM", { firmware: elfAt(0x80000000n), kernel }, undefined],
    ["an ELF kernel where fw_jump jumps", { firmware, kernel: elfAt(kernelBase) }, undefined],
    ["an ELF kernel whose entry is elsewhere", { firmware, kernel: elfAt(kernelBase, kernelBase + 0x100000n) }, /entry point .* is not 0x80200000/],
    ["an ELF kernel at the firmware's place", { firmware, kernel: elfAt(0x80000000n, kernelBase) }, /below its place|not 0x80200000/],
    ["an ELF firmware whose entry is not loaded", { firmware: elfAt(0x80000000n, 0x80100000n), kernel }, /not in any of its loaded segments/],
    ["an ELF firmware outside RAM", { firmware: elfAt(0x1000n), kernel }, /below its place|not in guest RAM/],
  ];
  for (const [what, files, refused] of cases) {
    const page = checkBootFiles(files, 64);
    const machine = await machineSays(files, 64);
    if (!refused) {
      assert.deepEqual(page, [], what);
      assert.equal(machine, undefined, what);
    } else {
      assert.equal(page.length, 1, `${what}: ${JSON.stringify(page)}`);
      assert.match(page[0].message, refused, what);
      assert.ok(machine, `${what}: the machine accepted what the page refuses`);
    }
  }
});

test("a disk smaller than a sector is refused", () => {
  assert.match(checkBootFiles({ firmware, kernel, disk: new Uint8Array(100) }, 64)[0].message, /smaller than one 512-byte sector/);
  assert.deepEqual(checkBootFiles({ firmware, kernel, disk: new Uint8Array(512) }, 64), []);
});

test("any bytes: problems, never an exception; inflate throws only BootFileError", async () => {
  let seed = 99;
  const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed >>> 16; };
  const seeds = [x86Elf(), linuxImage(1 << 20), firmware.subarray(0, 4096), new Uint8Array(64)];
  for (let i = 0; i < 600; i++) {
    const b = seeds[i % seeds.length].slice(0, 64 + (rand() % 4000));
    for (let k = rand() % 8; k >= 0; k--) b[rand() % b.length] = rand() & 0xff;
    if (i % 5 === 0) b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1], 0);
    assert.ok(Array.isArray(fuzzBootCheck(b)));
    if (i % 10 === 0) {
      b.set([0x1f, 0x8b], 0);
      await inflateIfGzip(b, "disk").catch((e) => assert.ok(e instanceof BootFileError, String(e)));
    }
  }
});
