// The snapshot readers under a fixed-seed fuzzer: thousands of mutated
// snapshot files and manifests give a result or a SnapshotError, nothing
// else (scripts can run more with the same entry points, src/snapshot/fuzz.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzzManifest, fuzzSnapshotFile, isSnapshotError, Mutator } from "../../src/snapshot/fuzz.js";
import { writeSnapshotFile } from "../../src/snapshot/snapshot-file.js";
import { decodeChunkMap } from "../../src/snapshot/chunk-map.js";
import { syntheticSnapshot } from "./synthetic.js";

async function outcome(f: () => unknown): Promise<"ok" | string> {
  try {
    await f();
    return "ok";
  } catch (e) {
    if (isSnapshotError(e)) return e.code;
    throw new Error(`not a SnapshotError: ${(e as Error)?.stack ?? e}`);
  }
}

test("3,000 mutated snapshot files: each one a snapshot or a SnapshotError", { timeout: 120_000 }, async () => {
  const file = writeSnapshotFile(await syntheticSnapshot());
  const mut = new Mutator(0x5eed);
  const codes = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const input = mut.mutate(file);
    const r = await outcome(() => fuzzSnapshotFile(input));
    codes.set(r, (codes.get(r) ?? 0) + 1);
  }
  // The mutations reach past the container into the manifest and the blobs.
  for (const c of ["truncated", "hash_mismatch", "bad_manifest"]) assert.ok((codes.get(c) ?? 0) > 0, `no ${c} among ${[...codes]}`);
});

test("2,000 mutated manifests and chunk maps: parsed or refused with a SnapshotError", async () => {
  const s = await syntheticSnapshot();
  const mut = new Mutator(42);
  let parsed = 0;
  for (let i = 0; i < 2000; i++) {
    const r = await outcome(() => fuzzManifest(mut.mutate(s.manifestBytes)));
    if (r === "ok") parsed++;
  }
  assert.ok(parsed < 2000);
  const map = Uint8Array.of(0, 2, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
  const ctx = { count: 4, imageSizes: [8192], packPages: [2], base: false, what: "RAM" };
  for (let i = 0; i < 2000; i++) await outcome(() => decodeChunkMap(mut.mutate(map), ctx));
});
