// Fuzzing the 9P server: a seeded mutator over a corpus of valid messages,
// and a checker that every reply is one well-formed R-message answering the
// request (its tag; Rlerror or the matching R type). Free of Node APIs, so the
// same entry points can run in a page or a worker.
import { decode, decodeHeader, encode, messageName, P9ProtocolError, HEADER_SIZE, NOFID, NOTAG, type Message } from "./codec.js";
import type { P9Server } from "./server.js";

export class P9FuzzFailure extends Error {
  constructor(message: string, readonly input: Uint8Array) {
    super(message);
    this.name = "P9FuzzFailure";
  }
}

// mulberry32: small, seedable, good enough to pick mutations.
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The session the corpus assumes: fid 0 the root, 1 the open file f, 2 the
// directory d, 3 the open root directory, 5 the symlink s. Replies are not
// checked here (f may exist already: then lcreate fails and the walk and
// lopen make fid 1 instead).
export function sessionSetup(msize = 64 * 1024): Uint8Array[] {
  return [
    encode("Tversion", NOTAG, { msize, version: "9P2000.L" }),
    encode("Tattach", 1, { fid: 0, afid: NOFID, uname: "root", aname: "", nUname: 0 }),
    encode("Tmkdir", 1, { dfid: 0, name: "d", mode: 0o755, gid: 0 }),
    encode("Tsymlink", 1, { fid: 0, name: "s", symtgt: "f", gid: 0 }),
    encode("Twalk", 1, { fid: 0, newfid: 1, wnames: [] }),
    encode("Tlcreate", 1, { fid: 1, name: "f", flags: 2, mode: 0o644, gid: 0 }),
    encode("Twalk", 1, { fid: 1, newfid: 1, wnames: ["f"] }),
    encode("Tlopen", 1, { fid: 1, flags: 2 }),
    encode("Twalk", 1, { fid: 0, newfid: 2, wnames: ["d"] }),
    encode("Twalk", 1, { fid: 0, newfid: 3, wnames: [] }),
    encode("Tlopen", 1, { fid: 3, flags: 0 }),
    encode("Twalk", 1, { fid: 0, newfid: 5, wnames: ["s"] }),
  ];
}

// Valid requests over that session: what the mutator starts from.
export function seedCorpus(msize = 64 * 1024): Uint8Array[] {
  return [
    encode("Tversion", NOTAG, { msize, version: "9P2000.L" }),
    encode("Tattach", 1, { fid: 4, afid: NOFID, uname: "root", aname: "", nUname: 0 }),
    encode("Tauth", 1, { afid: 9, uname: "root", aname: "", nUname: 0 }),
    encode("Twalk", 2, { fid: 0, newfid: 4, wnames: [] }),
    encode("Twalk", 2, { fid: 0, newfid: 6, wnames: ["d", "f"] }),
    encode("Twalk", 2, { fid: 2, newfid: 7, wnames: [".."] }),
    encode("Tlopen", 3, { fid: 4, flags: 0 }),
    encode("Tlopen", 3, { fid: 6, flags: 2 }),
    encode("Tlcreate", 4, { fid: 4, name: "g", flags: 0o102, mode: 0o644, gid: 0 }),
    encode("Tread", 5, { fid: 1, offset: 0n, count: 4096 }),
    encode("Twrite", 6, { fid: 1, offset: 0n, data: new TextEncoder().encode("hello, 9p") }),
    encode("Tclunk", 7, { fid: 4 }),
    encode("Tremove", 7, { fid: 6 }),
    encode("Tgetattr", 8, { fid: 1, requestMask: 0x3fffn }),
    encode("Tsetattr", 8, { fid: 1, valid: 0x1ff, mode: 0o600, uid: 0, gid: 0, size: 5n, atimeSec: 1n, atimeNsec: 2n, mtimeSec: 3n, mtimeNsec: 4n }),
    encode("Treaddir", 9, { fid: 3, offset: 0n, count: 8192 }),
    encode("Tstatfs", 9, { fid: 0 }),
    encode("Tmkdir", 10, { dfid: 2, name: "e", mode: 0o755, gid: 0 }),
    encode("Tsymlink", 10, { fid: 2, name: "t", symtgt: "/etc/passwd", gid: 0 }),
    encode("Tmknod", 10, { dfid: 0, name: "n", mode: 0o020644, major: 1, minor: 3, gid: 0 }),
    encode("Treadlink", 11, { fid: 5 }),
    encode("Tlink", 11, { dfid: 2, fid: 1, name: "h" }),
    encode("Trename", 12, { fid: 1, dfid: 2, name: "f2" }),
    encode("Trenameat", 12, { olddirfid: 2, oldname: "f2", newdirfid: 0, newname: "f" }),
    encode("Tunlinkat", 13, { dirfid: 2, name: "e", flags: 0x200 }),
    encode("Tfsync", 13, { fid: 1, datasync: 1 }),
    encode("Tflush", 14, { oldtag: 5 }),
    encode("Txattrwalk", 14, { fid: 0, newfid: 8, name: "" }),
    encode("Txattrcreate", 14, { fid: 0, name: "user.x", attrSize: 4n, flags: 0 }),
    encode("Tlock", 15, { fid: 1, lockType: 1, flags: 1, start: 0n, length: 0n, procId: 42, clientId: "guest" }),
    encode("Tgetlock", 15, { fid: 1, lockType: 0, start: 0n, length: 10n, procId: 42, clientId: "guest" }),
  ];
}

