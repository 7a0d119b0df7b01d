// The translator: the hot blocks of one 4 KiB page of guest code become one
// WebAssembly module (a "region") that works directly on the shared memory.
//
//   entry e(n, budget, pc) called by the core's dispatcher (hart/run.ts) with
//                          call_indirect (n: the slice's count so far) and
//                          tail-calls dispatch
//   dispatch(n, budget, vbase, off)   br_table on the page offset: tail-calls
//                          the block starting there, or returns JIT_NO_ENTRY
//   one function per block (n, budget, vbase): a superblock (it goes on past
//                          not-taken branches) with the guest registers it
//                          uses in locals, loaded on entry and stored where
//                          it leaves; jumps to blocks of the page are tail
//                          calls (return_call), a branch back to its own start
//                          is a WebAssembly loop with the registers kept in
//                          locals; a jalr into the page goes through dispatch.
//
// Exactness is the interpreter's (run.ts): at every taken branch the code
// checks the budget and the attention word as the interpreter does and
// leaves when either says so; loads and stores take the inline TLB hit path
// and otherwise call the core's loadSlow / storeSlow (after storing the
// slice's count); an exception leaves pc at the instruction with the count
// that the interpreter would have; a store that reached the page's own code
// (the page's generation moved) stops the block after it. Anything this file
// does not translate (system instructions such as xRET, WFI, sfence.vma and
// fence.i, reserved encodings) ends the block before it: the interpreter
// executes it. Zicsr, AMOs and F/D arithmetic call the core's helpers; an
// instruction crossing into the next page is checked at run time.
import * as L from "../../../wasm-core/layout.js";
import {
  OP_LOAD, OP_MISC_MEM, OP_OP_IMM, OP_AUIPC, OP_OP_IMM_32, OP_STORE, OP_AMO, OP_OP, OP_LUI, OP_OP_32,
  OP_BRANCH, OP_JALR, OP_JAL, OP_SYSTEM, OP_LOAD_FP, OP_STORE_FP, OP_OP_FP, OP_MADD, OP_MSUB, OP_NMSUB,
  OP_NMADD, MS_FS,
} from "../../../wasm-core/spec/riscv.js";
import { Op, AtomicOp, I32, I64, VOID, CodeWriter, assembleModule, JitBuildError, type FuncType } from "./wasm-writer.js";

export const PAGE = 4096;
// Instructions in one block, and in one region (a block may be translated
// again inside a longer one that runs through its start).
export const MAX_BLOCK_INSNS = 64;
export const MAX_REGION_INSNS = 4000;

const enum K { Alu, Load, Store, Branch, Jal, Jalr, Fence, Amo, Csr, FLoad, FStore, FOp }

interface Insn {
  off: number; // page offset
  len: number; // 2 or 4
  inst: number; // the 32-bit instruction (RVC expanded), unsigned
  kind: K;
  // Its upper half lies in the next page (offset 4094): the code checks at
  // run time that the next virtual page is executable and holds that half.
  crosses: boolean;
}

export interface TranslateInput {
  code: Uint8Array; // the page's 4096 bytes
  rvc: (half: number) => number; // a 16-bit encoding's 32-bit expansion (the core's table)
  entries: Iterable<number>; // page offsets where blocks must start
  hartBase: number; // host address of the hart's block
  genAddr: number; // host address of the page's JIT_GEN word
  gen: number; // the generation the translation is valid for
  // The first 16 bits of the physical page after this one, or -1: the guess
  // for the upper half of an instruction that crosses the page's end (the
  // kernel's text is physically contiguous; elsewhere a wrong guess only
  // means the interpreter runs that instruction).
  next16: number;
  // Also start blocks where a sweep of the whole page finds function starts
  // and return points (more code translated, fewer entries missed).
  sweep?: boolean;
  // Deterministic mode: a block runs only if all its instructions fit in the
  // slice's budget, else the interpreter steps up to the budget exactly (as
  // QEMU's -icount does), so that a slice ends at the same instruction with
  // translated code as without.
  exact?: boolean;
}

export interface Translation {
  bytes: Uint8Array;
  blocks: number[]; // block start offsets (the entries of the region)
  insns: number; // instructions translated (a block inside another counts twice)
}

const rd = (i: number) => (i >>> 7) & 31;
const rs1 = (i: number) => (i >>> 15) & 31;
const rs2 = (i: number) => (i >>> 20) & 31;
const f3 = (i: number) => (i >>> 12) & 7;
const f7 = (i: number) => i >>> 25;
const immI = (i: number) => i >> 20;
const immS = (i: number) => ((i >> 20) & ~31) | ((i >>> 7) & 31);
const immB = (i: number) => ((i >> 31) << 12) | ((i & 0x80) << 4) | ((i >>> 20) & 0x7e0) | ((i >>> 7) & 0x1e);
const immJ = (i: number) => ((i >> 31) << 20) | (i & 0xff000) | ((i >>> 9) & 0x800) | ((i >>> 20) & 0x7fe);

