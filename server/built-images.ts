// The built images (image/<recipe>/out/) at images/<name>/ beside the app, so
// that the page's Image picker can offer them: npm run serve, and Vite's dev
// and preview servers (vite.config.ts). Only what the page reads is served:
// image.json, the kernel and initrd it names, its snapshot (snapshot.rvsnap),
// the disk base (disk.json, chunks/); not the raw disk.img (a GiB the page
// never needs).
import type { IncomingMessage, ServerResponse } from "node:http";
import { existsSync } from "node:fs";
import type { Plugin } from "vite";
import { ISOLATION_HEADERS } from "./http-server.js";
import { BUILT_IMAGE_NAMES, builtImageDir } from "../src/node/built-images.js";
import { createStaticHandler } from "./static-files.js";

const SERVED = /^\/(image\.json|Image|Image\.gz|initrd\.img|snapshot\.rvsnap|disk\.json|chunks\/[0-9a-f]{64}\.gz)$/;

export type BuiltImagesHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

// Answers a request under <prefix>images/<name>/ (true), or leaves it (false).
export function createBuiltImagesHandler(env: NodeJS.ProcessEnv = process.env, prefix = "/"): BuiltImagesHandler {
  const handlers = new Map(BUILT_IMAGE_NAMES.map((name) => [name as string, createStaticHandler(builtImageDir(name, env))]));
  return async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const m = path.startsWith(`${prefix}images/`) ? /^([a-z0-9-]+)(\/.*)$/.exec(path.slice(prefix.length + "images/".length)) : null;
    const handler = m && handlers.get(m[1]);
    if (!m || !handler) return false;
    if (!SERVED.test(m[2]) || !existsSync(builtImageDir(m[1], env))) {
      const body = "not found\n";
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": body.length });
      res.end(body);
      return true;
    }
    const url = req.url;
    req.url = m[2];
    try { await handler(req, res); } finally { req.url = url; }
    return true;
  };
}

// The same for Vite's dev and preview servers (its public/ has only the sample).
export function builtImagesPlugin(env: NodeJS.ProcessEnv = process.env): Plugin {
  const handle = createBuiltImagesHandler(env);
  const middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    if (!(req.url ?? "").startsWith("/images/")) { next(); return; }
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    handle(req, res).then((done) => { if (!done) next(); }, () => { if (!res.headersSent) { res.writeHead(500); res.end(); } else res.destroy(); });
  };
  return {
    name: "rvplay-built-images",
    configureServer(server) { server.middlewares.use(middleware); },
    configurePreviewServer(server) { server.middlewares.use(middleware); },
  };
}
