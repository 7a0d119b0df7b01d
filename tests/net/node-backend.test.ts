// The user network on the Node back end, against servers on this machine's
// loopback (the guest reaches them at 10.0.2.2, as in QEMU).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { patternBytes, sha256 } from "./patterns.js";
import { fastDownload } from "./fast-guest.js";
import * as dgram from "node:dgram";
import * as net from "node:net";
import { UserNetwork } from "../../src/net/nat.js";
import { NodeBackend } from "../../src/net/node-backend.js";
import { GuestTcp, GUEST_IP, GW_IP, DNS_IP, F, ScriptedGuest, udpDatagram, until } from "./guest.js";

function listen(server: net.Server): Promise<number> {
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port)));
}

test("TCP download of 4 MiB from a loopback server through the stack, checksum intact", async (t) => {
  const payload = patternBytes(4 << 20, 7);
  const server = net.createServer((s) => s.end(payload));
  const port = await listen(server);
  const stack = new UserNetwork(new NodeBackend(), { timeWaitMs: 20 });
  const guest = new ScriptedGuest(stack);
  const c = new GuestTcp(guest, 45000, GW_IP, port);
  const t0 = performance.now();
  await c.connect();
  await until(() => c.finReceived, 30000);
  const ms = performance.now() - t0;
  assert.equal(c.receivedBytes, payload.length);
  assert.equal(sha256(c.data()), sha256(payload));
  c.fin();
  await until(() => stack.stats.tcpOpen === 0);
  t.diagnostic(`download through the stack: ${(payload.length / 1048576 / (ms / 1000)).toFixed(1)} MiB/s (${ms.toFixed(0)} ms, scripted guest in-process)`);
  assert.equal(stack.stats.dropped.internal, 0);
  stack.close();
  server.close();
});

test("TCP upload of 2 MiB from the guest reaches the server intact", async () => {
  const payload = patternBytes(2 << 20, 9);
  let got: Promise<string>;
  const server = net.createServer((s) => {
    const h = createHash("sha256");
    got = new Promise((resolve) => { s.on("data", (d) => h.update(d)); s.on("end", () => { resolve(h.digest("hex")); s.end(); }); });
  });
  const port = await listen(server);
  const stack = new UserNetwork(new NodeBackend(), { timeWaitMs: 20 });
  const guest = new ScriptedGuest(stack);
  const c = new GuestTcp(guest, 45001, GW_IP, port);
  await c.connect();
  // Send within the window the stack advertises, as a real guest would.
  let off = 0;
  let lastAck = c.sndNxt;
  while (off < payload.length) {
    const last = c.log.at(-1)?.tcp;
    const wnd = last ? (last.window << c.peerWscale) - ((c.sndNxt - last.ack) >>> 0) : 65535;
    if (last) lastAck = last.ack;
    if (wnd < 1460) { await new Promise((r) => setTimeout(r, 1)); continue; }
    const n = Math.min(1460, payload.length - off);
    c.send(payload.subarray(off, off + n));
    off += n;
    if (off % (64 * 1460) === 0) await new Promise((r) => setImmediate(r));
  }
  void lastAck;
  c.fin();
  assert.equal(await got!, sha256(payload));
  await until(() => c.finReceived);
  assert.equal(stack.stats.dropped["out-of-window"], 0);
  stack.close();
  server.close();
});

