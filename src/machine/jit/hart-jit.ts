// The JIT of one hart worker: between two slices of run() it reads what the
// core queued (pages whose entry count ran out, entries that compiled code
// did not have), translates pages into regions (translate.ts), compiles and
// instantiates them over the shared memory and puts them in this instance's
// function table; it retires regions whose page was written and evicts the
// least recently used when the code cache is full. Each worker has its own
// table and regions (tables cannot be shared between workers); what the
// harts share is in memory (the page generations, hart/jit.ts).
import * as L from "../../../wasm-core/layout.js";
import { JIT_TABLE_BASE, type CoreExports } from "../core.js";
import { PAGE } from "./translate.js";
import { compileRegion, type CompileJob, type CompileResult, type CompilerLink } from "./region-compiler.js";

export interface JitConfig {
  // Entries into a page before it is translated; 1 translates every page at
  // its first entry (the ISA tests run that way: RVPLAY_JIT_THRESHOLD=1).
  threshold: number;
  // The code cache of one hart: regions (at most L.JIT_SLOTS), and bytes of
  // WebAssembly (the machine code V8 makes is a small multiple).
  maxRegions: number;
  maxCodeBytes: number;
  // Translation work per call of service() (between two slices), in ms: a
  // burst of hot pages is spread over several slices.
  budgetMs: number;
  // Translate the whole page's code, not only what its entries reach.
  sweep: boolean;
  // Translate and compile in a compile worker where the platform has one
  // (the hart worker's entry); the hart goes on interpreting meanwhile.
  compileWorker: boolean;
}

export const DEFAULT_JIT_CONFIG: JitConfig = {
  threshold: 300_000,
  maxRegions: 1024,
  maxCodeBytes: 24 * 1024 * 1024,
  budgetMs: 3,
  sweep: false,
  compileWorker: true,
};

// A page whose code keeps missing entries is translated again with them, at
// most this often, and each time only after twice as many new ones; an entry
// counts once it was missed this often (a pc an interrupt returned to is
// rarely missed twice). A page whose code was retired (written) this many
// times waits ever longer before it is translated again.
const MAX_RETRANSLATIONS = 6;
const MISSES_FOR_ENTRY = 2;
const BACKOFF_AFTER = 3;
// Entries remembered for a page before it is translated.
const MAX_ENTRIES = 256;
const CORE_COUNT_MAX = 30000;

export interface JitStats {
  regions: number; // translated so far (retranslations included)
  live: number; // regions in the cache now
  liveBytes: number; // their WebAssembly bytes
  blocks: number;
  insns: number; // guest instructions translated
  translateMs: number; // building the WebAssembly
  compileMs: number; // new WebAssembly.Module
  instantiateMs: number;
  retired: number; // regions dropped because their page was written
  evicted: number; // regions dropped to make room
  failed: number; // pages the translator produced nothing for
}

// JitStats as published in the hart's block (HJ_STATS): three f64 times,
// then these counts as i32.
const TIMES = ["translateMs", "compileMs", "instantiateMs"] as const;
const COUNTS = ["regions", "live", "liveBytes", "blocks", "insns", "retired", "evicted", "failed"] as const;

// Read hart h's JIT statistics from the shared memory (any thread).
export function readJitStats(memory: WebAssembly.Memory, hartId: number): JitStats {
  const at = L.HART_BASE + hartId * L.HART_STRIDE + L.HJ_STATS;
  const dv = new DataView(memory.buffer);
  const s = {} as Record<string, number>;
  TIMES.forEach((k, i) => { s[k] = dv.getFloat64(at + i * 8, true); });
  COUNTS.forEach((k, i) => { s[k] = dv.getInt32(at + TIMES.length * 8 + i * 4, true); });
  return s as unknown as JitStats;
}