// What the translator does with an instruction: its kind, or undefined when
// it is left to the interpreter. The legality checks are the interpreter's
// (run.ts), so that a reserved encoding is never translated.
export function classify(inst: number): K | undefined {
  switch ((inst >>> 2) & 31) {
    case OP_LUI: case OP_AUIPC: return K.Alu;
    case OP_OP_IMM: {
      const f = f3(inst);
      if (f === 1) return (inst >>> 26) === 0 ? K.Alu : undefined;
      if (f === 5) { const f6 = inst >>> 26; return f6 === 0 || f6 === 0x10 ? K.Alu : undefined; }
      return K.Alu;
    }
    case OP_OP_IMM_32: {
      const f = f3(inst);
      if (f === 0) return K.Alu;
      if (f === 1) return f7(inst) === 0 ? K.Alu : undefined;
      if (f === 5) return f7(inst) === 0 || f7(inst) === 0x20 ? K.Alu : undefined;
      return undefined;
    }
    case OP_OP: {
      const a = f7(inst), f = f3(inst);
      if (a === 0 || a === 1) return K.Alu;
      if (a === 0x20 && (f === 0 || f === 5)) return K.Alu;
      return undefined;
    }
    case OP_OP_32: {
      const a = f7(inst), f = f3(inst);
      if (a === 0) return f === 0 || f === 1 || f === 5 ? K.Alu : undefined;
      if (a === 0x20) return f === 0 || f === 5 ? K.Alu : undefined;
      if (a === 1) return f === 0 || f >= 4 ? K.Alu : undefined;
      return undefined;
    }
    case OP_LOAD: return f3(inst) === 7 ? undefined : K.Load;
    case OP_STORE: return f3(inst) > 3 ? undefined : K.Store;
    case OP_BRANCH: return f3(inst) === 2 || f3(inst) === 3 ? undefined : K.Branch;
    case OP_JAL: return K.Jal;
    case OP_JALR: return f3(inst) === 0 ? K.Jalr : undefined;
    case OP_MISC_MEM: return f3(inst) === 0 ? K.Fence : undefined; // fence.i: the interpreter's
    case OP_AMO: return K.Amo; // the helper checks the encoding and raises illegal itself
    // Zicsr through the core's helper (f3 0: ecall, xRET, wfi, sfence.vma,
    // and 4: reserved, are the interpreter's).
    case OP_SYSTEM: return f3(inst) === 0 || f3(inst) === 4 ? undefined : K.Csr;
    case OP_LOAD_FP: return f3(inst) === 2 || f3(inst) === 3 ? K.FLoad : undefined;
    case OP_STORE_FP: return f3(inst) === 2 || f3(inst) === 3 ? K.FStore : undefined;
    // The helpers check the encoding, the rounding mode and mstatus.FS.
    case OP_OP_FP: case OP_MADD: case OP_MSUB: case OP_NMSUB: case OP_NMADD: return K.FOp;
    default: return undefined;
  }
}

function decodeAt(inp: TranslateInput, off: number): Insn | undefined {
  const { code, rvc } = inp;
  if (off + 2 > PAGE) return undefined;
  const lo = code[off] | (code[off + 1] << 8);
  let inst: number, len: number;
  let crosses = false;
  if ((lo & 3) !== 3) {
    inst = rvc(lo) >>> 0;
    len = 2;
  } else if (off + 4 > PAGE) {
    if (inp.next16 < 0) return undefined;
    inst = (lo | (inp.next16 << 16)) >>> 0;
    len = 4;
    crosses = true;
  } else {
    inst = (lo | (code[off + 2] << 16) | (code[off + 3] << 24)) >>> 0;
    len = 4;
  }
  const kind = classify(inst);
  return kind === undefined ? undefined : { off, len, inst, kind, crosses };
}

interface Block { start: number; insns: Insn[]; end: number; endKind: "fall" | "jump" | "next" }

// Length of the instruction whose low 16 bits are lo.
const lengthOf = (lo: number) => ((lo & 3) === 3 ? 4 : 2);

// Find the blocks of the page. Block starts: the entries, the targets of its
// branches and jumps, the return points of its calls, and (with `sweep`,
// decoding the whole page from its start) every instruction that follows a
// jump or an instruction the interpreter runs: where functions begin and
// calls and system calls return. A block runs from its start through
// not-taken branches and past other starts (a superblock: what follows a
// join point is translated again in each block that runs into it) to a
// jump, to what this file does not translate, or to MAX_BLOCK_INSNS (where
// it goes on by a tail call). Measured on the shell loop: as fast as
// stopping at join points, with a third fewer calls between blocks.
function findBlocks(inp: TranslateInput): Map<number, Block> {
  const { code, rvc } = inp;
  const start = new Uint8Array(PAGE >> 1);
  const work: number[] = [];
  const add = (o: number) => {
    if (o >= 0 && o < PAGE && (o & 1) === 0 && start[o >> 1] === 0) { start[o >> 1] = 1; work.push(o); }
  };
  for (const e of inp.entries) add(e);
  // The sweep (a page may begin inside an instruction that crosses from the
  // previous one: decoding is only a guess there; a wrong guess makes blocks
  // that are never entered).
  if (inp.sweep) add(0);
  for (let o = 0; inp.sweep && o + 2 <= PAGE;) {
    const lo = code[o] | (code[o + 1] << 8);
    const d = decodeAt(inp, o);
    const next = o + lengthOf(lo);
    if (!d || d.kind === K.Jal || d.kind === K.Jalr) add(next);
    o = next;
  }
  // Discovery: follow each start to its jump, collecting targets.
  const scanned = new Uint8Array(PAGE >> 1);
  while (work.length > 0) {
    let o = work.pop()!;
    while (o < PAGE && (scanned[o >> 1] === 0)) {
      scanned[o >> 1] = 1;
      const d = decodeAt(inp, o);
      if (!d) break;
      const next = o + d.len;
      if (d.kind === K.Branch) add(o + immB(d.inst));
      else if (endsBlock(d)) {
        if (d.kind === K.Jal) add(o + immJ(d.inst));
        // A call returns there; after a CSR write the slice loop dispatches there.
        if (rd(d.inst) !== 0 || d.kind === K.Csr) add(next);
        break;
      }
      o = next;
    }
  }
  // The blocks, in page order, up to MAX_REGION_INSNS instructions.
  const blocks = new Map<number, Block>();
  let total = 0;
  for (let s = 0; s < PAGE && total < MAX_REGION_INSNS; s += 2) {
    if (start[s >> 1] === 0) continue;
    const insns: Insn[] = [];
    let off = s;
    let endKind: Block["endKind"] = "fall";
    while (off < PAGE) {
      if (insns.length >= MAX_BLOCK_INSNS) { endKind = "next"; start[off >> 1] = 1; break; }
      const d = decodeAt(inp, off);
      if (!d) break;
      insns.push(d);
      off += d.len;
      if (endsBlock(d)) { endKind = "jump"; break; }
    }
    if (insns.length === 0) continue; // starts with what the interpreter does: no block
    total += insns.length;
    blocks.set(s, { start: s, insns, end: off, endKind });
  }
  return blocks;
}

