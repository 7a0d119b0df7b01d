// The Wisp client and relay: end to end through the user network, the
// relay's address policy, its answers to bad packets, and flow control.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as dgram from "node:dgram";
import * as net from "node:net";
import { spawn } from "node:child_process";
import * as http from "node:http";
import { fileURLToPath } from "node:url";
import WebSocket, { WebSocketServer } from "ws";
import { UserNetwork } from "../../src/net/nat.js";
import { NetError } from "../../src/net/backend.js";
import { WispClient, type WebSocketLike } from "../../src/net/wisp-client.js";
import {
  encodeClose, encodeConnect, encodeContinue, encodeData, encodeInfo, EXT_CLIENT_CREDIT, EXT_STREAM_CONFIRM, parseWispPacket, u32le,
  WISP_CLOSE, WISP_CONTINUE, WISP_DATA, WISP_INFO, type WispPacket,
} from "../../src/net/wisp-protocol.js";
import { parseRelayArgs, startWispRelayServer } from "../../server/wisp/main.js";
import { attachWispRelay } from "../../server/wisp/relay.js";
import { AddressPolicy } from "../../server/wisp/address-policy.js";
import { DNS_IP, GuestTcp, GUEST_IP, ScriptedGuest, udpDatagram, until } from "./guest.js";
import { patternBytes, sha256 } from "./patterns.js";
import { fastDownload } from "./fast-guest.js";

const makeWs = (url: string, protocols: string[]) => new WebSocket(url, protocols) as unknown as WebSocketLike;

function listen(server: net.Server): Promise<number> {
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r((server.address() as net.AddressInfo).port)));
}

test("guest download of 4 MiB through the Wisp client, the relay and a loopback server, by name", async (t) => {
  const payload = patternBytes(4 << 20, 3);
  const server = net.createServer((s) => s.end(payload));
  const port = await listen(server);
  const relay = await startWispRelayServer({ allowLoopback: true });
  const client = new WispClient(relay.url, { createWebSocket: makeWs });
  await client.ready;
  assert.equal(client.version, 2);
  const stack = new UserNetwork(client, { timeWaitMs: 20 });
  const guest = new ScriptedGuest(stack);
  // The guest looks the name up; the stand-in address it gets connects by name.
  const q = [0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 9, ...Buffer.from("localhost"), 0, 0, 1, 0, 1];
  guest.sendIp(DNS_IP, 17, udpDatagram(GUEST_IP, 5353, DNS_IP, 53, q));
  const a = await guest.next((p) => p.udp?.dport === 5353);
  const ip = [...a.udp!.data.subarray(-4)];
  assert.deepEqual(ip.slice(0, 2), [198, 18]);
  const c = new GuestTcp(guest, 46000, ip, port);
  const t0 = performance.now();
  await c.connect();
  await until(() => c.finReceived, 60000);
  const ms = performance.now() - t0;
  assert.equal(sha256(c.data()), sha256(payload));
  t.diagnostic(`download via Wisp relay: ${(payload.length / 1048576 / (ms / 1000)).toFixed(1)} MiB/s (scripted guest in-process)`);
  c.fin();
  await until(() => stack.stats.tcpOpen === 0);
  assert.equal(relay.relay.stats.streamsOpened, 1);
  stack.close();
  await relay.close();
  server.close();
});

test("UDP through the relay, and a v1 relay handshake", async () => {
  const echo = dgram.createSocket("udp4");
  echo.on("message", (m, r) => echo.send(Buffer.concat([Buffer.from("re:"), m]), r.port, r.address));
  await new Promise<void>((r) => echo.bind(0, "127.0.0.1", r));
  const relay = await startWispRelayServer({ allowLoopback: true });
  const client = new WispClient(relay.url, { createWebSocket: makeWs });
  const stack = new UserNetwork(client);
  const guest = new ScriptedGuest(stack);
  await client.ready;
  guest.sendIp([127, 0, 0, 1], 17, udpDatagram(GUEST_IP, 6000, [127, 0, 0, 1], echo.address().port, [...Buffer.from("hi")]));
  const r = await guest.next((p) => !!p.udp);
  assert.equal(Buffer.from(r.udp!.data).toString(), "re:hi");
  stack.close();
  echo.close();
  // No Sec-WebSocket-Protocol: the relay speaks v1 (CONTINUE first, no INFO).
  const v1 = new WispClient(relay.url, { createWebSocket: (u) => new WebSocket(u) as unknown as WebSocketLike });
  await v1.ready;
  assert.equal(v1.version, 1);
  v1.close();
  await relay.close();
});