test("a closed port is refused with RST; UDP and DNS go through the host", async () => {
  const closed = net.createServer();
  const deadPort = await listen(closed);
  closed.close();
  const echo = dgram.createSocket("udp4");
  echo.on("message", (m, r) => echo.send(Buffer.concat([Buffer.from("echo:"), m]), r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, "127.0.0.1", r));
  // A fake upstream resolver for the types the stack forwards (MX here).
  const upstream = dgram.createSocket("udp4");
  upstream.on("message", (m, r) => {
    const reply = Buffer.from(m); reply[2] |= 0x80; reply[3] = 0x80; // QR, RA, NOERROR, no answers
    upstream.send(reply, r.port, r.address);
  });
  await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", r));
  const stack = new UserNetwork(new NodeBackend({ dnsServers: [`127.0.0.1:${upstream.address().port}`] }));
  const guest = new ScriptedGuest(stack);

  const c = new GuestTcp(guest, 45002, GW_IP, deadPort);
  const r = await c.connect();
  assert.equal(r.tcp!.flags, F.RST | F.ACK);

  guest.sendIp(GW_IP, 17, udpDatagram(GUEST_IP, 5000, GW_IP, echo.address().port, [...Buffer.from("ping")]));
  const u = await guest.next((p) => !!p.udp);
  assert.equal(Buffer.from(u.udp!.data).toString(), "echo:ping");
  assert.deepEqual(u.ip!.src, GW_IP);

  const q = (id: number, qtype: number) => [id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, ...Buffer.from("localhost"), 0, 0, qtype, 0, 1];
  guest.sendIp(DNS_IP, 17, udpDatagram(GUEST_IP, 5001, DNS_IP, 53, q(0x1111, 1)));
  const a = await guest.next((p) => p.udp?.dport === 5001);
  assert.equal(a.udp!.data[7] >= 1, true, "an answer");
  assert.deepEqual([...a.udp!.data.subarray(-4)], [127, 0, 0, 1]);
  guest.sendIp(DNS_IP, 17, udpDatagram(GUEST_IP, 5002, DNS_IP, 53, q(0x2222, 15)));
  const mx = await guest.next((p) => p.udp?.dport === 5002);
  assert.deepEqual([...mx.udp!.data.subarray(0, 4)], [0x22, 0x22, 0x81, 0x80], "the upstream's reply, relayed");
  stack.close();
  echo.close();
  upstream.close();
});

test("a port forward: a host connection reaches the guest's server and data flows both ways", async () => {
  const stack = new UserNetwork(new NodeBackend(), { guestMac: new Uint8Array([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]), timeWaitMs: 20 });
  const guest = new ScriptedGuest(stack);
  const l = await stack.addForward({ protocol: "tcp", hostAddr: "127.0.0.1", hostPort: 0, guestPort: 8080 });
  const sock = net.connect(l.port, "127.0.0.1");
  const fromGuest: Buffer[] = [];
  sock.on("data", (d) => fromGuest.push(d));
  const syn = await guest.next((p) => !!p.tcp && (p.tcp.flags & F.SYN) !== 0);
  assert.deepEqual(syn.ip!.src, GW_IP, "the SYN comes from the gateway");
  assert.equal(syn.tcp!.dport, 8080);
  assert.equal(syn.tcp!.flags, F.SYN);
  const c = new GuestTcp(guest, 8080, GW_IP, syn.tcp!.sport);
  c.acceptSyn(syn);
  const ack = await c.seen((t) => t.flags === F.ACK);
  assert.equal(ack.ack, c.sndNxt, "the handshake completes");
  sock.write("hello guest");
  await until(() => c.receivedBytes === 11);
  assert.equal(Buffer.from(c.data()).toString(), "hello guest");
  c.send(Buffer.from("hello host"));
  await until(() => Buffer.concat(fromGuest).toString() === "hello host");
  sock.end();
  await until(() => c.finReceived);
  c.fin();
  await until(() => stack.stats.tcpOpen === 0);
  stack.close();
});

test("throughput figure: 32 MiB download through the stack and the Node back end (lean guest)", async (t) => {
  const payload = patternBytes(32 << 20, 11);
  const server = net.createServer((s) => s.end(payload));
  const port = await listen(server);
  const stack = new UserNetwork(new NodeBackend(), { timeWaitMs: 20 });
  const r = await fastDownload(stack, GW_IP, port);
  assert.equal(r.bytes, payload.length);
  assert.equal(r.sha256, sha256(payload));
  t.diagnostic(`Node back end: ${(r.bytes / 1048576 / (r.ms / 1000)).toFixed(0)} MiB/s (${(r.bytes * 8 / 1e6 / (r.ms / 1000)).toFixed(0)} Mbit/s) in-process`);
  stack.close();
  server.close();
});
