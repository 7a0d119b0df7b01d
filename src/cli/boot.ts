// rvplay boot: the virt machine with the serial console on this terminal.
import { openSync, readSync, closeSync, statSync, existsSync, readFileSync, writeFileSync, accessSync, constants as FS } from "node:fs";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createServer } from "node:net";
import { loadCoreModule } from "../node/core-module.js";
import { readBootFile, SAMPLE_DIR } from "../node/boot-files.js";
import { VirtMachine } from "../machine/virt-machine.js";
import { spawnNodeHart } from "../node/harts.js";
import type { DeviceSpec, NetSpec, ShareSpec } from "../devices/specs.js";
import { spawnNodeIo } from "../node/io.js";
import { ImageError, isGzip } from "../machine/boot-images.js";
import { CoreError, MiB } from "../machine/core.js";
import { checkHarts, checkRamMiB, MIN_RAM_MIB, MAX_RAM_MIB, MAX_HARTS } from "../machine/shape.js";
import { DEFAULT_RAM_MIB } from "../../wasm-core/limits.js";
import { JIT_OPTIONS, JIT_USAGE, jitConfigFrom, JitArgError } from "./jit-args.js";
import { describeJitStats } from "../machine/jit/hart-jit.js";
import { HostForwardError, parseHostForward } from "../net/hostfwd.js";
import { defaultBootargs } from "../machine/bootargs.js";
import { DiskFormatError } from "../disks/base-format.js";
import { DISK_NAME, DiskNotFoundError, DiskStoreError } from "../disks/store-backend.js";
import { storeDir, storeDiskSpec } from "./disk.js";
import { SnapshotDisk } from "../snapshot/snapshot-disk.js";
import { SnapshotTaker, type BootImage, type DiskStoreAccess } from "../snapshot/take-snapshot.js";
import { openFileStore } from "../node/disk-files.js";
import { readSnapshotFile, writeSnapshotFile, FILE_EXTENSION } from "../snapshot/snapshot-file.js";
import { prepareRestore, restoreMachine, type ImageCandidate } from "../snapshot/restore-snapshot.js";
import { SnapshotError } from "../snapshot/snapshot-error.js";
import { ConsoleTail, withoutTerminalQueries } from "../snapshot/console-tail.js";
import { sha256Hex } from "../snapshot/blob-codec.js";
import { parseShareLink, ShareLinkError } from "../snapshot/share-link.js";
import { RemoteStore, RemoteStoreError } from "../snapshot/remote-store.js";
import { fetchSnapshot, shareFailure } from "../snapshot/share-snapshot.js";
import type { Snapshot } from "../snapshot/snapshot-file.js";
import { resolveBootImage, type BootImageChoice } from "./boot-image.js";
import { imageSnapshotPath, imageStoreDisk, replugNetwork, resumeImage } from "./image-session.js";