test("the relay refuses loopback, private and link-local destinations unless allowed", async () => {
  const p = new AddressPolicy();
  for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
    "::1", "fe80::1", "fc00::1", "fd12::3", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:c0a8:101::1", "ff02::1", "::"]) {
    assert.notEqual(p.refuse(a), undefined, a);
  }
  for (const a of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]) assert.equal(p.refuse(a), undefined, a);
  assert.equal(new AddressPolicy({ allowLoopback: true }).refuse("::1"), undefined);
  assert.equal(new AddressPolicy({ allowLoopback: true }).refuse("10.0.0.1"), "private");
  assert.equal(new AddressPolicy({ allow: ["10.9.0.0/16"] }).refuse("10.9.3.4"), undefined);
  assert.throws(() => new AddressPolicy({ allow: ["10.0.0.0/99"] }));

  const server = net.createServer((s) => s.end("secret"));
  const port = await listen(server);
  // A name that resolves to a public and a private address is refused too.
  const relay = await startWispRelayServer({ lookup: async (h) => h === "mixed.test" ? ["93.184.216.34", "10.0.0.5"] : [] });
  const client = new WispClient(relay.url, { createWebSocket: makeWs });
  await client.ready;
  const attempt = (host: string) => new Promise<NetError | undefined>((resolve) => {
    client.connectTcp(host, port, { onOpen() {}, onData() {}, onEnd() {}, onDrain() {}, onClose: (e) => resolve(e) });
  });
  assert.equal((await attempt("127.0.0.1"))?.code, "blocked");
  assert.equal((await attempt("::1"))?.code, "blocked");
  assert.equal((await attempt("mixed.test"))?.code, "blocked");
  assert.equal((await attempt("nowhere.test"))?.code, "unreachable");
  assert.equal(relay.relay.stats.refused, 3);
  client.close();
  await relay.close();
  server.close();
});

/** A raw Wisp client for the protocol tests: collects packets, speaks v2. */
async function rawClient(url: string, extensions = [{ id: EXT_STREAM_CONFIRM, data: new Uint8Array(0) }, { id: EXT_CLIENT_CREDIT, data: u32le(4) }]) {
  const ws = new WebSocket(url, ["wisp-v2"]);
  const packets: WispPacket[] = [];
  let closed = false;
  ws.on("message", (d: Buffer) => packets.push(parseWispPacket(new Uint8Array(d))));
  ws.on("close", () => { closed = true; });
  await new Promise((r) => ws.once("open", r));
  await until(() => packets.some((p) => p.type === WISP_INFO));
  ws.send(encodeInfo(2, 0, extensions));
  await until(() => packets.some((p) => p.type === WISP_CONTINUE && p.stream === 0));
  const waitFor = async (pred: (p: WispPacket) => boolean) => { await until(() => packets.some(pred), 5000); return packets.find(pred)!; };
  return { ws, packets, waitFor, isClosed: () => closed };
}