// Function indices: the imports, then entry, dispatch, cross, the blocks.
const F_LOAD = 0, F_STORE = 1, F_AMO = 2, F_MULH = 3, F_MULHSU = 4, F_MULHU = 5, F_CSR = 6, F_FP = 7;
const F_ENTRY = 8, F_DISPATCH = 9, F_BLOCK0 = 10;
const T_ENTRY = 0, T_DISPATCH = 1, T_BLOCK = 2, T_LOAD = 3, T_STORE = 4, T_AMO = 5, T_MUL = 6, T_CSR = 7;
const TYPES: FuncType[] = [
  { params: [I32, I32, I64], results: [I32] }, // entry: (n, budget, pc)
  { params: [I32, I32, I64, I32], results: [I32] }, // dispatch: (n, budget, vbase, page offset)
  { params: [I32, I32, I64], results: [I32] }, // a block: (n, budget, vbase)
  { params: [I64, I32], results: [I64] },
  { params: [I64, I32, I64], results: [I32] },
  { params: [I32], results: [] },
  { params: [I64, I64], results: [I64] },
  { params: [I32, I64], results: [I64] },
];
const IMPORTS = [
  { module: "env", name: "loadSlow", type: T_LOAD },
  { module: "env", name: "storeSlow", type: T_STORE },
  { module: "env", name: "jitAmo", type: T_AMO },
  { module: "env", name: "mulh", type: T_MUL },
  { module: "env", name: "mulhsu", type: T_MUL },
  { module: "env", name: "mulhu", type: T_MUL },
  { module: "env", name: "jitCsr", type: T_CSR },
  { module: "env", name: "jitFp", type: T_AMO },
];
// A block function's parameters: the slice's count at its start, the
// budget, the virtual address of the page.
const P_N = 0, P_BUDGET = 1, P_VBASE = 2;

// One writer per worker, reused: translating allocates almost nothing.
const code = new CodeWriter();

export function translatePage(inp: TranslateInput): Translation | undefined {
  const blocks = findBlocks(inp);
  if (blocks.size === 0) return undefined;
  const order = [...blocks.keys()].sort((a, b) => a - b);
  const index = new Map<number, number>();
  order.forEach((o, j) => index.set(o, j));
  code.len = 0;
  code.count = 0;
  const funcTypes = [T_ENTRY, T_DISPATCH];
  entryBody();
  dispatchBody(inp.hartBase, order);
  let insns = 0;
  const w = new BlockWriter(inp, index);
  for (const o of order) {
    const b = blocks.get(o)!;
    insns += b.insns.length;
    w.write(b);
    funcTypes.push(T_BLOCK);
  }
  const bytes = assembleModule({
    types: TYPES, imports: IMPORTS, funcTypes, code,
    memory: { module: "env", name: "memory", min: 1, max: 65536, shared: true },
    exports: [{ name: "e", func: F_ENTRY }],
  });
  return { bytes, blocks: order, insns };
}

// entry(n, budget, pc): the region's door for the core and other regions.
function entryBody(): void {
  const f = code.begin(0, 0);
  f.get(0).get(1);
  f.get(2).i64n(-4096).op(Op.i64_and);
  f.get(2).op(Op.i32_wrap_i64).i32(0xfff).op(Op.i32_and);
  f.op(Op.return_call).u32(F_DISPATCH);
  f.end();
}

// dispatch(n, budget, vbase, off): br_table on the page offset to the block
// starting there, or JIT_NO_ENTRY.
function dispatchBody(hb: number, order: number[]): void {
  const f = code.begin(0, 0);
  const k = order.length;
  f.op(Op.block).u8(VOID); // $none: depth k from the br_table
  for (let j = 0; j < k; j++) f.op(Op.block).u8(VOID);
  f.get(3).i32(1).op(Op.i32_shr_u);
  const slots = (order[k - 1] >> 1) + 1;
  const target = new Int32Array(slots).fill(k);
  for (let j = 0; j < k; j++) target[order[j] >> 1] = j;
  f.op(Op.br_table).u32(slots);
  for (let t = 0; t < slots; t++) f.u32(target[t]);
  f.u32(k);
  for (let j = 0; j < k; j++) {
    f.op(Op.end);
    f.get(0).get(1).get(2).op(Op.return_call).u32(F_BLOCK0 + j);
  }
  f.op(Op.end);
  // Not a block start: pc and the count where the interpreter wants them.
  f.i32(0).get(2).get(3).op(Op.i64_extend_i32_u).op(Op.i64_add).mem(Op.i64_store, 3, hb + L.H_PC);
  f.i32(0).get(0).mem(Op.i32_store, 2, hb + L.H_SLICE_RETIRED);
  f.i32(L.JIT_NO_ENTRY);
  f.end();
}