// One line about hart h's JIT for a person: its code cache, what it cost,
// and the share of the hart's instructions that ran in translated code.
export function describeJitStats(memory: WebAssembly.Memory, hartId: number): string {
  const s = readJitStats(memory, hartId);
  const hb = L.HART_BASE + hartId * L.HART_STRIDE;
  const dv = new DataView(memory.buffer);
  const inCode = Number(dv.getBigUint64(hb + L.HJ_RETIRED, true));
  const all = Number(dv.getBigUint64(hb + L.H_EXECUTED, true));
  const ms = (v: number) => v.toFixed(0);
  return `hart ${hartId} jit: ${s.regions} regions translated (${s.live} live, ${(s.liveBytes / 1024).toFixed(0)} KiB; ` +
    `${s.retired} retired, ${s.evicted} evicted), ${s.blocks} blocks, ${s.insns} instructions; ` +
    `translate ${ms(s.translateMs)} ms, compile ${ms(s.compileMs)} ms, instantiate ${ms(s.instantiateMs)} ms; ` +
    `${inCode} of ${all} instructions in translated code (${all ? ((100 * inCode) / all).toFixed(1) : "0"} %)`;
}

interface Region { page: number; slot: number; bytes: number }
interface PageInfo {
  entries: Set<number>;
  misses: Map<number, number>;
  newEntries: number; // entries added since its code was translated
  retranslations: number;
  writes: number; // times its code was retired because the page changed
  pendingRetranslate: boolean;
  rounds: number; // times its count ran out before it was translated
  inFlight?: CompileJob; // posted to the compile worker, not answered yet
}

export class HartJit {
  private readonly i32: Int32Array;
  private readonly u16map: Uint16Array;
  private readonly u32: Uint32Array;
  private readonly bytes: Uint8Array;
  private readonly hb: number;
  private readonly slots: (Region | undefined)[] = [];
  private readonly free: number[] = [];
  private readonly pages = new Map<number, PageInfo>();
  private readonly pending: number[] = []; // pages waiting for translation (beyond this call's budget)
  private readonly imports: WebAssembly.Imports;
  private readonly inFlight = new Map<number, CompileJob>();
  private jobs = 0;
  private readonly deferred = new Set<number>(); // pages asked for again while in flight
  readonly stats: JitStats = {
    regions: 0, live: 0, liveBytes: 0, blocks: 0, insns: 0, translateMs: 0, compileMs: 0, instantiateMs: 0,
    retired: 0, evicted: 0, failed: 0,
  };

  constructor(private readonly core: CoreExports, private readonly table: WebAssembly.Table,
    readonly memory: WebAssembly.Memory, readonly hartId: number, readonly cfg: JitConfig = DEFAULT_JIT_CONFIG,
    private compiler?: CompilerLink) {
    const buf = memory.buffer;
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.bytes = new Uint8Array(buf);
    this.u16map = new Uint16Array(buf, L.JIT_PAGEMAP + hartId * L.JIT_PAGEMAP_STRIDE, L.JIT_MAX_PAGES);
    this.hb = L.HART_BASE + hartId * L.HART_STRIDE;
    const maxRegions = Math.min(cfg.maxRegions, L.JIT_SLOTS);
    for (let s = maxRegions - 1; s >= 0; s--) { this.free.push(s); this.slots.push(undefined); }
    this.imports = {
      env: {
        memory, loadSlow: core.loadSlow, storeSlow: core.storeSlow, jitAmo: core.jitAmo,
        mulh: core.mulh, mulhsu: core.mulhsu, mulhu: core.mulhu, jitCsr: core.jitCsr, jitFp: core.jitFp,
      },
    };
    compiler?.onResult((r) => this.answered(r));
    compiler?.onError((message) => this.compilerFailed(message));
    // This hart's page map starts empty (a machine may be reset and run again).
    this.u16map.fill(0);
    this.setWord(L.HJ_THRESHOLD, this.coreThreshold);
    this.setWord(L.HJ_TABLE_BASE, JIT_TABLE_BASE);
    this.setWord(L.HJ_QUEUE_COUNT, 0);
    this.setWord(L.HJ_SEEN_COUNT, 0);
    this.setWord(L.HJ_FLAGS, 1);
  }