test("bad packets get clear CLOSE reasons and the relay keeps serving other clients", async () => {
  const server = net.createServer((s) => s.on("data", (d) => s.write(d)));
  const port = await listen(server);
  const relay = await startWispRelayServer({ allowLoopback: true, maxPacketBytes: 1024, maxStreamsPerClient: 2 });
  const a = await rawClient(relay.url);
  a.ws.send(encodeData(77, new Uint8Array([1])));                                        // unknown stream
  assert.equal((await a.waitFor((p) => p.type === WISP_CLOSE && p.stream === 77) as { reason: number }).reason, 0x41);
  a.ws.send(Uint8Array.from([1, 5, 0, 0, 0, 1]));                                        // CONNECT cut short
  assert.equal((await a.waitFor((p) => p.type === WISP_CLOSE && p.stream === 5) as { reason: number }).reason, 0x41);
  a.ws.send(encodeConnect(6, 9, port, "127.0.0.1"));                                     // unknown stream type
  assert.equal((await a.waitFor((p) => p.type === WISP_CLOSE && p.stream === 6) as { reason: number }).reason, 0x41);
  a.ws.send(encodeConnect(7, 1, port, "bad host name!"));
  assert.equal((await a.waitFor((p) => p.type === WISP_CLOSE && p.stream === 7) as { reason: number }).reason, 0x41);
  a.ws.send(encodeConnect(8, 1, port, "127.0.0.1"));
  await a.waitFor((p) => p.type === WISP_CONTINUE && p.stream === 8);                    // open (stream confirmation)
  a.ws.send(encodeData(8, new Uint8Array(2000)));                                        // oversized
  assert.equal((await a.waitFor((p) => p.type === WISP_CLOSE && p.stream === 8) as { reason: number }).reason, 0x41);
  a.ws.send(encodeConnect(9, 1, port, "127.0.0.1"));
  a.ws.send(encodeConnect(10, 1, port, "127.0.0.1"));
  a.ws.send(encodeConnect(11, 1, port, "127.0.0.1"));                                    // over the stream limit
  assert.equal((await a.waitFor((p) => p.type === WISP_CLOSE && p.stream === 11) as { reason: number }).reason, 0x49);
  assert.equal(a.isClosed(), false, "stream errors leave the connection up");

  const b = await rawClient(relay.url);
  b.ws.send(Uint8Array.from([2, 1]));                                                    // no header: the client is cut off
  assert.equal((await b.waitFor((p) => p.type === WISP_CLOSE && p.stream === 0) as { reason: number }).reason, 0x01);
  await until(() => b.isClosed());
  const c = await rawClient(relay.url);
  c.ws.send("text is not Wisp");
  await until(() => c.isClosed());

  // Client a still works: its stream 9 echoes.
  a.ws.send(encodeData(9, Buffer.from("still here")));
  const echoed = await a.waitFor((p) => p.type === WISP_DATA && p.stream === 9) as { data: Uint8Array };
  assert.equal(Buffer.from(echoed.data).toString(), "still here");
  assert.ok(relay.relay.stats.malformed >= 4);
  a.ws.close();
  await relay.close();
  server.close();
});

test("flow control: the relay stops at the client's credit and goes on after its CONTINUE", async () => {
  const big = patternBytes(2 << 20, 5);
  const server = net.createServer((s) => s.end(big));
  const port = await listen(server);
  const relay = await startWispRelayServer({ allowLoopback: true, maxPacketBytes: 4096 });
  const a = await rawClient(relay.url);
  a.ws.send(encodeConnect(1, 1, port, "127.0.0.1"));
  await until(() => a.packets.filter((p) => p.type === WISP_DATA).length >= 4);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(a.packets.filter((p) => p.type === WISP_DATA).length, 4, "no more than the credit");
  // Grant credit as packets are consumed until the stream ends.
  let got = 0;
  const received: Uint8Array[] = [];
  while (!a.packets.some((p) => p.type === WISP_CLOSE && p.stream === 1)) {
    const data = a.packets.filter((p) => p.type === WISP_DATA) as { data: Uint8Array }[];
    for (const d of data.slice(got)) received.push(d.data);
    if (data.length > got) { got = data.length; a.ws.send(encodeContinue(1, 4)); }
    await new Promise((r) => setTimeout(r, 1));
  }
  for (const d of (a.packets.filter((p) => p.type === WISP_DATA) as { data: Uint8Array }[]).slice(got)) received.push(d.data);
  assert.equal(sha256(Buffer.concat(received)), sha256(big));
  a.ws.close();
  await relay.close();
  server.close();
});

