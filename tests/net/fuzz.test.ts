// Fixed-seed fuzzing: mutated frames into the user network, mutated Wisp
// packets into the parser and into a live client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createFrameFuzzer, fuzzDhcp, fuzzDnsQuery, fuzzWispPacket } from "../../src/net/fuzz.js";
import { NetFrameError } from "../../src/net/frame-error.js";
import { parseHostForward, HostForwardError } from "../../src/net/hostfwd.js";
import { WispClient, type WebSocketLike } from "../../src/net/wisp-client.js";
import {
  encodeClose, encodeConnect, encodeContinue, encodeData, encodeInfo, u32le, WispProtocolError,
} from "../../src/net/wisp-protocol.js";
import {
  BCAST, DNS_IP, ethernet, F, GUEST_IP, GUEST_MAC, GW_IP, GW_MAC, ipv4Packet, tcpSegment, udpDatagram,
} from "./guest.js";

/** xorshift32: the same sequence on every run. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  return { next, below: (n: number) => next() % n };
}

function mutate(r: ReturnType<typeof rng>, seed: Uint8Array, corpus: Uint8Array[]): Uint8Array {
  let b = Uint8Array.from(seed);
  const rounds = 1 + r.below(4);
  for (let k = 0; k < rounds; k++) {
    switch (r.below(7)) {
      case 0: if (b.length) b[r.below(b.length)] ^= 1 << r.below(8); break;                 // bit flip
      case 1: if (b.length) b[r.below(b.length)] = r.below(256); break;                      // random byte
      case 2: b = b.subarray(0, r.below(b.length + 1)); break;                              // truncate
      case 3: { const e = new Uint8Array(r.below(64)); e.forEach((_, i) => { e[i] = r.below(256); }); b = Uint8Array.from([...b, ...e]); break; }
      case 4: { const o = corpus[r.below(corpus.length)]; const at = r.below(b.length + 1); b = Uint8Array.from([...b.subarray(0, at), ...o.subarray(at)]); break; } // splice
      case 5: if (b.length > 4) { const i = r.below(b.length - 1); b[i] = 0xff; b[i + 1] = 0xff; } break; // max a 16-bit field
      default: if (b.length > 4) { const i = r.below(b.length - 1); b[i] = 0; b[i + 1] = 0; }            // zero one
    }
  }
  return b;
}

function frameCorpus(): Uint8Array[] {
  const dhcp = [...new Array(236).fill(0).map((_, i) => (i === 0 || i === 1 ? 1 : i === 2 ? 6 : 0)), 99, 130, 83, 99, 53, 1, 1, 50, 4, 10, 0, 2, 15, 255];
  const z = [0, 0, 0, 0], b = [255, 255, 255, 255];
  const dns = [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 119, 119, 119, 0, 0, 1, 0, 1];
  const dst = [192, 0, 2, 7];
  const ip = (d: number[], proto: number, l4: number[]) => ethernet(GW_MAC, GUEST_MAC, 0x0800, ipv4Packet(GUEST_IP, d, proto, l4));
  return [
    ethernet(BCAST, GUEST_MAC, 0x0806, [0, 1, 8, 0, 6, 4, 0, 1, ...GUEST_MAC, ...GUEST_IP, 0, 0, 0, 0, 0, 0, ...GW_IP]),
    ethernet(BCAST, GUEST_MAC, 0x0800, ipv4Packet(z, b, 17, udpDatagram(z, 68, b, 67, dhcp))),
    ip(DNS_IP, 17, udpDatagram(GUEST_IP, 3000, DNS_IP, 53, dns)),
    ip(GW_IP, 1, [8, 0, 0xf7, 0xfe, 0, 1, 0, 0]),
    ip(dst, 17, udpDatagram(GUEST_IP, 3001, dst, 9, [1, 2, 3])),
    ip(dst, 6, tcpSegment(GUEST_IP, 3002, dst, 80, 1000, 0, F.SYN, 1000, [], [2, 4, 5, 180, 1, 3, 3, 7])),
    ip(dst, 6, tcpSegment(GUEST_IP, 3002, dst, 80, 1001, 0, F.ACK, 1000)),
    ip(dst, 6, tcpSegment(GUEST_IP, 3002, dst, 80, 1001, 0, F.ACK | F.PSH, 1000, [1, 2, 3, 4, 5])),
    ip(dst, 6, tcpSegment(GUEST_IP, 3002, dst, 80, 1006, 0, F.FIN | F.ACK, 1000)),
    ip(dst, 6, tcpSegment(GUEST_IP, 3002, dst, 80, 1006, 0, F.RST, 0)),
  ];
}

test("fuzz: 6,000 mutated frames into the user network: nothing thrown, no internal errors, bounded state", async () => {
  const { feed, net } = createFrameFuzzer({ maxConnections: 32, queueFrames: 256, maxUdpFlows: 16, timeWaitMs: 10 });
  const corpus = frameCorpus();
  const r = rng(0x5eed);
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < 6000; i++) {
    const f = r.below(10) === 0 ? corpus[r.below(corpus.length)] : mutate(r, corpus[r.below(corpus.length)], corpus);
    assert.doesNotThrow(() => feed(f));
    if (i % 500 === 0) await new Promise((res) => setImmediate(res)); // let back-end events and ACK flushes run
  }
  await new Promise((res) => setTimeout(res, 20));
  const s = net.stats;
  assert.equal(s.dropped.internal, 0, s.lastInternalError);
  assert.ok(s.tcpOpen <= 32);
  assert.ok(s.udpFlows <= 16);
  const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
  assert.ok(dropped > 3000, `most mutants are dropped and counted (${dropped})`);
  assert.ok(s.framesToGuest > 100, "valid frames still get answers");
  net.close();
  const grown = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(grown < 64 << 20, `heap grew by ${grown} bytes`);
});

test("fuzz: Wisp packets: the parser throws only WispProtocolError; a client fed them keeps going", async () => {
  const corpus = [
    encodeConnect(1, 1, 80, "example.com"), encodeData(1, new Uint8Array([1, 2, 3])), encodeContinue(1, 64),
    encodeClose(1, 2), encodeInfo(2, 0, [{ id: 1, data: new Uint8Array(0) }, { id: 0xe0, data: u32le(64) }]),
  ];
  const r = rng(0x3157);
  let parsed = 0, rejected = 0;
  for (let i = 0; i < 5000; i++) {
    const b = mutate(r, corpus[r.below(corpus.length)], corpus);
    try { fuzzWispPacket(b); parsed++; } catch (e) { assert.ok(e instanceof WispProtocolError, String(e)); rejected++; }
  }
  assert.ok(parsed > 1000 && rejected > 100, `${parsed} parsed, ${rejected} rejected`);

  // The same mutants as messages from a "relay" into a live client.
  const sent: Uint8Array[] = [];
  const fake: WebSocketLike = {
    binaryType: "", readyState: 1, bufferedAmount: 0, send: (d) => { sent.push(d); }, close() {},
    onopen: null, onmessage: null, onclose: null, onerror: null,
  };
  const client = new WispClient("ws://relay.invalid/", { createWebSocket: () => fake });
  fake.onmessage!({ data: encodeInfo(2, 0, [{ id: 0xe0, data: new Uint8Array(0) }]).buffer });
  fake.onmessage!({ data: encodeContinue(0, 16).buffer });
  await client.ready;
  let events = 0;
  const ev = { onOpen() { events++; }, onData() { events++; }, onEnd() { events++; }, onDrain() {}, onClose() { events++; } };
  for (let i = 0; i < 8; i++) client.connectTcp("192.0.2.1", 80, ev);
  const r2 = rng(99);
  for (let i = 0; i < 3000; i++) {
    const m = mutate(r2, corpus[r2.below(corpus.length)], corpus);
    assert.doesNotThrow(() => fake.onmessage!({ data: m.slice().buffer }));
  }
  assert.ok(client.stats.malformed > 0);
  assert.ok(events > 0);
  client.close();
});

test("fuzz: DHCP and DNS parsers throw only NetFrameError", () => {
  const corpus = frameCorpus();
  const dhcp = corpus[1].subarray(42), dns = corpus[2].subarray(42);
  const r = rng(4242);
  for (let i = 0; i < 3000; i++) {
    for (const [fn, seed] of [[fuzzDhcp, dhcp], [fuzzDnsQuery, dns]] as const) {
      try { fn(mutate(r, seed, [dhcp, dns])); } catch (e) { assert.ok(e instanceof NetFrameError, String(e)); }
    }
  }
});

test("port-forward specs: the short and QEMU forms, and clear errors", () => {
  assert.deepEqual(parseHostForward("tcp:8080:80"), { protocol: "tcp", hostAddr: "127.0.0.1", hostPort: 8080, guestPort: 80 });
  assert.deepEqual(parseHostForward("tcp:0.0.0.0:2222-:22"), { protocol: "tcp", hostAddr: "0.0.0.0", hostPort: 2222, guestPort: 22 });
  assert.deepEqual(parseHostForward("::5555-10.0.2.15:55"), { protocol: "tcp", hostAddr: "127.0.0.1", hostPort: 5555, guestPort: 55 });
  for (const bad of ["udp:53:53", "tcp:80", "tcp:99999:80", "tcp:x:80", "tcp:8080:0", "tcp:1.2.3:80-:80", "tcp::80-10.0.2.99:80", "", "tcp:1:2:3"]) {
    assert.throws(() => parseHostForward(bad), HostForwardError, bad);
  }
  const r = rng(7);
  const chars = "tcpu:.-0123456789 x";
  for (let i = 0; i < 2000; i++) {
    const s = Array.from({ length: r.below(24) }, () => chars[r.below(chars.length)]).join("");
    try { parseHostForward(s); } catch (e) { assert.ok(e instanceof HostForwardError, String(e)); }
  }
});
