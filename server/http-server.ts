// The composable HTTP server of `npm run serve`: the snapshot API under
// /api/, the built app, the cross-origin isolation headers on every response,
// the timeouts that keep slow clients from holding it, and hooks for other
// modules: extra routes (by path prefix) and WebSocket upgrades (e.g. a Wisp
// relay on /wisp/).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import type { BlobStore } from "./blob-store.js";
import { createApiHandler, type ApiLimits, type RequestHandler } from "./snapshot-api.js";
import { RateLimiter, type RateLimits } from "./rate-limit.js";
import { createStaticHandler } from "./static-files.js";

/** Shared memory needs a cross-origin isolated page (see vite.config.ts). */
export const ISOLATION_HEADERS: Record<string, string> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export interface Timeouts {
  /** until the request's headers are in */
  headersMs: number;
  /** until the whole request (body included) is in */
  requestMs: number;
  /** a connection with no bytes moving either way for this long is closed */
  idleMs: number;
}

export interface ServerOptions {
  store: BlobStore;
  limits: ApiLimits;
  rate: RateLimits;
  timeouts: Timeouts;
  /** The built app to serve beside the API; none when undefined. */
  webDir?: string;
  /** Take the client address from the last X-Forwarded-For hop (behind a proxy you run). */
  trustProxy?: boolean;
  log?: (line: string) => void;
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface SnapshotServer {
  readonly server: Server;
  readonly api: RequestHandler;
  /** Requests whose path starts with `prefix` go to `handler` (checked before the API and the app). */
  addRoute(prefix: string, handler: RequestHandler): void;
  /** Upgrade requests (WebSocket) whose path starts with `prefix` go to `handler`. */
  addUpgrade(prefix: string, handler: UpgradeHandler): void;
  /** Starts listening; resolves to the base URL, e.g. http://127.0.0.1:8080/ */
  listen(port: number, host: string): Promise<string>;
  /** Stops listening, ends open connections, and closes the store it was given. */
  close(): Promise<void>;
}

/**
 * The key rate limits count a client by: its IPv4 address, or the /64 of its
 * IPv6 address (one host usually holds a whole /64, so single addresses would
 * be free to rotate through).
 */
export function rateKey(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1];
  if (!a.includes(":")) return a;
  const [head, tail] = a.split("%")[0].split("::");
  const left = head ? head.split(":") : [];
  const right = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(":")}::/64`;
}

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers["x-forwarded-for"];
    const last = (Array.isArray(xff) ? xff.join(",") : xff ?? "").split(",").map((s) => s.trim()).filter(Boolean).pop();
    if (last) return rateKey(last);
  }
  return rateKey(req.socket.remoteAddress ?? "?");
}

export function createSnapshotServer(opts: ServerOptions): SnapshotServer {
  const log = opts.log ?? (() => {});
  const rate = new RateLimiter(opts.rate);
  const api = createApiHandler({
    store: opts.store, limits: opts.limits, rate, log,
    clientId: (req) => clientAddress(req, opts.trustProxy ?? false),
  });
  const web = opts.webDir ? createStaticHandler(opts.webDir) : undefined;
  const routes: [string, RequestHandler][] = [];
  const upgrades: [string, UpgradeHandler][] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    const path = req.url ?? "/";
    try {
      const extra = routes.find(([prefix]) => path.startsWith(prefix));
      if (extra) await extra[1](req, res);
      else if (path.startsWith("/api/")) await api(req, res);
      else if (web) await web(req, res);
      else { res.writeHead(404, { "Content-Type": "text/plain" }); res.end("not found (this server has no web app)\n"); }
    } catch (e) {
      log(`${req.method} ${path}: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) { res.writeHead(500, { "Content-Type": "text/plain" }); res.end("internal error\n"); }
      else res.destroy();
    }
  };

  const server = createServer({
    headersTimeout: opts.timeouts.headersMs,
    requestTimeout: opts.timeouts.requestMs,
    // How often the two timeouts above are checked (Node's default is 30 s).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, opts.timeouts.headersMs / 4)),
    keepAliveTimeout: Math.min(5000, opts.timeouts.idleMs),
  }, (req, res) => { void handle(req, res); });
  // A socket idle this long is destroyed (no 'timeout' listener is needed for that).
  server.setTimeout(opts.timeouts.idleMs);

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const hit = upgrades.find(([prefix]) => (req.url ?? "/").startsWith(prefix));
    if (hit) { hit[1](req, socket, head); return; }
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Timeouts and malformed requests: answer if the socket still takes it, then close.
    if (err.code === "ECONNRESET" || !socket.writable) { socket.destroy(); return; }
    const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout"
      : err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  return {
    server, api,
    addRoute(prefix, handler) { routes.push([prefix, handler]); },
    addUpgrade(prefix, handler) { upgrades.push([prefix, handler]); },
    listen(port, host) {
      return new Promise((resolveUrl, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const a = server.address() as AddressInfo;
          const h = a.family === "IPv6" ? `[${a.address}]` : a.address;
          resolveUrl(`http://${h === "0.0.0.0" || h === "[::]" ? "localhost" : h}:${a.port}/`);
        });
      });
    },
    async close() {
      await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
      await opts.store.close();
    },
  };
}
