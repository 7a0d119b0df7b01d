// The virtio-9p device through a real virtqueue in guest RAM: the mount
// tag in the configuration space, whole sessions over split (zero-copy
// style) and indirect chains, completion in settle order (Tflush after the
// request it flushes), drain/resume, a device reset, and broken chains.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode, NOFID, NOTAG, type Message } from "../../src/9p/codec.js";
import { EMSGSIZE } from "../../src/9p/errno.js";
import { MemoryBackend } from "../../src/9p/memory-backend.js";
import type { FsBackend, FsFile } from "../../src/9p/backend.js";
import { Virtio9p, Virtio9pError } from "../../src/devices/virtio-9p.js";
import { VIRTIO_9P_F_MOUNT_TAG, VIRTIO_F_RING_INDIRECT_DESC, VIRTIO_ID_9P } from "../../wasm-core/spec/virtio.js";
import { GuestQueue, type Part } from "./virtio-guest.js";

const te = new TextEncoder();

// A back end whose file reads wait until the test opens the gate.
function gated(fs: MemoryBackend): { fs: FsBackend; open: () => void; waiting: () => number } {
  let waiters: (() => void)[] = [];
  const gate = () => new Promise<void>((r) => waiters.push(r));
  const wrapped = Object.create(fs) as FsBackend;
  wrapped.open = async (path, flags) => {
    const f = await fs.open(path, flags);
    const g: FsFile = { ...f, read: async (o, into) => { await gate(); return f.read(o, into); } };
    return g;
  };
  return { fs: wrapped, open: () => { const w = waiters; waiters = []; w.forEach((r) => r()); }, waiting: () => waiters.length };
}

async function session(g: GuestQueue, msize = 64 * 1024): Promise<void> {
  const send = async (m: Uint8Array) => {
    g.post([{ out: m }, { in: msize }]);
    g.kick();
    const [u] = await g.waitUsed(1);
    const r = decode(u.reply);
    if (r.type === "Rlerror") assert.fail(`setup failed: Rlerror ${r.ecode}`);
    return r;
  };
  await send(encode("Tversion", NOTAG, { msize, version: "9P2000.L" }));
  await send(encode("Tattach", 1, { fid: 0, afid: NOFID, uname: "root", aname: "", nUname: 0 }));
}

async function call(g: GuestQueue, parts: Part[], opts: { indirect?: boolean } = {}): Promise<Message> {
  g.post(parts, opts);
  g.kick();
  const [u] = await g.waitUsed(1);
  return decode(u.reply);
}

test("the configuration space holds the mount tag; MOUNT_TAG and indirect descriptors are offered", () => {
  const g = new GuestQueue(new Virtio9p(new MemoryBackend(), "host"));
  const cfg = g.config(8);
  assert.equal(cfg[0] | (cfg[1] << 8), 4);
  assert.equal(new TextDecoder().decode(cfg.subarray(2, 6)), "host");
  const f = g.deviceFeatures();
  assert.ok(f & (1n << BigInt(VIRTIO_9P_F_MOUNT_TAG)));
  assert.ok(f & (1n << BigInt(VIRTIO_F_RING_INDIRECT_DESC)));
  assert.equal(new Virtio9p(new MemoryBackend()).deviceId, VIRTIO_ID_9P);
  assert.throws(() => new Virtio9p(new MemoryBackend(), ""), Virtio9pError);
  assert.throws(() => new Virtio9p(new MemoryBackend(), "x".repeat(255)), Virtio9pError);
});

