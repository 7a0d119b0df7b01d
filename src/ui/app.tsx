// The playground: power controls, the serial console, the machine's shape
// (vCPUs, RAM, speed cap, boot log), live figures, and the frame around
// them (About, Boot your own, Copy link). The emulator runs in the machine
// worker (core-worker.ts); this thread only draws. The address bar follows
// the settings (settings.ts formats it), so a link or a reload brings the
// same machine back.
import { parseImageManifest } from "../../image/debian/image-manifest.js";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { AboutDialog } from "./about-dialog.js";
import type { Problem } from "./boot-check.js";
import { BootOwnDialog, type DialogStatus } from "./boot-own-dialog.js";
import { forgetOwnBoot, loadOwnBoot, ownBootInUse, saveOwnBoot } from "./boot-store.js";
import { fetchManifest, type FileProgress } from "./image-loader.js";
import { ROW_KEYS } from "./key-row.js";
import { MipsChart, HART_COLOURS } from "./mips-chart.js";
import { NetworkPanel, useNetwork } from "./network-panel.js";
import type { BootedFile, BootSource, FromWorker, MachineShape, OwnFiles, PowerState, ToWorker } from "./protocol.js";
import { MipsMeter } from "./rates.js";
import { isLeaveKey, SerialConsole } from "./serial-console.js";
import {
  type BootLink, type Limits, type Settings, MAX_FONT, MEM_STOPS_MIB, MIN_FONT, MIN_SPEED, SPEED_STEP, STORAGE_KEY,
  formatMem, formatSearch, memAtStop, memStopIndex, needsReboot, serializeSettings,
} from "./settings.js";
import { unloadLoses } from "./unload-guard.js";
import { defaultBootargs } from "../machine/bootargs.js";
import { DisksPanel, type MachineDisks } from "./disks-panel.js";
import { FilesPanel, type MachineShare } from "./files-panel.js";
import { stealDisk, DISK_DB } from "../web/disk-idb.js";
import { ScreenCapture } from "./screen-capture.js";
import { SnapshotsPanel, type SnapshotStatus } from "./snapshots-panel.js";
import type { SnapshotItem } from "./snapshot-store.js";
import { ShareBoxes, ShareButton, useShareLinks } from "./share-panel.js";
import { MAX_MEM_MIB } from "./settings.js";

const CHART_SAMPLES = 120; // 60 s at two samples a second

interface Stats { mips: number[]; uptime: number; memoryBytes: number; ramBytes: number; held: boolean }
type BootCause = "page open" | "power on" | "reset" | "guest reboot" | "snapshot restore";
interface BootInfo { source: BootSource["kind"]; files: BootedFile[]; bootargs: string }

const FILE_LABELS: Record<string, string> = { "fw_dynamic.bin": "Firmware (OpenSBI)", Image: "Kernel (Linux 6.1)", "disk.img": "Disk (ext4)" };

// The built images the page offers beside the sample, when the server has
// them (image/<recipe>/ built; served at images/<name>/).
const BUILT_IMAGES = ["debian"] as const;
interface BuiltImage { name: string; title: string; bootBytes: number; diskBytes: number }
type ImageChoice = "sample" | "own" | string;

// ?image=<name>: which machine the page opens with.
function imageFromUrl(): ImageChoice {
  const v = new URLSearchParams(location.search).get("image");
  return v && (BUILT_IMAGES as readonly string[]).includes(v) ? v : "sample";
}

async function findBuiltImages(): Promise<BuiltImage[]> {
  const found: BuiltImage[] = [];
  for (const name of BUILT_IMAGES) {
    try {
      const res = await fetch(new URL(`images/${name}/image.json`, document.baseURI));
      if (!res.ok || /^text\/html\b/i.test(res.headers.get("Content-Type") ?? "")) continue;
      const m = parseImageManifest(new Uint8Array(await res.arrayBuffer()));
      found.push({ name, title: m.title, bootBytes: m.kernel.size + m.initrd.size, diskBytes: m.disk.size });
    } catch { /* not built, or not served: not offered */ }
  }
  return found;
}

// The boot files a link names, as the worker takes them.
function linkFiles(link: BootLink): OwnFiles {
  const ref = (u?: string) => (u === undefined ? undefined : { url: new URL(u, document.baseURI).href });
  return { kernel: ref(link.kernel)!, initrd: ref(link.initrd), firmware: ref(link.firmware), disk: ref(link.disk), append: link.append };
}

// The link for a boot set, when it is all URLs (files picked here cannot go in a link).
function filesLink(f: OwnFiles): BootLink | undefined {
  const url = (r?: OwnFiles["kernel"]) => (r && "url" in r ? r.url : undefined);
  if ([f.kernel, f.initrd, f.firmware, f.disk].some((r) => r && !("url" in r))) return undefined;
  return { kernel: url(f.kernel)!, initrd: url(f.initrd), firmware: url(f.firmware), disk: url(f.disk), append: f.append };
}

function useMediaQuery(query: string): boolean {
  const [match, setMatch] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const m = matchMedia(query);
    const on = () => setMatch(m.matches);
    m.addEventListener("change", on);
    return () => m.removeEventListener("change", on);
  }, [query]);
  return match;
}

