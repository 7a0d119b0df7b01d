/// <reference types="vite/client" />
// The page's entry: make sure the browser can run the machine (turning on
// cross-origin isolation through our service worker where the host sends no
// headers), read the settings from the URL and localStorage, and show the
// playground, or a clear message saying what is missing and what to do.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@xterm/xterm/css/xterm.css";
import "./app.css";
import { App } from "./app.js";
import { missingFeature, type Lack } from "./features.js";
import { ensureIsolation } from "./isolation.js";
import { limitsFor, resolveSettings, STORAGE_KEY } from "./settings.js";

const root = createRoot(document.getElementById("root")!);

function Unsupported({ lack }: { lack: Lack }) {
  return (
    <main className="unsupported" role="alert" data-testid="unsupported">
      <h1>rvplay cannot run in this browser as it is</h1>
      <p>{lack.what}</p>
      <p><strong>What to do:</strong> {lack.todo}</p>
    </main>
  );
}

function readStored(): string | null {
  try { return localStorage.getItem(STORAGE_KEY); } catch { return null; }
}

async function start(): Promise<void> {
  if (!self.crossOriginIsolated) {
    root.render(<main className="unsupported" role="status"><p>Preparing the page…</p></main>);
  }
  const isolation = await ensureIsolation();
  if (isolation === "reloading") {
    root.render(<main className="unsupported"><p>Turning on cross-origin isolation for this site, then reloading…</p></main>);
    return;
  }
  const lack = missingFeature(globalThis as unknown as Record<string, unknown>);
  if (lack) { root.render(<Unsupported lack={lack} />); return; }
  const limits = limitsFor(navigator.hardwareConcurrency);
  const { settings, notes, link } = resolveSettings(location.search, readStored(), limits, document.baseURI);
  // StrictMode mounts effects twice in development; the App's effect cleans
  // up after itself (it terminates the first worker).
  root.render(<StrictMode><App limits={limits} initial={settings} notes={notes} link={link} /></StrictMode>);
}

void start();
