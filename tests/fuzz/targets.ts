// The fuzz targets: every parser a user or a guest can feed. Each has a
// corpus of valid inputs to mutate, a function that runs one input, and the
// errors that count as a clear refusal (anything else thrown is a crash;
// an input that does not finish in time is a hang: tests/fuzz/runner.ts).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { parseElf, ElfError } from "../../src/machine/elf.js";
import { ImageError } from "../../src/machine/boot-images.js";
import { planBoot } from "../../src/machine/boot-layout.js";
import { unpackBootBytes } from "../../src/node/boot-files.js";
import { fuzzBootCheck } from "../../src/ui/boot-check.js";
import { fuzzSettings } from "../../src/ui/settings.js";
import { fuzzStoredBoot, StoredBootError } from "../../src/ui/boot-store.js";
import { createFrameFuzzer, fuzzWispPacket, fuzzDhcp, fuzzDnsQuery } from "../../src/net/fuzz.js";
import { NetFrameError } from "../../src/net/frame-error.js";
import { WispProtocolError } from "../../src/net/wisp-protocol.js";
import { P9Server } from "../../src/9p/server.js";
import { MemoryBackend } from "../../src/9p/memory-backend.js";
import { fuzzServer, seedCorpus as p9Corpus, sessionSetup } from "../../src/9p/fuzz.js";
import { fuzzP9Session, P9SessionError } from "../../src/9p/session-state.js";
import { fuzzBaseManifest, DiskFormatError } from "../../src/disks/base-format.js";
import { fuzzDiskRecord } from "../../src/disks/store-backend.js";
import { fuzzOverlayLog } from "../../src/node/disk-files.js";
import { fuzzShareLink, ShareLinkError } from "../../src/snapshot/share-link.js";
import { fuzzManifest, fuzzSnapshotFile, isSnapshotError } from "../../src/snapshot/fuzz.js";
import { writeSnapshotFile } from "../../src/snapshot/snapshot-file.js";
import { syntheticSnapshot } from "../snapshot/synthetic.js";
import { VirtqueueHarness } from "./virtqueue-harness.js";
import { fuzzTargets as debianFuzz } from "../../image/debian/fuzz.js";

// A parser's typed refusal, from entries that report it as a value.
class RefusedInput extends Error {}

export interface FuzzTarget {
  name: string;
  about: string;
  // Valid inputs the mutator starts from.
  corpus(): Uint8Array[] | Promise<Uint8Array[]>;
  // Run one input; resolves, or throws. `state` is the target's own, made
  // once per worker by setup().
  run(input: Uint8Array, state: unknown): unknown;
  // A thrown error that is a clear refusal, not a crash.
  expected(e: unknown): boolean;
  setup?(): unknown | Promise<unknown>;
  maxLen?: number;
}

const root = fileURLToPath(new URL("../../../", import.meta.url));
const images = join(root, "public", "images");
const isaElves = () => readdirSync(join(root, "tests", "isa", "bin")).filter((f) => f.endsWith(".elf")).slice(0, 4)
  .map((f) => new Uint8Array(readFileSync(join(root, "tests", "isa", "bin", f))));
const gunzip = (f: string) => unpackBootBytes(new Uint8Array(readFileSync(join(images, f))), f, f);
const enc = (s: string) => new TextEncoder().encode(s);

let firmware: Uint8Array | undefined;
const sampleFirmware = () => firmware ??= gunzip("fw_dynamic.bin.gz");

