// rvplay share FILE --server URL: upload a snapshot file to an rvplay
// server (only the blobs it lacks) and print the share link, which opens in
// a browser (the page at that server) or in `rvplay boot --restore URL`.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readSnapshotFile, FILE_EXTENSION } from "../snapshot/snapshot-file.js";
import { SnapshotError } from "../snapshot/snapshot-error.js";
import { RemoteStore, RemoteStoreError } from "../snapshot/remote-store.js";
import { shareLink } from "../snapshot/share-api.js";
import { shareFailure, uploadSnapshot, type TransferProgress } from "../snapshot/share-snapshot.js";

export const SHARE_USAGE = `  share FILE            upload a snapshot file (${FILE_EXTENSION}) to an rvplay server,
                        only the parts it lacks, and print its share link
                        (open it in a browser, or rvplay boot --restore URL)
      --server URL           the server (npm run serve), e.g. http://localhost:8080/;
                             default $RVPLAY_SERVER
`;

const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;

export async function shareCommand(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { server: { type: "string" } } });
  } catch (e) {
    process.stderr.write(`rvplay share: ${(e as Error).message}\n`);
    return 2;
  }
  if (parsed.positionals.length !== 1) {
    process.stderr.write(`rvplay share: give one snapshot file\nusage:\n${SHARE_USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  const server = parsed.values.server ?? process.env.RVPLAY_SERVER;
  if (!server) {
    process.stderr.write("rvplay share: name the server with --server URL (or RVPLAY_SERVER)\n");
    return 2;
  }
  let remote: RemoteStore;
  try {
    const u = new URL(server);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http");
    remote = new RemoteStore(u);
  } catch {
    process.stderr.write(`rvplay share: --server '${server}' is not an http or https URL\n`);
    return 2;
  }
  const t0 = performance.now();
  try {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(file));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new SnapshotError("missing_blob", `'${file}': ${err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "is a directory" : err.message}`);
    }
    const snap = await readSnapshotFile(bytes);
    const tty = process.stderr.isTTY === true;
    const progress = (p: TransferProgress) => {
      if (tty) process.stderr.write(`\r\x1b[Kuploading: ${mb(p.bytesDone)} of ${mb(p.bytes)} (${p.blobsDone} of ${p.blobs} blobs)`);
    };
    const r = await uploadSnapshot(remote, snap, progress);
    if (tty) process.stderr.write("\r\x1b[K");
    process.stderr.write(`rvplay share: ${mb(r.uploadedBytes)} uploaded (${r.uploadedBlobs} of ${r.blobs} blobs; ` +
      `the server had the rest) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    process.stdout.write(`${shareLink(remote.base.href, r.id)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof SnapshotError || e instanceof RemoteStoreError) {
      process.stderr.write(`rvplay share: ${shareFailure(e, "share", remote.base.host)}\n`);
      return 1;
    }
    throw e;
  }
}
