// The running hart: where its state lives in the shared memory, and the
// per-instance globals that cache what the hot loop needs. Top-level `let`s
// are WebAssembly globals, one copy per instance (per worker), never shared.
import {
  HART_BASE, HART_STRIDE, H_X, H_F, H_PRIV, H_MIP, H_HARTID,
  C_MSTATUS, DEVICE_BASE, D_RAM_SIZE, RAM_OFFSET, RAM_PHYS_BASE,
} from "../../layout";

// Base address of this instance's hart state.
export let hb: usize = HART_BASE;
export let hartId: i32 = 0;

// Guest RAM: physical [RAM_PHYS_BASE, ramEnd) maps to host [RAM_OFFSET, ...).
export let ramSize: u64 = 0;
export let ramEnd: u64 = 0;
// Host address of guest physical address 0 (wrapping arithmetic: only ever
// added to a physical address already checked to lie inside RAM).
export const RAM_HOST_BIAS: u64 = <u64>RAM_OFFSET - <u64>RAM_PHYS_BASE;

export const PRIV_U: i32 = 0;
export const PRIV_S: i32 = 1;
export const PRIV_M: i32 = 3;

// A pending synchronous exception raised by a helper (load, store, CSR ...):
// the run loop sees excCause >= 0, takes the trap with its own pc, clears it.
export let excCause: i32 = -1;
export let excTval: u64 = 0;

export function selectHart(id: i32): void {
  hartId = id;
  hb = <usize>(HART_BASE + id * HART_STRIDE);
  store<i32>(hb + H_HARTID, id);
  refreshRam();
}

export function refreshRam(): void {
  ramSize = load<u64>(DEVICE_BASE + D_RAM_SIZE);
  ramEnd = <u64>RAM_PHYS_BASE + ramSize;
}

@inline export function raise(cause: i32, tval: u64): void {
  excCause = cause;
  excTval = tval;
}

@inline export function getX(r: i32): u64 { return load<u64>(hb + H_X + (<usize>r << 3)); }
@inline export function setX(r: i32, v: u64): void {
  if (r != 0) store<u64>(hb + H_X + (<usize>r << 3), v);
}
@inline export function getF(r: i32): u64 { return load<u64>(hb + H_F + (<usize>r << 3)); }
@inline export function setF(r: i32, v: u64): void { store<u64>(hb + H_F + (<usize>r << 3), v); }

@inline export function getPriv(): i32 { return load<i32>(hb + H_PRIV); }
@inline export function setPriv(p: i32): void { store<i32>(hb + H_PRIV, p); }

@inline export function csr64(off: i32): u64 { return load<u64>(hb + <usize>off); }
@inline export function setCsr64(off: i32, v: u64): void { store<u64>(hb + <usize>off, v); }

// mip is written by other agents (devices, other harts): atomics only.
@inline export function getMip(): u64 { return <u64><u32>atomic.load<i32>(hb + H_MIP); }

@inline export function mstatus(): u64 { return load<u64>(hb + C_MSTATUS); }
