// rvplay boot: the virt machine with the serial console on this terminal.
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createServer } from "node:net";
import { loadCoreModule } from "../node/core-module.js";
import { readBootFile, SAMPLE_DIR } from "../node/boot-files.js";
import { VirtMachine } from "../machine/virt-machine.js";
import { spawnNodeHart } from "../node/harts.js";
import type { DeviceSpec } from "../devices/specs.js";
import { spawnNodeIo } from "../node/io.js";
import { ImageError, isGzip } from "../machine/boot-images.js";
import { CoreError, MiB } from "../machine/core.js";
import { checkHarts, checkRamMiB, MIN_RAM_MIB, MAX_RAM_MIB, MAX_HARTS } from "../machine/shape.js";
import { DEFAULT_RAM_MIB } from "../../wasm-core/limits.js";
import { HostForwardError, parseHostForward } from "../net/hostfwd.js";

export const BOOT_USAGE = `  boot                  boot the sample Linux image (or your own) with the
                        serial console on this terminal; Ctrl-A x quits
      --cpus N               harts, 1 to ${MAX_HARTS}, each in its own worker thread
      --mem MiB              guest RAM (default ${DEFAULT_RAM_MIB}, at least ${MIN_RAM_MIB}, at most ${MAX_RAM_MIB})
      --kernel FILE          kernel: RISC-V Linux Image, ELF or flat binary
                             (e.g. S-mode U-Boot), gzip allowed
      --firmware FILE        M-mode firmware (default: OpenSBI fw_jump)
      --initrd FILE          initial ramdisk
      --append STR           kernel command line (default "console=ttyS0 quiet";
                             it replaces the whole line, --verbose included)
      --verbose              boot with the kernel's full log (drops "quiet")
      --disk FILE            raw disk image for /dev/vda (default: the sample
                             disk); guest writes stay in memory unless
      --disk-writable        writes go to FILE
      --no-disk              no disk
      --net user|none        the network card: "user" (default) is a virtio-net
                             NIC on a user-mode network like QEMU's -nic user:
                             the guest gets 10.0.2.15 by DHCP, 10.0.2.2 is this
                             machine's loopback, 10.0.2.3 the DNS resolver, and
                             its TCP/UDP goes out through this process's sockets;
                             "none" leaves the card out; RVPLAY_NET_DNS=
                             host[:port],... names DNS servers to ask instead
                             of this system's resolver
      --net-forward SPEC     host port to a guest port, repeatable:
                             tcp:HOSTPORT:GUESTPORT, or QEMU's hostfwd form
                             tcp:[HOSTADDR]:HOSTPORT-[10.0.2.15]:GUESTPORT
                             (host address default 127.0.0.1)
`;

const CTRL_A = 0x01;

// The kernel command line: quiet by default (the user reads the banner and
// the prompt, not the kernel's log); --verbose keeps the log; --append, when
// given, is the whole line.
export function bootArgsFor(opts: { append?: string; verbose?: boolean }): string {
  if (opts.append !== undefined) return opts.append;
  return opts.verbose ? "console=ttyS0" : "console=ttyS0 quiet";
}

// Why --net / --net-forward cannot be used, or undefined. A forward is
// parsed here (hostfwd.ts) so that a typo is refused before anything boots.
export function checkNetArgs(net: string, forwards: string[]): string | undefined {
  if (net !== "user" && net !== "none") return `--net '${net}': expected user or none`;
  if (net === "none" && forwards.length) return "--net-forward needs the network (--net user)";
  const seen = new Set<string>();
  for (const f of forwards) {
    try {
      const fwd = parseHostForward(f);
      const key = `${fwd.hostAddr}:${fwd.hostPort}`;
      if (seen.has(key)) return `--net-forward '${f}': host port ${key} is forwarded twice`;
      seen.add(key);
    } catch (e) {
      if (e instanceof HostForwardError) return `--net-forward: ${e.message}`;
      throw e;
    }
  }
  return undefined;
}

// RVPLAY_NET_DNS="host[:port],...": the DNS servers the user network asks
// for the guest's lookups instead of this system's resolver (which reads
// /etc/hosts).
function dnsServersFromEnv(): string[] | undefined {
  const v = process.env.RVPLAY_NET_DNS?.trim();
  return v ? v.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
}

