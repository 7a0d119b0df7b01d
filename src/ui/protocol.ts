// Messages between the page (main thread) and the machine worker
// (core-worker.ts). Plain structured-clone messages: output arrives in
// batches, statistics twice a second, so there is nothing to gain from an
// RPC layer.
import type { FileProgress } from "./image-loader.js";

export interface MachineShape { cpus: number; memMiB: number; speed: number }

export type ToWorker =
  // (Re)start with this shape (a hard reset if one runs); the boot files come
  // from imagesUrl (fetched once, then kept).
  | { type: "boot"; shape: MachineShape; imagesUrl: string }
  | { type: "stop" }                          // power off (pull the plug)
  | { type: "pause" }
  | { type: "resume" }
  | { type: "speed"; percent: number }        // live
  | { type: "input"; data: Uint8Array }
  | { type: "ack"; bytes: number };           // the terminal has processed this much output

export type PowerState = "loading" | "starting" | "running" | "paused" | "off" | "error";

export type FromWorker =
  | { type: "progress"; files: FileProgress[] }
  | { type: "state"; state: PowerState; shape?: MachineShape; message?: string }
  | { type: "output"; data: Uint8Array }
  | { type: "stats"; t: number; instructions: number[]; uptime: number; memoryBytes: number; ramBytes: number; held: boolean }
  | { type: "reboot"; uptime: number };       // the guest rebooted itself, `uptime` s ago
