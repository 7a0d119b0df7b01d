// Cross-origin isolation on hosts that cannot send headers: our service
// worker (public/coi-serviceworker.js) re-serves this site's responses with
// COOP/COEP, and the page reloads once so that it loads under them.

const RELOADED = "rvplay.coi-reloaded";
const SW_FILE = "coi-serviceworker.js";

export type Isolation = "isolated" | "reloading" | "unavailable";

export async function ensureIsolation(): Promise<Isolation> {
  if (self.crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED);
    return "isolated";
  }
  if (!("serviceWorker" in navigator) || !self.isSecureContext) return "unavailable";
  // Reload at most once per tab session: if isolation is still off after
  // that, the service worker cannot help here (e.g. blocked by the browser).
  const reloadOnce = (): Isolation => {
    if (sessionStorage.getItem(RELOADED)) return "unavailable";
    sessionStorage.setItem(RELOADED, "1");
    location.reload();
    return "reloading";
  };
  try {
    const reg = await navigator.serviceWorker.register(new URL(SW_FILE, document.baseURI));
    // Already controlled but not isolated: the worker was installed before
    // this load's response; a reload goes through it.
    if (navigator.serviceWorker.controller) return reloadOnce();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the service worker did not take control")), 5000);
      navigator.serviceWorker.addEventListener("controllerchange", () => { clearTimeout(timer); resolve(); }, { once: true });
      // It may have claimed the page between register() and here.
      if (navigator.serviceWorker.controller) { clearTimeout(timer); resolve(); }
      void reg;
    });
    return reloadOnce();
  } catch {
    return "unavailable";
  }
}
