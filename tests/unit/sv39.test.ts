// The Sv39 page-table walk (privileged spec 4.3.2, 4.4) and PMP decisions
// (3.7), exercised directly on page tables written into guest RAM.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as L from "../../wasm-core/layout.js";
import {
  ACC_READ, ACC_WRITE, ACC_FETCH, PRIV_U, PRIV_S, PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_A, PTE_D,
  CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, CAUSE_FETCH_PAGE, CAUSE_LOAD_PAGE,
  CAUSE_STORE_PAGE, SATP_MODE_SHIFT, SATP_MODE_SV39, SATP_MODE_SV48, SATP_MODE_SV57, MS_SUM, MS_MXR,
  PMP_R, PMP_W, PMP_X, PMP_A_SHIFT, PMP_A_TOR, PMP_A_NAPOT, PMP_L,
} from "../../wasm-core/spec/riscv.js";
import { makeTestCore } from "./core-harness.js";

const [V, R, W, X, U, A, D] = [PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_A, PTE_D].map(BigInt);
const satpMode = (mode: number) => BigInt(mode) << BigInt(SATP_MODE_SHIFT);

function setup() {
  const { core, view } = makeTestCore();
  const hb = view.hartBase(0);
  const dv = view.dv;
  // PMP entry 0: NAPOT over everything, RWX, so S-mode may touch RAM.
  dv.setBigUint64(hb + L.C_PMPADDR, (1n << 54n) - 1n, true);
  dv.setUint8(hb + L.C_PMPCFG, (PMP_A_NAPOT << PMP_A_SHIFT) | PMP_R | PMP_W | PMP_X);
  const root = 0x80100000n;
  const pte = (pa: bigint, flags: bigint) => ((pa >> 12n) << 10n) | flags;
  const setPte = (table: bigint, index: bigint, value: bigint) => view.writePhys64(table + index * 8n, value);
  const mode = (priv: number, mstatus = 0n) => {
    dv.setInt32(hb + L.H_PRIV, priv, true);
    dv.setBigUint64(hb + L.C_MSTATUS, mstatus, true);
    core.tlbFlush();
    core.refreshTlbSets();
  };
  assert.equal(core.satpWrite(satpMode(SATP_MODE_SV39) | (root >> 12n)), 1);
  const translate = (va: bigint, acc: number): { pa?: bigint; cause?: number; tval?: bigint } => {
    core.testClearExc();
    const pa = BigInt.asUintN(64, core.translate(va, acc));
    const cause = core.testExcCause();
    if (cause >= 0) return { cause, tval: BigInt.asUintN(64, core.testExcTval()) };
    return { pa };
  };
  return { core, view, root, pte, setPte, mode, translate };
}

test("a 4 KiB mapping translates and sets A, then D on a write", () => {
  const { view, root, pte, setPte, mode, translate } = setup();
  const l1 = 0x80101000n, l0 = 0x80102000n;
  const va = 0x40201123n; // VPN[2] = 1, VPN[1] = 1, VPN[0] = 1
  setPte(root, 1n, pte(l1, V));
  setPte(l1, 1n, pte(l0, V));
  setPte(l0, 1n, pte(0x80300000n, V | R | W));
  mode(PRIV_S);
  assert.deepEqual(translate(va, ACC_READ), { pa: 0x80300123n });
  assert.equal(view.readPhys64(l0 + 8n) & (A | D), A);
  assert.deepEqual(translate(va, ACC_WRITE), { pa: 0x80300123n });
  assert.equal(view.readPhys64(l0 + 8n) & (A | D), A | D);
  // Not executable: a fetch page fault with tval = va.
  assert.deepEqual(translate(va, ACC_FETCH), { cause: CAUSE_FETCH_PAGE, tval: va });
});

test("2 MiB and 1 GiB superpages keep the low bits of the address", () => {
  const { root, pte, setPte, mode, translate } = setup();
  const l1 = 0x80101000n;
  setPte(root, 3n, pte(l1, V));
  setPte(l1, 5n, pte(0x80400000n, V | R | X | A));
  setPte(root, 2n, pte(0x80000000n, V | R | W | X | A | D)); // 1 GiB identity at va 0x80000000
  mode(PRIV_S);
  assert.deepEqual(translate(0xc0a12345n, ACC_FETCH), { pa: 0x80412345n });
  assert.deepEqual(translate(0x80abcdefn, ACC_WRITE), { pa: 0x80abcdefn });
});

test("a misaligned superpage is a page fault", () => {
  const { root, pte, setPte, mode, translate } = setup();
  const l1 = 0x80101000n;
  setPte(root, 0n, pte(l1, V));
  setPte(l1, 0n, pte(0x80401000n, V | R | A)); // PPN[0] != 0 in a 2 MiB leaf
  mode(PRIV_S);
  assert.deepEqual(translate(0x1000n, ACC_READ), { cause: CAUSE_LOAD_PAGE, tval: 0x1000n });
  assert.deepEqual(translate(0x1000n, ACC_WRITE), { cause: CAUSE_STORE_PAGE, tval: 0x1000n });
});

test("addresses whose bits 63:39 do not copy bit 38 fault", () => {
  const { root, pte, setPte, mode, translate } = setup();
  setPte(root, 0n, pte(0x80000000n, V | R | W | X | A | D));
  mode(PRIV_S);
  assert.deepEqual(translate(0x0000008000000000n, ACC_READ), { cause: CAUSE_LOAD_PAGE, tval: 0x0000008000000000n });
  assert.deepEqual(translate(0xffffffc000000000n + 0x10n, ACC_READ).cause, CAUSE_LOAD_PAGE); // canonical, but unmapped: V = 0
  assert.deepEqual(translate(0x10n, ACC_READ), { pa: 0x80000010n });
});

