// The user network against a scripted guest and an in-memory back end:
// replies checked byte by byte where it matters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { UserNetwork } from "../../src/net/nat.js";
import { MemoryBackend } from "./memory-backend.js";
import {
  BCAST, DNS_IP, ethernet, F, GuestTcp, GUEST_IP, GUEST_MAC, GW_IP, GW_MAC, ipv4Packet, ScriptedGuest, tcpSegment,
  udpDatagram, until,
} from "./guest.js";

function setup(opts: ConstructorParameters<typeof UserNetwork>[1] = {}) {
  const backend = new MemoryBackend();
  const net = new UserNetwork(backend, opts);
  const guest = new ScriptedGuest(net);
  return { backend, net, guest };
}

const tick = () => new Promise((r) => setImmediate(r));

function arpRequest(targetIp: number[], senderIp = GUEST_IP): Uint8Array {
  return ethernet(BCAST, GUEST_MAC, 0x0806, [0, 1, 0x08, 0, 6, 4, 0, 1, ...GUEST_MAC, ...senderIp, 0, 0, 0, 0, 0, 0, ...targetIp]);
}

test("ARP: the gateway and the DNS address answer with the gateway MAC; other addresses stay silent", async () => {
  const { guest, net } = setup();
  guest.send(arpRequest(GW_IP));
  const r = await guest.next();
  assert.deepEqual(r.dstMac, GUEST_MAC);
  assert.deepEqual(r.srcMac, GW_MAC);
  // The whole ARP reply: Ethernet/IPv4, op 2, sender = gateway, target = guest.
  assert.deepEqual([...r.frame.subarray(14, 42)], [0, 1, 8, 0, 6, 4, 0, 2, ...GW_MAC, ...GW_IP, ...GUEST_MAC, ...GUEST_IP]);
  guest.send(arpRequest(DNS_IP));
  assert.deepEqual((await guest.next()).arp!.senderIp, DNS_IP);
  guest.send(arpRequest([10, 0, 2, 77]));
  guest.send(arpRequest(GUEST_IP, [0, 0, 0, 0])); // the guest probing its own address
  await tick();
  assert.equal(guest.inbox.length, 0);
  assert.equal(net.stats.dropped.internal, 0);
});

test("ICMP echo to the gateway is answered with the same identifier, sequence and data", async () => {
  const { guest, net } = setup();
  const body = [0x12, 0x34, 0x00, 0x07, ...Array.from({ length: 56 }, (_, i) => i)];
  const icmp = [8, 0, 0, 0, ...body];
  let s = 0;
  for (let i = 0; i < icmp.length; i += 2) s += (icmp[i] << 8) | icmp[i + 1];
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  icmp[2] = (~s >>> 8) & 255; icmp[3] = ~s & 255;
  guest.sendIp(GW_IP, 1, icmp);
  const r = await guest.next();
  assert.deepEqual(r.ip!.src, GW_IP);
  assert.deepEqual(r.ip!.dst, GUEST_IP);
  assert.equal(r.icmp!.type, 0);
  assert.deepEqual([...r.icmp!.rest], body);
  guest.sendIp([192, 0, 2, 1], 1, icmp); // past the gateway: no back end sends ICMP
  await tick();
  assert.equal(guest.inbox.length, 0);
  assert.equal(net.stats.dropped["no-route"], 1);
  assert.equal(net.stats.pings, 1);
});

function dhcpMessage(type: number, extra: number[] = [], flags = 0x8000, ciaddr = [0, 0, 0, 0]): number[] {
  const m = new Array(236).fill(0);
  m[0] = 1; m[1] = 1; m[2] = 6;
  m.splice(4, 4, 0xde, 0xad, 0xbe, 0xef);
  m[10] = flags >>> 8; m[11] = flags & 255;
  m.splice(12, 4, ...ciaddr);
  m.splice(28, 6, ...GUEST_MAC);
  return [...m, 99, 130, 83, 99, 53, 1, type, 55, 4, 1, 3, 6, 51, ...extra, 255];
}

function dhcpOptions(data: Uint8Array): Map<number, number[]> {
  assert.deepEqual([...data.subarray(236, 240)], [99, 130, 83, 99], "magic cookie");
  const m = new Map<number, number[]>();
  for (let i = 240; i < data.length && data[i] !== 255;) {
    if (data[i] === 0) { i++; continue; }
    m.set(data[i], [...data.subarray(i + 2, i + 2 + data[i + 1])]);
    i += 2 + data[i + 1];
  }
  return m;
}