test("a session over zero-copy chains: Twrite's data in its own pages, Tread's reply split into an 11-byte header and pages", async () => {
  const mem = new MemoryBackend();
  const g = new GuestQueue(new Virtio9p(mem, "host"));
  await session(g);
  let r = await call(g, [{ out: encode("Twalk", 2, { fid: 0, newfid: 1, wnames: [] }) }, { in: 4096 }]);
  assert.equal(r.type, "Rwalk");
  r = await call(g, [{ out: encode("Tlcreate", 3, { fid: 1, name: "f", flags: 2, mode: 0o644, gid: 0 }) }, { in: 4096 }]);
  assert.equal(r.type, "Rlcreate");
  // 10,000 bytes written as Linux does: the 23-byte header (its size field
  // counting the data) in one buffer, the data in page-sized pieces.
  const data = new Uint8Array(10_000).map((_, i) => (i * 7 + 3) & 0xff);
  const full = encode("Twrite", 4, { fid: 1, offset: 0n, data });
  r = await call(g, [{ out: full.subarray(0, 23) }, { out: full.subarray(23, 23 + 4000) }, { out: full.subarray(23 + 4000, 23 + 8096) }, { out: full.subarray(23 + 8096) }, { in: 4096 }]);
  assert.equal(r.type, "Rwrite");
  assert.equal((r as Message<"Rwrite">).count, 10_000);
  // Tread of 9,000 bytes from offset 500 into [11-byte header][4096][4096][808].
  const parts: Part[] = [{ out: encode("Tread", 5, { fid: 1, offset: 500n, count: 9000 }) }, { in: 11 }, { in: 4096 }, { in: 4096 }, { in: 808 }];
  g.post(parts);
  g.kick();
  const [u] = await g.waitUsed(1);
  assert.equal(u.written, 11 + 9000);
  const rr = decode(u.reply) as Message<"Rread">;
  assert.equal(rr.type, "Rread");
  assert.deepEqual(rr.data, data.subarray(500, 9500));
  // An error answer fits the 11-byte header alone: a read of an unknown fid.
  const e = await call(g, [{ out: encode("Tread", 6, { fid: 77, offset: 0n, count: 8192 }) }, { in: 11 }, { in: 8192 }]);
  assert.equal(e.type, "Rlerror");
  // Through an indirect table, the same reads.
  const ind = await call(g, [{ out: encode("Tread", 7, { fid: 1, offset: 0n, count: 100 }) }, { in: 11 }, { in: 100 }], { indirect: true });
  assert.deepEqual((ind as Message<"Rread">).data, data.subarray(0, 100));
  assert.equal(mem.root.entries.size, 1);
});

test("requests complete in the order they settle; Tflush's reply comes after the reply of the request it flushes", async () => {
  const mem = new MemoryBackend();
  await mem.importFile("slow", [te.encode("slow bytes")]);
  const gate = gated(mem);
  const dev = new Virtio9p(gate.fs, "host");
  const g = new GuestQueue(dev);
  await session(g);
  for (const m of [
    encode("Twalk", 2, { fid: 0, newfid: 1, wnames: ["slow"] }),
    encode("Tlopen", 3, { fid: 1, flags: 0 }),
  ]) assert.notEqual((await call(g, [{ out: m }, { in: 4096 }])).type, "Rlerror");
  // A read that waits at the gate, then a getattr (fast), then a flush of the read.
  const readHead = g.post([{ out: encode("Tread", 10, { fid: 1, offset: 0n, count: 100 }) }, { in: 11 }, { in: 100 }]);
  const statHead = g.post([{ out: encode("Tgetattr", 11, { fid: 0, requestMask: 0x7ffn }) }, { in: 4096 }]);
  const flushHead = g.post([{ out: encode("Tflush", 12, { oldtag: 10 }) }, { in: 64 }]);
  g.kick();
  const first = await g.waitUsed(1);
  assert.equal(first[0].head, statHead, "the getattr overtakes the stalled read");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(g.takeUsed().length, 0, "neither the read nor its flush completes while the read waits");
  assert.equal(dev.requestsInFlight, 2);
  while (gate.waiting() === 0) await new Promise((r) => setTimeout(r, 1));
  gate.open();
  const rest = await g.waitUsed(2);
  assert.deepEqual(rest.map((u) => u.head), [readHead, flushHead], "the read's reply precedes Rflush");
  assert.equal(decode(rest[0].reply).type, "Rread");
  assert.equal(decode(rest[1].reply).type, "Rflush");
});