const INTERESTING_U32 = [0, 1, 7, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

// One mutation of one message: bit flips, byte stores, interesting integers at
// random places (size and count fields included), truncation, extension,
// splices with another message.
export function mutate(input: Uint8Array, rnd: () => number, corpus: Uint8Array[]): Uint8Array {
  let b = input.slice();
  const pick = (n: number) => Math.floor(rnd() * n);
  const rounds = rnd() < 0.6 ? 1 : 2 + pick(3); // mostly one change, so many inputs still parse
  for (let r = 0; r < rounds; r++) {
    switch (pick(8)) {
      case 0: if (b.length) b[pick(b.length)] ^= 1 << pick(8); break;
      case 1: if (b.length) b[pick(b.length)] = pick(256); break;
      case 2: if (b.length >= 4) {
        const at = pick(b.length - 3);
        new DataView(b.buffer, b.byteOffset).setUint32(at, INTERESTING_U32[pick(INTERESTING_U32.length)], true);
      } break;
      case 3: if (b.length >= 4) { // the size field
        const v = pick(3) === 0 ? INTERESTING_U32[pick(INTERESTING_U32.length)] : b.length + pick(9) - 4;
        new DataView(b.buffer, b.byteOffset).setUint32(0, v >>> 0, true);
      } break;
      case 4: b = b.subarray(0, pick(b.length + 1)).slice(); break;
      case 5: {
        const extra = new Uint8Array(pick(64));
        for (let i = 0; i < extra.length; i++) extra[i] = pick(256);
        const c = new Uint8Array(b.length + extra.length);
        c.set(b); c.set(extra, b.length);
        b = c;
        break;
      }
      case 6: { // splice: the head of this message, the tail of another
        const other = corpus[pick(corpus.length)];
        const cut = pick(b.length + 1), from = pick(other.length + 1);
        const c = new Uint8Array(cut + other.length - from);
        c.set(b.subarray(0, cut)); c.set(other.subarray(from), cut);
        b = c;
        break;
      }
      case 7: if (b.length > 4) b[4] = pick(256); break; // the type byte
    }
  }
  return b;
}

// The fuzzer's entry point: one message in, and a failure unless the reply is
// a single valid R-message answering it. Returns the decoded reply.
export async function fuzzServer(server: P9Server, input: Uint8Array, timeoutMs = 5000): Promise<Message> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new P9FuzzFailure(`no reply within ${timeoutMs} ms`, input)), timeoutMs);
  });
  let reply: Uint8Array;
  try {
    reply = await Promise.race([server.handle(input), hang]);
  } catch (e) {
    if (e instanceof P9FuzzFailure) throw e;
    throw new P9FuzzFailure(`handle() threw: ${String(e)}`, input);
  } finally {
    clearTimeout(timer);
  }
  let msg: Message;
  try {
    msg = decode(reply);
  } catch (e) {
    throw new P9FuzzFailure(`reply does not decode: ${e instanceof P9ProtocolError ? e.message : String(e)}`, input);
  }
  if (decodeHeader(reply).size !== reply.length) throw new P9FuzzFailure("reply size field is not its length", input);
  // The tag is answered whenever the bytes hold one, even under a bad size field.
  const reqTag = input.length >= HEADER_SIZE ? input[5] | (input[6] << 8) : NOTAG;
  const reqType = input.length >= HEADER_SIZE ? input[4] : -1;
  if (msg.tag !== reqTag) throw new P9FuzzFailure(`reply tag ${msg.tag} for request tag ${reqTag}`, input);
  if (msg.type !== "Rlerror") {
    const expected = messageName(reqType + 1);
    if (msg.type !== expected || !messageName(reqType)?.startsWith("T")) {
      throw new P9FuzzFailure(`${msg.type} answers request type ${reqType}`, input);
    }
  }
  return msg;
}

export interface FuzzStats { messages: number; errors: number; ok: number; byErrno: Map<number, number> }

// Runs `iterations` messages through the server, most of them mutated,
// setting the session up again every 100 so they reach past missing fids.
export async function runFuzz(server: P9Server, seed: number, iterations: number): Promise<FuzzStats> {
  const rnd = seededRandom(seed);
  const corpus = seedCorpus();
  const stats: FuzzStats = { messages: 0, errors: 0, ok: 0, byErrno: new Map() };
  const setup = sessionSetup();
  for (let i = 0; i < iterations; i++) {
    if (i % 100 === 0) for (const m of setup) await fuzzServer(server, m);
    const base = corpus[Math.floor(rnd() * corpus.length)];
    const input = rnd() < 0.25 ? base : mutate(base, rnd, corpus);
    const reply = await fuzzServer(server, input);
    stats.messages++;
    if (reply.type === "Rlerror") {
      stats.errors++;
      stats.byErrno.set(reply.ecode, (stats.byErrno.get(reply.ecode) ?? 0) + 1);
    } else {
      stats.ok++;
    }
  }
  return stats;
}
