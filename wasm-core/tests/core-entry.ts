// The core plus its internal helpers, exported for unit tests only.
export * from "../assembly/index";
export { mulh, mulhsu, mulhu, div, divu, rem, remu, divw, divuw, remw, remuw } from "../assembly/exec-m";
export { translate, refreshTlbSets, tlbFlush, satpWrite } from "../assembly/sv39";
export { pmpCheck } from "../assembly/pmp";
import { excCause, excTval } from "../assembly/hart";

export function testExcCause(): i32 { return excCause; }
export function testExcTval(): u64 { return excTval; }
export function testClearExc(): void { excCause = -1; }