// Why nothing can listen on the forward's host address and port, or undefined.
function cannotListen(fwd: { hostAddr: string; hostPort: number }): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", (e: NodeJS.ErrnoException) => resolve(`cannot listen on ${fwd.hostAddr}:${fwd.hostPort}: ${
      e.code === "EADDRINUSE" ? "the port is in use" : e.code === "EACCES" ? "permission denied" : e.message}`));
    s.listen(fwd.hostPort, fwd.hostAddr, () => s.close(() => resolve(undefined)));
  });
}

function fileHead(path: string, n: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const b = new Uint8Array(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

// The disk for /dev/vda: a raw file is read on demand (any size) and written
// through only with --disk-writable; a gzip'd one is unpacked into memory.
function diskSpec(path: string, writable: boolean): DeviceSpec {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ImageError(`cannot read the disk image '${path}': is a directory`);
    size = st.size;
  } catch (e) {
    if (e instanceof ImageError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new ImageError(`cannot read the disk image '${path}': ${err.code === "ENOENT" ? "no such file" : err.message}`);
  }
  const sectors = (n: number) => {
    if (n < 512) throw new ImageError(`the disk image '${path}' is smaller than one sector`);
    if (n % 512 !== 0) {
      throw new ImageError(`the disk image '${path}' is ${n} bytes, not a whole number of 512-byte sectors ` +
        `(the last ${n % 512} bytes would be invisible to the guest): pad or truncate it`);
    }
  };
  if (!isGzip(fileHead(path, 2))) {
    sectors(size);
    return { kind: "blk", disk: { type: "file", path, writable } };
  }
  if (writable) throw new ImageError(`the disk image '${path}' is gzip-compressed: decompress it to write to it in place (--disk-writable)`);
  const data = readBootFile(path, "disk image");
  sectors(data.length);
  const buffer = new SharedArrayBuffer(data.length);
  new Uint8Array(buffer).set(data);
  return { kind: "blk", disk: { type: "memory", buffer } };
}

export async function boot(args: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args, allowPositionals: false,
      options: {
        cpus: { type: "string", default: "1" },
        mem: { type: "string", default: String(DEFAULT_RAM_MIB) },
        kernel: { type: "string" },
        firmware: { type: "string" },
        initrd: { type: "string" },
        append: { type: "string" },
        verbose: { type: "boolean", default: false },
        disk: { type: "string" },
        "disk-writable": { type: "boolean", default: false },
        "no-disk": { type: "boolean", default: false },
        net: { type: "string", default: "user" },
        "net-forward": { type: "string", multiple: true, default: [] },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`rvplay boot: ${(e as Error).message}\n`);
    return 2;
  }
  // The limits are refused up front, in the page's words.
  const bad = (flag: string, why: string | undefined) => why && `rvplay boot: ${flag} '${flag === "--cpus" ? v.cpus : v.mem}': ${why}\n`;
  const shapeError = bad("--cpus", checkHarts(v.cpus)) || bad("--mem", checkRamMiB(v.mem));
  if (shapeError) { process.stderr.write(shapeError); return 2; }
  const cpus = Number(v.cpus), mem = Number(v.mem);
  if (v["disk-writable"] && !v.disk) { process.stderr.write("rvplay boot: --disk-writable needs --disk FILE\n"); return 2; }
  const netError = checkNetArgs(v.net!, v["net-forward"]!);
  if (netError) { process.stderr.write(`rvplay boot: ${netError}\n`); return 2; }
  // A forward whose host port is taken is said plainly, before the boot
  // (the I/O worker would fail the machine with it a moment later).
  for (const f of v["net-forward"]!) {
    const why = await cannotListen(parseHostForward(f));
    if (why) { process.stderr.write(`rvplay boot: --net-forward '${f}': ${why}\n`); return 1; }
  }

  let machine: VirtMachine;
  try {
    // Boot files live in guest RAM: none can be larger than it.
    const ram = mem * MiB, inRam = "the guest's RAM";
    const firmware = readBootFile(v.firmware ?? join(SAMPLE_DIR, "fw_jump.bin.gz"), "firmware", ram, inRam);
    const kernel = readBootFile(v.kernel ?? join(SAMPLE_DIR, "Image.gz"), "kernel", ram, inRam);
    const initrd = v.initrd ? readBootFile(v.initrd, "initrd", ram, inRam) : undefined;
    const devices: DeviceSpec[] = [];
    if (!v["no-disk"]) devices.push(diskSpec(v.disk ?? join(SAMPLE_DIR, "disk.img.gz"), v["disk-writable"]!));
    if (v.net === "user") devices.push({ kind: "net", net: { type: "user", forwards: v["net-forward"], dnsServers: dnsServersFromEnv() } });
    machine = await VirtMachine.create(await loadCoreModule(), {
      ramBytes: mem * MiB, harts: cpus, firmware, kernel, initrd, bootargs: bootArgsFor({ append: v.append, verbose: v.verbose }), devices,
    }, spawnNodeHart, spawnNodeIo);
  } catch (e) {
    if (e instanceof ImageError || e instanceof CoreError) {
      process.stderr.write(`rvplay boot: ${e.message}\n`);
      return 1;
    }
    throw e;
  }

  machine.onOutput = (bytes) => process.stdout.write(bytes);
  const stdin = process.stdin;
  const raw = stdin.isTTY === true;
  let quitRequested = false;
  let escape = false;
  const onData = (buf: Buffer) => {
    const out: number[] = [];
    for (const b of buf) {
      if (escape) {
        escape = false;
        if (b === 0x78 /* x */) { quitRequested = true; machine.stop(); return; }
        if (b === CTRL_A) out.push(CTRL_A);
        continue;
      }
      if (raw && b === CTRL_A) { escape = true; continue; }
      out.push(b);
    }
    if (out.length) machine.sendInput(Uint8Array.from(out));
  };
  if (raw) stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.resume();
  try {
    const ev = await machine.run();
    if (quitRequested || !ev) { process.stderr.write("\r\nrvplay: quit\r\n"); return 0; }
    if (ev.kind === "fail") {
      process.stderr.write(`\r\nrvplay: the guest reported failure (code ${ev.code})\r\n`);
      // An exit status is 8 bits: a code that is a multiple of 256 must not read as success.
      return (ev.code & 0xff) || 1;
    }
    if (ev.kind === "error") { process.stderr.write(`\r\nrvplay: emulator error: ${ev.message}\r\n`); return 3; }
    return 0;
  } finally {
    stdin.off("data", onData);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  }
}
