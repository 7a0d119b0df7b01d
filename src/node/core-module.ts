// Loading the compiled core under Node (the browser fetches it instead).
import { readFile } from "node:fs/promises";
import { CoreError } from "../machine/core.js";

let cached: Promise<WebAssembly.Module> | undefined;

// dist/src/node/core-module.js -> dist/wasm/core.wasm
const CORE_URL = new URL("../../wasm/core.wasm", import.meta.url);

export function loadCoreModule(): Promise<WebAssembly.Module> {
  cached ??= readFile(CORE_URL).then(
    (bytes) => WebAssembly.compile(bytes),
    (err: NodeJS.ErrnoException) => {
      throw new CoreError(`cannot read the core (${CORE_URL.pathname}): ${err.code ?? err.message}; run 'npm run build' first`);
    },
  );
  return cached;
}
