// The snapshot API beside Vite (`npm start`, `npm run preview`): the same
// handler as `npm run serve`, mounted as middleware for /api/. Configured by
// the same environment variables (see config.ts); the dev store defaults to
// $XDG_DATA_HOME/rvplay/server-dev. The store is opened on the first request,
// so a dev server that never shares writes nothing.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Plugin } from "vite";
import { defaultDataDir, parseConfig } from "./config.js";
import { clientAddress, ISOLATION_HEADERS } from "./http-server.js";
import { openStore } from "./open-store.js";
import { RateLimiter } from "./rate-limit.js";
import { createApiHandler, type RequestHandler } from "./snapshot-api.js";

type Next = () => void;

export function snapshotApiPlugin(env: Record<string, string | undefined> = process.env): Plugin {
  let handler: Promise<RequestHandler> | undefined;
  const load = async (): Promise<RequestHandler> => {
    const parsed = parseConfig([], env, { dataDir: defaultDataDir(env, "server-dev"), webDir: "" });
    if (parsed.help) throw new Error("unreachable");
    const c = parsed.config;
    const store = await openStore(c);
    await store.check();
    return createApiHandler({
      store, limits: c.limits, rate: new RateLimiter(c.rate),
      clientId: (req) => clientAddress(req, c.trustProxy),
      log: (line) => process.stderr.write(`[snapshot api] ${line}\n`),
    });
  };
  const middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => {
    if (!(req.url ?? "").startsWith("/api/")) { next(); return; }
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    handler ??= load();
    handler.then((h) => h(req, res)).catch((e: Error) => {
      handler = undefined;  // try again on the next request
      process.stderr.write(`[snapshot api] ${e.message}\n`);
      if (res.headersSent) { res.destroy(); return; }
      const body = JSON.stringify({ error: { code: "storage_unavailable", message: "the snapshot store is unavailable" } });
      res.writeHead(503, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    });
  };
  return {
    name: "rvplay-snapshot-api",
    configureServer(server) { server.middlewares.use(middleware); },
    configurePreviewServer(server) { server.middlewares.use(middleware); },
  };
}