export const BOOT_USAGE = `  boot                  boot the sample Linux image (or your own) with the
                        serial console on this terminal; Ctrl-A x quits,
                        Ctrl-A s writes a snapshot (${FILE_EXTENSION}) in this directory
      --restore FILE|URL     resume a snapshot instead of booting: a file, or a
                             share link (http://host/#/s/<id>, rvplay share);
                             its shape and command line are the snapshot's; the
                             boot images it names are the sample's or given with
                             --kernel, --firmware, --initrd, its disk's base
                             with --disk, its shared folder with --share
      --image NAME|DIR       boot a built image: sample (the default, busybox) or
                             debian (Debian 13, built by npm run image:debian),
                             or a folder with an image.json; its kernel, initrd,
                             disk, command line and RAM are the defaults. Its
                             disk is a disk of the store named after it (what
                             the guest writes is kept); where the image has a
                             snapshot of itself booted and that disk is new or
                             reset (rvplay disk reset debian), it resumes that
                             snapshot at once instead of booting
      --from-scratch         with --image: boot, never resume its snapshot
      --cpus N               harts, 1 to ${MAX_HARTS}, each in its own worker thread
      --mem MiB              guest RAM (default ${DEFAULT_RAM_MIB}, at least ${MIN_RAM_MIB}, at most ${MAX_RAM_MIB})
      --kernel FILE          kernel: RISC-V Linux Image, ELF or flat binary
                             (e.g. S-mode U-Boot), gzip allowed
      --firmware FILE        M-mode firmware (default: OpenSBI fw_dynamic)
      --initrd FILE          initial ramdisk
      --append STR           kernel command line (default "console=ttyS0 quiet";
                             console=hvc0 puts the shell on the virtio
                             console); it replaces the whole line, --verbose
                             included
      --verbose              boot with the kernel's full log (drops "quiet")
      --disk FILE|NAME       a disk (up to 4: /dev/vda..vdd; default: the sample
                             disk): a raw image FILE, whose guest writes stay
                             in memory unless --disk-writable (writes go to
                             FILE), or a disk NAME of the store (rvplay disk),
                             whose writes persist
      --store DIR            the disk store (see rvplay disk)
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
      --share DIR[,ro]       share the host directory DIR with the guest
                             (virtio-9p, mount tag "host"; the sample image
                             mounts it at /mnt/host): read-write, or
                             read-only with ",ro". The guest cannot reach
                             outside DIR (no "..", no symlinks followed on
                             the host) and sees its files as root's
${JIT_USAGE}      --jit-stats            with the JIT: print each hart's JIT figures at the end
      --deterministic        the same image and input give the same output and
                             state every run (QEMU's -icount): one hart, the
                             guest clock counts instructions (10 per 100 ns
                             tick) and skips idle time, I/O completes at once,
                             input goes in a line at a time when the guest
                             waits at its prompt, the RTC starts at
                             2026-01-01 (or --rtc), virtio-rng is seeded; no
                             network unless --net user is given
      --rtc DATE             with --deterministic: the guest's date at power-on
                             (ISO 8601, e.g. 2030-05-01T12:00:00Z)
      --prompt REGEX         with --deterministic: what the end of the output
                             matches at the guest's prompt (default "[#$] $")
      --state-out FILE       when the machine stops, write its architectural
                             state as JSON: pc, x/f registers, CSRs, instret,
                             mtime, SHA-256 of RAM and of the device state
`;

const CTRL_A = 0x01;

// A snapshot file name in `dir` that does not exist yet: rvplay-<UTC time>.rvsnap.
function snapshotPath(dir: string): { path: string; write: (bytes: Uint8Array) => void } {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return {
    path: join(dir, `rvplay-${stamp}${FILE_EXTENSION}`),
    write(bytes) {
      for (let n = 1; ; n++) {
        const path = join(dir, `rvplay-${stamp}${n > 1 ? `-${n}` : ""}${FILE_EXTENSION}`);
        try { writeFileSync(path, bytes, { flag: "wx" }); this.path = path; return; } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
      }
    },
  };
}

// Why the deterministic-mode switches cannot be used as given, or undefined.
export function deterministicArgsProblem(v: { deterministic?: boolean; cpus?: string; restore?: string; rtc?: string; prompt?: string }): string | undefined {
  if (!v.deterministic) {
    const stray = (["rtc", "prompt"] as const).filter((k) => v[k] !== undefined);
    return stray.length ? `${stray.map((k) => `--${k}`).join(", ")} only go with --deterministic` : undefined;
  }
  if (v.cpus !== undefined && v.cpus !== "1") return `--deterministic runs one hart (the guest clock counts its instructions): drop --cpus ${v.cpus}`;
  if (v.restore !== undefined) return "--deterministic boots a machine: a snapshot's clock and devices ran on the host's time (drop --restore)";
  if (v.rtc !== undefined && !Number.isFinite(Date.parse(v.rtc))) return `--rtc '${v.rtc}': expected a date such as 2030-05-01T12:00:00Z`;
  if (v.prompt !== undefined) {
    try { new RegExp(v.prompt); } catch (e) { return `--prompt: ${(e as Error).message}`; }
  }
  return undefined;
}