export const TARGETS: FuzzTarget[] = [
  {
    name: "elf",
    about: "ELF files (test-elf programs, ELF kernels and firmware)",
    corpus: isaElves,
    run: (b) => parseElf(b, ["tohost", "fromhost"]),
    expected: (e) => e instanceof ElfError,
  },
  {
    name: "boot-image",
    about: "a kernel (Linux Image, ELF, flat binary) laid out in 64 MiB of RAM with the sample firmware",
    corpus: () => [gunzip("Image.gz").subarray(0, 64 * 1024).slice(), ...isaElves().map(elfAtKernelBase), enc("#!/bin/sh\necho\n")],
    run: (b) => planBoot({ ramBytes: 64 * 1024 * 1024, firmware: sampleFirmware(), kernel: b }),
    expected: (e) => e instanceof ImageError,
  },
  {
    name: "gzip",
    about: "gzip'd boot files and disks, unpacked with a cap",
    corpus: () => [gzipSync(enc("hello ".repeat(1000))), gzipSync(new Uint8Array(200_000)), new Uint8Array(readFileSync(join(images, "fw_dynamic.bin.gz"))).subarray(0, 4096).slice()],
    run: (b) => unpackBootBytes(b, "kernel", "fuzz.gz", 1024 * 1024),
    expected: (e) => e instanceof ImageError,
  },
  {
    name: "boot-check",
    about: "the page's check of your own boot files",
    corpus: () => [gunzip("Image.gz").subarray(0, 64 * 1024).slice(), ...isaElves()],
    run: (b) => fuzzBootCheck(b),
    expected: () => false,
  },
  {
    name: "settings",
    about: "the page's settings (URL query and stored JSON)",
    corpus: () => [enc("cpus=2&mem=512&speed=50&log=1&font=16"), enc('{"cpus":2,"memMiB":512,"speed":100}'), enc("kernel=http://x/k&initrd=http://x/i&append=console%3DttyS0")],
    run: (b) => fuzzSettings(b),
    expected: () => false,
  },
  {
    name: "stored-boot",
    about: "the page's stored record of your own boot files",
    corpus: () => [enc('{"format":1,"savedAt":1,"files":{"kernel":{"url":"https://example.org/Image"},"initrd":{"url":"https://example.org/initrd"},"append":"console=ttyS0"}}')],
    run: (b) => fuzzStoredBoot(b),
    expected: (e) => e instanceof StoredBootError,
  },
  {
    name: "virtqueue",
    about: "virtqueues a guest writes (descriptor tables, rings, indirect tables) served by virtio-blk and -rng",
    corpus: () => VirtqueueHarness.corpus(),
    setup: () => VirtqueueHarness.create(),
    run: (b, h) => (h as VirtqueueHarness).run(b),
    expected: () => false,
    maxLen: 4096,
  },
  {
    name: "net-frame",
    about: "Ethernet frames from the guest into the user-mode network (state carries over)",
    corpus: () => netCorpus(),
    setup: () => createFrameFuzzer(),
    run: (b, f) => (f as ReturnType<typeof createFrameFuzzer>).feed(b),
    expected: () => false,
    maxLen: 9000,
  },
  {
    name: "wisp",
    about: "Wisp packets (the relay and the client parse them)",
    corpus: () => [Uint8Array.of(1, 1, 0, 0, 0, 1, 0x50, 0, ...enc("example.com")), Uint8Array.of(2, 1, 0, 0, 0, ...enc("data")), Uint8Array.of(3, 1, 0, 0, 0, 0, 0, 1, 0), Uint8Array.of(4, 1, 0, 0, 0, 2), Uint8Array.of(5, 0, 0, 0, 0, 2, 0)],
    run: (b) => fuzzWispPacket(b),
    expected: (e) => e instanceof WispProtocolError,
  },
  {
    name: "dhcp",
    about: "DHCP requests",
    corpus: () => [dhcpDiscover()],
    run: (b) => fuzzDhcp(b),
    expected: (e) => e instanceof NetFrameError,
  },
  {
    name: "dns",
    about: "DNS queries",
    corpus: () => [Uint8Array.of(0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, ...enc("example"), 3, ...enc("com"), 0, 0, 1, 0, 1)],
    run: (b) => fuzzDnsQuery(b),
    expected: (e) => e instanceof NetFrameError,
  },
  {
    name: "9p",
    about: "9P2000.L messages to the shared folder's server (memory back end)",
    corpus: () => p9Corpus(),
    setup: async () => {
      const server = new P9Server(new MemoryBackend());
      for (const m of sessionSetup()) await server.handle(m);
      return server;
    },
    run: (b, s) => fuzzServer(s as P9Server, b),
    expected: () => false,
    maxLen: 70 * 1024,
  },
  {
    name: "9p-session",
    about: "a snapshot's saved 9P session of the shared folder (fids by path)",
    corpus: () => [enc(JSON.stringify({ msize: 65536, fids: [{ fid: 0, kind: "node", path: [], qid: { type: 128, path: "1" } },
      { fid: 3, kind: "node", path: ["dir", "file.txt"], qid: { type: 0, path: "42" }, open: { dir: false, read: true, write: true, append: false } }] }))],
    run: (b) => fuzzP9Session(b),
    expected: (e) => e instanceof P9SessionError,
  },
  {
    name: "disk-manifest",
    about: "disk base manifests (disk.json)",
    corpus: () => [enc(JSON.stringify({ format: "rvplay-disk", version: 1, size: 524288, chunkSize: 262144, sha256: "a".repeat(64), compression: "gzip", chunks: ["b".repeat(64), null] }))],
    run: (b) => fuzzBaseManifest(b),
    expected: (e) => e instanceof DiskFormatError,
  },
  {
    name: "disk-record",
    about: "the disk store's per-disk records",
    corpus: () => [enc(JSON.stringify({ id: "0123456789abcdef", name: "disk", size: 1048576, base: "a".repeat(64), chunkSize: 65536,
      createdAt: 1, lastUsed: 2, changedBytes: 0, durableCommits: 0, relaxedCommits: 0 }))],
    run: (b) => fuzzDiskRecord(b),
    expected: (e) => e instanceof DiskFormatError,
  },
  // The Debian recipe's parsers (image/debian/fuzz.ts: each refuses with its own error type).
  {
    name: "image-manifest",
    about: "built images' image.json (rvplay boot --image, the page's Image picker)",
    corpus: () => [enc(JSON.stringify({ format: "rvplay-image", version: 1, name: "debian", title: "Debian 13 (trixie)",
      kernel: { file: "Image", size: 4, sha256: "a".repeat(64) }, initrd: { file: "initrd.img", size: 4, sha256: "b".repeat(64) },
      disk: { base: "disk.json", raw: "disk.img", size: 4096, sha256: "c".repeat(64) }, append: "root=/dev/vda rw", memMiB: 512,
      linux: "6.12.117+deb13-riscv64", debian: { suite: "trixie", release: "13.8", releaseDate: "2026-11-21T09:15:44Z", packages: 155 },
      sourceDateEpoch: 1795252544 }))],
    // The entry answers "refused" for a typed error (and throws anything
    // else): counted here as a clear error, as the other targets' are.
    run: (b) => { if (debianFuzz.imageManifest(b) === "refused") throw new RefusedInput(); },
    expected: (e) => e instanceof RefusedInput,
  },
  {
    name: "debian-lock",
    about: "the Debian recipe's packages.lock",
    corpus: () => [enc(readFileSync(join(root, "image", "debian", "packages.lock"), "utf8").split("\n").slice(0, 12).join("\n") + "\n")],
    run: (b) => { if (debianFuzz.lock(b) === "refused") throw new RefusedInput(); },
    expected: (e) => e instanceof RefusedInput,
  },
  {
    name: "overlay-log",
    about: "the CLI store's overlay logs (what a crash leaves)",
    corpus: () => [overlayLogSeed()],
    run: (b) => fuzzOverlayLog(b),
    expected: (e) => e instanceof DiskFormatError,
  },
  {
    name: "snapshot-file",
    about: "snapshot files (.rvsnap: container, manifest, hashes, state blob and maps, as rvplay snapshot info reads them)",
    corpus: async () => [writeSnapshotFile(await syntheticSnapshot())],
    run: (b) => fuzzSnapshotFile(b),
    expected: isSnapshotError,
  },
  {
    name: "snapshot-manifest",
    about: "snapshot manifests (what a share link's service returns)",
    corpus: async () => [(await syntheticSnapshot()).manifestBytes],
    run: (b) => fuzzManifest(b),
    expected: isSnapshotError,
  },
  {
    name: "share-link",
    about: "share links (the page's #/s/<id>, rvplay boot --restore URL)",
    corpus: () => [enc(`http://127.0.0.1:8080/#/s/${"0a".repeat(32)}`), enc(`#/s/${"0a".repeat(32)}`), enc(`https://h/app/index.html?cpus=2#/s/${"0a".repeat(32)}/`)],
    run: (b) => fuzzShareLink(b),
    expected: (e) => e instanceof ShareLinkError,
  },
];