const DYNAMIC = -1 << 30; // exit(): pc is in the tgt local

// Emits the blocks' functions, one write() each. (One function for the
// whole region, with the registers in its locals throughout and a br_table
// loop between blocks, measured 5-10 times slower under V8: small functions
// that tail-call each other compile to much better code.)
class BlockWriter {
  private readonly hb: number;
  private readonly local = new Int32Array(32); // guest register -> local
  private dirty = 0; // registers written since they were last stored (bit r)
  private written = 0; // registers the block writes
  private loops = false;
  private start = 0;
  private va = 0; private tgt = 0; private xpc = 0; // i64 temporaries
  private ent = 0; private st = 0; private tlbR = 0; private tlbW = 0; // i32 temporaries
  private xkind = 0; private xcnt = 0;
  private depth = 0; // constructs open: 1 = the exit block, 2 = the loop

  constructor(private readonly inp: TranslateInput, private readonly index: Map<number, number>) {
    this.hb = inp.hartBase;
  }

  write(b: Block): void {
    let read = 0, written = 0, loops = false, loads = false, stores = false;
    for (const d of b.insns) {
      const i = d.inst;
      read |= sources(d);
      written |= 1 << dest(d);
      if (d.kind === K.Branch && d.off + immB(i) === b.start) loops = true;
      else if (d.kind === K.Jal && d.off + immJ(i) === b.start) loops = true;
      else if (d.kind === K.Load || d.kind === K.FLoad) loads = true;
      else if (d.kind === K.Store || d.kind === K.FStore) stores = true;
    }
    read &= ~1;
    written &= ~1;
    this.written = written;
    this.dirty = 0;
    this.loops = loops;
    this.start = b.start;
    const used = read | written;
    let nRegs = 0;
    for (let r = 1; r < 32; r++) if (used & (1 << r)) this.local[r] = 3 + nRegs++;
    this.va = 3 + nRegs; this.tgt = this.va + 1; this.xpc = this.va + 2;
    this.ent = this.va + 4; this.st = this.ent + 1; this.tlbR = this.ent + 2; this.tlbW = this.ent + 3;
    this.xkind = this.ent + 4; this.xcnt = this.ent + 5;
    const f = code.begin(nRegs + 4, 6);
    // Every register the block uses is loaded once, before its loop: then
    // any exit may store all it writes (the epilogue does).
    for (let r = 1; r < 32; r++) {
      if (used & (1 << r)) f.i32(0).mem(Op.i64_load, 3, this.hb + r * 8).set(this.local[r]);
    }
    if (loads) f.i32(0).mem(Op.i32_load, 2, this.hb + L.HJ_TLB_READ).set(this.tlbR);
    if (stores) f.i32(0).mem(Op.i32_load, 2, this.hb + L.HJ_TLB_WRITE).set(this.tlbW);
    f.op(Op.block).u8(VOID); // the exit block: its end is the epilogue
    this.depth = 1;
    if (loops) { f.op(Op.loop).u8(VOID); this.depth = 2; }
    if (this.inp.exact) {
      // At the block's start and at each turn of its loop: does it fit?
      f.get(P_BUDGET).get(P_N).i32(b.insns.length).op(Op.i32_add).op(Op.i32_lt_s);
      this.openIf();
      this.exit(L.JIT_FALL, b.start, 0);
      this.close();
    }
    for (let k = 0; k < b.insns.length; k++) this.insn(b.insns[k], k);
    const last = b.insns[b.insns.length - 1];
    if (!endsBlock(last)) {
      const n = b.insns.length;
      const next = this.index.get(b.end);
      if (b.endKind === "next" && next !== undefined) {
        // On into the block that starts here (no check: sequential).
        this.storeDirty();
        f.get(P_N).i32(n).op(Op.i32_add).get(P_BUDGET).get(P_VBASE).op(Op.return_call).u32(F_BLOCK0 + next);
      } else if (b.end >= PAGE) {
        // Straight on into the next page (past an instruction that crosses
        // into it, or off the page's end): its region, if any.
        this.exit(L.JIT_CONTINUE, b.end, n);
      } else {
        this.exit(L.JIT_FALL, b.end, n);
      }
    }
    if (loops) f.op(Op.end);
    f.op(Op.end);
    // The epilogue, reached only by exits (every other path ends in a tail
    // call): the registers written, pc, the count; the kind is the result.
    for (let r = 1; r < 32; r++) {
      if (written & (1 << r)) f.i32(0).get(this.local[r]).mem(Op.i64_store, 3, this.hb + r * 8);
    }
    f.i32(0).get(this.xpc).mem(Op.i64_store, 3, this.hb + L.H_PC);
    f.i32(0).get(P_N).get(this.xcnt).op(Op.i32_add).mem(Op.i32_store, 2, this.hb + L.H_SLICE_RETIRED);
    f.get(this.xkind);
    f.end();
  }

