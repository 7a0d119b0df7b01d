// rvplay snapshot info FILE [--json]: what a snapshot file holds.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readSnapshotFile } from "../snapshot/snapshot-file.js";
import { formatSnapshotInfo, snapshotInfo } from "../snapshot/snapshot-info.js";
import { SnapshotError } from "../snapshot/snapshot-error.js";

export const SNAPSHOT_USAGE = `  snapshot info FILE    the summary of a snapshot file: format version, the
                        machine's shape, sizes, page and chunk counts
      --json                 as JSON
`;

export async function snapshotCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "info") {
    process.stderr.write(`rvplay snapshot: ${sub === undefined ? "no subcommand" : `unknown subcommand '${sub}'`}\nusage:\n${SNAPSHOT_USAGE}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: "boolean", default: false } } });
  } catch (e) {
    process.stderr.write(`rvplay snapshot info: ${(e as Error).message}\n`);
    return 2;
  }
  if (parsed.positionals.length !== 1) {
    process.stderr.write("rvplay snapshot info: give one snapshot file\n");
    return 2;
  }
  const file = parsed.positionals[0];
  try {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new SnapshotError("missing_blob", err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.message);
    }
    const info = await snapshotInfo(await readSnapshotFile(bytes));
    process.stdout.write(parsed.values.json ? JSON.stringify({ file, fileBytes: bytes.length, ...info }, null, 2) + "\n" : `${file}: ${bytes.length} bytes\n${formatSnapshotInfo(info)}`);
    return 0;
  } catch (e) {
    if (e instanceof SnapshotError) {
      process.stderr.write(`rvplay snapshot info: '${file}': ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
