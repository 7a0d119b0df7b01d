// The playground: power controls, the serial console, the machine's shape
// (vCPUs, RAM, speed cap) and live figures. The emulator runs in the
// machine worker (core-worker.ts); this thread only draws.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { FileProgress } from "./image-loader.js";
import type { FromWorker, MachineShape, PowerState, ToWorker } from "./protocol.js";
import { MipsMeter } from "./rates.js";
import { SerialConsole } from "./serial-console.js";
import { MipsChart, HART_COLOURS } from "./mips-chart.js";
import {
  type Limits, type Settings, MEM_STOPS_MIB, MIN_SPEED, SPEED_STEP, STORAGE_KEY,
  formatMem, memAtStop, memStopIndex, needsReboot, serializeSettings, updateSearch,
} from "./settings.js";

const CHART_SAMPLES = 120; // 60 s at two samples a second

interface Stats { mips: number[]; uptime: number; memoryBytes: number; ramBytes: number; held: boolean }
type BootCause = "page open" | "power on" | "reset" | "guest reboot";

const FILE_LABELS: Record<string, string> = { "fw_jump.bin": "Firmware (OpenSBI)", Image: "Kernel (Linux 6.1)", "disk.img": "Disk (ext4)" };

export function App({ limits, initial, notes: initialNotes }: { limits: Limits; initial: Settings; notes: string[] }) {
  const [power, setPower] = useState<{ state: PowerState; message?: string }>({ state: "loading" });
  const [runningShape, setRunningShape] = useState<MachineShape | undefined>();
  const [chosen, setChosen] = useState<Settings>(initial);
  const [notes, setNotes] = useState(initialNotes);
  const [progress, setProgress] = useState<FileProgress[] | undefined>();
  const [loadTime, setLoadTime] = useState<number | undefined>();
  const [stats, setStats] = useState<Stats | undefined>();
  const [boot, setBoot] = useState<{ ms: number; cause: BootCause; count: number } | undefined>();
  const [chartVersion, setChartVersion] = useState(0);

  const termEl = useRef<HTMLDivElement>(null);
  const worker = useRef<Worker>(undefined);
  const serial = useRef<SerialConsole>(undefined);
  const meter = useMemo(() => new MipsMeter(CHART_SAMPLES), []);
  // When the current boot started (performance.now(); 0 = the page opened) and why.
  const bootStart = useRef<{ at: number; cause: BootCause }>({ at: 0, cause: "page open" });
  const loadStart = useRef(0);
  const chosenRef = useRef(chosen);
  chosenRef.current = chosen;

  const postToWorker = useCallback((m: ToWorker, transfer: Transferable[] = []) => worker.current?.postMessage(m, transfer), []);

  const startBoot = useCallback((cause: BootCause, shape: Settings) => {
    bootStart.current = { at: performance.now(), cause };
    meter.reset();
    setStats(undefined);
    serial.current?.newBoot();
    postToWorker({ type: "boot", shape, imagesUrl: new URL("images/", document.baseURI).href });
  }, [meter, postToWorker]);

  useEffect(() => {
    const el = termEl.current!;
    const w = new Worker(new URL("./core-worker.ts", import.meta.url), { type: "module", name: "rvplay machine" });
    worker.current = w;
    const con = new SerialConsole(el,
      (bytes) => w.postMessage({ type: "input", data: bytes } satisfies ToWorker, [bytes.buffer]),
      (bytes) => w.postMessage({ type: "ack", bytes } satisfies ToWorker));
    serial.current = con;
    con.onFirstPrompt = () => {
      const b = bootStart.current;
      setBoot((prev) => ({ ms: performance.now() - b.at, cause: b.cause, count: (prev?.count ?? 0) + 1 }));
    };
    w.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      switch (m.type) {
        case "output": con.write(m.data); break;
        case "progress":
          if (!loadStart.current) loadStart.current = performance.now();
          setProgress(m.files);
          if (m.files.every((f) => f.done)) setLoadTime(performance.now() - loadStart.current);
          break;
        case "state":
          setPower({ state: m.state, message: m.message });
          if (m.shape) setRunningShape(m.shape);
          if (m.state === "off" && m.message) con.note(m.message);
          if (m.state === "error" && m.message) con.note(`Error: ${m.message}`);
          break;
        case "stats": {
          const mips = meter.add({ t: m.t, instructions: m.instructions });
          setStats((s) => ({ mips: mips ?? s?.mips ?? m.instructions.map(() => 0), uptime: m.uptime, memoryBytes: m.memoryBytes, ramBytes: m.ramBytes, held: m.held }));
          setChartVersion((v) => v + 1);
          break;
        }
        case "reboot":
          bootStart.current = { at: performance.now() - m.uptime * 1000, cause: "guest reboot" };
          meter.reset();
          con.newBoot();
          break;
      }
    };
    w.onerror = (e) => setPower({ state: "error", message: `The machine worker failed: ${e.message || "it could not be loaded"}` });
    // Opening the page boots the machine; its start is the page's own start.
    bootStart.current = { at: 0, cause: "page open" };
    w.postMessage({ type: "boot", shape: chosenRef.current, imagesUrl: new URL("images/", document.baseURI).href } satisfies ToWorker);
    con.focus();
    return () => { w.terminate(); con.dispose(); };
  }, [meter]);

  const persist = useCallback((s: Settings) => {
    try { localStorage.setItem(STORAGE_KEY, serializeSettings(s)); } catch { /* storage off: fine */ }
    history.replaceState(history.state, "", location.pathname + updateSearch(location.search, s) + location.hash);
  }, []);

  const on = power.state === "running" || power.state === "paused" || power.state === "starting";
  const busy = power.state === "loading";
  const pending = on && runningShape !== undefined && needsReboot(runningShape, chosen);

  const powerToggle = () => {
    if (on) {
      postToWorker({ type: "stop" });
      serial.current?.note("Powered off.");
    } else {
      persist(chosen);
      startBoot("power on", chosen);
    }
    serial.current?.focus();
  };
  const reset = () => {
    persist(chosen);
    serial.current?.note(`Reset: booting with ${plural(chosen.cpus, "vCPU")} and ${formatMem(chosen.memMiB)} of RAM.`);
    startBoot("reset", chosen);
    serial.current?.focus();
  };
  const pauseToggle = () => {
    postToWorker({ type: power.state === "paused" ? "resume" : "pause" });
    serial.current?.focus();
  };
  const setSpeed = (percent: number) => {
    const next = { ...chosen, speed: percent };
    setChosen(next);
    postToWorker({ type: "speed", percent });
    // Saved at once (only vCPUs and RAM wait for a reboot), keeping the
    // running shape for the others.
    persist({ ...next, cpus: runningShape?.cpus ?? next.cpus, memMiB: runningShape?.memMiB ?? next.memMiB });
  };
  const cancelPending = () => {
    if (runningShape) setChosen({ ...chosen, cpus: runningShape.cpus, memMiB: runningShape.memMiB });
  };

  const totalMips = stats ? stats.mips.reduce((a, b) => a + b, 0) : 0;

  return (
    <div className="app">
      <header className="bar">
        <div className="brand">
          <span className="logo" aria-hidden="true">rv</span>
          <div>
            <h1>rvplay</h1>
            <p>A RISC-V computer (RV64GC) running Linux in this tab</p>
          </div>
        </div>
        <div className="power" role="group" aria-label="Power">
          <span className={`pill pill-${power.state}`} data-testid="power-state" data-state={power.state}>{STATE_LABELS[power.state]}</span>
          <button type="button" onClick={powerToggle} disabled={busy && !on} className={on ? "danger" : "primary"}
            title={on ? "Turn the machine off (like pulling the plug)" : "Turn the machine on"}>
            {on ? "Power off" : "Power on"}
          </button>
          <button type="button" onClick={reset} disabled={busy} title="Hard reset: boot again from the firmware">Reset</button>
          <button type="button" onClick={pauseToggle} disabled={!(power.state === "running" || power.state === "paused")}
            aria-pressed={power.state === "paused"} title="Stop the vCPUs without losing anything; resume where they were">
            {power.state === "paused" ? "Resume" : "Pause"}
          </button>
        </div>
      </header>

      {notes.length > 0 && (
        <div className="notes" role="alert" data-testid="settings-notes">
          <ul>{notes.map((n) => <li key={n}>{n}</li>)}</ul>
          <button type="button" className="link" onClick={() => setNotes([])} aria-label="Dismiss">Dismiss</button>
        </div>
      )}

      <main className="layout">
        <section className="console-card" aria-label="Serial console">
          <div className="term" ref={termEl} />
          {power.state === "loading" && progress && <LoadingOverlay files={progress} />}
          {power.state === "loading" && !progress && <div className="overlay"><div className="loading-box">Starting the emulator…</div></div>}
          {power.state === "error" && (
            <div className="overlay error-overlay" role="alert">
              <div className="loading-box">
                <h2>The machine stopped with an error</h2>
                <p className="error-text">{power.message}</p>
                <button type="button" className="primary" onClick={powerToggle}>Power on again</button>
              </div>
            </div>
          )}
        </section>

        <aside className="side">
          <section className="card" aria-labelledby="shape-h">
            <h2 id="shape-h">Machine</h2>
            <Slider label="vCPUs" min={1} max={limits.maxCpus} step={1} value={chosen.cpus}
              display={String(chosen.cpus)} onChange={(v) => setChosen({ ...chosen, cpus: v })}
              hint={limits.maxCpus === 1 ? "this computer has 1 logical core" : `1 to ${limits.maxCpus} (this computer's cores, at most 8)`} />
            <Slider label="RAM" min={0} max={MEM_STOPS_MIB.length - 1} step={1} value={memStopIndex(chosen.memMiB)}
              display={formatMem(chosen.memMiB)} onChange={(i) => setChosen({ ...chosen, memMiB: memAtStop(i) })}
              hint="guest RAM, 64 MiB to 2 GiB" valueText={formatMem(chosen.memMiB)} />
            <Slider label="CPU speed cap" min={MIN_SPEED} max={100} step={SPEED_STEP} value={chosen.speed}
              display={`${chosen.speed} %`} onChange={setSpeed} hint="applies at once" />
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
              <span data-testid="mips-total" data-mips={totalMips.toFixed(1)}>{totalMips.toFixed(0)} MIPS total</span>
            </div>
            <MipsChart history={meter.history} capacity={CHART_SAMPLES} version={chartVersion} />
            <ul className="legend">
              {(stats?.mips ?? []).map((m, h) => (
                <li key={h}><span className="swatch" style={{ background: HART_COLOURS[h % HART_COLOURS.length] }} />vCPU {h}: {m.toFixed(0)} MIPS</li>
              ))}
            </ul>
            <dl className="figures">
              <dt>Guest uptime</dt>
              <dd data-testid="uptime">{stats ? formatDuration(stats.uptime) : "—"}</dd>
              <dt>Boot time</dt>
              <dd data-testid="boot-time" data-ms={boot ? Math.round(boot.ms) : ""} data-boots={boot?.count ?? 0}>
                {boot ? <>{(boot.ms / 1000).toFixed(2)} s <small>({boot.cause} → prompt)</small></> : "—"}
              </dd>
              <dt>Memory</dt>
              <dd data-testid="memory">
                {stats ? <>{formatBytes(stats.memoryBytes)} <small>WebAssembly memory: {formatBytes(stats.ramBytes)} guest RAM + {formatBytes(stats.memoryBytes - stats.ramBytes)} emulator state</small></> : "—"}
              </dd>
              <dt>Shape</dt>
              <dd>{runningShape ? `${plural(runningShape.cpus, "vCPU")}, ${formatMem(runningShape.memMiB)}` : "—"}</dd>
              <dt>Image</dt>
              <dd>{loadTime !== undefined && progress ? <>sample Linux, {formatBytes(sum(progress.map((f) => f.gzSize)))} fetched in {(loadTime / 1000).toFixed(1)} s</> : "—"}</dd>
            </dl>
            {stats?.held && <p className="hint">Console flow control: the machine waits while the page catches up with its output.</p>}
          </section>

          <section className="card help" aria-labelledby="help-h">
            <h2 id="help-h">Tips</h2>
            <ul>
              <li>Click the console and type. Try <code>top</code>, <code>vi</code>, <code>free -m</code>, <code>nproc</code>, <code>poweroff</code>.</li>
              <li>Select text, then <kbd>Ctrl</kbd>+<kbd>C</kbd> copies (without a selection it interrupts); <kbd>Ctrl</kbd>+<kbd>V</kbd> pastes.</li>
              <li>The shell is told the console's size (<code>stty rows … cols …</code>) whenever it waits at its prompt.</li>
              <li>Settings can go in the address: <code>?cpus=2&amp;mem=512&amp;speed=50</code>.</li>
              <li>The disk's changes last until the page is closed.</li>
            </ul>
          </section>
        </aside>
      </main>
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
        aria-valuetext={valueText} onChange={(e) => onChange(Number(e.currentTarget.value))} />
      {hint && <small className="hint">{hint}</small>}
    </div>
  );
}

function LoadingOverlay({ files }: { files: FileProgress[] }) {
  return (
    <div className="overlay">
      <div className="loading-box" role="status" aria-live="polite" data-testid="loading">
        <h2>Loading the sample Linux image</h2>
        {files.map((f) => (
          <div className="file" key={f.name}>
            <div className="file-head">
              <span>{FILE_LABELS[f.name] ?? f.name}</span>
              <span className="mono">
                {formatBytes(f.fetched)} / {formatBytes(f.gzSize)} fetched · {formatBytes(f.inflated)} / {formatBytes(f.size)} unpacked
              </span>
            </div>
            <progress max={f.size} value={f.inflated} aria-label={`${f.name} unpacked`} />
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