// An ISA test ELF moved to where fw_jump jumps (entry and segment at the kernel's place).
function elfAtKernelBase(elf: Uint8Array): Uint8Array {
  const b = elf.slice();
  const dv = new DataView(b.buffer);
  const delta = 0x200000n;
  dv.setBigUint64(24, dv.getBigUint64(24, true) + delta, true);
  const phoff = Number(dv.getBigUint64(32, true)), phentsize = dv.getUint16(54, true), phnum = dv.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    dv.setBigUint64(p + 16, dv.getBigUint64(p + 16, true) + delta, true);
    dv.setBigUint64(p + 24, dv.getBigUint64(p + 24, true) + delta, true);
  }
  return b;
}

// A DHCPDISCOVER (RFC 2131): op 1, htype 1, hlen 6, xid, chaddr, magic cookie, option 53 = 1.
function dhcpDiscover(): Uint8Array {
  const b = new Uint8Array(244);
  b[0] = 1; b[1] = 1; b[2] = 6;
  b.set([0xde, 0xad, 0xbe, 0xef], 4);
  b.set([0x52, 0x54, 0, 0x12, 0x34, 0x56], 28);
  b.set([99, 130, 83, 99], 236);
  b.set([53, 1, 1, 255], 240);
  return b;
}

// Frames a guest sends: ARP who-has the gateway, a DHCP discover over UDP, a TCP SYN.
function netCorpus(): Uint8Array[] {
  const mac = [0x52, 0x54, 0, 0x12, 0x34, 0x56];
  const eth = (type: number, payload: Uint8Array) => Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...mac, type >> 8, type & 0xff, ...payload);
  const arp = eth(0x0806, Uint8Array.of(0, 1, 8, 0, 6, 4, 0, 1, ...mac, 10, 0, 2, 15, 0, 0, 0, 0, 0, 0, 10, 0, 2, 2));
  const ipv4 = (proto: number, src: number[], dst: number[], payload: Uint8Array) => {
    const h = Uint8Array.of(0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto, 0, 0, ...src, ...dst);
    const len = 20 + payload.length;
    h[2] = len >> 8; h[3] = len & 0xff;
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (h[i] << 8) | h[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    h[10] = (~sum >> 8) & 0xff; h[11] = ~sum & 0xff;
    return Uint8Array.of(...h, ...payload);
  };
  const d = dhcpDiscover();
  const udp = Uint8Array.of(0, 68, 0, 67, (8 + d.length) >> 8, (8 + d.length) & 0xff, 0, 0, ...d);
  const syn = Uint8Array.of(0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0);
  return [arp, eth(0x0800, ipv4(17, [0, 0, 0, 0], [255, 255, 255, 255], udp)), eth(0x0800, ipv4(6, [10, 0, 2, 15], [10, 0, 2, 2], syn))];
}