  // ---- registers ----
  private get(r: number): void {
    if (r === 0) code.i64n(0);
    else code.get(this.local[r]);
  }
  // Set rd from the i64 on the stack (x0: dropped).
  private put(r: number): void {
    if (r === 0) { code.op(Op.drop); return; }
    code.set(this.local[r]);
    this.dirty |= 1 << r;
  }
  // Before a tail call: the registers the next block will load.
  private storeDirty(): void {
    const d = this.loops ? this.written : this.dirty;
    for (let r = 1; r < 32; r++) {
      if (d & (1 << r)) code.i32(0).get(this.local[r]).mem(Op.i64_store, 3, this.hb + r * 8);
    }
  }
  private storeReg(r: number): void {
    if (r !== 0 && (this.written & (1 << r))) code.i32(0).get(this.local[r]).mem(Op.i64_store, 3, this.hb + r * 8);
  }

  private pcAt(off: number): void { code.get(P_VBASE).i64n(off).op(Op.i64_add); }

  // Leave with `kind` (a constant, or the local kindLocal holding it), pc at
  // page offset pcOff (or DYNAMIC: the tgt local), and `count` more
  // instructions in the slice's count: through the epilogue.
  private exit(kind: number, pcOff: number, count: number, kindLocal = -1): void {
    const f = code;
    if (pcOff === DYNAMIC) f.get(this.tgt); else this.pcAt(pcOff);
    f.set(this.xpc);
    f.i32(count).set(this.xcnt);
    if (kindLocal >= 0) f.get(kindLocal); else f.i32(kind);
    f.set(this.xkind);
    f.op(Op.br).u32(this.depth - 1);
  }

  // Push (count instructions done >= budget) | attention asked.
  private due(count: number): void {
    code.get(P_N).i32(count).op(Op.i32_add).get(P_BUDGET).op(Op.i32_ge_s);
    code.i32(0).atomic(AtomicOp.i32_load, 2, this.hb + L.H_ATTN).op(Op.i32_or);
  }
  private openIf(t = VOID): void { code.op(Op.if).u8(t); this.depth++; }
  private close(): void { code.op(Op.end); this.depth--; }

  // A taken transfer to page offset t after instruction k.
  private jumpTo(t: number, k: number): void {
    const f = code;
    const count = k + 1;
    const inPage = t >= 0 && t < PAGE;
    if (inPage && t === this.start && this.loops) {
      this.due(count);
      this.openIf();
      this.exit(L.JIT_LEAVE, t, count);
      this.close();
      f.get(P_N).i32(count).op(Op.i32_add).set(P_N);
      f.op(Op.br).u32(this.depth - 2); // to the loop, registers still in locals
      return;
    }
    const j = inPage ? this.index.get(t) : undefined;
    if (j !== undefined) {
      this.due(count);
      this.openIf();
      this.exit(L.JIT_LEAVE, t, count);
      this.close();
      this.storeDirty();
      f.get(P_N).i32(count).op(Op.i32_add).get(P_BUDGET).get(P_VBASE).op(Op.return_call).u32(F_BLOCK0 + j);
      return;
    }
    if (!inPage) {
      // Another page: on into its region if the slice may go on.
      this.due(count);
      this.openIf();
      this.exit(L.JIT_LEAVE, t, count);
      this.close();
      this.exit(L.JIT_CONTINUE, t, count);
      return;
    }
    // Code of this page the interpreter runs: the slice loop checks and
    // dispatches, as after the interpreter's leave.
    this.exit(L.JIT_LEAVE, t, count);
  }

  // The slow path's count: this instruction started (the interpreter's n).
  private storeCount(k: number): void {
    code.i32(0).get(P_N).i32(k + 1).op(Op.i32_add).mem(Op.i32_store, 2, this.hb + L.H_SLICE_RETIRED);
  }
  private trapIfPending(d: Insn, k: number): void {
    code.i32(0).mem(Op.i32_load, 2, this.hb + L.H_EXC_CAUSE).i32(0).op(Op.i32_ge_s);
    this.openIf();
    this.exit(L.JIT_TRAP, d.off, k + 1);
    this.close();
  }
  // After a store that took the slow path: if it changed this page's code,
  // stop after it (the interpreter runs the new code).
  private stopIfCodeChanged(d: Insn, k: number): void {
    code.i32(0).atomic(AtomicOp.i32_load, 2, this.inp.genAddr).i32(-2).op(Op.i32_and).i32(this.inp.gen | 0).op(Op.i32_ne);
    this.openIf();
    this.exit(L.JIT_FALL, d.off + d.len, k + 1);
    this.close();
  }

  // The TLB entry of va (in this.va) in the array whose address is in local
  // `arr`: leaves its address in this.ent and pushes (its tag matches an
  // aligned access of `size`). Index: bits 19:12 of va, 16 bytes an entry.
  private tlbHit(arr: number, size: number): void {
    const f = code;
    f.get(arr).get(this.va).op(Op.i32_wrap_i64).i32(8).op(Op.i32_shr_u).i32((L.TLB_ENTRIES - 1) << 4).op(Op.i32_and)
      .op(Op.i32_add).tee(this.ent);
    f.mem(Op.i64_load, 3, 0);
    f.get(this.va).i64n(-4096 | (size - 1)).op(Op.i64_and).op(Op.i64_eq);
  }
  private hostAddr(): void {
    code.get(this.ent).mem(Op.i64_load, 3, 8).get(this.va).op(Op.i64_add).op(Op.i32_wrap_i64);
  }

