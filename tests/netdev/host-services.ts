// What the network tests serve on the host's loopback: an HTTP server with
// a file of known checksum, a DNS server answering names the test chooses,
// a UDP echo server, and a free port for a forward.
import { createHash } from "node:crypto";
import * as dgram from "node:dgram";
import { createServer, type Server } from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { buildDnsResponse, parseDnsQuery, RCODE_NOERROR, RCODE_NXDOMAIN, TYPE_A } from "../../src/net/dns.js";
import { parseIpv4 } from "../../src/net/addresses.js";

export const sha256 = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");

// Bytes that are not all alike, so a misplaced chunk changes the checksum.
export function patternBytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; b[i] = x; }
  return b;
}

export interface HttpFiles { port: number; server: Server; uploads: Map<string, Uint8Array>; close(): Promise<void> }

// GET /<name> serves files[name]; PUT/POST /<name> keeps the body in uploads.
export async function serveHttp(files: Record<string, Uint8Array>, host = "127.0.0.1"): Promise<HttpFiles> {
  const uploads = new Map<string, Uint8Array>();
  const server = createServer((req, res) => {
    const name = (req.url ?? "/").slice(1).split("?")[0];
    if (req.method === "GET") {
      const f = files[name];
      if (!f) { res.writeHead(404).end(); return; }
      res.writeHead(200, { "Content-Length": f.length, "Content-Type": "application/octet-stream" });
      res.end(f);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => { uploads.set(name, new Uint8Array(Buffer.concat(chunks))); res.writeHead(200).end("stored\n"); });
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    port: (server.address() as AddressInfo).port, server, uploads,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

export interface DnsServer { port: number; queries: string[]; close(): void }

// A DNS server (UDP) for A queries: names in `table` get their address,
// others NXDOMAIN. It uses the stack's own DNS codec (src/net/dns.ts).
export async function serveDns(table: Record<string, string>): Promise<DnsServer> {
  const sock = dgram.createSocket("udp4");
  const queries: string[] = [];
  sock.on("message", (msg, from) => {
    try {
      const q = parseDnsQuery(new Uint8Array(msg));
      queries.push(q.name);
      const ip = table[q.name.toLowerCase()];
      const reply = q.qtype === TYPE_A && ip !== undefined
        ? buildDnsResponse(q, RCODE_NOERROR, [parseIpv4(ip)!])
        : buildDnsResponse(q, ip === undefined ? RCODE_NXDOMAIN : RCODE_NOERROR);
      sock.send(reply, from.port, from.address);
    } catch { /* not a query we read: no answer */ }
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  return { port: sock.address().port, queries, close: () => sock.close() };
}

export interface UdpEcho { port: number; seen: string[]; close(): void }

// Answers every datagram with "echo:" + what came.
export async function serveUdpEcho(): Promise<UdpEcho> {
  const sock = dgram.createSocket("udp4");
  const seen: string[] = [];
  sock.on("message", (msg, from) => {
    seen.push(msg.toString());
    sock.send(Buffer.concat([Buffer.from("echo:"), msg]), from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  return { port: sock.address().port, seen, close: () => sock.close() };
}

// A port nothing listens on right now (for a forward the test then makes).
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// GET over plain HTTP (node:http), with the body.
export async function httpGet(url: string): Promise<{ status: number; body: Buffer }> {
  const { get } = await import("node:http");
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    }).on("error", reject);
  });
}

// Wait (in the guest) until eth0 has its address: udhcpc runs in the background.
export const WAIT_LEASE = "i=0; while [ $i -lt 200 ] && ! ip -4 addr show eth0 | grep -q 'inet '; do sleep 0.1; i=$((i+1)); done";
