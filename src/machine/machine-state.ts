// The architectural state of a stopped machine, as JSON a test or a person
// can compare: each hart's pc, privilege, x and f registers, the CSRs the
// interpreter keeps (wasm-core/layout.ts C_*), minstret; mtime; and SHA-256
// digests of guest RAM and of each device record a snapshot saves
// (wasm-core/records.ts "state"). Two runs of a deterministic machine give
// the same JSON (tests/deterministic/). Read it only while no hart runs.
import * as L from "../../wasm-core/layout.js";
import { memoryRecords } from "../../wasm-core/records.js";
import type { CoreView } from "./core.js";

export interface HartState {
  pc: string;
  priv: number;
  x: string[]; // x0..x31, hex
  f: string[]; // f0..f31, hex (NaN-boxed singles as stored)
  instret: string; // minstret, decimal
  mip: string;
  csrs: Record<string, string>; // by name, hex
}

export interface MachineState {
  harts: HartState[];
  mtime: string; // decimal ticks
  ramSha256: string;
  // Device records (clint, plic, uart, its rings, virtio, rom, machine).
  devicesSha256: Record<string, string>;
}

const hex = (v: bigint) => `0x${v.toString(16)}`;

// The CSRs' names and offsets, from the layout's C_ constants.
function csrOffsets(): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(L)) {
    if (!k.startsWith("C_") || typeof v !== "number" || k === "C_PMPCFG" || k === "C_PMPADDR") continue;
    out.push([k.slice(2).toLowerCase(), v]);
  }
  out.push(["pmpcfg0", L.C_PMPCFG], ["pmpcfg2", L.C_PMPCFG + 8]);
  for (let i = 0; i < L.PMP_COUNT; i++) out.push([`pmpaddr${i}`, L.C_PMPADDR + 8 * i]);
  return out.sort((a, b) => a[1] - b[1]);
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // digest() takes no view of shared memory: slice() copies into a plain buffer.
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes.slice()));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function machineState(view: CoreView, harts: number, mtime: bigint): Promise<MachineState> {
  const dv = view.dv;
  const csrs = csrOffsets();
  const out: HartState[] = [];
  for (let h = 0; h < harts; h++) {
    const hb = view.hartBase(h);
    const u64 = (off: number) => dv.getBigUint64(hb + off, true);
    out.push({
      pc: hex(u64(L.H_PC)),
      priv: dv.getInt32(hb + L.H_PRIV, true),
      x: Array.from({ length: 32 }, (_, r) => hex(u64(L.H_X + 8 * r))),
      f: Array.from({ length: 32 }, (_, r) => hex(u64(L.H_F + 8 * r))),
      instret: u64(L.H_INSTRET).toString(),
      mip: hex(BigInt(dv.getUint32(hb + L.H_MIP, true))),
      csrs: Object.fromEntries(csrs.map(([name, off]) => [name, hex(u64(off))])),
    });
  }
  const ramBytes = view.ramBytes();
  const devicesSha256: Record<string, string> = {};
  for (const r of memoryRecords(harts, ramBytes)) {
    if (r.kind !== "state" || r.name === "ram" || r.name.startsWith("hart")) continue;
    devicesSha256[r.name] = await sha256Hex(view.bytes.subarray(r.base, r.base + r.size));
  }
  return {
    harts: out,
    mtime: mtime.toString(),
    ramSha256: await sha256Hex(view.bytes.subarray(L.RAM_OFFSET, L.RAM_OFFSET + ramBytes)),
    devicesSha256,
  };
}