// The kernel command line: quiet by default (the user reads the banner and
// the prompt, not the kernel's log); --verbose keeps the log; --append, when
// given, is the whole line.
export function bootArgsFor(opts: { append?: string; verbose?: boolean; kernel?: string }): string {
  if (opts.append !== undefined) return opts.append;
  return defaultBootargs({ sample: opts.kernel === undefined, verbose: opts.verbose === true });
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

// The network --net and --net-forward (checked) ask for; undefined: none.
function netSpecOf(net: string, forwards: string[]): NetSpec | undefined {
  return net === "user" ? { type: "user", forwards, dnsServers: dnsServersFromEnv() } : undefined;
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

// A disk image file: a raw one is read on demand from the file (any size)
// and written through only with --disk-writable; a gzip'd one is unpacked
// into memory, where a snapshot can take it (the pristine image stays beside
// it, hashed in the background).
function diskSpec(path: string, writable: boolean): DeviceSpec | SnapshotDisk {
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
  return new SnapshotDisk(data, sha256Hex(data).then((sha256) => ({ sha256, size: data.length })));
}

const MAX_DISKS = 4;

// --share DIR, DIR,ro or DIR,rw: the host directory, checked before boot.
export function shareSpec(arg: string): DeviceSpec {
  const m = /^(.*),(ro|rw)$/.exec(arg);
  const path = m ? m[1] : arg;
  const readOnly = m?.[2] === "ro";
  if (path === "") throw new ImageError("--share needs a directory");
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ImageError(`cannot share '${path}': ${err.code === "ENOENT" ? "no such directory" : err.message}`);
  }
  if (!st.isDirectory()) throw new ImageError(`cannot share '${path}': not a directory`);
  try {
    accessSync(path, FS.R_OK | FS.X_OK | (readOnly ? 0 : FS.W_OK));
  } catch {
    throw new ImageError(`cannot share '${path}': this user may not ${readOnly ? "read" : "read and write"} it${readOnly ? "" : " (add ,ro to share it read-only)"}`);
  }
  return { kind: "9p", tag: "host", share: { type: "host", path, readOnly } };
}

// --disk X: a file when X is a path or names a file here, else a disk of the store.
async function diskOrStoreSpec(x: string, writable: boolean, store: string | undefined): Promise<DeviceSpec | SnapshotDisk> {
  if (x.includes("/") || (existsSync(x) && !statSync(x).isDirectory()) || !DISK_NAME.test(x)) return diskSpec(x, writable);
  try {
    return await storeDiskSpec(x, storeDir(store));
  } catch (e) {
    if (e instanceof DiskNotFoundError) throw new ImageError(`cannot read the disk image '${x}': no such file, and no disk of that name in the store (rvplay disk list)`);
    if (e instanceof DiskFormatError) throw new ImageError(e.message);
    throw e;
  }
}

export async function boot(args: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args, allowPositionals: false,
      options: {
        image: { type: "string" },
        cpus: { type: "string" },
        mem: { type: "string" },
        restore: { type: "string" },
        kernel: { type: "string" },
        firmware: { type: "string" },
        initrd: { type: "string" },
        append: { type: "string" },
        verbose: { type: "boolean", default: false },
        disk: { type: "string", multiple: true },
        store: { type: "string" },
        "disk-writable": { type: "boolean", default: false },
        "no-disk": { type: "boolean", default: false },
        "from-scratch": { type: "boolean", default: false },
        net: { type: "string" },
        "net-forward": { type: "string", multiple: true, default: [] },
        share: { type: "string" },
        ...JIT_OPTIONS,
        "jit-stats": { type: "boolean", default: false },
        deterministic: { type: "boolean", default: false },
        rtc: { type: "string" },
        prompt: { type: "string" },
        "state-out": { type: "string" },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`rvplay boot: ${(e as Error).message}\n`);
    return 2;
  }
  if (v.restore !== undefined) {
    const clash = (["cpus", "mem", "append", "verbose", "disk-writable", "no-disk"] as const).filter((k) => v[k] !== undefined && v[k] !== false);
    if (clash.length) {
      process.stderr.write(`rvplay boot: --restore takes the machine's shape and command line from the snapshot: drop ${clash.map((k) => `--${k}`).join(", ")}\n`);
      return 2;
    }
  }
  if (v["from-scratch"] && v.image === undefined) { process.stderr.write("rvplay boot: --from-scratch goes with --image\n"); return 2; }
  // Options that make the machine another than an image's snapshot.
  const reshaped = (["cpus", "mem", "append", "verbose", "share", "firmware", "disk", "no-disk", "jit"] as const)
    .filter((k) => v[k as keyof typeof v] !== undefined && v[k as keyof typeof v] !== false);
  let bootImage: BootImageChoice | undefined;
  if (v.image !== undefined) {
    const clash = (["restore", "kernel", "initrd"] as const).filter((k) => v[k] !== undefined);
    if (clash.length) {
      process.stderr.write(`rvplay boot: --image names the kernel and initrd: drop ${clash.map((k) => `--${k}`).join(", ")}\n`);
      return 2;
    }
    try {
      const img = resolveBootImage(v.image);
      if (img) {
        v.kernel = img.kernel;
        v.initrd = img.initrd;
        v.append ??= img.manifest.append;
        v.mem ??= String(img.manifest.memMiB);
        // The image's disk: a store disk over its base (below), unless --disk or --no-disk.
        if (!v["no-disk"] && !v.disk) bootImage = img;
      }
    } catch (e) {
      if (e instanceof ImageError) { process.stderr.write(`rvplay boot: ${e.message}\n`); return 1; }
      throw e;
    }
  }
  const det = v.deterministic === true;
  const detProblem = deterministicArgsProblem(v);
  if (detProblem) { process.stderr.write(`rvplay boot: ${detProblem}\n`); return 2; }
  // Deterministic mode leaves the network out unless asked: its traffic
  // comes on the host's time.
  if (det && v.net === "user") process.stderr.write("rvplay boot: --deterministic with --net user: what the network brings in is not deterministic\n");
  if (det && v.share !== undefined) process.stderr.write("rvplay boot: --deterministic with --share: the shared folder's files and times are the host's, not deterministic\n");
  v.net ??= det ? "none" : "user";
  v.cpus ??= "1";
  v.mem ??= String(DEFAULT_RAM_MIB);
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
  let jit;
  try {
    jit = jitConfigFrom(v, process.env);
  } catch (e) {
    if (!(e instanceof JitArgError)) throw e;
    process.stderr.write(`rvplay boot: ${e.message}\n`);
    return 2;
  }

  let machine!: VirtMachine;
  let taker!: SnapshotTaker;
  const disks: SnapshotDisk[] = [];
  let screen: Uint8Array | undefined;
  let imageDiskSpec: DeviceSpec | undefined;
  let resumed = false;
  if (bootImage) {
    const note = (s: string) => process.stderr.write(`[rvplay] ${s}\r\n`);
    const title = bootImage.manifest.title;
    let disk;
    try {
      disk = await imageStoreDisk(bootImage, storeDir(v.store));
    } catch (e) {
      if (e instanceof SnapshotError || e instanceof DiskFormatError || e instanceof DiskStoreError) {
        process.stderr.write(`rvplay boot: --image ${v.image}: cannot open its disk in the store ${storeDir(v.store)}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    imageDiskSpec = disk.spec;
    const snap = imageSnapshotPath(bootImage);
    if (snap && !v["from-scratch"]) {
      if (!disk.fresh) {
        note(`the store's '${disk.name}' disk has changes of its own: booting it (the instant start resumes ${title}'s snapshot only onto the disk as the snapshot left it: rvplay disk reset ${disk.name})`);
      } else if (det) {
        note(`--deterministic: booting ${title} (its snapshot's clock and devices ran on the host's time)`);
      } else if (reshaped.length) {
        note(`${reshaped.map((k) => `--${k}`).join(", ")}: booting ${title} (its snapshot has its own shape and command line)`);
      } else {
        const t0 = performance.now();
        try {
          const r = await resumeImage(bootImage, snap, disk, netSpecOf(v.net!, v["net-forward"]!));
          ({ machine, taker, screen } = r);
          resumed = true;
          note(`${title}: resumed its snapshot in ${((performance.now() - t0) / 1000).toFixed(1)} s (${r.diskPages} disk pages written to the '${disk.name}' disk; --from-scratch boots instead)`);
        } catch (e) {
          if (e instanceof SnapshotError || e instanceof ImageError || e instanceof CoreError) {
            process.stderr.write(`rvplay boot: cannot resume ${title}'s snapshot (${snap}): ${e.message}\n(--from-scratch boots it)\n`);
            return 1;
          }
          throw e;
        }
      }
    }
  }
  if (resumed) {
    // machine, taker and screen come from the image's snapshot
  } else if (v.restore !== undefined) {
    try {
      let disk: SnapshotDisk | undefined;
      if ((v.disk?.length ?? 0) > 1) throw new SnapshotError("unsupported", "a snapshot restores with one disk: give --disk once");
      const share = v.share === undefined ? undefined : shareSpec(v.share);
      ({ machine, taker, screen, disk } = await restoreFromFile(v.restore, { ...v, disk: v.disk?.[0], share: share?.kind === "9p" ? share.share : undefined,
        net: netSpecOf(v.net!, v["net-forward"]!) }));
      if (disk) disks.push(disk);
    } catch (e) {
      if (e instanceof SnapshotError || e instanceof ImageError || e instanceof CoreError) {
        process.stderr.write(`rvplay boot: cannot restore '${v.restore}': ${e.message}\n`);
        return 1;
      }
      if (e instanceof RemoteStoreError || e instanceof ShareLinkError) {
        let host = v.restore;
        try { host = new URL(v.restore).host; } catch { /* not a URL: the message says so */ }
        process.stderr.write(`rvplay boot: cannot restore '${v.restore}': ${shareFailure(e, "open", host)}\n`);
        return 1;
      }
      throw e;
    }
  } else try {
    // Boot files live in guest RAM: none can be larger than it.
    const ram = mem * MiB, inRam = "the guest's RAM";
    const firmware = readBootFile(v.firmware ?? join(SAMPLE_DIR, "fw_dynamic.bin.gz"), "firmware", ram, inRam);
    const kernel = readBootFile(v.kernel ?? join(SAMPLE_DIR, "Image.gz"), "kernel", ram, inRam);
    const initrd = v.initrd ? readBootFile(v.initrd, "initrd", ram, inRam) : undefined;
    const devices: DeviceSpec[] = [{ kind: "console" }];
    if (imageDiskSpec) devices.push(imageDiskSpec);
    else if (!v["no-disk"]) {
      const paths = v.disk ?? [join(SAMPLE_DIR, "disk.img.gz")];
      if (paths.length > MAX_DISKS) throw new ImageError(`at most ${MAX_DISKS} disks (/dev/vda..vdd), not ${paths.length}`);
      for (const p of paths) {
        const d = await diskOrStoreSpec(p, v["disk-writable"]!, v.store);
        if (d instanceof SnapshotDisk) { disks.push(d); devices.push(d.spec); } else devices.push(d);
      }
    }
    if (v.share !== undefined) devices.push(shareSpec(v.share));
    const net = netSpecOf(v.net!, v["net-forward"]!);
    if (net) devices.push({ kind: "net", net });
    const images: BootImage[] = [
      { role: "firmware", name: baseName(v.firmware ?? "fw_dynamic.bin"), bytes: firmware },
      { role: "kernel", name: baseName(v.kernel ?? "Image"), bytes: kernel },
      ...(initrd ? [{ role: "initrd" as const, name: baseName(v.initrd!), bytes: initrd }] : []),
    ];
    taker = new SnapshotTaker(images);
    machine = await VirtMachine.create(await loadCoreModule(), {
      ramBytes: mem * MiB, harts: cpus, firmware, kernel, initrd, bootargs: bootArgsFor({ append: v.append, verbose: v.verbose, kernel: v.kernel }), devices,
      jit,
      deterministic: det ? {
        startMs: v.rtc === undefined ? undefined : Date.parse(v.rtc),
        prompt: v.prompt,
        // A person typing: deliver what was typed (their timing is theirs).
        wholeLines: process.stdin.isTTY !== true,
      } : undefined,
    }, spawnNodeHart, spawnNodeIo);
  } catch (e) {
    if (e instanceof ImageError || e instanceof CoreError) {
      process.stderr.write(`rvplay boot: ${e.message}\n`);
      return 1;
    }
    throw e;
  }

  const tail = new ConsoleTail();
  if (screen) { screen = withoutTerminalQueries(screen); process.stdout.write(screen); tail.push(screen); }
  machine.onOutput = (bytes) => { tail.push(bytes); process.stdout.write(bytes); };
  // A disk's trouble (a chunk of a base that fails its hash, a store that
  // failed): the guest gets an I/O error; the user is told why, once per message.
  const told = new Set<string>();
  machine.onDeviceEvent = (_slot, e) => {
    const ev = e as { kind?: string; message?: string };
    if ((ev.kind !== "io-error" && ev.kind !== "store-failed" && ev.kind !== "lock-lost") || told.has(ev.message ?? "")) return;
    told.add(ev.message ?? "");
    process.stderr.write(`\r\n[rvplay] disk ${ev.kind === "io-error" ? "I/O error" : ev.kind}: ${ev.message ?? "(no message)"}\r\n`);
  };
  machine.onStall = (hart, ms) => process.stderr.write(ms
    ? `\r\n[rvplay] vCPU ${hart} has not answered for ${Math.round(ms / 1000)} s: the emulator may be stuck (Ctrl-A x quits)\r\n`
    : `\r\n[rvplay] vCPU ${hart} answers again\r\n`);
  const stdin = process.stdin;
  // RVPLAY_ESCAPE=1 honours Ctrl-A on a pipe too (tests drive the console so).
  const raw = stdin.isTTY === true;
  const escapes = raw || process.env.RVPLAY_ESCAPE === "1";
  let quitRequested = false;
  let escape = false;
  let snapshotting = false;
  const snapshot = async () => {
    if (snapshotting) return;
    snapshotting = true;
    const note = (s: string) => process.stderr.write(`\r\n[rvplay] ${s}\r\n`);
    try {
      const out = snapshotPath(process.cwd());
      const { snapshot, stats } = await taker.take(machine, () => ({
        bytes: tail.screen(), cols: process.stdout.columns || 80, rows: process.stdout.rows || 24,
      }), disks, storeAccess(v.store));
      out.write(writeSnapshotFile(snapshot));
      const shown = relative(process.cwd(), out.path);
      note(`snapshot written to ${shown.startsWith("..") ? resolve(out.path) : `./${shown}`} ` +
        `(${(stats.bytes / 1e6).toFixed(2)} MB, ${(stats.newBytes / 1e6).toFixed(2)} MB new; the guest paused ${stats.pauseMs.toFixed(0)} ms)`);
    } catch (e) {
      note(`no snapshot: ${(e as Error).message}`);
    } finally {
      snapshotting = false;
    }
  };
  const onData = (buf: Buffer) => {
    const out: number[] = [];
    for (const b of buf) {
      if (escape) {
        escape = false;
        if (b === 0x78 /* x */) { quitRequested = true; machine.stop(); return; }
        if (b === 0x73 /* s */) { void snapshot(); continue; }
        if (b === CTRL_A) out.push(CTRL_A);
        continue;
      }
      if (escapes && b === CTRL_A) { escape = true; continue; }
      out.push(b);
    }
    if (out.length) machine.sendInput(Uint8Array.from(out));
  };
  const onEnd = () => machine.endInput();
  if (raw) stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.on("end", onEnd);
  stdin.resume();
  try {
    const running = machine.run();
    if (resumed) replugNetwork(machine);
    const ev = await running;
    if (v["state-out"] !== undefined) {
      try {
        writeFileSync(v["state-out"], `${JSON.stringify(await machine.state(), null, 1)}\n`);
      } catch (e) {
        process.stderr.write(`\r\nrvplay: cannot write the state to '${v["state-out"]}': ${(e as Error).message}\r\n`);
        return 1;
      }
    }
    if (jit && v["jit-stats"]) {
      for (let h = 0; h < cpus; h++) process.stderr.write(`\r\nrvplay: ${describeJitStats(machine.memory, h)}`);
      process.stderr.write("\r\n");
    }
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
    stdin.off("end", onEnd);
    if (raw) stdin.setRawMode(false);
    stdin.pause();
  }
}

