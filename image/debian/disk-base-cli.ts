// The disk base writer and checker as a command (run by build.sh):
//   node dist/image/debian/disk-base-cli.js write RAW OUTDIR [--chunk-size BYTES]
//   node dist/image/debian/disk-base-cli.js verify OUTDIR [--raw RAW]
// `write` cuts RAW into OUTDIR/disk.json + OUTDIR/chunks/; `verify` reads
// every chunk back (and, with --raw, compares it with the raw image).
import { closeSync, openSync, readSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_CHUNK_SIZE, DiskBaseError, DiskBaseReader, writeDiskBase } from "./disk-base.js";

const USAGE = `usage: disk-base-cli write RAW OUTDIR [--chunk-size BYTES]
       disk-base-cli verify OUTDIR [--raw RAW]
`;

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { "chunk-size": { type: "string" }, raw: { type: "string" } } });
  } catch (e) {
    process.stderr.write(`disk-base: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const [cmd, ...rest] = parsed.positionals;
  try {
    if (cmd === "write" && rest.length === 2) {
      const chunkSize = parsed.values["chunk-size"] === undefined ? DEFAULT_CHUNK_SIZE : Number(parsed.values["chunk-size"]);
      const s = writeDiskBase(rest[0], rest[1], chunkSize);
      process.stdout.write(`disk base: ${s.size} bytes in ${s.chunks} chunks of ${chunkSize}: ${s.zeroChunks} all-zero, ` +
        `${s.storedChunks} stored (${s.storedBytes} bytes gzip)\n`);
      return 0;
    }
    if (cmd === "verify" && rest.length === 1) {
      const reader = DiskBaseReader.open(rest[0]);
      const raw = parsed.values.raw;
      let fd: number | undefined;
      if (raw !== undefined) fd = openSync(raw, "r");
      try {
        const buf = new Uint8Array(reader.manifest.chunkSize);
        const hash = reader.verify((i, bytes) => {
          if (fd === undefined) return;
          const n = readSync(fd, buf, 0, bytes.length, i * reader.manifest.chunkSize);
          if (n !== bytes.length || Buffer.compare(buf.subarray(0, n), bytes) !== 0) {
            throw new DiskBaseError("image_mismatch", `chunk ${i} differs from the raw image '${raw}'`);
          }
        });
        process.stdout.write(`disk base verified: ${reader.manifest.chunks.length} chunks, sha256 ${hash}${raw ? `, same bytes as ${raw}` : ""}\n`);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      return 0;
    }
  } catch (e) {
    if (e instanceof DiskBaseError) {
      process.stderr.write(`disk-base: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  process.stderr.write(USAGE);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
