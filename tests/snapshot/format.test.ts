// The snapshot format without a booted machine: a hand-built snapshot goes
// through the single-file form and back, restores into a new machine's
// memory page for page, and every kind of bad input is refused with a
// SnapshotError naming what is wrong.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as L from "../../wasm-core/layout.js";
import { loadCoreModule } from "../../src/node/core-module.js";
import { spawnNodeHart } from "../../src/node/harts.js";
import { readSnapshotFile, writeSnapshotFile, FILE_MAGIC } from "../../src/snapshot/snapshot-file.js";
import { encodeManifest, parseManifest, PAGE_SIZE } from "../../src/snapshot/manifest.js";
import { ChunkMapBuilder, decodeChunkMap, IMAGE, PACK, ZERO, BASE } from "../../src/snapshot/chunk-map.js";
import { prepareRestore, restoreMachine } from "../../src/snapshot/restore-snapshot.js";
import { snapshotInfo } from "../../src/snapshot/snapshot-info.js";
import { SnapshotError, type SnapshotErrorCode } from "../../src/snapshot/snapshot-error.js";
import { ConsoleTail } from "../../src/snapshot/console-tail.js";
import { FIRMWARE, KERNEL, RAM, bytesOf, syntheticSnapshot } from "./synthetic.js";

const IMAGES = [{ name: "fw", bytes: FIRMWARE }, { name: "k", bytes: KERNEL }];