// The CLI's disk store as a snapshot reads it (the chunks a store disk
// pinned), opened when first needed.
function storeAccess(dir: string | undefined): DiskStoreAccess {
  let store: ReturnType<typeof openFileStore> | undefined;
  const open = () => (store ??= openFileStore(storeDir(dir)));
  return {
    read: async (hash) => (await open()).getChunk(hash),
    unpin: async (owner) => (await open()).unpin(owner),
  };
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop()!.replace(/\.gz$/, "");
}

// A share link's snapshot, from its server: the manifest, then every blob,
// each verified against its hash.
async function fetchLink(link: string): Promise<Snapshot> {
  const { id, apiBase } = parseShareLink(link);
  const t0 = performance.now();
  const r = await fetchSnapshot(new RemoteStore(apiBase), id);
  process.stderr.write(`[rvplay] fetched ${((r.fetchedBytes + r.manifestBytes) / 1e6).toFixed(2)} MB (${r.fetchedBlobs} blobs and the manifest) ` +
    `from ${new URL(apiBase).host} in ${((performance.now() - t0) / 1000).toFixed(1)} s\r\n`);
  return r.snapshot;
}

// The machine a snapshot file or share link holds, ready to run, with the
// boot images from the sample or the files given, and a taker that
// continues from it.
async function restoreFromFile(file: string, v: { kernel?: string; firmware?: string; initrd?: string; disk?: string; share?: ShareSpec; net?: NetSpec }):
  Promise<{ machine: VirtMachine; taker: SnapshotTaker; screen?: Uint8Array; disk?: SnapshotDisk }> {
  let snap: Snapshot;
  if (/^https?:\/\//i.test(file)) {
    snap = await fetchLink(file);
  } else {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new SnapshotError("missing_blob", err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.message);
    }
    snap = await readSnapshotFile(bytes);
  }
  const ram = snap.manifest.machine.ramBytes, inRam = "the snapshot's RAM";
  const candidates: ImageCandidate[] = [];
  const add = (path: string | undefined, fallback: string | undefined, what: string, list: ImageCandidate[], max?: number, why?: string) => {
    const p = path ?? (fallback && join(SAMPLE_DIR, fallback));
    if (p) list.push({ name: p, bytes: readBootFile(p, what, max, why) });
  };
  add(v.firmware, "fw_dynamic.bin.gz", "firmware", candidates, ram, inRam);
  add(v.kernel, "Image.gz", "kernel", candidates, ram, inRam);
  add(v.initrd, undefined, "initrd", candidates, ram, inRam);
  const diskCandidates: ImageCandidate[] = [];
  if (snap.manifest.disks.length > 0) add(v.disk, "disk.img.gz", "disk image", diskCandidates);
  const prepared = await prepareRestore(snap, candidates, diskCandidates);
  if (v.share && !snap.manifest.devices.some((d) => d.type === "virtio-9p")) {
    throw new SnapshotError("unsupported", "the snapshot's machine had no shared folder: drop --share");
  }
  // A machine that had a shared folder and no --share (a page's machine
  // always has its Files folder, which cannot come along): an empty folder
  // in memory, said so, rather than no restore at all.
  let share = v.share;
  const had = snap.manifest.devices.some((d) => d.type === "virtio-9p");
  if (had && !share) {
    share = { type: "memory" };
    process.stderr.write("[rvplay] the snapshot's machine had a shared folder (/mnt/host); without --share DIR it gets an empty one in memory, " +
      "gone when rvplay ends, and files the guest had open there fail (EBADF)\r\n");
  }
  const machine = await restoreMachine(prepared, await loadCoreModule(), spawnNodeHart, spawnNodeIo, { share, net: v.net });
  const taker = new SnapshotTaker(prepared.images);
  void taker.remember(prepared.packs).catch(() => {}); // the next snapshot reuses these packs
  return { machine, taker, screen: prepared.console?.bytes, disk: prepared.disk };
}
