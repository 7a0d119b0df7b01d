// A standalone Wisp relay, for tests and for hosts that serve the app as
// static files:  node dist/server/wisp/main.js [--host H] [--port N]
//   [--path /wisp/] [--allow-loopback] [--allow-private] [--allow CIDR|NAME]...
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { attachWispRelay, type WispRelay, type WispRelayOptions } from "./relay.js";

export interface StandaloneRelay {
  url: string;
  port: number;
  relay: WispRelay;
  close(): Promise<void>;
}

/** An HTTP server that only serves the relay (other requests get 404). */
export function startWispRelayServer(opts: WispRelayOptions & { host?: string; port?: number } = {}): Promise<StandaloneRelay> {
  const server = http.createServer((_req, res) => { res.writeHead(404).end(); });
  const relay = attachWispRelay(server, opts);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      const a = server.address() as AddressInfo;
      const host = a.family === "IPv6" ? `[${a.address}]` : a.address;
      resolve({
        url: `ws://${host}:${a.port}${opts.path ?? "/wisp/"}`,
        port: a.port,
        relay,
        close: () => new Promise((r) => { relay.close(); server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

export function parseRelayArgs(argv: string[]): WispRelayOptions & { host?: string; port?: number } {
  const o: WispRelayOptions & { host?: string; port?: number } = { allow: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === "--host") o.host = value();
    else if (a === "--port") { const n = Number(value()); if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error("--port: 0-65535"); o.port = n; }
    else if (a === "--path") { o.path = value(); if (!o.path.startsWith("/")) throw new Error("--path must start with /"); }
    else if (a === "--allow-loopback") o.allowLoopback = true;
    else if (a === "--allow-private") o.allowPrivate = true;
    else if (a === "--allow") o.allow!.push(value());
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const opts = parseRelayArgs(process.argv.slice(2));
    const r = await startWispRelayServer({ ...opts, log: (m) => console.error(m) });
    console.log(`wisp relay on ${r.url}`);
  } catch (e) {
    console.error(`wisp relay: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
}
