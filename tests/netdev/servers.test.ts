// The Wisp relay where the page finds it: on `npm run serve` (refusing
// loopback and private destinations unless a flag allows them, limits set)
// and on the Vite dev server (loopback allowed, so that tests reach their
// own servers); its flags; and the browser's back end that reconnects when
// the relay goes away.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { NetError, type TcpStreamEvents } from "../../src/net/backend.js";
import { ReconnectingBackend } from "../../src/net/reconnecting-backend.js";
import { WispClient, type WebSocketLike } from "../../src/net/wisp-client.js";
import { ConfigError, parseConfig } from "../../server/config.js";
import { startWispRelayServer } from "../../server/wisp/main.js";
import { startServer } from "../../e2e/browser.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const makeWs = (url: string, protocols: string[]) => new WebSocket(url, protocols) as unknown as WebSocketLike;

// Connects through the relay and says how it went: "open" (then sends
// `hello` and waits for the echo), or the NetError's code.
function tryConnect(backend: { connectTcp: WispClient["connectTcp"] }, host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const ev: TcpStreamEvents = {
      onOpen: () => { stream.write(new TextEncoder().encode("hello")); },
      onData: (d) => { got += new TextDecoder().decode(d); if (got === "echo:hello") { stream.end(); resolve("open"); } },
      onEnd: () => {},
      onDrain: () => {},
      onClose: (e?: NetError) => resolve(e ? e.code : got === "echo:hello" ? "open" : "closed"),
    };
    const stream = backend.connectTcp(host, port, ev);
  });
}

async function echoServer(): Promise<{ port: number; close(): void }> {
  const s = net.createServer((c) => { c.on("data", (d) => c.write(Buffer.concat([Buffer.from("echo:"), d]))); c.on("end", () => c.end()); });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return { port: (s.address() as net.AddressInfo).port, close: () => s.close() };
}

// `node dist/server/main.js` with these flags; resolves with its base URL.
async function serve(args: string[]): Promise<{ url: string; out: string; stop(): Promise<void> }> {
  const data = mkdtempSync(join(tmpdir(), "rvplay-netdev-serve-"));
  const p = spawn(process.execPath, [join(root, "dist", "server", "main.js"), "--port", "0", "--host", "127.0.0.1", "--data", data, "--no-web", ...args],
    { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    p.stdout.on("data", (d) => { out += d; const m = /rvplay server: (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]); });
    p.stderr.on("data", (d) => { out += d; });
    p.on("exit", (code) => reject(new Error(`the server exited (${code}): ${out}`)));
  });
  return { url, out, stop: () => new Promise((r) => { p.on("exit", () => r()); p.kill("SIGTERM"); }) };
}

