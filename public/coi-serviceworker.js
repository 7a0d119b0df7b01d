// rvplay's service worker: makes the page cross-origin isolated on hosts
// that cannot send headers (the emulator needs SharedArrayBuffer, which
// browsers give only to isolated pages). It re-serves this site's own
// responses with
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
//   Cross-Origin-Resource-Policy: same-origin
// and leaves other origins' requests alone. src/ui/isolation.ts registers it
// and reloads the page once it controls it. Where the server already sends
// the headers (npm start, npm run preview) the page never registers it.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET" || new URL(req.url).origin !== self.location.origin) return;
  // A request the browser may only answer from its cache cannot be refetched here.
  if (req.cache === "only-if-cached" && req.mode !== "same-origin") return;
  event.respondWith((async () => {
    const res = await fetch(req);
    if (res.status === 0 || res.type === "opaque" || res.type === "opaqueredirect") return res;
    const headers = new Headers(res.headers);
    headers.set("Cross-Origin-Opener-Policy", "same-origin");
    headers.set("Cross-Origin-Embedder-Policy", "require-corp");
    headers.set("Cross-Origin-Resource-Policy", "same-origin");
    // The body streams through as it arrives (progress bars keep working).
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  })());
});