// The elements Tab reaches, in order.
function tabbables(): HTMLElement[] {
  const sel = "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
  return [...document.querySelectorAll<HTMLElement>(sel)].filter((el) => el.tabIndex >= 0 && el.getClientRects().length > 0 && !el.closest("dialog:not([open])"));
}

export function App({ limits, initial, notes: initialNotes, link: initialLink }: { limits: Limits; initial: Settings; notes: string[]; link?: BootLink }) {
  const [power, setPower] = useState<{ state: PowerState; message?: string }>({ state: "loading" });
  const [runningShape, setRunningShape] = useState<MachineShape | undefined>();
  const [chosen, setChosen] = useState<Settings>(initial);
  const [link, setLink] = useState<BootLink | undefined>(initialLink);
  const [imageChoice, setImageChoice] = useState<ImageChoice>(() => initialLink ? "own" : imageFromUrl());
  const [builtImages, setBuiltImages] = useState<BuiltImage[]>([]);
  const [imageStatus, setImageStatus] = useState("");
  const [sampleBytes, setSampleBytes] = useState<number | undefined>();
  const [notes, setNotes] = useState(initialNotes);
  const [progress, setProgress] = useState<{ files: FileProgress[]; own: boolean } | undefined>();
  const [loadTime, setLoadTime] = useState<number | undefined>();
  const [stats, setStats] = useState<Stats | undefined>();
  const [boot, setBoot] = useState<{ ms: number; cause: BootCause; count: number } | undefined>();
  const [bootInfo, setBootInfo] = useState<BootInfo | undefined>();
  const [refused, setRefused] = useState<Problem[] | undefined>();
  const [chartVersion, setChartVersion] = useState(0);
  const [ctrlArmed, setCtrlArmed] = useState(false);
  const [copied, setCopied] = useState("");
  const [aboutOpen, setAboutOpen] = useState(false);
  const [ownOpen, setOwnOpen] = useState(false);
  const [ownStatus, setOwnStatus] = useState<DialogStatus>({ kind: "idle" });
  const [machineDisks, setMachineDisks] = useState<MachineDisks | undefined>();
  const [diskWarnings, setDiskWarnings] = useState<string[]>([]);
  const [machineShare, setMachineShare] = useState<MachineShare | undefined>();
  const light = useMediaQuery("(prefers-color-scheme: light)");
  const [snapshotItems, setSnapshotItems] = useState<SnapshotItem[]>([]);
  const [snapshotStatus, setSnapshotStatus] = useState<SnapshotStatus>({ kind: "idle", message: "" });

  const termEl = useRef<HTMLDivElement>(null);
  const worker = useRef<Worker>(undefined);
  const serial = useRef<SerialConsole>(undefined);
  const meter = useMemo(() => new MipsMeter(CHART_SAMPLES), []);
  // When the current boot started (performance.now(); 0 = the page opened) and why.
  const bootStart = useRef<{ at: number; cause: BootCause }>({ at: 0, cause: "page open" });
  const loadStart = useRef(0);
  const chosenRef = useRef(chosen);
  chosenRef.current = chosen;
  const powerRef = useRef(power.state);
  powerRef.current = power.state;
  const source = useRef<BootSource>({ kind: "sample" });
  const requests = useRef(0);
  // The boot the dialog waits for, and the files it asked for.
  const ownRequest = useRef<{ id: number; files: OwnFiles } | undefined>(undefined);
  const offTyped = useRef(false);

  const shapeOf = (s: Settings): MachineShape => ({ cpus: s.cpus, memMiB: s.memMiB, speed: s.speed });
  const postToWorker = useCallback((m: ToWorker, transfer: Transferable[] = []) => worker.current?.postMessage(m, transfer), []);
  const network = useNetwork(postToWorker, (ns) => setNotes((n) => [...n, ...ns]));
  const bootMessage = (s: Settings, src: BootSource, request?: number): Extract<ToWorker, { type: "boot" }> =>
    ({ type: "boot", shape: shapeOf(s), log: s.log, jit: s.jit, imagesUrl: new URL("images/", document.baseURI).href, source: src, request, net: network.bootDevice() });
  // A share link's machine, like a snapshot's, goes onto the panel's network.
  const withNet = useCallback((m: ToWorker): ToWorker => m.type === "link-open" ? { ...m, net: network.restoreDevice() } : m, [network.restoreDevice]);
  const links = useShareLinks(useCallback((m: ToWorker) => postToWorker(withNet(m)), [withNet]), useMemo(() => ({ maxCpus: limits.maxCpus, maxMemMiB: MAX_MEM_MIB }), [limits]),
    useCallback(() => new URL("images/", document.baseURI).href, []));
  const linksRef = useRef(links);
  linksRef.current = links;

  const startBoot = useCallback((cause: BootCause, s: Settings, src: BootSource = source.current, request?: number) => {
    if (request === undefined) {
      // A boot from the current source: the figures start over at once. (A
      // new source waits until the worker accepts it.)
      bootStart.current = { at: performance.now(), cause };
      meter.reset();
      setStats(undefined);
      serial.current?.newBoot();
    }
    offTyped.current = false;
    setRefused(undefined);
    postToWorker(bootMessage(s, src, request));
  }, [meter, postToWorker]);

  useEffect(() => {
    const el = termEl.current!;
    let disposed = false;
    const w = new Worker(new URL("./core-worker.ts", import.meta.url), { type: "module", name: "rvplay machine" });
    worker.current = w;
    const con = new SerialConsole(el,
      (bytes) => {
        const st = powerRef.current;
        if (st === "off" || st === "error") {
          // Typing into a machine that is off: say so, once per off spell.
          if (!offTyped.current) con.note("The machine is off: what you type goes nowhere. Press Power on to start it.");
          offTyped.current = true;
          return;
        }
        w.postMessage({ type: "input", data: bytes } satisfies ToWorker, [bytes.buffer]);
      },
      (bytes) => w.postMessage({ type: "ack", bytes } satisfies ToWorker),
      { fontSize: chosenRef.current.font, light: matchMedia("(prefers-color-scheme: light)").matches });
    serial.current = con;
    const screen = new ScreenCapture(con.term);
    con.onFirstPrompt = () => {
      const b = bootStart.current;
      setBoot((prev) => ({ ms: performance.now() - b.at, cause: b.cause, count: (prev?.count ?? 0) + 1 }));
    };
    con.onLeave = () => {
      const all = tabbables();
      const i = all.findIndex((x) => x.classList.contains("xterm-helper-textarea"));
      (all[i + 1] ?? all[0])?.focus();
    };
    con.onCtrlChange = setCtrlArmed;
    w.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (linksRef.current.handle(m)) return;
      switch (m.type) {
        case "output": con.write(m.data); break;
        case "progress":
          if (!loadStart.current) loadStart.current = performance.now();
          setProgress({ files: m.files, own: !!m.own });
          if (!m.own && m.files.every((f) => f.done)) setLoadTime(performance.now() - loadStart.current);
          break;
        case "net": network.onStats(m.stats); break;
        case "state":
          network.onPower(m.state);
          powerRef.current = m.state;
          setPower({ state: m.state, message: m.message });
          if (m.shape) setRunningShape(m.shape);
          if (m.state === "off" || m.state === "error") {
            // Nothing runs: no figure may stay at its last value.
            meter.reset();
            setStats(undefined);
            setChartVersion((v) => v + 1);
          }
          if (m.state === "off" && m.message) con.note(`${m.message} Press Power on to start it again.`);
          if (m.state === "error" && m.message) con.note(`Error: ${m.message}`);
          break;
        case "stats": {
          const st = powerRef.current;
          if (st !== "running" && st !== "paused") break; // a late sample of a machine now off
          const mips = meter.add({ t: m.t, instructions: m.instructions });
          setStats((s) => ({ mips: mips ?? s?.mips ?? m.instructions.map(() => 0), uptime: m.uptime, memoryBytes: m.memoryBytes, ramBytes: m.ramBytes, held: m.held }));
          setChartVersion((v) => v + 1);
          break;
        }
        case "stall":
          con.note(m.ms ? `vCPU ${m.hart} has not answered for ${Math.round(m.ms / 1000)} s: the emulator may be stuck. Power off stops it.`
            : `vCPU ${m.hart} answers again.`);
          break;
        case "reboot":
          bootStart.current = { at: performance.now() - m.uptime * 1000, cause: "guest reboot" };
          meter.reset();
          con.newBoot();
          break;
        case "booted": {
          setBootInfo({ source: m.source, files: m.files, bootargs: m.bootargs });
          // Said beside the picker: a note on the console would land after the resumed prompt.
          setImageStatus(m.resumed ? `Resumed from the image's snapshot in ${(m.resumed.ms / 1000).toFixed(1)} s (a ${formatBytes(m.resumed.bytes)} snapshot); "Boot from scratch" boots it instead.` : "");
          if (m.note) con.note(m.note);
          const req = ownRequest.current;
          if (req && m.request === req.id) {
            // The dialog's files boot: from now on they are the source.
            ownRequest.current = undefined;
            bootStart.current = { at: performance.now(), cause: "reset" };
            meter.reset();
            setStats(undefined);
            con.newBoot();
            con.note("Booting your own files.");
            source.current = { kind: "own", files: req.files };
            setImageChoice("own");
            const asLink = filesLink(req.files);
            setLink(asLink);
            if (asLink) void forgetOwnBoot().catch(() => {});
            else {
              void saveOwnBoot(req.files).catch((e: Error) =>
                setNotes((n) => [...n, `Your files boot, but this browser would not keep them for the next visit: ${e.message}`]));
            }
            setOwnStatus({ kind: "idle" });
            setOwnOpen(false);
          }
          break;
        }
        case "disks":
          setMachineDisks({ attached: m.attached, persistent: m.persistent, note: m.note, busy: m.busy });
          setDiskWarnings([]);
          break;
        case "share": setMachineShare({ attached: m.attached, note: m.note }); break;
        case "disk-event":
          setDiskWarnings((w) => (w.includes(m.message) ? w : [...w.slice(-3), m.message]));
          if (m.kind !== "io-error") con.note(m.message);
          break;
        case "snapshots": setSnapshotItems(m.list); break;
        case "snapshot-status": setSnapshotStatus({ kind: m.kind, message: m.message }); break;
        case "screen-request":
          void screen.capture().then((c) => w.postMessage({ type: "screen", request: m.request, ...c } satisfies ToWorker));
          break;
        case "screen-restore":
          // A restored machine (a snapshot, a share link, a built image's
          // instant start) has its own shape: the sliders follow it, so no
          // reboot is offered for a change nobody asked for.
          setChosen((c) => ({ ...c, cpus: m.shape.cpus, memMiB: m.shape.memMiB }));
          network.onRestored();
          bootStart.current = { at: performance.now(), cause: "snapshot restore" };
          meter.reset();
          setStats(undefined);
          con.newBoot();
          screen.restore(m.data);
          break;
        case "snapshot-file": {
          const url = URL.createObjectURL(new Blob([m.data as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
          const a = document.createElement("a");
          a.href = url;
          a.download = m.name;
          a.click();
          setTimeout(() => URL.revokeObjectURL(url), 10_000);
          break;
        }
        case "refused": {
          const req = ownRequest.current;
          if (req && m.request === req.id) {
            ownRequest.current = undefined;
            setOwnStatus({ kind: "refused", problems: m.problems });
          } else {
            setRefused(m.problems);
          }
          break;
        }
      }
    };
    w.onerror = (e) => setPower({ state: "error", message: `The machine worker failed: ${e.message || "it could not be loaded"}` });
    // Opening the page boots the machine (its start is the page's own
    // start): the files a link names, else your own files if the last
    // visit booted them, else the sample.
    bootStart.current = { at: 0, cause: "page open" };
    void (async () => {
      let src: BootSource = { kind: "sample" };
      if (initialLink) src = { kind: "own", files: linkFiles(initialLink) };
      else if (imageFromUrl() !== "sample") src = { kind: "image", name: imageFromUrl() };
      else if (ownBootInUse()) {
        try {
          const files = await loadOwnBoot();
          if (files) src = { kind: "own", files };
          else setNotes((n) => [...n, "Your saved boot files are gone from this browser; booting the sample."]);
        } catch (e) {
          setNotes((n) => [...n, `Your saved boot files could not be read (${(e as Error).message}); booting the sample.`]);
        }
      }
      if (disposed) return;
      source.current = src;
      // A share link in the address opens instead (the boot if it fails).
      w.postMessage(withNet(linksRef.current.firstMessage(bootMessage(chosenRef.current, src))));
      w.postMessage({ type: "snapshot-list" } satisfies ToWorker);
    })();
    con.focus();
    return () => { disposed = true; w.terminate(); con.dispose(); };
  }, [meter]);

  // The address bar and the stored settings follow what is chosen.
  useEffect(() => {
    try { localStorage.setItem(STORAGE_KEY, serializeSettings(chosen)); } catch { /* storage off: fine */ }
    const params = new URLSearchParams(formatSearch(location.search, chosen, link));
    if (imageChoice !== "sample" && imageChoice !== "own") params.set("image", imageChoice); else params.delete("image");
    const search = params.size ? `?${params}` : "";
    if (search !== location.search) history.replaceState(history.state, "", location.pathname + search + location.hash);
  }, [chosen, link, imageChoice]);

  useEffect(() => {
    void findBuiltImages().then(setBuiltImages);
    void fetchManifest(new URL("images/", document.baseURI)).then((m) => setSampleBytes(m.files.reduce((a, f) => a + f.gzSize, 0)), () => {});
  }, []);

  useEffect(() => { serial.current?.setFontSize(chosen.font); }, [chosen.font]);
  useEffect(() => { serial.current?.setLight(light); setChartVersion((v) => v + 1); }, [light]);

  // Ask before a reload or closing the tab loses a running machine.
  useEffect(() => {
    if (!unloadLoses({ power: power.state, saved: false /* the disk/snapshot store will say when the session is kept */ })) return;
    const ask = (e: BeforeUnloadEvent) => { e.preventDefault(); e.returnValue = ""; };
    addEventListener("beforeunload", ask);
    return () => removeEventListener("beforeunload", ask);
  }, [power.state]);

  // Ctrl+] from anywhere on the page goes back to the console.
  useEffect(() => {
    const back = (e: KeyboardEvent) => {
      if (!isLeaveKey(e) || (e.target as HTMLElement | null)?.classList?.contains("xterm-helper-textarea")) return;
      if (document.querySelector("dialog[open]")) return;
      e.preventDefault();
      serial.current?.focus();
    };
    document.addEventListener("keydown", back);
    return () => document.removeEventListener("keydown", back);
  }, []);

  const on = power.state === "running" || power.state === "paused" || power.state === "starting";
  const busy = power.state === "loading";
  const pending = on && runningShape !== undefined && needsReboot(runningShape, chosen);

  const powerOn = () => {
    serial.current?.note(`Power on: booting with ${plural(chosen.cpus, "vCPU")} and ${formatMem(chosen.memMiB)} of RAM.`);
    startBoot("power on", chosen);
    serial.current?.focus();
  };
  const powerToggle = () => {
    if (on) {
      postToWorker({ type: "stop" });
      serial.current?.note("Powered off. Press Power on to start the machine again.");
      serial.current?.focus();
    } else {
      powerOn();
    }
  };
  const reset = () => {
    serial.current?.note(`Reset: booting with ${plural(chosen.cpus, "vCPU")} and ${formatMem(chosen.memMiB)} of RAM.`);
    startBoot("reset", chosen);
    serial.current?.focus();
  };
  const pauseToggle = () => {
    postToWorker({ type: power.state === "paused" ? "resume" : "pause" });
    serial.current?.focus();
  };
  const setSpeed = (percent: number) => {
    setChosen({ ...chosen, speed: percent });
    postToWorker({ type: "speed", percent });
  };
  const setFont = (px: number) => setChosen({ ...chosen, font: Math.max(MIN_FONT, Math.min(MAX_FONT, px)) });
  const cancelPending = () => {
    if (runningShape) setChosen({ ...chosen, cpus: runningShape.cpus, memMiB: runningShape.memMiB });
  };
  const copyLink = async () => {
    const href = location.href;
    try {
      await navigator.clipboard.writeText(href);
      setCopied("Link copied");
    } catch {
      window.prompt("Copy this link:", href);
      setCopied("");
    }
    setTimeout(() => setCopied(""), 2500);
  };
  const bootOwn = (files: OwnFiles) => {
    const id = ++requests.current;
    ownRequest.current = { id, files };
    setOwnStatus({ kind: "checking" });
    startBoot("reset", chosen, { kind: "own", files }, id);
  };
  const bootSample = () => {
    void forgetOwnBoot().catch(() => {});
    setImageChoice("sample");
    source.current = { kind: "sample" };
    setLink(undefined);
    serial.current?.note("Booting the sample Linux.");
    startBoot("reset", chosen);
    serial.current?.focus();
  };

  // The Image picker: the sample, or a built image (its RAM at least what it is made for).
  const chooseImage = async (choice: ImageChoice) => {
    if (choice === "sample") { bootSample(); return; }
    const img = builtImages.find((b) => b.name === choice);
    if (!img) return;
    void forgetOwnBoot().catch(() => {});
    setLink(undefined);
    setImageChoice(choice);
    source.current = { kind: "image", name: choice };
    let s = chosen;
    try {
      const m = parseImageManifest(new Uint8Array(await (await fetch(new URL(`images/${choice}/image.json`, document.baseURI))).arrayBuffer()));
      if (s.memMiB < m.memMiB) { s = { ...s, memMiB: m.memMiB }; setChosen(s); }
    } catch { /* the worker says what is wrong */ }
    serial.current?.note(`Booting ${img.title}.`);
    startBoot("reset", s);
    serial.current?.focus();
  };

  // A built image boots instead of resuming its snapshot (its disk as it is).
  const bootFromScratch = () => {
    if (imageChoice === "sample" || imageChoice === "own") return;
    const img = builtImages.find((b) => b.name === imageChoice);
    source.current = { kind: "image", name: imageChoice };
    serial.current?.note(`Booting ${img?.title ?? imageChoice} from scratch.`);
    startBoot("reset", chosen, { kind: "image", name: imageChoice, fromScratch: true });
    serial.current?.focus();
  };

  const takeSnapshot = () => postToWorker({ type: "snapshot-take" });
  const restoreSnapshot = (id: string) => {
    postToWorker({ type: "snapshot-restore", id, imagesUrl: new URL("images/", document.baseURI).href, net: network.restoreDevice() });
    serial.current?.focus();
  };

  const totalMips = stats ? stats.mips.reduce((a, b) => a + b, 0) : 0;
  const off = power.state === "off" || power.state === "error";
  const ownFiles = bootInfo?.source === "own";
  // The "Boot your own" dialog's hint: your own kernel gets the UART.
  const defaultAppend = defaultBootargs({ sample: false, verbose: chosen.log });

  return (
    <div className="app">
      <a className="skip" href="#console" onClick={(e) => { e.preventDefault(); serial.current?.focus(); }}>Skip to the console</a>
      <header className="bar">
        <div className="brand">
          <span className="logo" aria-hidden="true">rv</span>
          <div>
            <h1>rvplay</h1>
            <p>A RISC-V computer (RV64GC) running Linux in this tab</p>
          </div>
        </div>
        <div className="power" role="group" aria-label="Power">
          <span className={`pill pill-${power.state}`} data-testid="power-state" data-state={power.state} role="status" aria-label={`Machine: ${STATE_LABELS[power.state]}`}>{STATE_LABELS[power.state]}</span>
          <button type="button" onClick={powerToggle} disabled={busy && !on} className={on ? "danger" : "primary"}
            title={on ? "Turn the machine off (like pulling the plug)" : "Turn the machine on"}>
            {on ? "Power off" : "Power on"}
          </button>
          <button type="button" onClick={reset} disabled={busy} title="Hard reset: boot again from the firmware">Reset</button>
          <button type="button" onClick={pauseToggle} disabled={!(power.state === "running" || power.state === "paused")}
            aria-pressed={power.state === "paused"} title="Stop the vCPUs without losing anything; resume where they were">
            {power.state === "paused" ? "Resume" : "Pause"}
          </button>
          <button type="button" onClick={takeSnapshot} disabled={!(power.state === "running" || power.state === "paused") || snapshotStatus.kind === "busy"}
            data-testid="snapshot-button" title="Freeze the machine as it is now and keep it in this browser (see Snapshots)">Snapshot</button>
          <ShareButton status={links.share} canShare={power.state === "running" || power.state === "paused"} onShare={links.start} />
        </div>
        <nav className="tools" aria-label="Page">
          <button type="button" onClick={() => { setOwnStatus({ kind: "idle" }); setOwnOpen(true); }}>Boot your own…</button>
          <button type="button" onClick={() => void copyLink()} data-testid="copy-link"
            title={ownFiles && !link ? "The link carries the settings; files you picked stay in this browser" : "Copy a link to this machine's settings"}>
            Copy link
          </button>
          <button type="button" onClick={() => setAboutOpen(true)}>About</button>
          <span className="copied" role="status" aria-live="polite">{copied}</span>
        </nav>
      </header>

      {notes.length > 0 && (
        <div className="notes" role="alert" data-testid="settings-notes">
          <ul>{notes.map((n) => <li key={n}>{n}</li>)}</ul>
          <button type="button" className="link" onClick={() => setNotes([])} aria-label="Dismiss the notes">Dismiss</button>
        </div>
      )}

      <ShareBoxes links={links} />

      <main className="layout">
        <section className="console-card" aria-label="Serial console" id="console">
          <div className="console-bar">
            <span className="hint"><kbd>Ctrl</kbd>+<kbd>]</kbd> leaves the console</span>
            <div className="font-size" role="group" aria-label="Console font size">
              <button type="button" className="icon" onClick={() => setFont(chosen.font - 1)} disabled={chosen.font <= MIN_FONT}><span aria-hidden="true">A−</span><span className="sr-only">Smaller console text</span></button>
              <output data-testid="font-size" aria-live="polite">{chosen.font} px</output>
              <button type="button" className="icon" onClick={() => setFont(chosen.font + 1)} disabled={chosen.font >= MAX_FONT}><span aria-hidden="true">A+</span><span className="sr-only">Larger console text</span></button>
            </div>
          </div>
          <div className="term-box">
            <div className="term" ref={termEl} />
            {power.state === "loading" && progress && <LoadingOverlay files={progress.files} own={progress.own} />}
            {power.state === "loading" && !progress && <div className="overlay"><div className="loading-box">Starting the emulator…</div></div>}
            {power.state === "error" && (
              <div className="overlay error-overlay" role="alert">
                <div className="loading-box">
                  <h2>The machine stopped with an error</h2>
                  <p className="error-text">{power.message}</p>
                  <button type="button" className="primary" onClick={powerOn}>Power on again</button>
                </div>
              </div>
            )}
            {refused && !on && (
              <div className="overlay error-overlay" role="alert" data-testid="refused">
                <div className="loading-box">
                  <h2>These boot files cannot boot</h2>
                  <ul className="error-text">{refused.map((p) => <li key={p.message}>{p.message}</li>)}</ul>
                  <div className="row">
                    <button type="button" className="primary" onClick={bootSample}>Boot the sample</button>
                    <button type="button" onClick={() => setOwnOpen(true)}>Boot your own…</button>
                  </div>
                </div>
              </div>
            )}
          </div>
          {power.state === "off" && !refused && (
            <div className="off-banner" role="status" data-testid="off-banner">
              <span><strong>The machine is off.</strong> What ran in it is gone; {machineDisks && !machineDisks.persistent ? "the disk keeps its changes until the page is closed." : "its disks keep what was written to them."}</span>
              <button type="button" className="primary" onClick={powerOn}>Power on</button>
            </div>
          )}
          {refused && on && (
            <div className="off-banner" role="alert" data-testid="refused">
              <span>Not booted, the machine goes on: {refused.map((p) => p.message).join("; ")}</span>
              <button type="button" onClick={() => setRefused(undefined)}>Dismiss</button>
            </div>
          )}
          <div className="key-row" role="group" aria-label="Keys for touch screens">
            {ROW_KEYS.map((k) => (
              <button key={k.key} type="button" title={k.name}
                aria-pressed={k.key === "Ctrl" ? ctrlArmed : undefined} data-key={k.key}
                // Keep the focus (and a phone's soft keyboard) in the terminal.
                onPointerDown={(e) => e.preventDefault()} onMouseDown={(e) => e.preventDefault()}
                onClick={() => serial.current?.rowKey(k.key)}>
                <span aria-hidden="true">{k.label}</span><span className="sr-only">{k.name}</span>
              </button>
            ))}
          </div>
        </section>

        <aside className="side">
          <section className="card" aria-labelledby="shape-h">
            <h2 id="shape-h">Machine</h2>
            <div className="field">
              <label htmlFor="image-picker">Image</label>
              <select id="image-picker" value={imageChoice} onChange={(e) => void chooseImage(e.currentTarget.value)} aria-describedby="image-picker-hint" data-testid="image-picker">
                <option value="sample">{`Sample (busybox)${sampleBytes ? ` · ${formatBytes(sampleBytes)}` : ""}`}</option>
                {builtImages.map((b) => (
                  <option key={b.name} value={b.name}>{`${b.title} · ${formatBytes(b.bootBytes)} + disk ${formatBytes(b.diskBytes)} on demand`}</option>
                ))}
                {imageChoice === "own" && <option value="own" disabled>Your own files</option>}
              </select>
              <small className="hint" id="image-picker-hint">what the machine boots; changing it reboots{builtImages.length ? "" : " (a built Debian image appears here: npm run image:debian)"}{builtImages.some((b) => b.name === imageChoice) ? "; it resumes the image's ready-made snapshot where it has one" : ""}</small>
              {builtImages.some((b) => b.name === imageChoice) && (
                <button type="button" onClick={bootFromScratch} disabled={busy} data-testid="boot-from-scratch">Boot from scratch</button>
              )}
              <small className="hint" role="status" data-testid="image-status">{imageStatus}</small>
            </div>
            <Slider label="vCPUs" min={1} max={limits.maxCpus} step={1} value={chosen.cpus}
              display={String(chosen.cpus)} onChange={(v) => setChosen({ ...chosen, cpus: v })} valueText={plural(chosen.cpus, "vCPU")}
              hint={limits.maxCpus === 1 ? "this computer has 1 logical core" : `1 to ${limits.maxCpus} (this computer's cores, at most 8)`} />
            <Slider label="RAM" min={0} max={MEM_STOPS_MIB.length - 1} step={1} value={memStopIndex(chosen.memMiB)}
              display={formatMem(chosen.memMiB)} onChange={(i) => setChosen({ ...chosen, memMiB: memAtStop(i) })}
              hint="guest RAM, 64 MiB to 2 GiB" valueText={formatMem(chosen.memMiB)} />
            <Slider label="CPU speed cap" min={MIN_SPEED} max={100} step={SPEED_STEP} value={chosen.speed}
              display={`${chosen.speed} %`} onChange={setSpeed} hint="applies at once" valueText={`${chosen.speed}%`} />
            <label className="check">
              <input type="checkbox" checked={chosen.log} onChange={(e) => setChosen({ ...chosen, log: e.currentTarget.checked })} data-testid="show-log" />
              <span>Show boot log</span>
            </label>
            <small className="hint">the kernel's messages while it boots; from the next boot{on ? " (Reset)" : ""}</small>
            <label className="check">
              <input type="checkbox" checked={chosen.jit} onChange={(e) => setChosen({ ...chosen, jit: e.currentTarget.checked })} data-testid="jit" />
              <span>JIT compiler</span>
            </label>
            <small className="hint">translates hot guest code to WebAssembly; from the next boot{on ? " (Reset)" : ""}</small>
            {pending && (
              <div className="pending" role="status" data-testid="pending-reboot">
                <p>
                  {describeChange(runningShape!, chosen)} The machine must reboot for this; what runs in it now is lost
                  (the disk keeps its changes).
                </p>
                <div className="row">
                  <button type="button" className="primary" onClick={reset}>Reboot now</button>
                  <button type="button" onClick={cancelPending}>Cancel</button>
                </div>
              </div>
            )}
          </section>

          <section className="card" aria-labelledby="live-h">
            <h2 id="live-h">Live</h2>
            <div className="chart-head">
              <span>Speed per vCPU</span>
              <span data-testid="mips-total" data-mips={totalMips.toFixed(1)}>{stats ? `${totalMips.toFixed(0)} MIPS total` : off ? "off" : "—"}</span>
            </div>
            <MipsChart history={meter.history} capacity={CHART_SAMPLES} version={chartVersion} label={off ? "The machine is off" : undefined} />
            <ul className="legend">
              {(stats?.mips ?? []).map((m, h) => (
                <li key={h}><span className="swatch" style={{ background: HART_COLOURS[h % HART_COLOURS.length] }} />vCPU {h}: {m.toFixed(0)} MIPS</li>
              ))}
            </ul>
            <dl className="figures">
              <dt>Guest uptime</dt>
              <dd data-testid="uptime">{stats ? formatDuration(stats.uptime) : off ? "off" : "—"}</dd>
              <dt>Boot time</dt>
              <dd data-testid="boot-time" data-ms={boot ? Math.round(boot.ms) : ""} data-boots={boot?.count ?? 0}>
                {boot ? <>{(boot.ms / 1000).toFixed(2)} s <small>({off ? "last boot: " : ""}{boot.cause} → prompt)</small></> : "—"}
              </dd>
              <dt>Memory</dt>
              <dd data-testid="memory">
                {stats ? <>{formatBytes(stats.memoryBytes)} <small>WebAssembly memory: {formatBytes(stats.ramBytes)} guest RAM + {formatBytes(stats.memoryBytes - stats.ramBytes)} emulator state</small></> : off ? "off (released)" : "—"}
              </dd>
              <dt>Shape</dt>
              <dd data-testid="shape">{off ? "off" : runningShape ? `${plural(runningShape.cpus, "vCPU")}, ${formatMem(runningShape.memMiB)}` : "—"}</dd>
              <dt>Image</dt>
              <dd data-testid="image">
                {ownFiles
                  ? <>your own: {bootInfo!.files.map((f) => `${f.slot} ${f.name} (${formatBytes(f.bytes)})`).join(", ")}
                      <small>command line: <code>{bootInfo!.bootargs}</code></small>
                      <button type="button" className="link" onClick={bootSample}>Boot the sample instead</button></>
                  : loadTime !== undefined && progress && !progress.own
                    ? <>sample Linux, {formatBytes(sum(progress.files.map((f) => f.gzSize)))} fetched in {(loadTime / 1000).toFixed(1)} s</>
                    : "sample Linux"}
              </dd>
            </dl>
            {stats?.held && <p className="hint">Console flow control: the machine waits while the page catches up with its output.</p>}
          </section>

          <NetworkPanel net={network} on={on} onReboot={reset} />
          <DisksPanel machine={on ? machineDisks : undefined} machineOn={on} warnings={diskWarnings} onReboot={reset}
            onTakeOver={(id) => { void stealDisk(DISK_DB, id).then(reset); }} />
          <SnapshotsPanel items={snapshotItems} status={snapshotStatus} canTake={power.state === "running" || power.state === "paused"}
            onTake={takeSnapshot} onRestore={restoreSnapshot}
            onRename={(id, name) => postToWorker({ type: "snapshot-rename", id, name })}
            onDelete={(id) => postToWorker({ type: "snapshot-delete", id })}
            onDownload={(id) => postToWorker({ type: "snapshot-export", id })}
            onImport={(file) => postToWorker({ type: "snapshot-import", file, name: file.name })} />

          <FilesPanel machine={on ? machineShare : undefined} machineOn={on} />

          <section className="card help" aria-labelledby="help-h">
            <h2 id="help-h">Tips</h2>
            <ul>
              <li>Click the console and type. Try <code>top</code>, <code>vi</code>, <code>free -m</code>, <code>nproc</code>, <code>poweroff</code>.</li>
              <li>Select text, then <kbd>Ctrl</kbd>+<kbd>C</kbd> copies (without a selection it interrupts); <kbd>Ctrl</kbd>+<kbd>V</kbd> pastes.</li>
              <li><kbd>Ctrl</kbd>+<kbd>]</kbd> leaves the console for these controls, and brings you back.</li>
              <li>The address follows the settings (<code>?cpus=2&amp;mem=512&amp;speed=50&amp;log=1&amp;font=16</code>); “Copy link” shares it.</li>
              <li>{machineDisks && !machineDisks.persistent ? "The disk's changes last until the page is closed." : "Disks are kept in this browser: what the machine writes (after sync) is there on your next visit. See Disks."}</li>
            </ul>
          </section>
        </aside>
      </main>
      <AboutDialog open={aboutOpen} onClose={() => setAboutOpen(false)} />
      <BootOwnDialog open={ownOpen} onClose={() => { ownRequest.current = undefined; setOwnOpen(false); setOwnStatus({ kind: "idle" }); }}
        onBoot={bootOwn} status={ownStatus} memMiB={chosen.memMiB} defaultAppend={defaultAppend} />
    </div>
  );
}

