// The virtio-net device against a test driver (driver.ts) on the real
// transport and queues: configuration, transmit with checksum completion,
// receive into one or several buffers, waiting for buffers, large segments,
// drain/resume, the cable, a new MAC, bad descriptors; and a fixed-seed fuzz
// run of malformed frames through the device into the user network.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as V from "../../wasm-core/spec/virtio.js";
import { VirtioNet, gsoFor, fuzzNetPacket, NetHeaderError, readNetHeader, transmittedFrame, type NetStatsEvent } from "../../src/devices/virtio-net.js";
import { feature } from "../../src/devices/virtio.js";
import { ToGuestQueue, type GuestOffloads, type LinkCounters } from "../../src/net/link.js";
import { internetChecksum, pseudoHeaderSum } from "../../src/net/checksum.js";
import { createFrameFuzzer } from "../../src/net/fuzz.js";
import { ipv4 } from "../../src/net/addresses.js";
import { newTcpFrame, finishTcpChecksum, ACK } from "../../src/net/tcp.js";
import { buildUdpFrame } from "../../src/net/udp.js";
import { TestNetDriver, netHeader, RAM } from "./driver.js";

const MAC = new Uint8Array([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
const GW = new Uint8Array([0x52, 0x55, 0x0a, 0x00, 0x02, 0x02]);
const GUEST_IP = ipv4(10, 0, 2, 15), HOST_IP = ipv4(10, 0, 2, 2);
const HDR = V.VIRTIO_NET_HDR_SIZE;

class FakeLink {
  onToGuest: (f: Uint8Array) => boolean | void = () => true;
  readonly sent: Uint8Array[] = [];
  readonly offloads: GuestOffloads[] = [];
  readonly counters: LinkCounters = { framesFromGuest: 0, bytesFromGuest: 0, framesToGuest: 0, bytesToGuest: 0, queueFullDrops: 0 };
  readonly queue = new ToGuestQueue(64, (f) => this.onToGuest(f), this.counters);
  closed = false;
  fromGuest(f: Uint8Array): void { this.sent.push(f); }
  resumeToGuest(): void { this.queue.pump(); }
  close(): void { this.closed = true; }
  setGuestOffloads(o: GuestOffloads): void { this.offloads.push(o); }
  toGuest(f: Uint8Array): boolean { return this.queue.push(f); }
}

function setup(opts: { offloads?: boolean; num?: number; features?: bigint } = {}) {
  const link = new FakeLink();
  const events: NetStatsEvent[] = [];
  const dev = new VirtioNet(link, { mac: MAC, offloads: opts.offloads ?? true, statsMs: 0 });
  const drv = new TestNetDriver(dev, opts.num ?? 256);
  drv.host.onEvent = (_slot, e) => events.push(e as NetStatsEvent);
  drv.start(opts.features);
  return { link, dev, drv, events };
}

// A TCP frame toward the guest of n bytes in all (at least 54), its payload a pattern.
const frameOf = (n: number, seed = 1) => {
  const f = newTcpFrame(MAC, GW, HOST_IP, 80, GUEST_IP, 40000, seed, 1, ACK, 1000, undefined, n - 54);
  for (let i = 54; i < n; i++) f[i] = (i * 31 + seed) & 255;
  finishTcpChecksum(f, HOST_IP, GUEST_IP);
  return f;
};

test("configuration space: MAC, link up, one queue pair, MTU; features with and without offloads", () => {
  const { drv } = setup();
  assert.deepEqual(drv.config(V.VIRTIO_NET_CFG_MAC, 6), MAC);
  const c = new DataView(drv.config(0, V.VIRTIO_NET_CFG_SIZE).buffer);
  assert.equal(c.getUint16(V.VIRTIO_NET_CFG_STATUS, true), V.VIRTIO_NET_S_LINK_UP);
  assert.equal(c.getUint16(V.VIRTIO_NET_CFG_MAX_VQ_PAIRS, true), 1);
  assert.equal(c.getUint16(V.VIRTIO_NET_CFG_MTU, true), 1500);
  const has = (f: bigint, bit: number) => (f & feature(bit)) !== 0n;
  for (const bit of [V.VIRTIO_NET_F_MAC, V.VIRTIO_NET_F_STATUS, V.VIRTIO_NET_F_MTU, V.VIRTIO_F_VERSION_1,
    V.VIRTIO_NET_F_CSUM, V.VIRTIO_NET_F_GUEST_CSUM, V.VIRTIO_NET_F_HOST_TSO4, V.VIRTIO_NET_F_GUEST_TSO4, V.VIRTIO_NET_F_MRG_RXBUF]) {
    assert.ok(has(drv.offered, bit), `feature ${bit} offered`);
  }
  assert.ok(!has(drv.offered, V.VIRTIO_NET_F_CTRL_VQ), "no control queue");
  const plain = setup({ offloads: false }).drv.offered;
  for (const bit of [V.VIRTIO_NET_F_CSUM, V.VIRTIO_NET_F_GUEST_CSUM, V.VIRTIO_NET_F_HOST_TSO4, V.VIRTIO_NET_F_GUEST_TSO4, V.VIRTIO_NET_F_MRG_RXBUF]) {
    assert.ok(!has(plain, bit), `feature ${bit} not offered without offloads`);
  }
  assert.ok(has(plain, V.VIRTIO_NET_F_MAC) && has(plain, V.VIRTIO_NET_F_STATUS));
  const noMrg = new VirtioNet(new FakeLink(), { statsMs: 0, withoutFeatures: [V.VIRTIO_NET_F_MRG_RXBUF] }).features;
  assert.ok(!has(noMrg, V.VIRTIO_NET_F_MRG_RXBUF) && has(noMrg, V.VIRTIO_NET_F_GUEST_TSO4));
  // A random MAC when none is given: locally administered, unicast.
  const r = new VirtioNet(new FakeLink(), { statsMs: 0 }).mac;
  assert.equal(r[0] & 3, 2);
});

test("transmit: header and frame in separate descriptors reach the link as one copy; the buffer is returned", () => {
  const { drv, link } = setup();
  const f = frameOf(600);
  const head = drv.transmit(netHeader(), f);
  assert.equal(link.sent.length, 1);
  assert.deepEqual(link.sent[0], f);
  assert.deepEqual(drv.takeUsed(V.VIRTIO_NET_TXQ), [{ head, len: 0 }]);
  assert.ok(drv.interrupts.includes(V.VIRTIO_MMIO_INT_VRING));
  // The link's copy is not guest RAM: the guest reusing its buffer changes nothing.
  drv.transmit(netHeader(), frameOf(600, 9));
  assert.deepEqual(link.sent[0], f);
});

test("transmit with NEEDS_CSUM: the device completes the TCP checksum from the pseudo-header sum the guest left", () => {
  const { drv, link } = setup();
  const payload = 3000;
  const f = newTcpFrame(GW, MAC, GUEST_IP, 40000, HOST_IP, 80, 1, 1, ACK, 1000, undefined, payload);
  for (let i = 0; i < payload; i++) f[54 + i] = i * 7;
  const l4 = f.length - 34;
  // What Linux leaves: the folded pseudo-header sum, not complemented.
  let p = pseudoHeaderSum(GUEST_IP, HOST_IP, 6, l4);
  while (p > 0xffff) p = (p & 0xffff) + (p >>> 16);
  f[50] = p >>> 8; f[51] = p;
  drv.transmit(netHeader({ flags: V.VIRTIO_NET_HDR_F_NEEDS_CSUM, gsoType: V.VIRTIO_NET_HDR_GSO_TCPV4, gsoSize: 1448, hdrLen: 54, csumStart: 34, csumOffset: 16 }), f);
  assert.equal(link.sent.length, 1, "a 3000-byte TSO segment is taken whole");
  const got = link.sent[0];
  assert.equal(internetChecksum(got, 34, got.length, pseudoHeaderSum(GUEST_IP, HOST_IP, 6, l4)), 0, "a valid TCP checksum");
  // A checksum request that points past the frame is dropped and counted.
  drv.transmit(netHeader({ flags: V.VIRTIO_NET_HDR_F_NEEDS_CSUM, csumStart: 590, csumOffset: 16 }), frameOf(600));
  assert.equal(link.sent.length, 1);
  assert.equal(drv.takeUsed(V.VIRTIO_NET_TXQ).length, 2, "both buffers are returned");
});

test("transmit: oversize chains are dropped without being copied; a frame over the MTU needs HOST_TSO4", () => {
  const { drv, link, dev } = setup({ features: feature(V.VIRTIO_F_VERSION_1) | feature(V.VIRTIO_NET_F_MAC) });
  // A descriptor that claims 1 GiB: never gathered.
  drv.post(V.VIRTIO_NET_TXQ, [{ addr: RAM, len: 12, write: false }, { addr: RAM + 0x1000n, len: 1 << 30, write: false }]);
  drv.notify(V.VIRTIO_NET_TXQ);
  drv.transmit(netHeader(), frameOf(3000)); // no TSO negotiated: over the MTU
  drv.transmit(netHeader(), frameOf(1514));
  assert.equal(link.sent.length, 1);
  assert.equal(dev.stats.txDropped, 2);
  assert.equal(drv.status & V.VIRTIO_STATUS_DEVICE_NEEDS_RESET, 0, "lengths are not a protocol error");
  assert.equal(drv.takeUsed(V.VIRTIO_NET_TXQ).length, 3);
});

test("receive into one buffer: the header (DATA_VALID, num_buffers 1) then the frame; used length = both", () => {
  const { drv, link } = setup({ features: feature(V.VIRTIO_F_VERSION_1) | feature(V.VIRTIO_NET_F_GUEST_CSUM) });
  const [b] = drv.postRx(1, 1526);
  const f = frameOf(1514);
  assert.equal(link.toGuest(f), true);
  const used = drv.takeUsed(V.VIRTIO_NET_RXQ);
  assert.deepEqual(used, [{ head: b.head, len: HDR + 1514 }]);
  const h = readNetHeader(drv.read(b.addr, HDR));
  assert.equal(h.flags, V.VIRTIO_NET_HDR_F_DATA_VALID);
  assert.equal(h.numBuffers, 1);
  assert.equal(h.gsoType, V.VIRTIO_NET_HDR_GSO_NONE);
  assert.deepEqual(drv.read(b.addr + BigInt(HDR), 1514), f);
  assert.equal(link.counters.framesToGuest, 1);
});

test("receive with MRG_RXBUF: a frame spans buffers, num_buffers says how many, and all are published at once", () => {
  const { drv, link } = setup();
  const bufs = drv.postRx(4, 2048);
  const f = frameOf(5000);
  const idxBefore = drv.usedIdx(V.VIRTIO_NET_RXQ);
  // Watch every store to a used index: the driver may look between two.
  const publishes: number[] = [];
  const mem = drv.host.mem, publish = mem.publishU16.bind(mem);
  mem.publishU16 = (addr, v) => { publishes.push(v); publish(addr, v); };
  link.toGuest(f);
  mem.publishU16 = publish;
  assert.deepEqual(publishes, [idxBefore + 3], "three buffers, one index update");
  const used = drv.takeUsed(V.VIRTIO_NET_RXQ);
  assert.deepEqual(used.map((u) => u.head), bufs.slice(0, 3).map((b) => b.head));
  assert.deepEqual(used.map((u) => u.len), [2048, 2048, HDR + 5000 - 4096]);
  assert.equal(readNetHeader(drv.read(bufs[0].addr, HDR)).numBuffers, 3);
  const joined = new Uint8Array(HDR + 5000);
  used.forEach((u, i) => joined.set(drv.read(bufs[i].addr, u.len), i * 2048));
  assert.deepEqual(joined.subarray(HDR), f);
  // The fourth buffer is still posted: the next frame lands there.
  link.toGuest(frameOf(100));
  assert.deepEqual(drv.takeUsed(V.VIRTIO_NET_RXQ).map((u) => u.head), [bufs[3].head]);
});

test("no receive buffer: the frame waits in the link's queue, in order, until the driver posts buffers and notifies", () => {
  const { drv, link, dev } = setup();
  const frames = [frameOf(200, 1), frameOf(3000, 2), frameOf(60, 3)];
  for (const f of frames) link.toGuest(f);
  assert.equal(link.queue.length, 3);
  drv.postRx(1, 2048); // one buffer: the first frame goes, the 3000-byte one needs two and waits
  assert.equal(link.queue.length, 2);
  assert.equal(drv.takeUsed(V.VIRTIO_NET_RXQ).length, 1);
  const bufs = drv.postRx(3, 2048);
  assert.equal(link.queue.length, 0);
  const used = drv.takeUsed(V.VIRTIO_NET_RXQ);
  assert.deepEqual(used.map((u) => u.head), bufs.map((b) => b.head), "buffers taken in order, none lost to the wait");
  assert.deepEqual(drv.read(bufs[2].addr + BigInt(HDR), 60), frames[2]);
  assert.ok(dev.stats.rxWaits >= 1);
  assert.equal(dev.stats.rxFrames, 3);
});

test("without MRG_RXBUF a frame larger than the buffer is dropped and the buffer stays posted", () => {
  const { drv, link, dev } = setup({ features: feature(V.VIRTIO_F_VERSION_1) });
  const [b] = drv.postRx(1, 200);
  link.toGuest(frameOf(1000));
  assert.equal(dev.stats.rxDropped, 1);
  assert.equal(drv.takeUsed(V.VIRTIO_NET_RXQ).length, 0);
  link.toGuest(frameOf(150));
  assert.deepEqual(drv.takeUsed(V.VIRTIO_NET_RXQ), [{ head: b.head, len: HDR + 150 }]);
});

test("with MRG_RXBUF, a frame larger than the whole ring of buffers is dropped, not waited for; the buffers stay posted", () => {
  const { drv, link, dev } = setup({ num: 8 });
  drv.postRx(8, 64);
  link.toGuest(frameOf(1000)); // 8 × 64 bytes can never hold 1012
  assert.equal(dev.stats.rxDropped, 1);
  assert.equal(link.queue.length, 0, "nothing is held up behind it");
  link.toGuest(frameOf(100)); // fits in two
  assert.deepEqual(drv.takeUsed(V.VIRTIO_NET_RXQ).map((u) => u.len), [64, HDR + 100 - 64]);
});

test("large TCP segments go to a guest that took GUEST_TSO4 as GSO packets; the link is told what the driver took", () => {
  const { drv, link, dev } = setup();
  drv.notify(V.VIRTIO_NET_RXQ);
  assert.deepEqual(link.offloads.at(-1), { largeTcpSegments: true });
  const f = newTcpFrame(MAC, GW, HOST_IP, 80, GUEST_IP, 40000, 1, 1, ACK, 1000, undefined, 20 * 1460);
  finishTcpChecksum(f, HOST_IP, GUEST_IP);
  const bufs = drv.postRx(16, 4096);
  link.toGuest(f);
  const h = readNetHeader(drv.read(bufs[0].addr, HDR));
  assert.equal(h.gsoType, V.VIRTIO_NET_HDR_GSO_TCPV4);
  assert.equal(h.gsoSize, 1460);
  assert.equal(h.hdrLen, 54);
  assert.equal(h.numBuffers, Math.ceil((HDR + f.length) / 4096));
  assert.equal(dev.stats.rxFrames, 1);
  // A driver without GUEST_TSO4: such a frame cannot be given to it.
  const plain = setup({ features: feature(V.VIRTIO_F_VERSION_1) | feature(V.VIRTIO_NET_F_MRG_RXBUF) });
  plain.drv.postRx(16, 4096);
  assert.deepEqual(plain.link.offloads.at(-1), { largeTcpSegments: false });
  plain.link.toGuest(f);
  assert.equal(plain.dev.stats.rxDropped, 1);
  // A reset forgets what was negotiated.
  drv.resetDevice();
  assert.deepEqual(link.offloads.at(-1), { largeTcpSegments: false });
});

test("drain holds both directions still; resume delivers what waited and sends what was queued", async () => {
  const { drv, link, dev } = setup();
  drv.postRx(4, 2048);
  await dev.drain!();
  link.toGuest(frameOf(100));
  drv.transmit(netHeader(), frameOf(300));
  assert.equal(drv.takeUsed(V.VIRTIO_NET_RXQ).length, 0, "nothing delivered while drained");
  assert.equal(link.sent.length, 0, "nothing taken while drained");
  dev.resume!();
  assert.equal(drv.takeUsed(V.VIRTIO_NET_RXQ).length, 1);
  assert.equal(link.sent.length, 1);
});

test("the cable: pulled, the link status drops with a configuration interrupt and frames are lost both ways", async () => {
  const { drv, link, dev, events } = setup();
  drv.postRx(4, 2048);
  const gen = drv.configGeneration;
  drv.host.device(0)!.command!({ kind: "net-link", up: false });
  await Promise.resolve(); // interrupts are raised once per turn
  assert.equal(new DataView(drv.config(0, 8).buffer).getUint16(V.VIRTIO_NET_CFG_STATUS, true), 0);
  assert.ok(drv.configGeneration > gen);
  assert.ok(drv.interrupts.includes(V.VIRTIO_MMIO_INT_CONFIG));
  link.toGuest(frameOf(100));
  drv.transmit(netHeader(), frameOf(100));
  assert.equal(link.sent.length, 0);
  assert.equal(drv.takeUsed(V.VIRTIO_NET_RXQ).length, 0);
  assert.equal(dev.stats.rxDropped, 1);
  assert.equal(events.at(-1)?.linkUp, false);
  dev.command({ kind: "net-link", up: true });
  link.toGuest(frameOf(100));
  assert.equal(drv.takeUsed(V.VIRTIO_NET_RXQ).length, 1);
  // A new MAC (the user's, for a second copy of a machine on one LAN) is visible in the configuration.
  const before = drv.config(0, 6);
  dev.command({ kind: "net-new-mac" });
  assert.notDeepEqual(drv.config(0, 6), before);
  assert.deepEqual(drv.config(0, 6), dev.mac);
});

test("save (for a snapshot): the MAC the driver read, the cable, the offloads; a card built from them offers the same features", async () => {
  const { dev } = setup();
  dev.command({ kind: "net-link", up: false });
  const st = await dev.save();
  assert.deepEqual(st, { mac: "52:54:00:12:34:56", linkUp: false, offloads: true });
  const again = new VirtioNet(new FakeLink(), { mac: MAC, offloads: st.offloads, linkUp: st.linkUp, statsMs: 0 });
  assert.equal(again.features, dev.features);
  assert.equal(new DataView(again.config().buffer).getUint16(V.VIRTIO_NET_CFG_STATUS, true), 0, "the cable stays out");
  const lan = setup({ offloads: false }).dev;
  assert.equal((await lan.save()).offloads, false);
  assert.notEqual(lan.features, dev.features);
});

test("bad descriptors are the transport's NEEDS_RESET: a transmit buffer or a receive buffer outside RAM", () => {
  for (const q of [V.VIRTIO_NET_TXQ, V.VIRTIO_NET_RXQ]) {
    const { drv, link } = setup();
    drv.post(q, [{ addr: 0x1000n, len: 100, write: q === V.VIRTIO_NET_RXQ }]);
    drv.notify(q);
    if (q === V.VIRTIO_NET_RXQ) link.toGuest(frameOf(60));
    assert.ok(drv.status & V.VIRTIO_STATUS_DEVICE_NEEDS_RESET, `queue ${q}`);
  }
});

test("the header parser and the offload helpers: bad input is a NetHeaderError or a refusal, never a crash", () => {
  assert.throws(() => readNetHeader(new Uint8Array(11)), NetHeaderError);
  assert.equal(transmittedFrame(Uint8Array.of(1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 2, 3), true), undefined);
  assert.deepEqual(transmittedFrame(Uint8Array.of(1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 1, 2, 3), false), Uint8Array.of(1, 2, 3));
  assert.deepEqual(gsoFor(new Uint8Array(1514), 1500, false), { size: 0, hdrLen: 0 });
  assert.equal(gsoFor(new Uint8Array(3000), 1500, true), undefined, "not IPv4/TCP");
  let seed = 12345;
  const rnd = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
  for (let i = 0; i < 3000; i++) {
    const b = new Uint8Array(rnd() % 4000);
    for (let j = 0; j < b.length; j++) b[j] = rnd();
    if (b.length > 12) { b[0] = rnd() & 1; b[26] = 0x45; } // often ask for a checksum
    try { fuzzNetPacket(b); } catch (e) { assert.ok(e instanceof NetHeaderError, String(e)); }
  }
});

test("fuzz (fixed seed): malformed frames through the device into the user network; the host stays up and counts them", () => {
  const { net } = createFrameFuzzer();
  const dev = new VirtioNet(net, { mac: MAC, statsMs: 0 });
  const drv = new TestNetDriver(dev, 256, 64);
  drv.start();
  let seed = 0x5eed;
  const rnd = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
  // A fixed pool of transmit buffers, reused.
  const pool = Array.from({ length: 8 }, () => drv.alloc(70000));
  drv.postRx(64, 2048);
  const valid = buildUdpFrame(GW, MAC, GUEST_IP, 5000, HOST_IP, 7, new Uint8Array(64));
  let sent = 0;
  for (let i = 0; i < 2000; i++) {
    const kind = rnd() % 4;
    let frame: Uint8Array;
    if (kind === 0) { // a valid frame with bytes flipped
      frame = valid.slice();
      for (let k = 0; k < 1 + (rnd() % 4); k++) frame[rnd() % frame.length] ^= 1 << (rnd() % 8);
    } else if (kind === 1) { // random length and bytes
      frame = new Uint8Array(rnd() % 1600);
      for (let j = 0; j < frame.length; j++) frame[j] = rnd();
      if (frame.length >= 14) frame.set(GW, 0);
    } else if (kind === 2) { // an IPv4 header whose lengths lie
      frame = valid.slice(0, 14 + (rnd() % 60));
      if (frame.length > 17) { frame[16] = rnd(); frame[17] = rnd(); }
    } else { // a "TSO" frame far over the MTU, with a random checksum request
      frame = new Uint8Array(1515 + (rnd() % 64000));
      frame.set(valid.subarray(0, 42));
    }
    const hdr = netHeader({ flags: rnd() & 1, gsoType: rnd() % 5, csumStart: rnd() % 2000, csumOffset: rnd() % 40, gsoSize: rnd() & 0xffff });
    // Header and frame in one buffer, in two, or split at a random point.
    const buf = pool[i % pool.length];
    const bytes = new Uint8Array(hdr.length + frame.length);
    bytes.set(hdr); bytes.set(frame, hdr.length);
    drv.write(buf, bytes);
    const cut = rnd() % (bytes.length + 1);
    drv.post(V.VIRTIO_NET_TXQ, cut === 0 || cut === bytes.length
      ? [{ addr: buf, len: bytes.length, write: false }]
      : [{ addr: buf, len: cut, write: false }, { addr: buf + BigInt(cut), len: bytes.length - cut, write: false }]);
    drv.notify(V.VIRTIO_NET_TXQ);
    sent++;
    drv.takeUsed(V.VIRTIO_NET_TXQ);
    // Keep receive buffers posted (the network answers some frames: ARP, ICMP, DHCP).
    const got = drv.takeUsed(V.VIRTIO_NET_RXQ).length;
    if (got) drv.postRx(got, 2048);
  }
  assert.equal(drv.status & V.VIRTIO_STATUS_DEVICE_NEEDS_RESET, 0, "well-formed descriptors never reset the device");
  assert.equal(dev.stats.txFrames + dev.stats.txDropped, sent, "every frame is handed over or counted");
  assert.equal(net.stats.framesFromGuest, dev.stats.txFrames);
  assert.equal(net.stats.dropped.internal, 0, net.stats.lastInternalError);
  const d = net.stats.dropped;
  for (const reason of ["truncated", "bad-length", "bad-checksum", "unsupported"] as const) {
    assert.ok(d[reason] > 0, `the stack counted ${reason} frames: ${JSON.stringify(d)}`);
  }
  assert.ok(dev.stats.txDropped > 0, "the device counted the checksum requests outside their frame");
  // And it still works: a well-formed ARP request for the gateway is answered.
  const arp = new Uint8Array(42);
  arp.fill(0xff, 0, 6); arp.set(MAC, 6); arp[12] = 0x08; arp[13] = 0x06;
  arp.set([0, 1, 8, 0, 6, 4, 0, 1], 14); arp.set(MAC, 22); arp.set([10, 0, 2, 15], 28); arp.set([10, 0, 2, 2], 38);
  const before = dev.stats.rxFrames;
  drv.transmit(netHeader(), arp);
  assert.equal(dev.stats.rxFrames, before + 1, "the ARP reply reached the guest");
});