// A log as the CLI store writes it (src/node/disk-files.ts): a 64-byte
// header ("RVPOVL01", chunk size), a chunk record (48 bytes: "CHNK", index,
// length, the chunk's SHA-256) with its data, and a durable commit record
// ("CMIT", count, flags, the SHA-256 of the batch's chunk records).
function overlayLogSeed(): Uint8Array {
  const CHUNK = 4096, HEADER = 64, REC = 48;
  const b = new Uint8Array(HEADER + REC + CHUNK + REC);
  const dv = new DataView(b.buffer);
  b.set(enc("RVPOVL01"));
  dv.setUint32(8, CHUNK, true);
  const data = new Uint8Array(CHUNK).fill(0x5a);
  const rec = HEADER;
  dv.setUint32(rec, 0x4b4e4843, true);
  dv.setUint32(rec + 4, 3, true);
  dv.setUint32(rec + 8, CHUNK, true);
  b.set(createHash("sha256").update(data).digest(), rec + 16);
  b.set(data, rec + REC);
  const commit = rec + REC + CHUNK;
  dv.setUint32(commit, 0x54494d43, true);
  dv.setUint32(commit + 4, 1, true);
  dv.setUint32(commit + 8, 1, true);
  b.set(createHash("sha256").update(b.subarray(rec, rec + REC)).digest(), commit + 16);
  return b;
}

// A target for testing the runner itself (tests/fuzz/fuzz.test.ts): input
// "H..." never ends, "C..." throws a TypeError (a crash), the rest is fine.
export const SELFTEST: FuzzTarget = {
  name: "selftest",
  about: "the runner's own check: a hang, a crash and fine inputs",
  corpus: () => [enc("ok"), enc("Hang"), enc("Crash")],
  run: (b) => {
    if (b[0] === 0x48) for (;;) { /* hang */ }
    if (b[0] === 0x43) throw new TypeError("a crash");
  },
  expected: () => false,
};

export function targetByName(name: string): FuzzTarget | undefined {
  return name === SELFTEST.name ? SELFTEST : TARGETS.find((t) => t.name === name);
}

// Inputs that once failed, kept under tests/fuzz/regressions/<target>/.
export function regressionInputs(name: string): { file: string; bytes: Uint8Array }[] {
  const dir = join(root, "tests", "fuzz", "regressions", name);
  let files: string[];
  try { files = readdirSync(dir); } catch { return []; }
  return files.filter((f) => f.endsWith(".bin")).sort().map((f) => ({ file: join(dir, f), bytes: new Uint8Array(readFileSync(join(dir, f))) }));
}
