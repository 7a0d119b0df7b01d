// The core plus its internal helpers, exported for unit tests only.
export * from "../assembly/index";
export { div, divu, rem, remu, divw, divuw, remw, remuw } from "../assembly/hart/exec-m";
export { translate, refreshTlbSets, tlbFlush, satpWrite } from "../assembly/hart/sv39";
export { pmpCheck } from "../assembly/hart/pmp";
import { excCause, excTval, clearExc } from "../assembly/hart/hart";

export function testExcCause(): i32 { return excCause(); }
export function testExcTval(): u64 { return excTval(); }
export function testClearExc(): void { clearExc(); }
