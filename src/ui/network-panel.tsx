// The Network panel: the cable (live), what the card is plugged into (the
// Internet through a Wisp relay, a LAN between this site's tabs, or no card:
// from the next boot), the LAN's name and the relay's URL, and what the
// device reports: the guest's address from DHCP, the link, the relay's
// state, bytes in and out. useNetwork() holds the settings (net-settings.ts:
// remembered, and in the address bar as ?net=&lan=&cable=&relay=) and the
// figures; app.tsx calls it, adds its device to each boot message and hands
// it the worker's "net" messages.
import { useCallback, useEffect, useRef, useState } from "react";
import type { NetStatsEvent } from "../devices/virtio-net.js";
import type { DeviceSpec } from "../devices/specs.js";
import {
  checkLanName, checkRelayUrl, defaultRelayUrl, formatNetSearch, netDeviceSpec, netNeedsReboot, NET_STORAGE_KEY,
  resolveNetSettings, serializeNetSettings, type NetMode, type NetSettings,
} from "./net-settings.js";
import type { PowerState, ToWorker } from "./protocol.js";
import "./network-panel.css";

interface Figures { stats: NetStatsEvent; inRate: number; outRate: number; at: number }

export interface Network {
  chosen: NetSettings;
  booted: NetSettings | undefined;      // what the running machine was built with
  figures: Figures | undefined;
  set(next: NetSettings): void;
  /** The card for a boot about to start (remembered as what runs). */
  bootDevice(): DeviceSpec | undefined;
  /** The network a snapshot's card is to be plugged into: what runs only once onRestored() says the restore happened. */
  restoreDevice(): DeviceSpec | undefined;
  onRestored(): void;
  onStats(stats: NetStatsEvent): void;
  onPower(state: PowerState): void;
}

function storedSettings(): string | null {
  try { return localStorage.getItem(NET_STORAGE_KEY); } catch { return null; }
}

export function useNetwork(post: (m: ToWorker) => void, addNotes: (notes: string[]) => void): Network {
  const [initial] = useState(() => resolveNetSettings(location.search, storedSettings()));
  const [chosen, setChosen] = useState<NetSettings>(initial.settings);
  const [booted, setBooted] = useState<NetSettings | undefined>();
  const [figures, setFigures] = useState<Figures | undefined>();
  const chosenRef = useRef(chosen);
  chosenRef.current = chosen;

  useEffect(() => { if (initial.notes.length) addNotes(initial.notes); }, []);

  // Remembered, and in the address bar beside the other settings.
  useEffect(() => {
    try { localStorage.setItem(NET_STORAGE_KEY, serializeNetSettings(chosen)); } catch { /* storage off: fine */ }
    const search = formatNetSearch(location.search, chosen);
    if (search !== location.search) history.replaceState(history.state, "", location.pathname + search + location.hash);
  }, [chosen]);

  const set = useCallback((next: NetSettings) => {
    if (next.cable !== chosenRef.current.cable) post({ type: "net-cable", up: next.cable });
    setChosen(next);
    // The cable applies to the running machine at once.
    setBooted((b) => (b ? { ...b, cable: next.cable } : b));
  }, [post]);

  const bootDevice = useCallback(() => {
    const s = chosenRef.current;
    setBooted(s);
    setFigures(undefined);
    return netDeviceSpec(s, location.href);
  }, []);

  // A restore may be refused (the running machine then goes on with its own
  // card), so the settings it asked for count only once it happened.
  const restoring = useRef<NetSettings | undefined>(undefined);
  const restoreDevice = useCallback(() => {
    restoring.current = chosenRef.current;
    return netDeviceSpec(chosenRef.current, location.href);
  }, []);
  const onRestored = useCallback(() => {
    const s = restoring.current;
    restoring.current = undefined;
    if (s) { setBooted(s); setFigures(undefined); }
  }, []);

  const onStats = useCallback((stats: NetStatsEvent) => {
    setFigures((prev) => {
      const at = performance.now();
      if (!prev || stats.rxBytes < prev.stats.rxBytes) return { stats, inRate: 0, outRate: 0, at };
      const dt = (at - prev.at) / 1000;
      if (dt < 0.2) return { ...prev, stats };
      return { stats, at, inRate: (stats.rxBytes - prev.stats.rxBytes) / dt, outRate: (stats.txBytes - prev.stats.txBytes) / dt };
    });
  }, []);

  // The device reports only when something changed: a quiet second means
  // nothing is moving now.
  useEffect(() => {
    if (!figures || (figures.inRate === 0 && figures.outRate === 0)) return;
    const t = setTimeout(() => setFigures((f) => f && { ...f, inRate: 0, outRate: 0, at: performance.now() }), 1500);
    return () => clearTimeout(t);
  }, [figures]);

  const onPower = useCallback((state: PowerState) => {
    if (state === "off" || state === "error") { setFigures(undefined); setBooted(undefined); }
  }, []);

  return { chosen, booted, figures, set, bootDevice, restoreDevice, onRestored, onStats, onPower };
}

