// The Wisp relay on Vite's own server (`npm start`, `npm run preview`), on
// the page's origin at /wisp/, so that the page's user network works with no
// set-up. Loopback destinations are allowed here (a developer's machine; the
// tests reach servers they start on 127.0.0.1); private and link-local ones
// stay refused. `npm run serve` refuses loopback too unless told otherwise.
import type * as http from "node:http";
import type { Plugin } from "vite";
import { attachWispRelay, type WispRelayOptions } from "./relay.js";

export const WISP_PATH = "/wisp/";

export function wispRelayPlugin(opts: WispRelayOptions = {}): Plugin {
  const options: WispRelayOptions = {
    path: WISP_PATH, allowLoopback: true,
    log: (m) => process.stderr.write(`[wisp relay] ${m}\n`),
    ...opts,
  };
  const attach = (server: { httpServer: unknown }) => {
    if (server.httpServer) attachWispRelay(server.httpServer as http.Server, options);
  };
  return {
    name: "rvplay-wisp-relay",
    configureServer: attach,
    configurePreviewServer: attach,
  };
}