  // The core counts at most JIT_PAGE_PARKED - 2 entries (a u16 per page);
  // a higher threshold is that many rounds of the core's count.
  private get coreThreshold(): number { return Math.max(1, Math.min(this.cfg.threshold, CORE_COUNT_MAX)); }
  private get rounds(): number { return Math.ceil(this.cfg.threshold / this.coreThreshold); }

  private get ramPages(): number {
    return Number(new BigUint64Array(this.memory.buffer, L.DEVICE_BASE + L.D_RAM_SIZE, 1)[0]) / PAGE;
  }

  private word(off: number): number { return this.i32[(this.hb + off) >> 2]; }
  private setWord(off: number, v: number): void { this.i32[(this.hb + off) >> 2] = v; }

  // Instructions this hart retired in compiled code, and calls into it.
  get retiredInCode(): bigint { return new BigUint64Array(this.memory.buffer, this.hb + L.HJ_RETIRED, 1)[0]; }
  get calls(): bigint { return new BigUint64Array(this.memory.buffer, this.hb + L.HJ_CALLS, 1)[0]; }

  // Turn the JIT off for this hart (the interpreter alone from the next slice).
  disable(): void { this.setWord(L.HJ_FLAGS, 0); }

  private info(page: number): PageInfo {
    let p = this.pages.get(page);
    if (!p) {
      p = { entries: new Set(), misses: new Map(), newEntries: 0, retranslations: 0, writes: 0, pendingRetranslate: false, rounds: 0 };
      this.pages.set(page, p);
    }
    return p;
  }

  // Between slices: retire, learn entries, translate.
  service(): void {
    this.sweep();
    this.takeSeen();
    this.takeQueue();
    if (this.pending.length > 0) {
      const end = performance.now() + this.cfg.budgetMs;
      while (this.pending.length > 0 && performance.now() < end) {
        const page = this.pending.shift()!;
        this.translate(page);
      }
    }
    this.publish();
  }

  private publish(): void {
    const at = this.hb + L.HJ_STATS;
    const dv = new DataView(this.memory.buffer);
    const s = this.stats as unknown as Record<string, number>;
    TIMES.forEach((k, i) => dv.setFloat64(at + i * 8, s[k], true));
    COUNTS.forEach((k, i) => dv.setInt32(at + TIMES.length * 8 + i * 4, s[k], true));
  }

  // Regions whose page map word no longer names them were retired by the
  // dispatcher (the page was written): free their slots; a page written
  // again and again waits longer before it is translated again.
  private sweep(): void {
    for (const r of this.slots) {
      if (!r) continue;
      if (this.u16map[r.page] === (L.JIT_PAGE_CODE | r.slot)) continue;
      this.drop(r);
      this.stats.retired++;
      const p = this.info(r.page);
      p.writes++;
      const w = this.u16map[r.page];
      if (p.writes >= BACKOFF_AFTER && w < L.JIT_PAGE_CODE && w !== L.JIT_PAGE_PARKED) {
        const wait = this.cfg.threshold * 2 ** Math.min(p.writes - BACKOFF_AFTER + 1, 12);
        this.u16map[r.page] = Math.min(L.JIT_PAGE_PARKED - 1, Math.max(2, wait));
      }
    }
  }

  private drop(r: Region): void {
    this.table.set(JIT_TABLE_BASE + r.slot, null);
    this.slots[r.slot] = undefined;
    this.free.push(r.slot);
    this.stats.live--;
    this.stats.liveBytes -= r.bytes;
  }

