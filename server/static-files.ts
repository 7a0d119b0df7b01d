// Serves the built app (dist/web) for `npm run serve`. The paths a client may
// ask for are decoded, normalised and must stay inside the root; the isolation
// headers are added by the caller (http-server.ts) to every response.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json; charset=utf-8", ".wasm": "application/wasm",
  ".gz": "application/gzip", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8", ".map": "application/json; charset=utf-8", ".woff2": "font/woff2",
};

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function createStaticHandler(rootDir: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const root = resolve(rootDir);
  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      text(res, 405, "method not allowed\n", { Allow: "GET, HEAD" });
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? "/").split("?")[0]);
    } catch {
      text(res, 400, "bad path encoding\n");
      return;
    }
    if (path.includes("\0") || !path.startsWith("/")) { text(res, 400, "bad path\n"); return; }
    let file = resolve(join(root, normalize(path)));
    if (file !== root && !file.startsWith(root + sep)) { text(res, 404, "not found\n"); return; }
    let s = await stat(file).catch(() => undefined);
    if (s?.isDirectory()) {
      file = join(file, "index.html");
      s = await stat(file).catch(() => undefined);
    }
    if (!s?.isFile()) { text(res, 404, "not found\n"); return; }
    const tag = `W/"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`;
    const headers: Record<string, string | number> = {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "ETag": tag,
      // Vite names the files in assets/ by their content hash; the rest may change on a rebuild.
      "Cache-Control": file.startsWith(join(root, "assets") + sep) ? "public, max-age=31536000, immutable" : "no-cache",
    };
    if (req.headers["if-none-match"] === tag) { res.writeHead(304, headers); res.end(); return; }
    res.writeHead(200, { ...headers, "Content-Length": s.size });
    if (req.method === "HEAD") { res.end(); return; }
    const stream = createReadStream(file);
    stream.on("error", () => res.destroy());
    res.on("close", () => stream.destroy());
    stream.pipe(res);
  };
}