test("DHCP: DISCOVER gets an OFFER of 10.0.2.15, REQUEST an ACK, a wrong address a NAK (RFC 2131/2132)", async () => {
  const { guest, net } = setup();
  const send = (payload: number[], src = [0, 0, 0, 0], dst = [255, 255, 255, 255]) =>
    guest.send(ethernet(BCAST, GUEST_MAC, 0x0800, ipv4Packet(src, dst, 17, udpDatagram(src, 68, dst, 67, payload))));
  send(dhcpMessage(1));
  const offer = await guest.next();
  assert.deepEqual(offer.dstMac, BCAST, "broadcast bit set: broadcast reply");
  assert.deepEqual(offer.ip!.dst, [255, 255, 255, 255]);
  assert.deepEqual(offer.ip!.src, GW_IP);
  assert.equal(offer.udp!.sport, 67);
  assert.equal(offer.udp!.dport, 68);
  const o = offer.udp!.data;
  assert.equal(o[0], 2, "BOOTREPLY");
  assert.deepEqual([...o.subarray(4, 8)], [0xde, 0xad, 0xbe, 0xef], "xid");
  assert.deepEqual([...o.subarray(16, 20)], GUEST_IP, "yiaddr");
  assert.deepEqual([...o.subarray(28, 34)], GUEST_MAC, "chaddr");
  const opts = dhcpOptions(o);
  assert.deepEqual(opts.get(53), [2], "DHCPOFFER");
  assert.deepEqual(opts.get(54), GW_IP, "server identifier");
  assert.deepEqual(opts.get(1), [255, 255, 255, 0], "subnet mask");
  assert.deepEqual(opts.get(3), GW_IP, "router");
  assert.deepEqual(opts.get(6), DNS_IP, "DNS");
  assert.deepEqual(opts.get(51), [0, 1, 0x51, 0x80], "lease 86400 s");
  assert.ok(o.length >= 300, "BOOTP minimum size");

  send(dhcpMessage(3, [50, 4, ...GUEST_IP, 54, 4, ...GW_IP]));
  const ack = await guest.next();
  assert.deepEqual(dhcpOptions(ack.udp!.data).get(53), [5], "DHCPACK");
  assert.deepEqual([...ack.udp!.data.subarray(16, 20)], GUEST_IP);
  assert.equal(net.stats.dhcpAcks, 1);

  send(dhcpMessage(3, [50, 4, 10, 0, 2, 99, 54, 4, ...GW_IP], 0));
  const nak = await guest.next();
  assert.deepEqual(dhcpOptions(nak.udp!.data).get(53), [6], "DHCPNAK");
  assert.deepEqual(nak.dstMac, BCAST, "NAKs are broadcast");

  // No broadcast bit: unicast to the offered address and the client's MAC (RFC 2131 4.1).
  send(dhcpMessage(1, [], 0));
  const uni = await guest.next();
  assert.deepEqual(uni.dstMac, GUEST_MAC);
  assert.deepEqual(uni.ip!.dst, GUEST_IP);
  // Renewal from the leased address: unicast to ciaddr.
  send(dhcpMessage(3, [], 0, GUEST_IP), GUEST_IP, GW_IP);
  const renew = await guest.next();
  assert.deepEqual(dhcpOptions(renew.udp!.data).get(53), [5]);
  assert.deepEqual(renew.ip!.dst, GUEST_IP);
  // A REQUEST for another server is not ours to answer.
  send(dhcpMessage(3, [50, 4, ...GUEST_IP, 54, 4, 10, 0, 2, 9]));
  await tick();
  assert.equal(guest.inbox.length, 0);
});

