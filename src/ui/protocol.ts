// Messages between the page (main thread) and the machine worker
// (core-worker.ts). Plain structured-clone messages: output arrives in
// batches, statistics twice a second, so there is nothing to gain from an
// RPC layer. Blobs (files the user picked) cross by reference.
import type { Problem, Slot } from "./boot-check.js";
import type { FileProgress } from "./image-loader.js";
import type { DeviceSpec } from "../devices/specs.js";
import type { NetStatsEvent } from "../devices/virtio-net.js";
import type { SnapshotItem } from "./snapshot-store.js";
import type { LinkStatus, PageLimits, ShareStatus } from "./share-protocol.js";

export interface MachineShape { cpus: number; memMiB: number; speed: number }

// One of the user's own boot files: a file they picked, or a URL.
export type FileRef = { url: string } | { blob: Blob; name: string };

// The user's own boot set. Firmware left out: the sample's OpenSBI; disk
// left out: none; append left out: the default command line.
export interface OwnFiles {
  kernel: FileRef;
  initrd?: FileRef;
  firmware?: FileRef;
  disk?: FileRef;
  append?: string;
}

// "image": a built image (image/<recipe>/, served at images/<name>/ beside
// the sample): its kernel and initrd fetched, its disk a remote base whose
// chunks are fetched as the guest reads them. Where the image has a snapshot
// of itself booted (snapshot.rvsnap) and this browser's disk of it is as the
// snapshot left it, the machine resumes it instead; `fromScratch` boots.
export type BootSource = { kind: "sample" } | { kind: "own"; files: OwnFiles } | { kind: "image"; name: string; fromScratch?: boolean };

export type ToWorker =
  // (Re)start with this shape from this source (a hard reset if one runs).
  // The files are loaded and checked first: if they cannot boot, the worker
  // answers "refused" and a running machine goes on untouched. The sample's
  // files come from imagesUrl (fetched once, then kept). `log`: boot with
  // the kernel's full log (no `quiet`) unless the source gives a command line.
  // `net`: the network card (net-settings.ts's netDeviceSpec), if any.
  | { type: "boot"; shape: MachineShape; log: boolean; jit: boolean; imagesUrl: string; source: BootSource; request?: number; net?: DeviceSpec }
  | { type: "net-cable"; up: boolean }        // plug or pull the network cable, live
  | { type: "stop" }                          // power off (pull the plug)
  | { type: "pause" }
  | { type: "resume" }
  | { type: "speed"; percent: number }        // live
  | { type: "input"; data: Uint8Array }
  | { type: "ack"; bytes: number }            // the terminal has processed this much output
  // Snapshots (kept in IndexedDB by the worker; see snapshot-store.ts).
  | { type: "snapshot-take"; name?: string }
  | { type: "snapshot-list" }
  // net: the Network panel's card, whose network a snapshot's card is plugged into.
  | { type: "snapshot-restore"; id: string; imagesUrl: string; net?: DeviceSpec }
  | { type: "snapshot-rename"; id: string; name: string }
  | { type: "snapshot-delete"; id: string }
  | { type: "snapshot-export"; id: string }
  | { type: "snapshot-import"; file: Blob; name: string }
  // Share links (share-jobs.ts): snapshot and upload, the link made from
  // linkBase; open one (a link's manifest id) from the service at apiBase.
  // orBoot: what to boot instead when the link fails and nothing runs.
  | { type: "share"; apiBase: string; linkBase: string }
  // net: as snapshot-restore's.
  | { type: "link-open"; id: string; apiBase: string; imagesUrl: string; limits: PageLimits; orBoot?: Extract<ToWorker, { type: "boot" }>; net?: DeviceSpec }
  // The console's screen the worker asked for (screen-request), as terminal
  // output that redraws it.
  | { type: "screen"; request: number; data: string; cols: number; rows: number };

export type PowerState = "loading" | "starting" | "running" | "paused" | "off" | "error";

// What a boot runs: shown on the page.
export interface BootedFile { slot: Slot; name: string; bytes: number }

export type FromWorker =
  | { type: "progress"; files: FileProgress[]; own?: boolean }
  | { type: "state"; state: PowerState; shape?: MachineShape; message?: string }
  | { type: "output"; data: Uint8Array }
  | { type: "stats"; t: number; instructions: number[]; uptime: number; memoryBytes: number; ramBytes: number; held: boolean }
  | { type: "reboot"; uptime: number }        // the guest rebooted itself, `uptime` s ago
  // The watchdog: vCPU `hart` has not answered for `ms` (0: it answers again).
  | { type: "stall"; hart: number; ms: number }
  // The boot asked for (by `request`) started: from these files, with this command line.
  // `resumed`: a built image's snapshot was resumed instead (how long it
  // took, the bytes fetched for it); `note`: why it booted instead.
  | { type: "booted"; request?: number; source: BootSource["kind"]; files: BootedFile[]; bootargs: string; resumed?: { ms: number; bytes: number }; note?: string }
  // The files cannot boot; nothing was changed.
  | { type: "refused"; request?: number; problems: Problem[] }
  // The network card's figures (from the device, about twice a second while they change).
  | { type: "net"; stats: NetStatsEvent }
  // The disks this boot has (store disks by id, in /dev/vd? order); whether
  // they are kept (IndexedDB) and if not why; disks left out because
  // another tab has them.
  | { type: "disks"; attached: { id: string; name: string }[]; persistent: boolean; note?: string; busy: { id: string; name: string }[] }
  // A disk reported trouble: an I/O error, a store that failed (now in
  // memory only), or another tab took it over.
  | { type: "disk-event"; kind: string; message: string }
  // Whether this boot has the shared folder (virtio-9p, /mnt/host), and if not why.
  | { type: "share"; attached: boolean; note?: string }
  | { type: "snapshots"; list: SnapshotItem[] }
  // How a snapshot action went, to show the user.
  | { type: "snapshot-status"; kind: "busy" | "done" | "error"; message: string }
  // Send the console's screen now: all output before this message is the screen.
  | { type: "screen-request"; request: number }
  // A restored machine's screen: clear the console and draw this.
  | { type: "screen-restore"; data: Uint8Array; shape: MachineShape }
  | { type: "snapshot-file"; name: string; data: Uint8Array }
  | { type: "share-status"; status: ShareStatus }
  | { type: "link-status"; status: LinkStatus };