const MODE_LABELS: Record<NetMode, string> = {
  internet: "The Internet, through a relay",
  lan: "A LAN between tabs of this site",
  none: "Nothing (no network card)",
};

export function NetworkPanel({ net, on, onReboot }: { net: Network; on: boolean; onReboot: () => void }) {
  const { chosen, booted, figures } = net;
  const [relayText, setRelayText] = useState(chosen.relay);
  const [lanText, setLanText] = useState(chosen.lan);
  const [error, setError] = useState<string | undefined>();
  const defaultRelay = defaultRelayUrl(location.href);
  const pending = on && booted !== undefined && netNeedsReboot(booted, chosen);
  const stats = figures?.stats;
  const live = on && booted !== undefined && booted.mode !== "none";

  const commitRelay = () => {
    const v = relayText.trim();
    const why = v === "" || v === defaultRelay ? undefined : checkRelayUrl(v);
    setError(why);
    if (!why) net.set({ ...chosen, relay: v === defaultRelay ? "" : v });
  };
  const commitLan = () => {
    const v = lanText.trim();
    const why = checkLanName(v);
    setError(why);
    if (!why) net.set({ ...chosen, lan: v });
  };

  return (
    <section className="card network" aria-labelledby="net-h" data-testid="network">
      <h2 id="net-h">Network</h2>
      <label className="check">
        <input type="checkbox" checked={chosen.cable} disabled={chosen.mode === "none"} data-testid="net-cable"
          onChange={(e) => net.set({ ...chosen, cable: e.currentTarget.checked })} />
        <span>Cable plugged in</span>
      </label>
      <small className="hint">the guest sees its link go up or down; applies at once</small>
      <div className="net-field">
        <label htmlFor="net-mode">Connect the machine to</label>
        <select id="net-mode" value={chosen.mode} data-testid="net-mode"
          onChange={(e) => net.set({ ...chosen, mode: e.currentTarget.value as NetMode })}>
          {(Object.keys(MODE_LABELS) as NetMode[]).map((m) => <option key={m} value={m}>{MODE_LABELS[m]}</option>)}
        </select>
      </div>
      {chosen.mode === "internet" && (
        <div className="net-field">
          <label htmlFor="net-relay">Relay (Wisp)</label>
          <input id="net-relay" type="url" value={relayText} placeholder={defaultRelay} spellCheck={false}
            onChange={(e) => setRelayText(e.currentTarget.value)} onBlur={commitRelay}
            onKeyDown={(e) => { if (e.key === "Enter") commitRelay(); }} aria-describedby="net-relay-hint" />
          <small className="hint" id="net-relay-hint">empty: this site's own relay ({defaultRelay}); a static host needs one of its own</small>
        </div>
      )}
      {chosen.mode === "lan" && (
        <div className="net-field">
          <label htmlFor="net-lan">LAN name</label>
          <input id="net-lan" type="text" value={lanText} spellCheck={false}
            onChange={(e) => setLanText(e.currentTarget.value)} onBlur={commitLan}
            onKeyDown={(e) => { if (e.key === "Enter") commitLan(); }} aria-describedby="net-lan-hint" />
          <small className="hint" id="net-lan-hint">tabs on the same LAN name see each other (addresses 10.0.3.x by DHCP)</small>
        </div>
      )}
      {error && <p className="field-error" role="alert"><span>{error}</span></p>}
      {pending && (
        <div className="pending" role="status" data-testid="net-pending">
          <p>The machine's network changes at its next boot.</p>
          <div className="row"><button type="button" className="primary" onClick={onReboot}>Reboot now</button></div>
        </div>
      )}
      <dl className="figures">
        <dt>Address</dt>
        <dd data-testid="net-address" data-address={stats?.address ?? ""}>
          {!live ? "—" : stats?.address ?? (stats && !stats.linkUp ? "no link" : "waiting for DHCP…")}
        </dd>
        <dt>Link</dt>
        <dd data-testid="net-link">{!live ? (on ? "no network card" : "off") : stats ? <>{stats.linkUp ? "up" : "down (cable out)"} <small>MAC {stats.mac}</small></> : "—"}</dd>
        {live && booted?.mode === "internet" && (
          <><dt>Relay</dt><dd data-testid="net-relay">{stats?.relay ?? "—"}</dd></>
        )}
        <dt>Traffic</dt>
        <dd data-testid="net-bytes" data-in={stats?.rxBytes ?? 0} data-out={stats?.txBytes ?? 0}>
          {live && stats
            ? <>in {formatBytes(stats.rxBytes)} · out {formatBytes(stats.txBytes)}
                <small>now: in {formatBytes(figures!.inRate)}/s · out {formatBytes(figures!.outRate)}/s</small></>
            : "—"}
        </dd>
      </dl>
      <small className="hint">
        {booted?.mode === "lan"
          ? "Try ping with another tab's address, or nc between two tabs."
          : <>Try <code>wget -O - http://example.com/</code> in the guest; 10.0.2.2 is the relay's own host.</>}
      </small>
    </section>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
