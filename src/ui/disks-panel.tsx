// The Disks panel: the disks kept in this browser (name, size, what the
// guest changed, last used, attached as /dev/vd?), adding an image (file
// picker or drag and drop, streamed with progress), creating an empty disk,
// attaching and detaching (from the next boot), download, reset, delete;
// storage used and the request to keep it. The work is done in the disk
// worker; this only draws.
import { useCallback, useEffect, useRef, useState } from "react";
import { MAX_ATTACHED, type DiskView, type FromDiskWorker, type StorageFigures, type ToDiskWorker } from "./disk-protocol.js";

export interface MachineDisks { attached: { id: string; name: string }[]; persistent: boolean; note?: string; busy: { id: string; name: string }[] }

const SIZES = [["64 MiB", 64 * 2 ** 20], ["256 MiB", 256 * 2 ** 20], ["1 GiB", 2 ** 30], ["4 GiB", 4 * 2 ** 30]] as const;
const PERSIST_REASON = "so that the browser does not delete your disks when this computer runs low on space";

function fmt(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(n < 10 * 2 ** 20 ? 1 : 0)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

function ago(t: number | null): string {
  if (t === null) return "never";
  const s = (Date.now() - t) / 1000;
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

const suggestName = (file: string) => file.replace(/\.gz$/i, "").replace(/\.(img|raw|ext[234])$/i, "").replace(/[^A-Za-z0-9 ._+-]/g, "_").replace(/^[^A-Za-z0-9]+/, "").slice(0, 63) || "disk";

export function DisksPanel({ machine, machineOn, warnings, onReboot, onTakeOver }: {
  machine: MachineDisks | undefined; machineOn: boolean; warnings: string[]; onReboot: () => void; onTakeOver: (id: string) => void;
}) {
  const worker = useRef<Worker>(undefined);
  const [disks, setDisks] = useState<DiskView[]>([]);
  const [attached, setAttached] = useState<string[]>([]);
  const [storage, setStorage] = useState<StorageFigures | undefined>();
  const [unavailable, setUnavailable] = useState<string | undefined>();
  const [busy, setBusy] = useState<{ req: number; what: string; read: number; total: number } | undefined>();
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const [picked, setPicked] = useState<File | undefined>();
  const [uploadName, setUploadName] = useState("");
  const [newName, setNewName] = useState("");
  const [newSize, setNewSize] = useState<number>(SIZES[1][1]);
  const [dragging, setDragging] = useState(false);
  const reqs = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);

  const send = useCallback((m: ToDiskWorker) => worker.current?.postMessage(m), []);

  useEffect(() => {
    const w = new Worker(new URL("./disk-worker.ts", import.meta.url), { type: "module", name: "rvplay disks" });
    worker.current = w;
    w.onmessage = (ev: MessageEvent<FromDiskWorker>) => {
      const m = ev.data;
      switch (m.type) {
        case "list": setDisks(m.disks); setAttached(m.attached); setStorage(m.storage); setUnavailable(m.unavailable); break;
        case "progress": setBusy((b) => (b && b.req === m.req ? { ...b, read: m.read, total: m.total } : b)); break;
        case "done": setBusy(undefined); setMessage({ text: m.message, error: false }); break;
        case "failed": setBusy(undefined); setMessage({ text: m.message, error: true }); break;
        case "blob": {
          const a = document.createElement("a");
          a.href = URL.createObjectURL(m.blob);
          a.download = m.name;
          document.body.append(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
          break;
        }
      }
    };
    w.postMessage({ type: "list" } satisfies ToDiskWorker);
    // Changed bytes and last used move while the machine runs.
    const t = setInterval(() => w.postMessage({ type: "list" } satisfies ToDiskWorker), 3000);
    return () => { clearInterval(t); w.terminate(); };
  }, []);

  useEffect(() => { send({ type: "list" }); }, [machine, send]);

  const start = (what: string, m: (req: number) => ToDiskWorker) => {
    const req = ++reqs.current;
    setMessage(undefined);
    setBusy({ req, what, read: 0, total: 0 });
    send(m(req));
  };

  const pick = (f: File | undefined) => {
    setPicked(f);
    if (f) setUploadName(suggestName(f.name));
  };
  const free = storage ? Math.max(0, storage.quota - storage.usage) : undefined;
  const tooBig = picked && free !== undefined && storage!.quota > 0 && picked.size > free;

  const upload = () => {
    if (!picked) return;
    const f = picked;
    setPicked(undefined);
    if (fileInput.current) fileInput.current.value = "";
    start(`Adding ${f.name}`, (req) => ({ type: "upload", req, file: f, name: uploadName.trim() }));
  };

  const inMachine = new Set((machine?.attached ?? []).map((d) => d.id));
  const setAttach = (id: string, on: boolean) => {
    const next = on ? [...attached, id] : attached.filter((x) => x !== id);
    start(on ? "Attaching" : "Detaching", (req) => ({ type: "attach", req, ids: next }));
  };
  // The attached list (less disks another tab kept from this boot) against what the machine booted with.
  const pendingAttach = machineOn && machine !== undefined &&
    attached.filter((id) => !machine.busy.some((b) => b.id === id)).join() !== machine.attached.map((d) => d.id).join();

  const persist = async () => {
    const ok = await navigator.storage?.persist?.();
    setMessage({ text: ok ? "The browser will keep your disks." : "The browser declined for now (it decides by how much you use this site); your disks are kept unless space runs low.", error: !ok });
    send({ type: "list" });
  };

  return (
    <section className="card disks" aria-labelledby="disks-h" data-testid="disks-panel"
      onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)}
      onDrop={(e) => { e.preventDefault(); setDragging(false); pick(e.dataTransfer.files[0]); }}>
      <h2 id="disks-h">Disks</h2>
      {(unavailable || (machine && !machine.persistent)) && (
        <p className="warning" role="alert" data-testid="disks-not-kept">
          {machine?.note ?? `Disks cannot be kept in this browser: ${unavailable}. The machine's disk runs in memory and changes will not be kept.`}
        </p>
      )}
      {warnings.map((w, i) => <p className="warning" role="alert" key={i} data-testid="disk-warning">{w}</p>)}
      {machine?.busy.map((b) => (
        <div className="warning" role="alert" key={b.id} data-testid="disk-busy">
          <p>The disk <strong>{b.name}</strong> is in use in another tab, so this machine booted without it (never two writers).</p>
          <button type="button" onClick={() => onTakeOver(b.id)}>Use it here</button>
          <small className="hint"> The other tab's machine goes on, but its changes to this disk are no longer kept.</small>
        </div>
      ))}
      {storage && (
        <p className="hint" data-testid="disk-storage">
          Storage: {fmt(storage.usage)} used of {fmt(storage.quota)} this site may use.{" "}
          {storage.persisted ? "Kept by the browser." : <button type="button" className="link" onClick={persist} title={PERSIST_REASON}>Ask the browser to keep it</button>}
          {!storage.persisted && <> ({PERSIST_REASON})</>}
        </p>
      )}
      <ul className="disk-list" data-testid="disk-list">
        {disks.map((d) => {
          const slot = attached.indexOf(d.id);
          const running = inMachine.has(d.id);
          const elsewhere = d.inUseElsewhere && !running;
          const locked = running || elsewhere;
          return (
            <li key={d.id} data-testid="disk-row" data-name={d.name}>
              <div className="disk-head">
                <strong>{d.name}</strong>
                <span className="mono">{fmt(d.size)}</span>
              </div>
              <small className="hint">
                changed {fmt(d.changedBytes)} · last used {ago(d.lastUsed)}{d.baseLabel ? ` · from ${d.baseLabel}` : " · started empty"}
                {running ? " · in use by this machine" : elsewhere ? " · in use in another tab" : ""}
              </small>
              <div className="row">
                <label className="check">
                  <input type="checkbox" checked={slot >= 0} disabled={!!busy || (slot < 0 && attached.length >= MAX_ATTACHED)}
                    onChange={(e) => setAttach(d.id, e.currentTarget.checked)} data-testid="disk-attach" />
                  <span>{slot >= 0 ? `attached as /dev/vd${"abcd"[slot]}` : "attach"}</span>
                </label>
                <button type="button" disabled={!!busy || locked} aria-label={`Download disk ${d.name}`} onClick={() => start(`Downloading ${d.name}`, (req) => ({ type: "download", req, id: d.id }))}>Download</button>
                <button type="button" disabled={!!busy || locked || d.changedBytes === 0 && !d.lastUsed} data-testid="disk-reset" aria-label={`Reset disk ${d.name}`}
                  onClick={() => { if (confirm(`Reset '${d.name}' to its first state? Everything the machine wrote to it (${fmt(d.changedBytes)} changed) is lost.`)) start(`Resetting ${d.name}`, (req) => ({ type: "reset", req, id: d.id })); }}>Reset</button>
                <button type="button" disabled={!!busy || locked} data-testid="disk-delete" aria-label={`Delete disk ${d.name}`}
                  onClick={() => { if (confirm(`Delete '${d.name}' (${fmt(d.size)})? It cannot be undone.`)) start(`Deleting ${d.name}`, (req) => ({ type: "delete", req, id: d.id })); }}>Delete</button>
              </div>
              {running && <small className="hint">Power the machine off to download, reset or delete it.</small>}
            </li>
          );
        })}
        {!disks.length && !unavailable && <li className="hint">No disks yet.</li>}
      </ul>
      {pendingAttach && (
        <div className="pending" role="status" data-testid="disks-pending">
          <p>Attached disks change at the next boot.</p>
          <button type="button" className="primary" onClick={onReboot}>Reboot now</button>
        </div>
      )}
      {busy && (
        <div role="status" aria-live="polite" data-testid="disk-progress">
          <span>{busy.what}… {busy.total ? `${fmt(busy.read)} / ${fmt(busy.total)}` : ""}</span>
          {busy.total > 0 && <progress max={busy.total} value={busy.read} />}
          {busy.what.startsWith("Adding") && <button type="button" onClick={() => send({ type: "cancel", req: busy.req })}>Cancel</button>}
        </div>
      )}
      {message && <p className={message.error ? "error-text" : "hint"} role={message.error ? "alert" : "status"} data-testid="disk-message">{message.text}</p>}
      <details className={dragging ? "drop-target" : undefined} open={!!picked || dragging}>
        <summary>Add an image</summary>
        <p className="hint">A raw disk image (ext2/3/4 or any), or gzip'd; drop it here or pick it. It is unpacked and stored in pieces as it is read.</p>
        <input ref={fileInput} type="file" data-testid="disk-file" onChange={(e) => pick(e.currentTarget.files?.[0])} disabled={!!busy || !!unavailable} />
        {picked && (
          <div className="row">
            <label>Name <input value={uploadName} onChange={(e) => setUploadName(e.currentTarget.value)} data-testid="disk-upload-name" /></label>
            <button type="button" className="primary" onClick={upload} disabled={!!busy || !!tooBig} data-testid="disk-upload">Add</button>
            <small className="hint" data-testid="disk-quota">{fmt(picked.size)}{free !== undefined ? `; ${fmt(free)} free` : ""}{tooBig ? " — not enough space" : ""}</small>
          </div>
        )}
      </details>
      <details>
        <summary>Create an empty disk</summary>
        <div className="row">
          <label>Name <input value={newName} onChange={(e) => setNewName(e.currentTarget.value)} data-testid="disk-new-name" /></label>
          <select value={newSize} onChange={(e) => setNewSize(Number(e.currentTarget.value))} aria-label="Size" data-testid="disk-new-size">
            {SIZES.map(([l, n]) => <option key={n} value={n}>{l}</option>)}
          </select>
          <button type="button" disabled={!!busy || !newName.trim() || !!unavailable} data-testid="disk-create"
            onClick={() => { const n = newName.trim(); setNewName(""); start(`Creating ${n}`, (req) => ({ type: "create", req, name: n, size: newSize })); }}>Create</button>
        </div>
        <small className="hint">Empty disks take no space until the machine writes to them; format one inside with mkfs.</small>
      </details>
    </section>
  );
}