  private insn(d: Insn, k: number): void {
    const f = code;
    const i = d.inst;
    if (d.crosses) {
      // The upper half must be what was translated: the next virtual page
      // executable (its fetch TLB entry) and holding those 16 bits.
      f.i32(0).mem(Op.i32_load, 2, this.hb + L.HJ_TLB_FETCH);
      this.pcAt(PAGE);
      f.op(Op.i32_wrap_i64).i32(8).op(Op.i32_shr_u).i32((L.TLB_ENTRIES - 1) << 4).op(Op.i32_and).op(Op.i32_add).tee(this.ent);
      f.mem(Op.i64_load, 3, 0);
      this.pcAt(PAGE);
      f.op(Op.i64_eq);
      f.op(Op.if).u8(I32);
      f.get(this.ent).mem(Op.i64_load, 3, 8);
      this.pcAt(PAGE);
      f.op(Op.i64_add).op(Op.i32_wrap_i64).mem(Op.i32_load16_u, 1, 0).i32(i >>> 16).op(Op.i32_eq);
      f.op(Op.else).i32(0).op(Op.end);
      f.op(Op.i32_eqz);
      this.openIf();
      this.exit(L.JIT_FALL, d.off, k);
      this.close();
    }
    switch (d.kind) {
      case K.Alu: this.alu(d); return;
      case K.Load: {
        const w = f3(i) & 3;
        const size = 1 << w;
        const signed = f3(i) < 4;
        this.get(rs1(i));
        f.i64n(immI(i)).op(Op.i64_add).set(this.va);
        this.tlbHit(this.tlbR, size);
        this.openIf(I64);
        this.hostAddr();
        f.mem(signed ? LOAD_S[w] : LOAD_U[w], w, 0);
        f.op(Op.else);
        this.storeCount(k);
        f.get(this.va).i32(size).op(Op.call).u32(F_LOAD);
        if (signed && size < 8) f.op(EXTEND_S[w]);
        this.trapIfPending(d, k);
        this.close();
        this.put(rd(i));
        return;
      }
      case K.Store: {
        const w = f3(i);
        const size = 1 << w;
        this.get(rs1(i));
        f.i64n(immS(i)).op(Op.i64_add).set(this.va);
        this.tlbHit(this.tlbW, size);
        this.openIf();
        this.hostAddr();
        this.get(rs2(i));
        f.mem(STORE[w], w, 0);
        f.op(Op.else);
        this.storeCount(k);
        f.get(this.va).i32(size);
        this.get(rs2(i));
        f.op(Op.call).u32(F_STORE).tee(this.st);
        this.openIf(); // not STATUS_OK
        f.get(this.st).i32(L.STATUS_TRAP).op(Op.i32_eq);
        this.openIf();
        this.exit(L.JIT_TRAP, d.off, k + 1);
        this.close();
        // A device asked for the host: the store is done, the slice ends.
        this.exit(0, d.off + d.len, k + 1, this.st);
        this.close();
        this.stopIfCodeChanged(d, k);
        this.close();
        return;
      }
      case K.Branch: {
        this.get(rs1(i));
        this.get(rs2(i));
        f.op(BRANCH_CMP[f3(i)]);
        this.openIf();
        this.jumpTo(d.off + immB(i), k);
        this.close();
        return;
      }
      case K.Jal:
        this.pcAt(d.off + d.len);
        this.put(rd(i));
        this.jumpTo(d.off + immJ(i), k);
        return;
      case K.Jalr: {
        this.get(rs1(i));
        f.i64n(immI(i)).op(Op.i64_add).i64n(-2).op(Op.i64_and).set(this.tgt);
        this.pcAt(d.off + d.len);
        this.put(rd(i));
        const count = k + 1;
        this.due(count);
        this.openIf();
        this.exit(L.JIT_LEAVE, DYNAMIC, count);
        this.close();
        f.get(this.tgt).get(P_VBASE).op(Op.i64_sub).i64n(PAGE).op(Op.i64_ge_u);
        this.openIf();
        this.exit(L.JIT_CONTINUE, DYNAMIC, count);
        this.close();
        this.storeDirty();
        // A return (or computed jump) into this page: its block, if any.
        f.get(P_N).i32(count).op(Op.i32_add).get(P_BUDGET).get(P_VBASE);
        f.get(this.tgt).get(P_VBASE).op(Op.i64_sub).op(Op.i32_wrap_i64);
        f.op(Op.return_call).u32(F_DISPATCH);
        return;
      }
      case K.Csr: {
        // csrInstr as the interpreter calls it, with minstret counting this
        // instruction; a write leaves for the slice loop, as the interpreter
        // does (it may enable an interrupt, change SUM, MPRV or satp).
        this.storeCount(k);
        f.i32(i | 0);
        if (f3(i) >= 5) f.i64n(rs1(i)); else this.get(rs1(i));
        f.op(Op.call).u32(F_CSR);
        this.trapIfPending(d, k);
        this.put(rd(i));
        if (csrWrites(i)) this.exit(L.JIT_LEAVE, d.off + d.len, k + 1);
        return;
      }
      case K.FLoad: case K.FStore: {
        // mstatus.FS = Off: the interpreter raises the illegal instruction.
        f.i32(0).mem(Op.i64_load, 3, this.hb + L.C_MSTATUS).i64n(MS_FS).op(Op.i64_and).op(Op.i64_eqz);
        this.openIf();
        this.exit(L.JIT_FALL, d.off, k);
        this.close();
        const dbl = f3(i) === 3;
        const size = dbl ? 8 : 4;
        this.get(rs1(i));
        f.i64n(d.kind === K.FLoad ? immI(i) : immS(i)).op(Op.i64_add).set(this.va);
        if (d.kind === K.FLoad) {
          f.i32(0); // the address of f[rd], under the value
          this.tlbHit(this.tlbR, size);
          this.openIf(I64);
          this.hostAddr();
          f.mem(dbl ? Op.i64_load : Op.i64_load32_u, dbl ? 3 : 2, 0);
          f.op(Op.else);
          this.storeCount(k);
          f.get(this.va).i32(size).op(Op.call).u32(F_LOAD);
          this.trapIfPending(d, k);
          this.close();
          if (!dbl) f.i64(0xffffffff00000000n).op(Op.i64_or); // NaN-boxed
          f.mem(Op.i64_store, 3, this.hb + L.H_F + rd(i) * 8);
          // mstatus.FS = Dirty
          f.i32(0).i32(0).mem(Op.i64_load, 3, this.hb + L.C_MSTATUS).i64n(MS_FS).op(Op.i64_or)
            .mem(Op.i64_store, 3, this.hb + L.C_MSTATUS);
          return;
        }
        this.tlbHit(this.tlbW, size);
        this.openIf();
        this.hostAddr();
        f.i32(0).mem(Op.i64_load, 3, this.hb + L.H_F + rs2(i) * 8);
        f.mem(dbl ? Op.i64_store : Op.i64_store32, dbl ? 3 : 2, 0);
        f.op(Op.else);
        this.storeCount(k);
        f.get(this.va).i32(size);
        f.i32(0).mem(Op.i64_load, 3, this.hb + L.H_F + rs2(i) * 8);
        f.op(Op.call).u32(F_STORE).tee(this.st);
        this.openIf();
        f.get(this.st).i32(L.STATUS_TRAP).op(Op.i32_eq);
        this.openIf();
        this.exit(L.JIT_TRAP, d.off, k + 1);
        this.close();
        this.exit(0, d.off + d.len, k + 1, this.st);
        this.close();
        this.stopIfCodeChanged(d, k);
        this.close();
        return;
      }
      case K.FOp: {
        // The helper reads x[rs1] (moves, conversions) and may write x[rd]
        // in the hart block; f registers live there always.
        this.storeReg(rs1(i));
        this.storeReg(rd(i));
        this.storeCount(k);
        f.i32(i | 0).op(Op.call).u32(F_FP);
        this.trapIfPending(d, k);
        const r = rd(i);
        if (r !== 0) {
          f.i32(0).mem(Op.i64_load, 3, this.hb + r * 8).set(this.local[r]);
          this.dirty &= ~(1 << r);
        }
        return;
      }
      case K.Fence:
        f.i32(0).i32(0).atomic(AtomicOp.i32_rmw_add, 2, this.hb + L.H_FENCE).op(Op.drop);
        return;
      case K.Amo: {
        // The helper reads rs1 and rs2 and writes rd in the hart block.
        this.storeReg(rs1(i));
        this.storeReg(rs2(i));
        this.storeCount(k);
        f.i32(i | 0).op(Op.call).u32(F_AMO);
        this.trapIfPending(d, k);
        const r = rd(i);
        if (r !== 0) {
          f.i32(0).mem(Op.i64_load, 3, this.hb + r * 8).set(this.local[r]);
          this.dirty &= ~(1 << r);
        }
        this.stopIfCodeChanged(d, k);
        return;
      }
    }
  }

