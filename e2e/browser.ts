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
