// `npm run serve`: the built app plus the snapshot API on one origin.
// `node dist/server/main.js --help` lists the flags and variables.
import { fileURLToPath } from "node:url";
import { ConfigError, defaultDataDir, helpText, parseConfig } from "./config.js";
import { createSnapshotServer } from "./http-server.js";
import { openStore } from "./open-store.js";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { StorageError } from "./http-error.js";
import { createBuiltImagesHandler } from "./built-images.js";
import { createStaticHandler } from "./static-files.js";
import { createWispRelay } from "./wisp/relay.js";
import { WISP_PATH } from "./wisp/vite-plugin.js";

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseConfig(process.argv.slice(2), process.env, {
      dataDir: defaultDataDir(process.env, "server"),
      webDir: fileURLToPath(new URL("../web/", import.meta.url)),
    });
  } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(`rvplay-server: ${e.message}\n`); return 2; }
    throw e;
  }
  if (parsed.help) { process.stdout.write(helpText()); return 0; }
  const config = parsed.config;
  let webDir = config.webDir;
  if (webDir && !existsSync(join(webDir, "index.html"))) {
    process.stderr.write(`rvplay-server: no built app in ${webDir} (npm run build:web); serving the API only\n`);
    webDir = undefined;
  }
  const store = await openStore(config);
  try {
    await store.check();
  } catch (e) {
    if (e instanceof StorageError) { process.stderr.write(`rvplay-server: ${e.message}\n`); return 1; }
    throw e;
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const app = createSnapshotServer({
    store, limits: config.limits, rate: config.rate, timeouts: config.timeouts,
    webDir, trustProxy: config.trustProxy, log,
  });
  // The Wisp relay the page's user network goes through, on the same origin.
  const relay = config.wisp ? createWispRelay({ path: WISP_PATH, ...config.wisp, log: (m) => log(`[wisp] ${m}`) }) : undefined;
  if (relay) app.addUpgrade(WISP_PATH, (req, socket, head) => { relay.handleUpgrade(req, socket, head); });
  // Built images (npm run image:debian) for the page's Image picker.
  const images = createBuiltImagesHandler();
  const web = webDir ? createStaticHandler(webDir) : undefined;
  app.addRoute("/images/", async (req, res) => {
    if (await images(req, res)) return;
    if (web) await web(req, res);
    else { res.writeHead(404, { "Content-Type": "text/plain" }); res.end("not found (this server has no web app)\n"); }
  });
  let url: string;
  try {
    url = await app.listen(config.port, config.host);
  } catch (e) {
    process.stderr.write(`rvplay-server: cannot listen on ${config.host}:${config.port}: ${(e as Error).message}\n`);
    await store.close();
    return 1;
  }
  const w = config.wisp;
  const relayNote = !w ? "no Wisp relay" : `Wisp relay ${url.replace(/^http/, "ws")}${WISP_PATH.slice(1)}` +
    (w.allowLoopback || w.allowPrivate || w.allow.length ? ` allowing ${[w.allowLoopback && "loopback", w.allowPrivate && "private networks", ...w.allow].filter(Boolean).join(", ")}` : "");
  process.stdout.write(`rvplay server: ${url}  (snapshot API ${url}api/v1/, store: ${store.description}; ${relayNote})\n`);
  await new Promise<void>((resolve) => {
    const stop = () => { process.off("SIGINT", stop); process.off("SIGTERM", stop); resolve(); };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  relay?.close();
  await app.close();
  return 0;
}

process.exitCode = await main();