test("a client that ignores the relay's credit is throttled", async () => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => { s.pause(); sockets.push(s); }); // never reads
  const port = await listen(server);
  const relay = await startWispRelayServer({ allowLoopback: true, bufferPackets: 2, maxPacketBytes: 65536 });
  const a = await rawClient(relay.url, [{ id: EXT_STREAM_CONFIRM, data: new Uint8Array(0) }]);
  a.ws.send(encodeConnect(1, 1, port, "127.0.0.1"));
  await a.waitFor((p) => p.type === WISP_CONTINUE && p.stream === 1);
  const chunk = new Uint8Array(65536);
  for (let i = 0; i < 600 && !a.packets.some((p) => p.type === WISP_CLOSE); i++) {
    a.ws.send(encodeData(1, chunk));
    if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  const close = await a.waitFor((p) => p.type === WISP_CLOSE && p.stream === 1) as { reason: number };
  assert.equal(close.reason, 0x49);
  a.ws.send(encodeClose(0, 2));
  for (const s of sockets) s.destroy();
  await relay.close();
  server.close();
});

test("the standalone relay entry starts, serves, and rejects bad options", async () => {
  assert.throws(() => parseRelayArgs(["--port", "70000"]));
  assert.throws(() => parseRelayArgs(["--frobnicate"]));
  assert.deepEqual(parseRelayArgs(["--allow-loopback", "--allow", "10.0.0.0/8", "--path", "/w/"]),
    { allow: ["10.0.0.0/8"], allowLoopback: true, path: "/w/" });
  const main = fileURLToPath(new URL("../../server/wisp/main.js", import.meta.url));
  const child = spawn(process.execPath, [main, "--port", "0", "--allow-loopback"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => { out += d; const m = /wisp relay on (\S+)/.exec(out); if (m) resolve(m[1]); });
      child.once("exit", (code) => reject(new Error(`relay exited with ${code}`)));
    });
    const client = new WispClient(url, { createWebSocket: makeWs });
    await client.ready;
    assert.equal(client.version, 2);
    client.close();
  } finally {
    child.kill();
  }
});

test("attached to an http.Server, the relay leaves other upgrade paths to their own handlers", async () => {
  const server = http.createServer();
  const relay = attachWispRelay(server, { path: "/wisp/" });
  const other = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    if (req.url?.startsWith("/other")) other.handleUpgrade(req, socket, head, (ws) => ws.send("other handler"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/other`);
  const msg = await new Promise<string>((r) => ws.once("message", (d) => r(String(d))));
  assert.equal(msg, "other handler");
  ws.close();
  const client = new WispClient(`ws://127.0.0.1:${port}/wisp/`, { createWebSocket: makeWs });
  await client.ready;
  assert.equal(relay.stats.clients, 1);
  client.close();
  relay.close();
  other.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test("throughput figure: 32 MiB download through the stack, Wisp client and relay (lean guest)", async (t) => {
  const payload = patternBytes(32 << 20, 13);
  const server = net.createServer((s) => s.end(payload));
  const port = await listen(server);
  const relay = await startWispRelayServer({ allowLoopback: true });
  const client = new WispClient(relay.url, { createWebSocket: makeWs });
  await client.ready;
  const stack = new UserNetwork(client, { timeWaitMs: 20 });
  const r = await fastDownload(stack, [127, 0, 0, 1], port);
  assert.equal(r.sha256, sha256(payload));
  t.diagnostic(`Wisp relay: ${(r.bytes / 1048576 / (r.ms / 1000)).toFixed(0)} MiB/s (${(r.bytes * 8 / 1e6 / (r.ms / 1000)).toFixed(0)} Mbit/s) in-process, relay in the same process`);
  stack.close();
  await relay.close();
  server.close();
});
