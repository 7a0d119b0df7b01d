// image.json: what a built image is made of, beside its files. It names the
// kernel, the initrd and the disk (as a disk base, and as a raw file), with
// sizes and SHA-256, and the kernel command line to boot them with. A
// machine picker or `rvplay boot --image NAME` reads it; everything it names
// is a plain file name in the same folder.
// No Node API here: the page parses it too (describe-file.ts is the Node half).
import type { ImageFile } from "./image-file.js";
export type { ImageFile } from "./image-file.js";

export const IMAGE_FORMAT = "rvplay-image";
export const IMAGE_FORMAT_VERSION = 1;
export const MAX_IMAGE_MANIFEST_BYTES = 1024 * 1024;

export interface ImageManifest {
  format: typeof IMAGE_FORMAT;
  version: typeof IMAGE_FORMAT_VERSION;
  name: string;          // short, for URLs and --image: [a-z0-9-]
  title: string;         // for people
  kernel: ImageFile;     // a RISC-V Linux Image (uncompressed)
  kernelGzip?: ImageFile; // the same, gzip'd (what the page fetches; optional)
  initrd: ImageFile;
  disk: { base: string; raw: string; size: number; sha256: string }; // base = disk.json (disk base format)
  append: string;        // the kernel command line
  memMiB: number;        // the guest RAM it is meant for
  linux: string;         // kernel release (uname -r)
  debian: { suite: string; release: string; releaseDate: string; packages: number };
  sourceDateEpoch: number;
}

export class ImageManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageManifestError";
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
// A plain name: no directory part, no dot-only names, nothing a URL or a
// shell would read differently.
const FILE = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,128}$/;

// Parse and check an image.json. Throws only ImageManifestError.
export function parseImageManifest(bytes: Uint8Array): ImageManifest {
  const bad = (why: string) => new ImageManifestError(`image manifest: ${why}`);
  if (bytes.length > MAX_IMAGE_MANIFEST_BYTES) throw bad(`${bytes.length} bytes, more than ${MAX_IMAGE_MANIFEST_BYTES}`);
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw bad(`not UTF-8 JSON (${(e as Error).message})`);
  }
  const obj = (x: unknown, what: string): Record<string, unknown> => {
    if (typeof x !== "object" || x === null || Array.isArray(x)) throw bad(`${what} is not an object`);
    return x as Record<string, unknown>;
  };
  const str = (o: Record<string, unknown>, k: string, re: RegExp, what: string): string => {
    const x = o[k];
    if (typeof x !== "string" || !re.test(x)) throw bad(`${what}.${k} is missing or malformed`);
    return x;
  };
  const int = (o: Record<string, unknown>, k: string, what: string, min = 1): number => {
    const x = o[k];
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min) throw bad(`${what}.${k} must be an integer ≥ ${min}`);
    return x;
  };
  const file = (x: unknown, what: string): ImageFile => {
    const o = obj(x, what);
    return { file: str(o, "file", FILE, what), size: int(o, "size", what), sha256: str(o, "sha256", HEX64, what) };
  };
  const o = obj(v, "the manifest");
  if (o.format !== IMAGE_FORMAT) throw bad(`"format" is ${JSON.stringify(o.format)}, not "${IMAGE_FORMAT}"`);
  if (o.version !== IMAGE_FORMAT_VERSION) throw bad(`"version" ${JSON.stringify(o.version)} is not supported (this reader knows ${IMAGE_FORMAT_VERSION})`);
  const d = obj(o.disk, "disk");
  const deb = obj(o.debian, "debian");
  const m: ImageManifest = {
    format: IMAGE_FORMAT,
    version: IMAGE_FORMAT_VERSION,
    name: str(o, "name", /^[a-z0-9][a-z0-9-]{0,31}$/, "image"),
    title: str(o, "title", /^[^\u0000-\u001f]{1,80}$/, "image"),
    kernel: file(o.kernel, "kernel"),
    ...(o.kernelGzip === undefined ? {} : { kernelGzip: file(o.kernelGzip, "kernelGzip") }),
    initrd: file(o.initrd, "initrd"),
    disk: { base: str(d, "base", FILE, "disk"), raw: str(d, "raw", FILE, "disk"), size: int(d, "size", "disk"), sha256: str(d, "sha256", HEX64, "disk") },
    append: str(o, "append", /^[ -~]{1,1024}$/, "image"),
    memMiB: int(o, "memMiB", "image", 64),
    linux: str(o, "linux", /^[0-9A-Za-z.+_-]{1,64}$/, "image"),
    debian: {
      suite: str(deb, "suite", /^[a-z0-9-]{1,32}$/, "debian"),
      release: str(deb, "release", /^[0-9A-Za-z.~+-]{1,32}$/, "debian"),
      releaseDate: str(deb, "releaseDate", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, "debian"),
      packages: int(deb, "packages", "debian"),
    },
    sourceDateEpoch: int(o, "sourceDateEpoch", "image", 0),
  };
  if (m.disk.size % 512 !== 0) throw bad("disk.size is not a whole number of 512-byte sectors");
  return m;
}

export function formatImageManifest(m: ImageManifest): string {
  return JSON.stringify(m, null, 2) + "\n";
}