function dnsQuery(id: number, name: string, qtype: number, opcode = 0): number[] {
  const q = [id >>> 8, id & 255, (opcode << 3) | 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
  for (const label of name.split(".")) q.push(label.length, ...Buffer.from(label));
  q.push(0, 0, qtype, 0, 1);
  return q;
}

test("DNS: A records from the back end, NXDOMAIN, empty AAAA, NOTIMP and FORMERR", async () => {
  const { guest, backend, net } = setup();
  backend.names.set("example.test", ["192.0.2.10", "192.0.2.11"]);
  const ask = async (q: number[]) => {
    guest.sendIp(DNS_IP, 17, udpDatagram(GUEST_IP, 40000, DNS_IP, 53, q));
    const r = await guest.next();
    assert.deepEqual(r.ip!.src, DNS_IP);
    assert.equal(r.udp!.sport, 53);
    assert.equal(r.udp!.dport, 40000);
    return r.udp!.data;
  };
  const q = dnsQuery(0x4242, "Example.TEST", 1);
  const a = await ask(q);
  assert.deepEqual([...a.subarray(0, 12)], [0x42, 0x42, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0], "id, QR RD RA NOERROR, 1 question, 2 answers");
  assert.deepEqual([...a.subarray(12, q.length)], q.slice(12), "the question echoed");
  assert.deepEqual([...a.subarray(q.length, q.length + 16)], [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 10]);
  assert.deepEqual([...a.subarray(q.length + 28, q.length + 32)], [192, 0, 2, 11]);

  const nx = await ask(dnsQuery(1, "nowhere.test", 1));
  assert.equal(nx[3] & 15, 3, "NXDOMAIN");
  const aaaa = await ask(dnsQuery(2, "example.test", 28));
  assert.equal(aaaa[3] & 15, 0);
  assert.equal(aaaa[7], 0, "no AAAA records");
  const mx = await ask(dnsQuery(3, "example.test", 15));
  assert.equal(mx[3] & 15, 4, "NOTIMP");
  const status = await ask(dnsQuery(4, "example.test", 1, 2));
  assert.equal(status[3] & 15, 4, "NOTIMP for opcode STATUS");
  const bad = [...dnsQuery(5, "x", 1).slice(0, 12), 0xc0, 0x0c, 0, 1, 0, 1]; // a pointer where a query has none
  const fe = await ask(bad);
  assert.deepEqual([...fe.subarray(0, 4)], [0, 5, 0x81, 0x81], "FORMERR keeps the id");
  assert.equal(net.stats.dnsQueries, 6);
  assert.equal(net.stats.dropped.internal, 0);
});

test("UDP goes out as a back-end flow and replies come back from the destination", async () => {
  const { guest, backend } = setup();
  guest.sendIp([192, 0, 2, 1], 17, udpDatagram(GUEST_IP, 5555, [192, 0, 2, 1], 7, [1, 2, 3]));
  guest.sendIp(GW_IP, 17, udpDatagram(GUEST_IP, 5556, GW_IP, 9, [4]));
  assert.deepEqual(backend.udpSent.map((s) => [s.host, s.port, [...s.data]]), [["192.0.2.1", 7, [1, 2, 3]], ["127.0.0.1", 9, [4]]]);
  backend.udpFlows[0].ev.onMessage(new Uint8Array([9, 8, 7]));
  const r = await guest.next();
  assert.deepEqual(r.ip!.src, [192, 0, 2, 1]);
  assert.equal(r.udp!.sport, 7);
  assert.equal(r.udp!.dport, 5555);
  assert.deepEqual([...r.udp!.data], [9, 8, 7]);
});

test("TCP: handshake, data both ways with exact seq/ack, FIN both ways", async () => {
  const { guest, backend, net } = setup({ timeWaitMs: 20 });
  const c = new GuestTcp(guest, 40001, [192, 0, 2, 80], 80);
  const synack = await c.connect();
  assert.deepEqual([...synack.tcp!.options.subarray(0, 4)], [2, 4, 0x05, 0xb4], "MSS 1460 for MTU 1500");
  const conn = backend.conns[0];
  assert.equal(conn.host, "192.0.2.80");
  assert.equal(conn.port, 80);
  // Guest -> remote.
  c.send(Buffer.from("GET / HTTP/1.0\r\n\r\n"));
  await tick();
  assert.equal(Buffer.from(conn.writtenBytes()).toString(), "GET / HTTP/1.0\r\n\r\n");
  assert.ok(await c.seen((t) => t.ack === c.sndNxt && t.flags === F.ACK), "the data is acknowledged");
  // Remote -> guest: 5000 bytes become MSS-sized segments in order.
  const body = Buffer.alloc(5000, 0x61);
  const seq0 = c.rcvNxt;
  conn.send(body);
  await until(() => c.receivedBytes === 5000);
  assert.equal(c.rcvNxt, (seq0 + 5000) >>> 0);
  assert.deepEqual(c.received.map((d) => d.length), [1460, 1460, 1460, 620]);
  // Remote FIN -> guest FIN; guest FIN -> back end end().
  conn.ev.onEnd();
  await until(() => c.finReceived);
  c.fin();
  await tick();
  assert.equal(conn.ended, true);
  await until(() => net.stats.tcpOpen === 0, 3000);
  assert.equal(net.stats.dropped.internal, 0);
});

test("TCP: the guest's window is honoured and a full buffer pauses the back end", async () => {
  const { guest, backend } = setup({ tcpBufferBytes: 64 * 1024 });
  const c = new GuestTcp(guest, 40002, [192, 0, 2, 80], 80);
  c.window = 4; // 4 << 6 = 256 bytes
  c.autoAck = false;
  await c.connect();
  const conn = backend.conns[0];
  for (let i = 0; i < 50; i++) conn.send(new Uint8Array(4096));
  await tick();
  assert.equal(c.receivedBytes, 256, "no more than the window in flight");
  assert.equal(conn.paused, true, "the back end is paused once 64 KiB wait");
  assert.ok(conn.backlogBytes > 100 * 1024);
  // Open the window wide and acknowledge as we go: everything arrives.
  c.window = 1024;
  c.autoAck = true;
  c.seg(F.ACK);
  await until(() => c.receivedBytes === 200 * 1024);
  assert.equal(conn.paused, false);
});

test("TCP: a slow remote shrinks the window we advertise to the guest", async () => {
  const { guest, backend } = setup({ tcpBufferBytes: 64 * 1024 });
  const c = new GuestTcp(guest, 40003, [192, 0, 2, 80], 80);
  await c.connect();
  const conn = backend.conns[0];
  conn.holding = true; // the remote reads nothing
  c.send(new Uint8Array(60 * 1024));
  const ack = await c.seen((t) => t.ack === c.sndNxt);
  // 64 KiB - 60 KiB = 4 KiB, in units of 2^1 (our window scale for 64 KiB).
  assert.equal(ack.window << 1, 4096);
  // Data past the window is cut off and not acknowledged.
  const before = c.sndNxt;
  c.send(new Uint8Array(8192), 8192);
  await tick();
  assert.equal(conn.writtenBytes().length, 64 * 1024);
  const last = await c.seen((t) => t.ack === ((before + 4096) >>> 0));
  assert.equal(last.window, 0);
  // The remote reads it all: a window update follows on its own.
  conn.held = 0;
  conn.ev.onDrain();
  const upd = await c.seen((t) => t.ack === ((before + 4096) >>> 0) && t.window > 0);
  assert.equal(upd.window << 1, 64 * 1024);
});

test("TCP: refused connections, strays and wild flags get RSTs or are dropped and counted", async () => {
  const { guest, backend, net } = setup();
  backend.refuse = true;
  const c = new GuestTcp(guest, 40004, [192, 0, 2, 80], 81);
  const r = await c.connect();
  assert.equal(r.tcp!.flags, F.RST | F.ACK);
  assert.equal(r.tcp!.ack, (c.iss + 1) >>> 0, "RST acknowledges the SYN");
  assert.equal(net.stats.tcpRefused, 1);
  // An ACK for no connection: RST with seq = its ack.
  guest.sendIp([192, 0, 2, 80], 6, tcpSegment(GUEST_IP, 40005, [192, 0, 2, 80], 80, 1000, 777777, F.ACK, 100));
  const rst = await guest.next();
  assert.equal(rst.tcp!.flags, F.RST);
  assert.equal(rst.tcp!.seq, 777777);
  // Wild flags, a bad checksum, a fragment, a bad IP checksum, a truncated header.
  guest.sendIp([192, 0, 2, 80], 6, tcpSegment(GUEST_IP, 40006, [192, 0, 2, 80], 80, 1, 0, F.SYN | F.FIN, 100));
  guest.sendIp([192, 0, 2, 80], 6, tcpSegment(GUEST_IP, 40006, [192, 0, 2, 80], 80, 1, 0, 0, 100));
  guest.sendIp([192, 0, 2, 80], 6, tcpSegment(GUEST_IP, 40006, [192, 0, 2, 80], 80, 1, 0, F.SYN, 100, [], [], true));
  guest.send(ethernet(GW_MAC, GUEST_MAC, 0x0800, ipv4Packet(GUEST_IP, [192, 0, 2, 80], 17, udpDatagram(GUEST_IP, 1, [192, 0, 2, 80], 2, [1]), { flagsFrag: 0x2000 })));
  guest.send(ethernet(GW_MAC, GUEST_MAC, 0x0800, ipv4Packet(GUEST_IP, [192, 0, 2, 80], 17, [1, 2, 3, 4, 5, 6, 7, 8], { badChecksum: true })));
  guest.send(ethernet(GW_MAC, GUEST_MAC, 0x0800, ipv4Packet(GUEST_IP, [192, 0, 2, 80], 6, [1, 2, 3])));
  guest.send(ethernet(GW_MAC, GUEST_MAC, 0x0800, ipv4Packet(GUEST_IP, [192, 0, 2, 80], 6, [], { totalLen: 400 })));
  guest.send(new Uint8Array(7));
  await tick();
  const d = net.stats.dropped;
  assert.equal(d["bad-flags"], 2);
  assert.equal(d["bad-checksum"], 2);
  assert.equal(d.fragment, 1);
  assert.equal(d.truncated, 2);
  assert.equal(d["bad-length"], 1);
  assert.equal(d.internal, 0);
  assert.equal(backend.conns.length, 1, "no connection was opened for any of them");
});

test("TCP: the connection table is bounded", async () => {
  const { guest, backend, net } = setup({ maxConnections: 4 });
  for (let i = 0; i < 6; i++) {
    guest.sendIp([192, 0, 2, 80], 6, tcpSegment(GUEST_IP, 41000 + i, [192, 0, 2, 80], 80, 5, 0, F.SYN, 1000));
  }
  await tick();
  assert.equal(backend.conns.length, 4);
  assert.equal(net.stats.tcpOpen, 4);
  assert.equal(net.stats.dropped["connection-limit"], 2);
  net.close();
  assert.equal(backend.conns.filter((c) => c.wasReset).length, 4, "close() resets every stream");
  assert.equal(backend.closed, true);
});

test("frames wait while the device has no receive buffer, and the queue is bounded", async () => {
  const { guest, net } = setup({ queueFrames: 8 });
  guest.accept = false;
  for (let i = 0; i < 10; i++) guest.send(arpRequest(GW_IP));
  assert.equal(guest.inbox.length, 0);
  assert.equal(net.stats.queueFullDrops, 2);
  guest.accept = true;
  net.resumeToGuest();
  assert.equal(guest.inbox.length, 8);
  assert.equal(net.stats.framesToGuest, 8);
});

test("TCP: the guest retransmitting is handled: duplicate data written once, overlap trimmed, SYN answered again", async () => {
  const { guest, backend } = setup();
  const c = new GuestTcp(guest, 40010, [192, 0, 2, 80], 80);
  const synack = await c.connect();
  // A retransmitted SYN after the handshake gets a challenge ACK, not a new connection.
  c.seg(F.SYN, [], [], c.iss);
  await c.seen((t) => t.flags === F.ACK && t.ack === c.sndNxt);
  assert.equal(backend.conns.length, 1);
  const conn = backend.conns[0];
  const start = c.sndNxt;
  c.send(Buffer.from("abcdef"));
  c.seg(F.ACK | F.PSH, Buffer.from("abcdef"), [], start);          // the same segment again
  c.seg(F.ACK | F.PSH, Buffer.from("defghi"), [], (start + 3) >>> 0); // overlapping: only "ghi" is new
  c.sndNxt = (start + 9) >>> 0;
  await tick();
  assert.equal(Buffer.from(conn.writtenBytes()).toString(), "abcdefghi");
  await c.seen((t) => t.ack === c.sndNxt);
  void synack;
});

test("TCP: a segment the guest loses is sent again after the retransmission timeout", async () => {
  const { guest, backend } = setup();
  const c = new GuestTcp(guest, 40011, [192, 0, 2, 80], 80);
  await c.connect();
  const conn = backend.conns[0];
  // Lose the first data segment: drop it before the guest's TCP sees it.
  let dropped = 0;
  const tap = guest.tap!;
  guest.tap = (p) => {
    if (dropped === 0 && p.tcp && p.tcp.data.length > 0) { dropped++; return true; }
    return tap(p);
  };
  conn.send(new Uint8Array(3000).fill(7));
  await tick();
  assert.equal(c.receivedBytes, 0, "the rest is out of order and not taken");
  await until(() => c.receivedBytes === 3000, 3000);
  assert.ok(c.data().every((b) => b === 7));
});