test("U pages: S-mode reads them only with SUM and never executes them; U-mode needs U", () => {
  const { root, pte, setPte, mode, translate } = setup();
  setPte(root, 0n, pte(0x80000000n, V | R | W | X | U | A | D));
  setPte(root, 1n, pte(0xc0000000n, V | R | W | X | A | D));
  const SUM = BigInt(MS_SUM);
  mode(PRIV_S);
  assert.equal(translate(0x100n, ACC_READ).cause, CAUSE_LOAD_PAGE);
  mode(PRIV_S, SUM);
  assert.deepEqual(translate(0x100n, ACC_READ), { pa: 0x80000100n });
  assert.equal(translate(0x100n, ACC_FETCH).cause, CAUSE_FETCH_PAGE);
  mode(PRIV_U);
  assert.deepEqual(translate(0x100n, ACC_FETCH), { pa: 0x80000100n });
  assert.equal(translate(0x40000100n, ACC_READ).cause, CAUSE_LOAD_PAGE);
});

test("W without R is reserved; MXR makes execute-only pages readable", () => {
  const { root, pte, setPte, mode, translate } = setup();
  setPte(root, 0n, pte(0x80000000n, V | W | A | D));
  setPte(root, 1n, pte(0xc0000000n, V | X | A));
  const MXR = BigInt(MS_MXR);
  mode(PRIV_S);
  assert.equal(translate(0x0n, ACC_WRITE).cause, CAUSE_STORE_PAGE);
  assert.equal(translate(0x40000000n, ACC_READ).cause, CAUSE_LOAD_PAGE);
  mode(PRIV_S, MXR);
  assert.deepEqual(translate(0x40000000n, ACC_READ), { pa: 0xc0000000n });
});

test("a page table outside RAM is an access fault of the access's kind", () => {
  const { core, mode, translate } = setup();
  assert.equal(core.satpWrite(satpMode(SATP_MODE_SV39) | (0x10000000n >> 12n)), 1);
  mode(PRIV_S);
  assert.deepEqual(translate(0x1000n, ACC_READ), { cause: CAUSE_LOAD_ACCESS, tval: 0x1000n });
  assert.deepEqual(translate(0x1000n, ACC_WRITE), { cause: CAUSE_STORE_ACCESS, tval: 0x1000n });
  assert.deepEqual(translate(0x1000n, ACC_FETCH), { cause: CAUSE_FETCH_ACCESS, tval: 0x1000n });
});

test("satp is WARL: Sv48 and Sv57 are refused and leave it unchanged", () => {
  const { core, view } = setup();
  const before = view.dv.getBigUint64(view.hartBase(0) + L.C_SATP, true);
  assert.equal(core.satpWrite(satpMode(SATP_MODE_SV48) | 5n), 0);
  assert.equal(core.satpWrite(satpMode(SATP_MODE_SV57) | 5n), 0);
  assert.equal(view.dv.getBigUint64(view.hartBase(0) + L.C_SATP, true), before);
  // ASID bits are hard-wired to zero.
  assert.equal(core.satpWrite(satpMode(SATP_MODE_SV39) | (0xffffn << 44n) | 7n), 1);
  assert.equal(view.dv.getBigUint64(view.hartBase(0) + L.C_SATP, true), satpMode(SATP_MODE_SV39) | 7n);
});

test("PMP: first matching entry decides, partial matches fail, M-mode is free unless locked", () => {
  const { core, view } = setup();
  const hb = view.hartBase(0);
  const dv = view.dv;
  const cfg = (i: number, v: number) => dv.setUint8(hb + L.C_PMPCFG + i, v);
  const addr = (i: number, v: bigint) => dv.setBigUint64(hb + L.C_PMPADDR + i * 8, v, true);
  const TOR = PMP_A_TOR << PMP_A_SHIFT, NAPOT = PMP_A_NAPOT << PMP_A_SHIFT, LOCK = PMP_L;
  for (let i = 0; i < 16; i++) cfg(i, 0);
  // entry 0: TOR [0, 0x80001000) read-only; entry 1: NAPOT 0x80000000 + 64 KiB RWX
  addr(0, 0x80001000n >> 2n); cfg(0, TOR | PMP_R);
  addr(1, (0x80000000n >> 2n) | ((0x10000n >> 3n) - 1n)); cfg(1, NAPOT | PMP_R | PMP_W | PMP_X);
  assert.equal(core.pmpCheck(0x80000000n, 8n, PMP_R, PRIV_S), 1);
  assert.equal(core.pmpCheck(0x80000000n, 8n, PMP_W, PRIV_S), 0);
  assert.equal(core.pmpCheck(0x80001000n, 8n, PMP_W, PRIV_S), 1);
  assert.equal(core.pmpCheck(0x80000ffcn, 8n, PMP_R, PRIV_S), -1); // straddles entry 0's top
  assert.equal(core.pmpCheck(0x80020000n, 8n, PMP_R, PRIV_S), 0); // no match: S fails
  assert.equal(core.pmpCheck(0x80020000n, 8n, PMP_W, 3), 1); // no match: M succeeds
  assert.equal(core.pmpCheck(0x80000000n, 8n, PMP_W, 3), 1); // unlocked entries do not bind M
  cfg(0, TOR | PMP_R | LOCK);
  assert.equal(core.pmpCheck(0x80000000n, 8n, PMP_W, 3), 0); // locked: binds M too
});
