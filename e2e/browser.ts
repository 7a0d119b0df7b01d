// Shared set-up of the browser tests: Debian's Chromium driven by
// playwright-core, against the Vite dev server with the isolation headers.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { createServer, type ViteDevServer } from "vite";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

// Why the browser tests cannot run here, or undefined when they can. In CI a
// missing browser is a failure, not a skip.
export function browserSkipReason(): string | undefined {
  if (chromiumPath()) return undefined;
  const msg = "no Chromium found (apt-get install chromium, or set CHROMIUM_PATH): browser tests skipped";
  if (process.env.CI) throw new Error(`CI must run the browser tests: ${msg}`);
  return msg;
}

export async function startServer(): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    root: repoRoot,
    configFile: join(repoRoot, "vite.config.ts"),
    logLevel: "error",
    server: { host: "127.0.0.1", port: 0 },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("Vite did not report a URL");
  return { server, url };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-quic",
    ], // playwright gives every launch a fresh, empty profile directory

  });
}

export interface StaticServer { url: string; close(): Promise<void> }

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".wasm": "application/wasm", ".gz": "application/gzip", ".svg": "image/svg+xml", ".png": "image/png",
};

// A plain static file server for `dir` under `prefix`, as a simple host
// would be: no Cross-Origin-* headers, .gz files sent as they are.
export async function startStaticServer(dir: string, prefix = "/"): Promise<StaticServer> {
  const { createServer } = await import("node:http");
  const { readFile, stat } = await import("node:fs/promises");
  const { extname, normalize } = await import("node:path");
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (!path.startsWith(prefix)) { res.writeHead(404).end(); return; }
    let file = join(dir, normalize(path.slice(prefix.length)));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Length": body.length });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
