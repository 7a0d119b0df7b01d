import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import coreUrl from "../../dist/wasm/core.wasm?url";
import { createMemory, initMachineState, CoreView, MiB } from "../vm/core.js";

type Status = { state: "checking" } | { state: "ready"; detail: string } | { state: "error"; detail: string };

// What the browser must offer: shared memory needs cross-origin isolation.
function missingFeature(): string | undefined {
  if (typeof SharedArrayBuffer === "undefined" || !self.crossOriginIsolated) {
    return "This page is not cross-origin isolated, so shared memory is unavailable. " +
      "Serve it with 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp' (npm start does).";
  }
  if (typeof WebAssembly === "undefined") return "This browser has no WebAssembly.";
  return undefined;
}

function App() {
  const [status, setStatus] = useState<Status>({ state: "checking" });
  useEffect(() => {
    const missing = missingFeature();
    if (missing) { setStatus({ state: "error", detail: missing }); return; }
    (async () => {
      const module = await WebAssembly.compileStreaming(fetch(coreUrl));
      const ramBytes = 64 * MiB;
      const memory = createMemory(ramBytes);
      initMachineState(new CoreView(memory), ramBytes, 1);
      const worker = new Worker(new URL("./core-worker.ts", import.meta.url), { type: "module" });
      worker.onmessage = (ev) => {
        setStatus(ev.data.ok
          ? { state: "ready", detail: `RV64GC core instantiated in a worker over ${ramBytes / MiB} MiB of shared guest RAM.` }
          : { state: "error", detail: ev.data.error });
        worker.terminate();
      };
      worker.postMessage({ module, memory });
    })().catch((e) => setStatus({ state: "error", detail: String(e) }));
  }, []);
  return (
    <main style={{ fontFamily: "system-ui, sans-serif", maxWidth: "48rem", margin: "2rem auto" }}>
      <h1>rvplay</h1>
      <p>A whole RISC-V computer in a browser tab.</p>
      <p data-testid="core-status" data-state={status.state}>
        {status.state === "checking" ? "Loading the core…" : status.detail}
      </p>
    </main>
  );
}

createRoot(document.getElementById("root")!).render(<StrictMode><App /></StrictMode>);