  private alu(d: Insn): void {
    const f = code;
    const i = d.inst;
    switch ((i >>> 2) & 31) {
      case OP_LUI: f.i64n((i & 0xfffff000) | 0); break;
      case OP_AUIPC: this.pcAt(d.off + ((i & 0xfffff000) | 0)); break;
      case OP_OP_IMM: {
        const imm = immI(i);
        this.get(rs1(i));
        switch (f3(i)) {
          case 0: f.i64n(imm).op(Op.i64_add); break;
          case 1: f.i64n(imm & 63).op(Op.i64_shl); break;
          case 2: f.i64n(imm).op(Op.i64_lt_s).op(Op.i64_extend_i32_u); break;
          case 3: f.i64n(imm).op(Op.i64_lt_u).op(Op.i64_extend_i32_u); break;
          case 4: f.i64n(imm).op(Op.i64_xor); break;
          case 5: f.i64n(imm & 63).op((i >>> 26) === 0 ? Op.i64_shr_u : Op.i64_shr_s); break;
          case 6: f.i64n(imm).op(Op.i64_or); break;
          default: f.i64n(imm).op(Op.i64_and); break;
        }
        break;
      }
      case OP_OP_IMM_32: {
        this.get(rs1(i));
        f.op(Op.i32_wrap_i64);
        const sh = (i >>> 20) & 31;
        switch (f3(i)) {
          case 0: f.i32(immI(i)).op(Op.i32_add); break;
          case 1: f.i32(sh).op(Op.i32_shl); break;
          default: f.i32(sh).op(f7(i) === 0 ? Op.i32_shr_u : Op.i32_shr_s); break;
        }
        f.op(Op.i64_extend_i32_s);
        break;
      }
      case OP_OP: {
        const fn = f7(i), ft = f3(i);
        if (fn === 1) { this.mulDiv(ft, i); break; }
        this.get(rs1(i)); this.get(rs2(i));
        if (fn === 0x20) { f.op(ft === 0 ? Op.i64_sub : Op.i64_shr_s); break; }
        f.op(OP_ALU[ft]);
        if (ft === 2 || ft === 3) f.op(Op.i64_extend_i32_u);
        break;
      }
      case OP_OP_32: {
        const fn = f7(i), ft = f3(i);
        if (fn === 1 && ft !== 0) { this.divW(ft, i); break; }
        this.get(rs1(i)); f.op(Op.i32_wrap_i64); this.get(rs2(i)); f.op(Op.i32_wrap_i64);
        if (fn === 1) f.op(Op.i32_mul);
        else if (fn === 0x20) f.op(ft === 0 ? Op.i32_sub : Op.i32_shr_s);
        else f.op(ft === 0 ? Op.i32_add : ft === 1 ? Op.i32_shl : Op.i32_shr_u);
        f.op(Op.i64_extend_i32_s);
        break;
      }
      default: throw new JitBuildError(`not an ALU instruction: 0x${i.toString(16)}`);
    }
    this.put(rd(i));
  }

