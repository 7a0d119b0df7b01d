// rvplay boot --image NAME|DIR: a built image (image.json beside its kernel,
// initrd and disk; written by a recipe such as image/debian/) chosen by name.
// "sample" is the busybox sample (public/images/), the default.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { ImageError } from "../machine/boot-images.js";
import { builtImageDir, recipeDir } from "../node/built-images.js";
import { ImageManifestError, parseImageManifest, type ImageManifest } from "../../image/debian/image-manifest.js";

export interface BootImageChoice {
  dir: string;
  manifest: ImageManifest;
  kernel: string;
  initrd: string;
  disk: string;   // the raw disk image, read on demand (guest writes stay in memory)
}

export { builtImageDir };

// Resolve --image: undefined for the sample, else the image's files, or an
// ImageError saying what is missing and how to build it.
export function resolveBootImage(arg: string, env: NodeJS.ProcessEnv = process.env): BootImageChoice | undefined {
  if (arg === "sample") return undefined;
  const isDir = arg.includes("/") || (existsSync(arg) && statSync(arg).isDirectory());
  if (!isDir && !/^[a-z0-9][a-z0-9-]{0,31}$/.test(arg)) throw new ImageError(`--image '${arg}': not an image name (sample, debian) nor a folder`);
  const dir = resolve(isDir ? arg : builtImageDir(arg, env));
  const path = join(dir, "image.json");
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    const how = !isDir && existsSync(join(recipeDir(arg), "build.sh")) ? `: build it with npm run image:${arg}` : "";
    throw new ImageError(`--image '${arg}': no built image in ${dir} (no image.json)${how}`);
  }
  let manifest: ImageManifest;
  try {
    manifest = parseImageManifest(bytes);
  } catch (e) {
    if (e instanceof ImageManifestError) throw new ImageError(`--image '${arg}': ${path}: ${e.message}`);
    throw e;
  }
  const file = (name: string, what: string) => {
    const p = join(dir, name);
    if (!existsSync(p)) throw new ImageError(`--image '${arg}': its ${what} ${p} is missing (rebuild the image)`);
    return p;
  };
  return {
    dir, manifest,
    kernel: file(manifest.kernel.file, "kernel"),
    initrd: file(manifest.initrd.file, "initrd"),
    disk: file(manifest.disk.raw, "disk"),
  };
}
