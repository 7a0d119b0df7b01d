// Writes image.json for a built Debian image (run by build.sh):
//   node dist/image/debian/image-manifest-cli.js write --out DIR --lock FILE --kernel-version KVER --append STR
// DIR holds Image, initrd.img, disk.img and disk.json already.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MANIFEST_NAME, parseDiskManifest } from "./disk-base.js";
import { describeFile } from "./describe-file.js";
import { formatImageManifest, parseImageManifest, type ImageManifest } from "./image-manifest.js";
import { parseLock } from "./package-lock.js";

function main(argv: string[]): number {
  const { values: v, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { out: { type: "string" }, lock: { type: "string" }, "kernel-version": { type: "string" }, append: { type: "string" } },
  });
  if (positionals[0] !== "write" || !v.out || !v.lock || !v["kernel-version"] || !v.append) {
    process.stderr.write("usage: image-manifest-cli write --out DIR --lock FILE --kernel-version KVER --append STR\n");
    return 2;
  }
  const out = v.out;
  const lock = parseLock(readFileSync(v.lock));
  const disk = parseDiskManifest(readFileSync(join(out, MANIFEST_NAME)));
  const raw = statSync(join(out, "disk.img")).size;
  if (raw !== disk.size) throw new Error(`disk.img is ${raw} bytes but ${MANIFEST_NAME} says ${disk.size}`);
  const m: ImageManifest = {
    format: "rvplay-image",
    version: 1,
    name: "debian",
    title: `Debian ${lock.release.split(".")[0]} (${lock.suite})`,
    kernel: describeFile(join(out, "Image"), "Image"),
    ...(existsSync(join(out, "Image.gz")) ? { kernelGzip: describeFile(join(out, "Image.gz"), "Image.gz") } : {}),
    initrd: describeFile(join(out, "initrd.img"), "initrd.img"),
    disk: { base: MANIFEST_NAME, raw: "disk.img", size: disk.size, sha256: disk.sha256 },
    append: v.append,
    memMiB: 512,
    linux: v["kernel-version"],
    debian: { suite: lock.suite, release: lock.release, releaseDate: lock.releaseDate, packages: lock.packages.filter((p) => p.role !== "tool").length },
    sourceDateEpoch: lock.sourceDateEpoch,
  };
  const text = formatImageManifest(m);
  parseImageManifest(new TextEncoder().encode(text)); // what we write, we can read
  writeFileSync(join(out, "image.json"), text);
  process.stdout.write(`image.json: ${m.title}, Linux ${m.linux}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