const STATE_LABELS: Record<PowerState, string> = {
  loading: "Loading", starting: "Starting", running: "Running", paused: "Paused", off: "Off", error: "Error",
};

function Slider({ label, min, max, step, value, display, onChange, hint, valueText }: {
  label: string; min: number; max: number; step: number; value: number; display: string;
  onChange: (v: number) => void; hint?: string; valueText?: string;
}) {
  const id = `slider-${label.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <div className="slider">
      <div className="slider-head">
        <label htmlFor={id}>{label}</label>
        <output htmlFor={id} data-testid={`${id}-value`}>{display}</output>
      </div>
      <input id={id} type="range" min={min} max={max} step={step} value={value} disabled={min === max}
        aria-valuetext={valueText} aria-describedby={hint ? `${id}-hint` : undefined} onChange={(e) => onChange(Number(e.currentTarget.value))} />
      {hint && <small className="hint" id={`${id}-hint`}>{hint}</small>}
    </div>
  );
}

function LoadingOverlay({ files, own }: { files: FileProgress[]; own: boolean }) {
  return (
    <div className="overlay">
      <div className="loading-box" role="status" aria-live="polite" data-testid="loading">
        <h2>{own ? "Loading your boot files" : "Loading the sample Linux image"}</h2>
        {files.map((f) => (
          <div className="file" key={f.name}>
            <div className="file-head">
              <span>{FILE_LABELS[f.name] ?? f.name}</span>
              <span className="mono">
                {own
                  ? `${formatBytes(f.fetched)}${f.gzSize ? ` / ${formatBytes(f.gzSize)}` : ""} read${f.done ? ` · ${formatBytes(f.size)} unpacked` : ""}`
                  : <>{formatBytes(f.fetched)} / {formatBytes(f.gzSize)} fetched · {formatBytes(f.inflated)} / {formatBytes(f.size)} unpacked</>}
              </span>
            </div>
            <progress max={own ? f.gzSize || 1 : f.size} value={own ? (f.done ? f.gzSize || 1 : f.fetched) : f.inflated} aria-label={`${f.name} loaded`} />
          </div>
        ))}
      </div>
    </div>
  );
}

function describeChange(from: MachineShape, to: Settings): string {
  const parts: string[] = [];
  if (from.cpus !== to.cpus) parts.push(`vCPUs ${from.cpus} → ${to.cpus}`);
  if (from.memMiB !== to.memMiB) parts.push(`RAM ${formatMem(from.memMiB)} → ${formatMem(to.memMiB)}`);
  return `${parts.join(", ")}.`;
}

function plural(n: number, word: string): string { return `${n} ${word}${n === 1 ? "" : "s"}`; }
function sum(a: number[]): number { return a.reduce((x, y) => x + y, 0); }

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(n < 10 * 1024 ** 2 ? 1 : 0)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatDuration(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const t = Math.floor(s);
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  const pad = (x: number) => String(x).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}