test("drain() waits for requests in flight and takes no new ones until resume()", async () => {
  const mem = new MemoryBackend();
  await mem.importFile("f", [te.encode("0123456789")]);
  const gate = gated(mem);
  const dev = new Virtio9p(gate.fs, "host");
  const g = new GuestQueue(dev);
  await session(g);
  await call(g, [{ out: encode("Twalk", 2, { fid: 0, newfid: 1, wnames: ["f"] }) }, { in: 4096 }]);
  await call(g, [{ out: encode("Tlopen", 3, { fid: 1, flags: 0 }) }, { in: 4096 }]);
  g.post([{ out: encode("Tread", 4, { fid: 1, offset: 0n, count: 10 }) }, { in: 64 }]);
  g.kick();
  let drained = false;
  const d = g.host.drain().then(() => { drained = true; });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(drained, false, "drain waits for the read at the gate");
  // A request made available while draining is not taken.
  g.post([{ out: encode("Tgetattr", 5, { fid: 0, requestMask: 0x7ffn }) }, { in: 4096 }]);
  g.kick();
  while (gate.waiting() === 0) await new Promise((r) => setTimeout(r, 1));
  gate.open();
  await d;
  assert.equal(drained, true);
  const done = g.takeUsed();
  assert.equal(done.length, 1);
  assert.equal(decode(done[0].reply).type, "Rread");
  assert.equal(dev.requestsInFlight, 0);
  g.host.resume();
  const [late] = await g.waitUsed(1);
  assert.equal(decode(late.reply).type, "Rgetattr");
});

test("a device reset starts a new session: old fids are gone, a request in flight before it completes into nothing", async () => {
  const mem = new MemoryBackend();
  await mem.importFile("f", [te.encode("abc")]);
  const gate = gated(mem);
  const dev = new Virtio9p(gate.fs, "host");
  const g = new GuestQueue(dev);
  await session(g);
  await call(g, [{ out: encode("Twalk", 2, { fid: 0, newfid: 1, wnames: ["f"] }) }, { in: 4096 }]);
  await call(g, [{ out: encode("Tlopen", 3, { fid: 1, flags: 0 }) }, { in: 4096 }]);
  const before = dev.p9;
  assert.equal(before.fidCount, 2);
  g.post([{ out: encode("Tread", 4, { fid: 1, offset: 0n, count: 3 }) }, { in: 64 }]);
  g.kick();
  while (gate.waiting() === 0) await new Promise((r) => setTimeout(r, 1));
  g.resetDevice();
  assert.notEqual(dev.p9, before);
  gate.open();
  while (dev.requestsInFlight > 0) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(g.usedIdx(), 0, "the old read was not returned into the new ring");
  assert.equal(before.fidCount, 0, "the old session's files were closed");
  await session(g);
  const r = await call(g, [{ out: encode("Tgetattr", 5, { fid: 1, requestMask: 0x7ffn }) }, { in: 4096 }]);
  assert.equal(r.type, "Rlerror", "fid 1 belonged to the old session");
});

test("broken chains: no header or no room for a reply sets NEEDS_RESET; a reply larger than its buffers is Rlerror EMSGSIZE", async () => {
  for (const parts of [
    [{ out: new Uint8Array(5) }, { in: 64 }],
    [{ out: encode("Tversion", NOTAG, { msize: 8192, version: "9P2000.L" }) }, { in: 10 }],
    [{ out: encode("Tversion", NOTAG, { msize: 8192, version: "9P2000.L" }) }],
    [{ in: 64 }],
  ] as Part[][]) {
    const g = new GuestQueue(new Virtio9p(new MemoryBackend(), "host"));
    g.post(parts);
    g.kick();
    assert.ok(g.needsReset, JSON.stringify(parts.map((p) => ("out" in p ? `out ${p.out.length}` : `in ${p.in}`))));
    assert.equal(g.usedIdx(), 0);
  }
  // A buffer outside RAM: NEEDS_RESET, never a host error.
  const g = new GuestQueue(new Virtio9p(new MemoryBackend(), "host"));
  g.post([{ out: encode("Tversion", NOTAG, { msize: 8192, version: "9P2000.L" }) }, { in: 64, addr: g.ramEnd - 8n }]);
  g.kick();
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(g.needsReset);

  const mem = new MemoryBackend();
  await mem.importFile("f", [new Uint8Array(5000).fill(9)]);
  const ok = new GuestQueue(new Virtio9p(mem, "host"));
  await session(ok);
  await call(ok, [{ out: encode("Twalk", 2, { fid: 0, newfid: 1, wnames: ["f"] }) }, { in: 4096 }]);
  await call(ok, [{ out: encode("Tlopen", 3, { fid: 1, flags: 0 }) }, { in: 4096 }]);
  const r = await call(ok, [{ out: encode("Tread", 4, { fid: 1, offset: 0n, count: 4096 }) }, { in: 11 }, { in: 100 }]);
  assert.equal(r.type, "Rlerror");
  assert.equal((r as Message<"Rlerror">).ecode, EMSGSIZE);
  assert.equal(r.tag, 4);
  assert.equal(ok.needsReset, false);
});