  // Entries the core logged: into pages not translated yet, they are where
  // blocks will start; into translated pages they are misses, added after
  // MISSES_FOR_ENTRY of them, and the page is translated again once enough
  // new entries gathered.
  private takeSeen(): void {
    const n = this.word(L.HJ_SEEN_COUNT);
    if (n === 0) return;
    const base = (this.hb + L.HJ_SEEN) >> 2;
    for (let k = 0; k < n; k++) {
      const page = this.i32[base + 2 * k], off = this.i32[base + 2 * k + 1];
      const p = this.info(page);
      if (p.entries.has(off)) continue;
      const compiled = this.u16map[page] >= L.JIT_PAGE_CODE;
      if (!compiled) {
        if (p.entries.size < MAX_ENTRIES) p.entries.add(off);
        continue;
      }
      const seen = (p.misses.get(off) ?? 0) + 1;
      p.misses.set(off, seen);
      if (seen < MISSES_FOR_ENTRY || p.retranslations >= MAX_RETRANSLATIONS) continue;
      p.entries.add(off);
      p.misses.delete(off);
      p.newEntries++;
      if (!p.pendingRetranslate && p.newEntries >= 2 ** p.retranslations) {
        p.pendingRetranslate = true;
        this.pending.push(page);
      }
    }
    this.setWord(L.HJ_SEEN_COUNT, 0);
  }

  private takeQueue(): void {
    const n = this.word(L.HJ_QUEUE_COUNT);
    if (n === 0) return;
    const base = (this.hb + L.HJ_QUEUE) >> 2;
    for (let k = 0; k < n; k++) {
      const page = this.i32[base + 2 * k], off = this.i32[base + 2 * k + 1];
      const p = this.info(page);
      p.entries.add(off);
      if (++p.rounds < this.rounds) {
        // Not hot enough yet: count again.
        if (this.u16map[page] === L.JIT_PAGE_PARKED) this.u16map[page] = this.coreThreshold + 1;
        continue;
      }
      this.pending.push(page);
    }
    this.setWord(L.HJ_QUEUE_COUNT, 0);
  }

  // Watch the page, copy its bytes, and translate them: here, or in the
  // compile worker (the hart goes on interpreting; the page stays parked,
  // or keeps its old code, until the answer is installed).
  private translate(page: number): void {
    const p = this.info(page);
    if (p.inFlight) { this.deferred.add(page); return; }
    if (p.pendingRetranslate) { p.pendingRetranslate = false; p.retranslations++; }
    p.newEntries = 0;
    p.misses.clear();
    // Watch first, then read: a store from now on moves the generation.
    const gen = this.core.jitWatchPage(page);
    const at = L.RAM_OFFSET + page * PAGE;
    const job: CompileJob = {
      id: ++this.jobs, page, gen, code: this.bytes.slice(at, at + PAGE), entries: [...p.entries],
      hartBase: this.hb, next16: page + 1 < this.ramPages ? this.bytes[at + PAGE] | (this.bytes[at + PAGE + 1] << 8) : -1,
      sweep: this.cfg.sweep,
      // Deterministic mode (the clock counts instructions): blocks stop exactly at the budget.
      exact: this.i32[(L.DEVICE_BASE + L.D_CLOCK_MODE) >> 2] === L.CLOCK_INSTRUCTIONS,
    };
    if (this.compiler) {
      p.inFlight = job;
      this.inFlight.set(job.id, job);
      // A copy goes to the worker; the hart keeps its own to compare.
      this.compiler.post({ ...job, code: job.code.slice() });
      return;
    }
    this.install(job, compileRegion(job, (h) => this.u32[(L.RVC_TABLE >> 2) + h]));
  }

  // The compile worker is gone: what it had is asked for again, here.
  private compilerFailed(message: string): void {
    if (!this.compiler) return;
    console.error(`jit: hart ${this.hartId}: the compile worker failed (${message}); compiling on the hart's thread`);
    this.compiler.close();
    this.compiler = undefined;
    for (const job of this.inFlight.values()) {
      this.info(job.page).inFlight = undefined;
      this.pending.push(job.page);
    }
    this.inFlight.clear();
  }

  // Compile jobs not answered yet.
  get waiting(): number { return this.inFlight.size; }

  private answered(r: CompileResult): void {
    const job = this.inFlight.get(r.id);
    if (!job) return;
    this.inFlight.delete(r.id);
    this.info(job.page).inFlight = undefined;
    this.install(job, r);
    if (this.deferred.delete(job.page)) this.pending.push(job.page);
  }