test("npm run serve: the relay on /wisp/ refuses loopback and private destinations by default", { timeout: 60_000 }, async () => {
  const echo = await echoServer();
  const s = await serve([]);
  try {
    assert.match(s.out, /Wisp relay ws:\/\/127\.0\.0\.1:\d+\/wisp\//);
    const client = new WispClient(`${s.url.replace(/^http/, "ws")}wisp/`, { createWebSocket: makeWs });
    await client.ready;
    assert.equal(await tryConnect(client, "127.0.0.1", echo.port), "blocked");
    assert.equal(await tryConnect(client, "10.1.2.3", 80), "blocked");
    assert.equal(await tryConnect(client, "169.254.169.254", 80), "blocked", "cloud metadata");
    assert.equal(await tryConnect(client, "localhost", echo.port), "blocked", "a name that resolves to loopback");
    client.close();
  } finally {
    await s.stop();
    echo.close();
  }
});

test("npm run serve --wisp-allow-loopback: a loopback server is reached, also after the connection sat idle past --idle-timeout", { timeout: 60_000 }, async () => {
  const echo = await echoServer();
  const s = await serve(["--wisp-allow-loopback", "--idle-timeout", "1s", "--headers-timeout", "1s", "--request-timeout", "2s"]);
  try {
    assert.match(s.out, /allowing loopback/);
    const client = new WispClient(`${s.url.replace(/^http/, "ws")}wisp/`, { createWebSocket: makeWs });
    await client.ready;
    assert.equal(await tryConnect(client, "127.0.0.1", echo.port), "open");
    await new Promise((r) => setTimeout(r, 3000)); // longer than the HTTP timeouts
    assert.equal(client.isClosed, false, "the HTTP server's timeouts leave an upgraded WebSocket alone");
    assert.equal(await tryConnect(client, "127.0.0.1", echo.port), "open");
    assert.equal(await tryConnect(client, "10.1.2.3", 80), "blocked", "private stays refused");
    client.close();
    // --no-wisp: no relay at all.
    const none = await serve(["--no-wisp"]);
    try {
      assert.match(none.out, /no Wisp relay/);
      const c2 = new WispClient(`${none.url.replace(/^http/, "ws")}wisp/`, { createWebSocket: makeWs, handshakeTimeoutMs: 2000 });
      await assert.rejects(c2.ready);
    } finally { await none.stop(); }
  } finally {
    await s.stop();
    echo.close();
  }
});

test("the relay flags: defaults, values, and bad allow-list entries refused", () => {
  const d = { dataDir: "/tmp/x", webDir: "/tmp/w" };
  const cfg = (argv: string[], env: Record<string, string> = {}) => {
    const r = parseConfig(argv, env, d);
    assert.ok(!r.help);
    return r.config;
  };
  assert.deepEqual(cfg([]).wisp, { allowLoopback: false, allowPrivate: false, allow: [], maxClients: 256, maxStreamsPerClient: 64, maxBytesPerClient: 4 * 1024 ** 3 });
  assert.deepEqual(cfg(["--wisp-allow-private", "--wisp-allow", "192.0.2.0/24, example.test", "--wisp-max-streams", "8", "--wisp-max-bytes", "1GiB"]).wisp,
    { allowLoopback: false, allowPrivate: true, allow: ["192.0.2.0/24", "example.test"], maxClients: 256, maxStreamsPerClient: 8, maxBytesPerClient: 1024 ** 3 });
  assert.equal(cfg([], { RVPLAY_WISP_ALLOW_LOOPBACK: "1" }).wisp?.allowLoopback, true);
  assert.equal(cfg(["--no-wisp"]).wisp, undefined);
  for (const bad of [["--wisp-allow", "10.0.0.0/40"], ["--wisp-allow", "a b"], ["--wisp-max-clients", "0"], ["--wisp-max-bytes", "lots"]]) {
    assert.throws(() => parseConfig(bad, {}, d), ConfigError, bad.join(" "));
  }
});

test("npm start (Vite): the relay on /wisp/ reaches loopback and refuses private destinations; the page's own WebSocket paths still work", { timeout: 60_000 }, async () => {
  const echo = await echoServer();
  const { server, url } = await startServer();
  try {
    const client = new WispClient(`${url.replace(/^http/, "ws")}wisp/`, { createWebSocket: makeWs });
    await client.ready;
    assert.equal(await tryConnect(client, "127.0.0.1", echo.port), "open");
    assert.equal(await tryConnect(client, "192.168.1.1", 80), "blocked");
    client.close();
    // Vite's HMR socket (protocol vite-hmr) is not taken by the relay.
    const hmr = new WebSocket(url.replace(/^http/, "ws"), "vite-hmr");
    const opened = await new Promise<boolean>((r) => { hmr.on("open", () => r(true)); hmr.on("error", () => r(false)); });
    assert.equal(opened, true);
    hmr.close();
  } finally {
    await server.close();
    echo.close();
  }
});

test("the browser's back end makes a new relay connection when the old one broke", { timeout: 60_000 }, async () => {
  const echo = await echoServer();
  let relay = await startWispRelayServer({ allowLoopback: true });
  const port = relay.port;
  const backend = new ReconnectingBackend(() => new WispClient(`ws://127.0.0.1:${port}/wisp/`, { createWebSocket: makeWs }), 100);
  try {
    assert.equal(await tryConnect(backend, "127.0.0.1", echo.port), "open");
    assert.equal(backend.state, "connected");
    await relay.close(); // the relay goes away (a restart)
    relay = await startWispRelayServer({ allowLoopback: true, port });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await tryConnect(backend, "127.0.0.1", echo.port), "open");
    assert.equal(backend.connects, 2);
  } finally {
    backend.close();
    await relay.close();
    echo.close();
  }
});