  // RV64M (unprivileged spec "M"): RISC-V defines division by zero and
  // overflow, where WebAssembly traps; mulh* come from the core.
  private mulDiv(fn: number, i: number): void {
    const f = code;
    if (fn === 0) { this.get(rs1(i)); this.get(rs2(i)); f.op(Op.i64_mul); return; }
    if (fn <= 3) { this.get(rs1(i)); this.get(rs2(i)); f.op(Op.call).u32(fn === 1 ? F_MULH : fn === 2 ? F_MULHSU : F_MULHU); return; }
    const x = this.va, y = this.tgt;
    this.get(rs1(i)); f.set(x); this.get(rs2(i)); f.set(y);
    f.get(y).op(Op.i64_eqz);
    f.op(Op.if).u8(I64);
    if (fn === 4 || fn === 5) f.i64n(-1); else f.get(x); // x / 0 = -1; x % 0 = x
    f.op(Op.else);
    if (fn === 4) {
      // MIN / -1 = MIN (WebAssembly's div_s traps there).
      f.get(x).i64(-(1n << 63n)).op(Op.i64_eq).get(y).i64n(-1).op(Op.i64_eq).op(Op.i32_and);
      f.op(Op.if).u8(I64).get(x).op(Op.else).get(x).get(y).op(Op.i64_div_s).op(Op.end);
    } else {
      // rem_s of MIN by -1 is 0 in WebAssembly, as in RISC-V.
      f.get(x).get(y).op(fn === 5 ? Op.i64_div_u : fn === 6 ? Op.i64_rem_s : Op.i64_rem_u);
    }
    f.op(Op.end);
  }

  private divW(fn: number, i: number): void {
    const f = code;
    const x = this.ent, y = this.st; // i32 temporaries
    this.get(rs1(i)); f.op(Op.i32_wrap_i64).set(x); this.get(rs2(i)); f.op(Op.i32_wrap_i64).set(y);
    f.get(y).op(Op.i32_eqz);
    f.op(Op.if).u8(I32);
    if (fn === 4 || fn === 5) f.i32(-1); else f.get(x);
    f.op(Op.else);
    if (fn === 4) {
      f.get(x).i32(-0x80000000).op(Op.i32_eq).get(y).i32(-1).op(Op.i32_eq).op(Op.i32_and);
      f.op(Op.if).u8(I32).get(x).op(Op.else).get(x).get(y).op(Op.i32_div_s).op(Op.end);
    } else {
      f.get(x).get(y).op(fn === 5 ? Op.i32_div_u : fn === 6 ? Op.i32_rem_s : Op.i32_rem_u);
    }
    f.op(Op.end);
    f.op(Op.i64_extend_i32_s);
  }
}

const LOAD_S = [Op.i64_load8_s, Op.i64_load16_s, Op.i64_load32_s, Op.i64_load];
const LOAD_U = [Op.i64_load8_u, Op.i64_load16_u, Op.i64_load32_u, Op.i64_load];
const EXTEND_S = [Op.i64_extend8_s, Op.i64_extend16_s, Op.i64_extend32_s];
const STORE = [Op.i64_store8, Op.i64_store16, Op.i64_store32, Op.i64_store];
const BRANCH_CMP = [Op.i64_eq, Op.i64_ne, 0, 0, Op.i64_lt_s, Op.i64_ge_s, Op.i64_lt_u, Op.i64_ge_u];
const OP_ALU = [Op.i64_add, Op.i64_shl, Op.i64_lt_s, Op.i64_lt_u, Op.i64_xor, Op.i64_shr_u, Op.i64_or, Op.i64_and];

// Does a Zicsr instruction write its CSR? (CSRRW always; the others when
// rs1 / uimm is not zero.)
function csrWrites(i: number): boolean { return (f3(i) & 3) === 1 || rs1(i) !== 0; }

// Instructions after which a block ends (they jump, or leave for the slice loop).
function endsBlock(d: Insn): boolean {
  return d.kind === K.Jal || d.kind === K.Jalr || (d.kind === K.Csr && csrWrites(d.inst));
}

// The registers an instruction reads (bit r), and the one it writes.
function sources(d: Insn): number {
  const i = d.inst;
  switch (d.kind) {
    case K.Alu: {
      const op = (i >>> 2) & 31;
      if (op === OP_LUI || op === OP_AUIPC) return 0;
      if (op === OP_OP || op === OP_OP_32) return (1 << rs1(i)) | (1 << rs2(i));
      return 1 << rs1(i);
    }
    case K.Load: case K.Jalr: case K.FLoad: case K.FStore: return 1 << rs1(i);
    case K.Csr: return f3(i) >= 5 ? 0 : 1 << rs1(i);
    case K.Store: case K.Branch: return (1 << rs1(i)) | (1 << rs2(i));
    default: return 0;
  }
}
function dest(d: Insn): number {
  switch (d.kind) {
    case K.Alu: case K.Load: case K.Jal: case K.Jalr: case K.Amo: case K.Csr: case K.FOp: return rd(d.inst);
    default: return 0;
  }
}
