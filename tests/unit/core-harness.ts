// Instantiates the test build of the core (internal helpers exported) over a
// fresh shared memory with a small RAM, for unit tests.
import { readFileSync } from "node:fs";
import { CoreView, createMemory, hostImports, initMachineState, MiB, type CoreExports } from "../../src/machine/core.js";

export interface TestCore extends CoreExports {
  mulh(a: bigint, b: bigint): bigint;
  mulhsu(a: bigint, b: bigint): bigint;
  mulhu(a: bigint, b: bigint): bigint;
  div(a: bigint, b: bigint): bigint;
  divu(a: bigint, b: bigint): bigint;
  rem(a: bigint, b: bigint): bigint;
  remu(a: bigint, b: bigint): bigint;
  divw(a: bigint, b: bigint): bigint;
  divuw(a: bigint, b: bigint): bigint;
  remw(a: bigint, b: bigint): bigint;
  remuw(a: bigint, b: bigint): bigint;
  translate(va: bigint, acc: number): bigint;
  refreshTlbSets(): void;
  tlbFlush(): void;
  satpWrite(v: bigint): number;
  pmpCheck(pa: bigint, size: bigint, perm: number, priv: number): number;
  testExcCause(): number;
  testExcTval(): bigint;
  testClearExc(): void;
}

const module = new WebAssembly.Module(readFileSync(new URL("../../wasm/core-test.wasm", import.meta.url)));

export function makeTestCore(ramBytes = 16 * MiB): { core: TestCore; view: CoreView } {
  const memory = createMemory(ramBytes);
  const view = new CoreView(memory);
  initMachineState(view, ramBytes, 1);
  const core = new WebAssembly.Instance(module, hostImports(memory)).exports as unknown as TestCore;
  core.resetMachine();
  core.initHart(0);
  core.resetHart(0x80000000n, 0n);
  return { core, view };
}

export const U64 = (1n << 64n) - 1n;
export const u64 = (v: bigint) => BigInt.asUintN(64, v);
export const s64 = (v: bigint) => BigInt.asIntN(64, v);
