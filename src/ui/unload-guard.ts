// Whether leaving the page (a reload, closing the tab, Ctrl+W typed for the
// shell) would lose a running machine, so the browser should ask first.
// Today nothing of a session is kept: a running, paused or starting machine
// is lost. When the disk and snapshots persist (IndexedDB), the page passes
// `saved: true` once they hold the session, and leaving is allowed
// without a question: that is the hook for it.
import type { PowerState } from "./protocol.js";

export interface SessionState {
  power: PowerState;
  saved: boolean;   // the disk and a snapshot hold the session (not built yet: always false)
}

export function unloadLoses(s: SessionState): boolean {
  const live = s.power === "running" || s.power === "paused" || s.power === "starting";
  return live && !s.saved;
}