  // Put a compiled region in place of the page's code (if the page has not
  // changed since it was watched).
  private install(job: CompileJob, r: CompileResult): void {
    const page = job.page, gen = job.gen;
    const p = this.info(page);
    const w = this.u16map[page];
    const old = w >= L.JIT_PAGE_CODE ? this.slots[w & 0x7fff] : undefined;
    this.stats.translateMs += r.translateMs;
    this.stats.compileMs += r.compileMs;
    if (r.error !== undefined) console.error(`jit: hart ${this.hartId}: page ${page} not translated: ${r.error}`);
    if (!r.module) {
      // Nothing there to translate (it starts with what the interpreter
      // does): leave the page to the interpreter for a long while.
      this.stats.failed++;
      if (!old) this.u16map[page] = Math.min(L.JIT_PAGE_PARKED - 1, this.coreThreshold * 16 + 2);
      return;
    }
    const t2 = performance.now();
    const instance = new WebAssembly.Instance(r.module, this.imports);
    this.stats.instantiateMs += performance.now() - t2;
    // A store another hart had under way when the page became watched (its
    // write TLB entry checked just before jitWatchPage took it away) does
    // not move the generation: the bytes translated must still be the
    // page's now, after the time compiling took, or the region is dropped.
    // (A store after the watch moved the generation: dropped too.)
    const at = L.RAM_OFFSET + page * PAGE;
    if ((Atomics.load(this.i32, (L.JIT_GEN >> 2) + page) & ~1) !== gen || !this.unchanged(job.code, at)) {
      this.stats.failed++;
      if (old) this.drop(old);
      this.u16map[page] = 0;
      return;
    }
    this.stats.regions++;
    this.stats.blocks += r.blocks.length;
    this.stats.insns += r.insns;
    for (const b of r.blocks) p.entries.add(b);
    if (old) this.drop(old);
    const slot = this.allocSlot(r.bytes);
    this.table.set(JIT_TABLE_BASE + slot, instance.exports.e as WebAssembly.ExportValue as never);
    this.setWord(L.HJ_SLOT_GEN + slot * 4, gen);
    this.setWord(L.HJ_SLOT_USE + slot * 4, this.word(L.HJ_EPOCH));
    this.slots[slot] = { page, slot, bytes: r.bytes };
    this.stats.live++;
    this.stats.liveBytes += r.bytes;
    this.u16map[page] = L.JIT_PAGE_CODE | slot;
  }

  private unchanged(code: Uint8Array, at: number): boolean {
    const now = this.i32, was = new Int32Array(code.buffer, code.byteOffset, PAGE >> 2);
    for (let i = 0, j = at >> 2; i < was.length; i++, j++) if (now[j] !== was[i]) return false;
    return true;
  }

  // A free slot, evicting the least recently used regions (an eighth of the
  // cache at a time) when there is none or the code bytes are over budget.
  private allocSlot(bytes: number): number {
    if (this.free.length === 0 || this.stats.liveBytes + bytes > this.cfg.maxCodeBytes) {
      const live = this.slots.filter((r): r is Region => r !== undefined);
      live.sort((a, b) => this.word(L.HJ_SLOT_USE + a.slot * 4) - this.word(L.HJ_SLOT_USE + b.slot * 4));
      const n = Math.max(1, live.length >> 3);
      for (const r of live.slice(0, n)) {
        this.drop(r);
        this.u16map[r.page] = 0;
        this.stats.evicted++;
      }
      while (this.stats.liveBytes + bytes > this.cfg.maxCodeBytes && this.stats.live > 0) {
        const rest = this.slots.filter((r): r is Region => r !== undefined);
        rest.sort((a, b) => this.word(L.HJ_SLOT_USE + a.slot * 4) - this.word(L.HJ_SLOT_USE + b.slot * 4));
        const r = rest[0];
        this.drop(r);
        this.u16map[r.page] = 0;
        this.stats.evicted++;
      }
    }
    return this.free.pop()!;
  }
}
