// A 9P session as plain data, for snapshots: what P9Server.exportSession()
// gives and importSession() takes up again over the same folder. A snapshot
// file comes from anyone, so parseP9Session checks every field before the
// server sees it: a path is a list of names each as a walk would accept it
// (no "/", NUL, "." or ".."), so a restored fid can never point outside the
// folder any more than a walked one.
import { FsError } from "./errno.js";
import { checkName } from "./names.js";
import { MIN_MSIZE, DEFAULT_MAX_FIDS } from "./server.js";

export interface P9FidState {
  fid: number;
  kind: "node" | "xattr";
  path: string[];
  qid: { type: number; path: string }; // path: the inode number, decimal (a u64)
  open?: { dir: boolean; read: boolean; write: boolean; append: boolean };
}

export interface P9SessionState {
  msize: number; // 0: no Tversion yet
  fids: P9FidState[];
}

export class P9SessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "P9SessionError";
  }
}

export const MAX_SESSION_MSIZE = 16 << 20;
const MAX_DEPTH = 2048; // PATH_MAX (4096) holds at most this many one-byte names
const NOFID = 0xffffffff;

const fail = (where: string, why: string) => new P9SessionError(`${where} ${why}`);

function record(v: unknown, where: string, allowed: string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw fail(where, "is not an object");
  const extra = Object.keys(v).filter((k) => !allowed.includes(k));
  if (extra.length) throw fail(where, `has unknown field(s) ${extra.join(", ")}`);
  return v as Record<string, unknown>;
}

function integer(v: unknown, where: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw fail(where, `is not an integer from ${min} to ${max}`);
  return v;
}

function bool(v: unknown, where: string): boolean {
  if (typeof v !== "boolean") throw fail(where, "is not true or false");
  return v;
}

// Check a session state from a snapshot; throws P9SessionError naming the field.
export function parseP9Session(v: unknown, where = "9P session"): P9SessionState {
  const o = record(v, where, ["msize", "fids"]);
  const msize = integer(o.msize, `${where}.msize`, 0, MAX_SESSION_MSIZE);
  if (msize !== 0 && msize < MIN_MSIZE) throw fail(`${where}.msize`, `is below ${MIN_MSIZE}`);
  if (!Array.isArray(o.fids)) throw fail(`${where}.fids`, "is not a list");
  if (o.fids.length > DEFAULT_MAX_FIDS) throw fail(`${where}.fids`, `holds more than ${DEFAULT_MAX_FIDS} fids`);
  if (msize === 0 && o.fids.length > 0) throw fail(`${where}.fids`, "are given for a session without a Tversion");
  const seen = new Set<number>();
  const fids = o.fids.map((x, i): P9FidState => {
    const p = `${where}.fids[${i}]`;
    const f = record(x, p, ["fid", "kind", "path", "qid", "open"]);
    const fid = integer(f.fid, `${p}.fid`, 0, NOFID - 1);
    if (seen.has(fid)) throw fail(`${p}.fid`, `repeats fid ${fid}`);
    seen.add(fid);
    if (f.kind !== "node" && f.kind !== "xattr") throw fail(`${p}.kind`, "is neither node nor xattr");
    if (!Array.isArray(f.path) || f.path.length > MAX_DEPTH) throw fail(`${p}.path`, `is not a list of at most ${MAX_DEPTH} names`);
    const path = f.path.map((n, k) => {
      if (typeof n !== "string") throw fail(`${p}.path[${k}]`, "is not a string");
      try {
        checkName(n, "walk");
      } catch (e) {
        if (e instanceof FsError) throw fail(`${p}.path[${k}]`, `is not a name a walk accepts (${e.message})`);
        throw e;
      }
      return n;
    });
    const q = record(f.qid, `${p}.qid`, ["type", "path"]);
    const type = integer(q.type, `${p}.qid.type`, 0, 255);
    if (typeof q.path !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(q.path) || BigInt(q.path) >= 1n << 64n) {
      throw fail(`${p}.qid.path`, "is not a decimal integer below 2^64");
    }
    const out: P9FidState = { fid, kind: f.kind, path, qid: { type, path: q.path } };
    if (f.open !== undefined) {
      const op = record(f.open, `${p}.open`, ["dir", "read", "write", "append"]);
      out.open = { dir: bool(op.dir, `${p}.open.dir`), read: bool(op.read, `${p}.open.read`), write: bool(op.write, `${p}.open.write`), append: bool(op.append, `${p}.open.append`) };
    }
    return out;
  });
  return { msize, fids };
}

// For the fuzzer: JSON bytes in; throws only P9SessionError.
export function fuzzP9Session(bytes: Uint8Array): P9SessionState {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new P9SessionError(`not JSON: ${(e as Error).message}`);
  }
  return parseP9Session(v);
}
