// Micro-benchmark of the 9P server alone, in-process, no guest: a 64 MiB file
// written and then read in msize pieces through P9Server.handle(), over the
// host-folder and the memory back ends, and a stat(2)-like metadata round.
// Not part of `npm run bench` yet.
//   npm run build && node dist/bench/9p-server.js [--json] [--msize BYTES]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode, decode, NOFID, NOTAG } from "../src/9p/codec.js";
import { P9Server } from "../src/9p/server.js";
import { NodeFsBackend } from "../src/9p/node-fs-backend.js";
import { MemoryBackend } from "../src/9p/memory-backend.js";
import type { FsBackend } from "../src/9p/backend.js";

const SIZE = 64 * 1024 * 1024;
const RUNS = 3;
const json = process.argv.includes("--json");
const msizeArg = process.argv.indexOf("--msize");
const MSIZE = msizeArg > 0 ? Number(process.argv[msizeArg + 1]) : 512 * 1024;

async function ok(server: P9Server, bytes: Uint8Array): Promise<void> {
  const r = decode(await server.handle(bytes));
  if (r.type === "Rlerror") throw new Error(`Rlerror ${r.ecode}`);
}

// One write pass and one read pass; returns MB/s (MiB per second) of each.
async function run(backend: FsBackend): Promise<{ write: number; read: number }> {
  const s = new P9Server(backend);
  await ok(s, encode("Tversion", NOTAG, { msize: MSIZE, version: "9P2000.L" }));
  await ok(s, encode("Tattach", 1, { fid: 0, afid: NOFID, uname: "root", aname: "", nUname: 0 }));
  await ok(s, encode("Twalk", 1, { fid: 0, newfid: 1, wnames: [] }));
  await ok(s, encode("Tlcreate", 1, { fid: 1, name: "bench.bin", flags: 1, mode: 0o644, gid: 0 }));
  const piece = MSIZE - 24;
  const data = new Uint8Array(piece);
  for (let i = 0; i < data.length; i++) data[i] = (i * 131) & 0xff;
  // Requests are built before the clock starts: the guest's bytes arrive ready-made.
  const writes: Uint8Array[] = [];
  for (let off = 0; off < SIZE; off += piece) {
    writes.push(encode("Twrite", 2, { fid: 1, offset: BigInt(off), data: data.subarray(0, Math.min(piece, SIZE - off)) }));
  }
  let t0 = performance.now();
  for (const w of writes) await s.handle(w);
  const write = SIZE / 2 ** 20 / ((performance.now() - t0) / 1000);
  await ok(s, encode("Tclunk", 3, { fid: 1 }));
  await ok(s, encode("Twalk", 3, { fid: 0, newfid: 2, wnames: ["bench.bin"] }));
  await ok(s, encode("Tlopen", 3, { fid: 2, flags: 0 }));
  const count = MSIZE - 11;
  t0 = performance.now();
  let got = 0;
  for (let off = 0; off < SIZE; off += count) {
    const r = await s.handle(encode("Tread", 4, { fid: 2, offset: BigInt(off), count }));
    got += r.length - 11;
  }
  const read = SIZE / 2 ** 20 / ((performance.now() - t0) / 1000);
  if (got !== SIZE) throw new Error(`read ${got} bytes of ${SIZE}`);
  await s.reset();
  return { write, read };
}

// Metadata: walk to a file four directories down, getattr it, clunk: the
// path of a guest's stat(2). Each host-folder call re-checks every parent.
async function metadata(backend: FsBackend): Promise<number> {
  const s = new P9Server(backend);
  await ok(s, encode("Tversion", NOTAG, { msize: MSIZE, version: "9P2000.L" }));
  await ok(s, encode("Tattach", 1, { fid: 0, afid: NOFID, uname: "root", aname: "", nUname: 0 }));
  const dirs = ["a", "b", "c", "d"];
  for (let i = 0; i < dirs.length; i++) {
    await ok(s, encode("Twalk", 1, { fid: 0, newfid: 1, wnames: dirs.slice(0, i) }));
    await ok(s, encode("Tmkdir", 1, { dfid: 1, name: dirs[i], mode: 0o755, gid: 0 }));
    await ok(s, encode("Tclunk", 1, { fid: 1 }));
  }
  await ok(s, encode("Twalk", 1, { fid: 0, newfid: 1, wnames: dirs }));
  await ok(s, encode("Tlcreate", 1, { fid: 1, name: "f", flags: 1, mode: 0o644, gid: 0 }));
  await ok(s, encode("Tclunk", 1, { fid: 1 }));
  const walk = encode("Twalk", 2, { fid: 0, newfid: 1, wnames: [...dirs, "f"] });
  const getattr = encode("Tgetattr", 2, { fid: 1, requestMask: 0x7ffn });
  const clunk = encode("Tclunk", 2, { fid: 1 });
  const n = 5000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await s.handle(walk);
    await s.handle(getattr);
    await s.handle(clunk);
  }
  await s.reset();
  return n / ((performance.now() - t0) / 1000);
}

function median(xs: number[]): number { return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]; }

const figures: { name: string; value: number; unit: string }[] = [];
for (const [label, make] of [
  ["host folder", async () => NodeFsBackend.create(mkdtempSync(join(tmpdir(), "rvplay-9p-bench-")))],
  ["memory", async () => new MemoryBackend({ capacity: 2 * SIZE })],
] as const) {
  const w: number[] = [], r: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const backend = await make();
    try {
      const { write, read } = await run(backend);
      w.push(write);
      r.push(read);
    } finally {
      if (backend instanceof NodeFsBackend) rmSync(backend.root, { recursive: true, force: true });
    }
  }
  const m: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const backend = await make();
    try { m.push(await metadata(backend)); } finally {
      if (backend instanceof NodeFsBackend) rmSync(backend.root, { recursive: true, force: true });
    }
  }
  figures.push({ name: `9p server, ${label}: walk 5 deep + getattr + clunk`, value: Math.round(median(m)), unit: "per s" });
  figures.push({ name: `9p server, ${label}: write 64 MiB (msize ${MSIZE})`, value: Math.round(median(w)), unit: "MB/s" });
  figures.push({ name: `9p server, ${label}: read 64 MiB (msize ${MSIZE})`, value: Math.round(median(r)), unit: "MB/s" });
}
if (json) console.log(JSON.stringify(figures));
else for (const f of figures) console.log(`${f.name.padEnd(58)} ${String(f.value).padStart(6)} ${f.unit}`);
