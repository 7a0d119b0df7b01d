import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { snapshotApiPlugin } from "./server/vite-plugin.js";
import { builtImagesPlugin } from "./server/built-images.js";
import { wispRelayPlugin } from "./server/wisp/vite-plugin.js";

// Shared WebAssembly memory needs a cross-origin isolated page: every server
// that serves the app sends these two headers (dev and preview alike). A
// static host that cannot is covered by public/coi-serviceworker.js.
const isolationHeaders = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  // Relative URLs: the built site works from any directory of any host.
  base: "./",
  // The snapshot API (/api/v1/) beside the dev and preview servers, as `npm run serve` has it.
  // The Wisp relay (/wisp/) the page's network goes through, loopback allowed;
  // the built images (npm run image:debian) for the Image picker.
  plugins: [react(), snapshotApiPlugin(), wispRelayPlugin(), builtImagesPlugin()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: "es" },
  // brotli-dec-wasm finds its .wasm beside its module (new URL(..., import.meta.url)),
  // which the dev server's dependency pre-bundling would move away from it.
  optimizeDeps: { exclude: ["brotli-dec-wasm"] },
  // dist/ also holds the Node build (tsc) and the core (.wasm): the site goes beside them.
  // The page bundle is React + xterm.js: about 575 kB (160 kB gzip), one request.
  build: { target: "es2022", outDir: "dist/web", emptyOutDir: true, chunkSizeWarningLimit: 700 },
});
