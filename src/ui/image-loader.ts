// Fetching the boot files: the manifest, then each gzip file streamed
// through DecompressionStream("gzip"), counting the bytes fetched and the
// bytes decompressed as they go, and checking the sizes the manifest gives.
// Uses only fetch and streams, so it runs in a worker and under Node.

export interface ManifestFile { name: string; file: string; size: number; gzSize: number; sha256?: string }
export interface Manifest { format: number; description?: string; files: ManifestFile[] }

export interface FileProgress {
  name: string;       // "fw_dynamic.bin", "Image", "disk.img"
  fetched: number;    // compressed bytes received
  gzSize: number;
  inflated: number;   // decompressed bytes produced
  size: number;
  done: boolean;
}

export class LoadError extends Error {}

export async function fetchManifest(baseUrl: string | URL, fetcher: typeof fetch = fetch): Promise<Manifest> {
  const url = new URL("manifest.json", baseUrl);
  const res = await fetcher(url);
  if (!res.ok) throw new LoadError(`cannot fetch ${url.pathname}: HTTP ${res.status}`);
  const m = (await res.json()) as Manifest;
  if (m.format !== 1 || !Array.isArray(m.files)) throw new LoadError(`${url.pathname}: unknown manifest format ${m.format}`);
  return m;
}

// One file, decompressed; `progress` is called as bytes arrive.
export async function fetchGzip(url: URL, file: ManifestFile, progress: (p: FileProgress) => void,
  fetcher: typeof fetch = fetch): Promise<Uint8Array> {
  const p: FileProgress = { name: file.name, fetched: 0, gzSize: file.gzSize, inflated: 0, size: file.size, done: false };
  progress({ ...p });
  const res = await fetcher(url);
  if (!res.ok || !res.body) throw new LoadError(`cannot fetch ${file.file}: HTTP ${res.status}`);
  // Some servers (Vite's among them) send a .gz file with
  // "Content-Encoding: gzip", and the browser has unpacked it by the time we
  // read it: look at the first bytes for gzip's magic number and decompress
  // only if it is there. Compressed bytes are counted on their way into the
  // decompressor; when the browser unpacked them, only the decompressed
  // count is known and the fetched figure is estimated from it.
  const body = res.body.getReader();
  const first = await body.read();
  const gzip = !first.done && first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b;
  const count = (n: number) => { if (gzip) p.fetched += n; };
  const raw = new ReadableStream<Uint8Array>({
    start(ctl) {
      if (first.done) { ctl.close(); return; }
      count(first.value.length);
      ctl.enqueue(first.value);
    },
    async pull(ctl) {
      const r = await body.read();
      if (r.done) { ctl.close(); return; }
      count(r.value.length);
      ctl.enqueue(r.value);
    },
    cancel(reason) { return body.cancel(reason); },
  });
  const inflated = gzip ? raw.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>) : raw;
  // The manifest's size lets us fill one buffer instead of joining chunks.
  let out = new Uint8Array(file.size);
  const reader = inflated.getReader();
  let lastReport = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (p.inflated + value.length > out.length) {
        const bigger = new Uint8Array(Math.max(out.length * 2, p.inflated + value.length));
        bigger.set(out.subarray(0, p.inflated));
        out = bigger;
      }
      out.set(value, p.inflated);
      p.inflated += value.length;
      if (!gzip) p.fetched = Math.min(file.gzSize, Math.round((p.inflated / file.size) * file.gzSize));
      const now = Date.now();
      if (now - lastReport > 50) { lastReport = now; progress({ ...p }); }
    }
  } catch (e) {
    throw new LoadError(`${file.file} is not a valid gzip file (${(e as Error).message})`);
  }
  if (p.inflated !== file.size) {
    throw new LoadError(`${file.file} decompressed to ${p.inflated} bytes, the manifest says ${file.size}`);
  }
  p.fetched = gzip ? p.fetched : file.gzSize;
  p.done = true;
  progress({ ...p });
  return out;
}

export interface BootFiles { firmware: Uint8Array; kernel: Uint8Array; disk?: Uint8Array }

// The sample image's three files, fetched in parallel.
export async function fetchBootFiles(baseUrl: string | URL, progress: (files: FileProgress[]) => void,
  fetcher: typeof fetch = fetch): Promise<BootFiles> {
  const manifest = await fetchManifest(baseUrl, fetcher);
  const byName = (n: string) => manifest.files.find((f) => f.name === n);
  const wanted = [byName("fw_dynamic.bin"), byName("Image"), byName("disk.img")];
  if (!wanted[0] || !wanted[1]) throw new LoadError("the manifest names no fw_dynamic.bin or Image");
  const files = wanted.filter((f): f is ManifestFile => !!f);
  const state: FileProgress[] = files.map((f) => ({ name: f.name, fetched: 0, gzSize: f.gzSize, inflated: 0, size: f.size, done: false }));
  const data = await Promise.all(files.map((f, i) => fetchGzip(new URL(f.file, baseUrl), f, (p) => {
    state[i] = p;
    progress(state.map((s) => ({ ...s })));
  }, fetcher)));
  const get = (n: string) => data[files.findIndex((f) => f.name === n)];
  return { firmware: get("fw_dynamic.bin"), kernel: get("Image"), disk: wanted[2] ? get("disk.img") : undefined };
}