async function rejects(p: Promise<unknown> | (() => unknown), code: SnapshotErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(async () => { await (typeof p === "function" ? p() : p); }, (e: unknown) => {
    assert.ok(e instanceof SnapshotError, `a SnapshotError, not ${e}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

test("a snapshot goes through its file form unchanged and summarises its pages", async () => {
  const s = await syntheticSnapshot();
  const file = writeSnapshotFile(s);
  assert.deepEqual([...file.subarray(0, 8)], [...FILE_MAGIC]);
  const back = await readSnapshotFile(file);
  assert.equal(back.id, s.id);
  assert.deepEqual(back.manifest, s.manifest);
  assert.deepEqual([...back.blobs.keys()].sort(), [...s.blobs.keys()].sort());
  const info = await snapshotInfo(back);
  assert.deepEqual(info.ram, { pages: RAM / PAGE_SIZE, zero: RAM / PAGE_SIZE - 6, image: 3, packed: 3 });
  assert.equal(info.packs.count, 1);
  assert.equal(info.machine.harts, 1);
  assert.equal(info.bytes.total, file.length - 16 - 4 - 36 * 2);
});

test("a restore writes the records and every page where the map says, and rebuilds the caches", async () => {
  const s = await syntheticSnapshot();
  const p = await prepareRestore(await readSnapshotFile(writeSnapshotFile(s)), IMAGES);
  const m = await restoreMachine(p, await loadCoreModule(), spawnNodeHart);
  const ram = (page: number) => m.view.bytes.subarray(L.RAM_OFFSET + page * PAGE_SIZE, L.RAM_OFFSET + (page + 1) * PAGE_SIZE);
  assert.deepEqual(ram(0), FIRMWARE.subarray(0, PAGE_SIZE));
  assert.deepEqual(ram(1), FIRMWARE.subarray(PAGE_SIZE));
  const tail = new Uint8Array(PAGE_SIZE);
  tail.set(KERNEL.subarray(3 * PAGE_SIZE));
  assert.deepEqual(ram(2), tail);
  const pack = bytesOf(3, 2 * PAGE_SIZE);
  assert.deepEqual(ram(3), pack.subarray(0, PAGE_SIZE));
  assert.deepEqual(ram(4), pack.subarray(PAGE_SIZE));
  assert.deepEqual(ram(5), pack.subarray(PAGE_SIZE));
  assert.ok(ram(6).every((b) => b === 0) && ram(RAM / PAGE_SIZE - 1).every((b) => b === 0));
  assert.equal(m.view.pc(0), 0x80000000n);
  assert.equal(m.view.dev64(L.D_MTIME_FROZEN), 12345678n, "the guest clock stands at the snapshot's until the harts start");
  const tlb = L.HART_BASE + L.H_TLB;
  assert.ok(m.view.bytes.subarray(tlb, tlb + L.TLB_SIZE).every((b) => b === 0xff), "the TLB starts empty");
  assert.equal(m.view.dv.getInt32(L.HART_BASE + L.H_EXC_CAUSE, true), -1);
  assert.equal(new TextDecoder().decode(p.console!.bytes), "root@rvplay:~# ");
  m.stop();
});

test("a truncated file is refused as truncated, wherever it is cut", async () => {
  const file = writeSnapshotFile(await syntheticSnapshot());
  for (let cut = 1; cut < file.length; cut += Math.max(1, Math.floor(file.length / 97))) {
    await rejects(readSnapshotFile(file.subarray(0, cut)), "truncated", /truncated/);
  }
  await rejects(readSnapshotFile(file.subarray(0, file.length - 1)), "truncated");
  await rejects(readSnapshotFile(Uint8Array.of(...file, 0)), "bad_manifest", /after its last blob/);
});

test("a tampered blob, a newer version, or a foreign file is refused clearly", async () => {
  const s = await syntheticSnapshot();
  const file = writeSnapshotFile(s);
  const tampered = file.slice();
  tampered[file.length - 10] ^= 0x40; // inside the last blob
  await rejects(readSnapshotFile(tampered), "hash_mismatch", /damaged/);
  const future = file.slice();
  new DataView(future.buffer).setUint32(8, 2, true);
  await rejects(readSnapshotFile(future), "future_version", /update rvplay/);
  await rejects(readSnapshotFile(new TextEncoder().encode("hello, this is not a snapshot")), "not_snapshot");
  const newer = await syntheticSnapshot({ manifest: (m) => { (m as { version: number }).version = 3; } });
  await rejects(readSnapshotFile(writeSnapshotFile(newer)), "future_version", /format version 3.*update rvplay/);
  const record = await syntheticSnapshot({ manifest: (m) => { m.records[0].version = 9; } });
  await rejects(readSnapshotFile(writeSnapshotFile(record)), "future_version", /record "hart0" has version 9/);
});

test("a machine larger than this rvplay runs is refused before anything is built", async () => {
  const harts = await syntheticSnapshot({ manifest: (m) => { m.machine.harts = 9; } });
  await rejects(readSnapshotFile(writeSnapshotFile(harts)), "limits", /9 harts; this rvplay runs 1 to 8/);
  const ram = await syntheticSnapshot({ manifest: (m) => { m.machine.ramBytes = 4096 * 2 ** 20; m.ram.pages = m.machine.ramBytes / PAGE_SIZE; } });
  await rejects(readSnapshotFile(writeSnapshotFile(ram)), "limits", /RAM; this rvplay runs 64 to 2048 MiB/);
});

test("a boot image the snapshot needs and that is not given is named", async () => {
  const s = await syntheticSnapshot();
  await rejects(prepareRestore(s, [IMAGES[0]]), "missing_image", /needs the kernel 'kernel\.bin' \(12388 bytes, sha256 [0-9a-f]{12}…\), which is not available: in the CLI give/);
  await rejects(prepareRestore(s, [IMAGES[0], { name: "other", bytes: bytesOf(9, KERNEL.length) }]), "missing_image", /kernel/);
});

test("machine state the host cannot run from is refused before a hart runs", async () => {
  const module = await loadCoreModule();
  const cases: [string, (name: string, b: Uint8Array) => void, RegExp][] = [
    ["privilege 2", (n, b) => { if (n === "hart0") new DataView(b.buffer).setInt32(L.H_PRIV, 2, true); }, /privilege level 2/],
    ["satp mode 9", (n, b) => { if (n === "hart0") new DataView(b.buffer).setBigUint64(L.C_SATP, 9n << 60n, true); }, /translation mode 9/],
    ["console ring", (n, b) => { if (n === "uart") new DataView(b.buffer).setInt32(L.UART_TX_HEAD, 1 << 30, true); }, /console rings/],
    ["device id", (n, b) => { if (n === "virtio") new DataView(b.buffer).setUint32(L.VQ_DEVICE_ID, 2, true); }, /virtio slot 0 holds device id 2/],
    ["queue size", (n, b) => { if (n === "virtio") new DataView(b.buffer).setUint32(L.VQ_QUEUES + L.Q_NUM, 3, true); }, /has size 3/],
    ["RAM size", (n, b) => { if (n === "machine") new DataView(b.buffer).setBigUint64(L.D_RAM_SIZE, 1n << 40n, true); }, /another RAM size/],
  ];
  for (const [what, records, re] of cases) {
    const s = await syntheticSnapshot({ records });
    const p = await prepareRestore(s, IMAGES);
    await rejects(restoreMachine(p, module, spawnNodeHart), "bad_state", re);
    assert.ok(what);
  }
});

test("manifests that are not what they claim are refused field by field", async () => {
  const base = (await syntheticSnapshot()).manifest;
  const variants: [string, (m: Record<string, any>) => void, SnapshotErrorCode, RegExp][] = [
    ["format", (m) => { m.format = "other"; }, "not_snapshot", /not an rvplay snapshot/],
    ["unknown field", (m) => { m.extra = 1; }, "bad_manifest", /unknown field "extra"/],
    ["blob not listed", (m) => { m.blobs.pop(); }, "bad_manifest", /does not list/],
    ["blob listed twice", (m) => { m.blobs.push(m.blobs[0]); }, "bad_manifest", /twice/],
    ["record missing", (m) => { m.records.pop(); }, "bad_manifest", /lacks "uart.rx"/],
    ["record size", (m) => { m.records[0].size = 8; }, "bad_manifest", /record "hart0" is 1536 bytes/],
    ["section outside the state", (m) => { m.ram.map.offset = m.state.size + 1; }, "bad_manifest", /ram\.map\.offset/],
    ["codec", (m) => { m.packs[0].codec = "zstd"; }, "unsupported", /zstd/],
    ["no kernel", (m) => { m.images.pop(); }, "bad_manifest", /exactly one kernel/],
    ["hash", (m) => { m.state.blob = "ABC"; }, "bad_manifest", /SHA-256/],
    ["bootargs", (m) => { m.machine.bootargs = "a\u0007b"; }, "bad_manifest", /control characters/],
    ["mtime", (m) => { m.clock.mtime = "-5"; }, "bad_manifest", /mtime/],
    ["device", (m) => { m.devices[0].type = "virtio-gpu"; }, "bad_manifest", /not a device/],
    ["device state", (m) => { m.devices[0].state = { x: 1 }; }, "bad_manifest", /does not define/],
  ];
  for (const [what, change, code, re] of variants) {
    const m = structuredClone(base) as Record<string, any>;
    change(m);
    await rejects(() => parseManifest(encodeManifest(m as never)), code, re);
    assert.ok(what);
  }
  await rejects(() => parseManifest(new Uint8Array([0xff, 0xfe])), "not_snapshot", /UTF-8 JSON/);
  const deep = new TextEncoder().encode("[".repeat(100000) + "]".repeat(100000));
  await rejects(() => parseManifest(deep), "not_snapshot");
});

test("chunk maps: runs merge, and every reference is checked", () => {
  const b = new ChunkMapBuilder();
  b.add({ kind: ZERO, count: 2 });
  b.add({ kind: ZERO, count: 1 });
  b.add({ kind: IMAGE, count: 1, image: 0, offset: 0 });
  b.add({ kind: IMAGE, count: 1, image: 0, offset: PAGE_SIZE });
  b.add({ kind: PACK, count: 1, pack: 0, slot: 3 });
  b.add({ kind: PACK, count: 1, pack: 0, slot: 4 });
  b.add({ kind: PACK, count: 1, pack: 0, slot: 4 });
  assert.equal(b.runs.length, 4);
  const ctx = { count: 8, imageSizes: [2 * PAGE_SIZE], packPages: [5], base: false, what: "RAM" };
  assert.deepEqual(decodeChunkMap(b.encode(), ctx), b.runs);
  const bad = (bytes: Uint8Array, re: RegExp, c = ctx) => assert.throws(() => decodeChunkMap(bytes, c), (e: unknown) => e instanceof SnapshotError && e.code === "bad_state" && re.test(e.message));
  bad(b.encode(), /covers more than/, { ...ctx, count: 7 });
  bad(b.encode(), /covers 8 chunks, not 9/, { ...ctx, count: 9 });
  bad(b.encode(), /past the end of pack/, { ...ctx, packPages: [4] });
  bad(b.encode(), /past the end of boot image/, { ...ctx, imageSizes: [PAGE_SIZE] });
  bad(b.encode().subarray(0, 7), /ends inside a run/);
  bad(Uint8Array.of(9, 1, 0, 0, 0), /unknown run kind 9/);
  bad(Uint8Array.of(ZERO, 0, 0, 0, 0), /empty run/);
  bad(Uint8Array.of(BASE, 8, 0, 0, 0), /base image/);
});

test("the CLI's console tail keeps the last output from a line start", () => {
  const t = new ConsoleTail(64);
  const enc = new TextEncoder();
  for (let i = 0; i < 40; i++) t.push(enc.encode(`line ${i}\r\n`));
  const s = new TextDecoder().decode(t.screen());
  assert.ok(s.startsWith("line ") && s.endsWith("line 39\r\n"), s);
  assert.ok(s.length <= 64);
  t.push(enc.encode("x".repeat(100)));
  assert.equal(t.screen().length, 0, "no line start in the window: nothing rather than half a sequence");
});
