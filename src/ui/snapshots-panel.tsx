// The Snapshots card: take one, and the list of those kept in this browser
// (name, time, size, machine shape) with restore, rename, download as a
// file, delete; and import from a file. The work is the machine worker's
// (snapshot-store.ts); this only draws and asks.
import { useRef, useState } from "react";
import type { SnapshotItem } from "./snapshot-store.js";

export interface SnapshotStatus { kind: "idle" | "busy" | "done" | "error"; message: string }

interface Props {
  items: SnapshotItem[];
  status: SnapshotStatus;
  canTake: boolean;
  onTake(): void;
  onRestore(id: string): void;
  onRename(id: string, name: string): void;
  onDelete(id: string): void;
  onDownload(id: string): void;
  onImport(file: File): void;
}

const size = (n: number) => n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : `${Math.max(1, Math.round(n / 1e3))} kB`;
const shape = (s: SnapshotItem) => `${s.harts} vCPU${s.harts === 1 ? "" : "s"}, ${s.ramMiB >= 1024 ? `${s.ramMiB / 1024} GiB` : `${s.ramMiB} MiB`}`;

export function SnapshotsPanel({ items, status, canTake, onTake, onRestore, onRename, onDelete, onDownload, onImport }: Props) {
  const [editing, setEditing] = useState<{ id: string; name: string } | undefined>();
  const file = useRef<HTMLInputElement>(null);
  const busy = status.kind === "busy";
  return (
    <section className="card snapshots" aria-labelledby="snapshots-h" data-testid="snapshots">
      <h2 id="snapshots-h">Snapshots</h2>
      <div className="row">
        <button type="button" className="primary" onClick={onTake} disabled={!canTake || busy} data-testid="snapshot-take"
          title="Freeze the running machine and keep it in this browser">Take snapshot</button>
        <button type="button" onClick={() => file.current?.click()} disabled={busy} data-testid="snapshot-import">Import…</button>
        <input ref={file} type="file" accept=".rvsnap,application/octet-stream" hidden data-testid="snapshot-import-file"
          onChange={(e) => { const f = e.currentTarget.files?.[0]; if (f) onImport(f); e.currentTarget.value = ""; }} />
      </div>
      <p className={`snapshot-status ${status.kind}`} role={status.kind === "error" ? "alert" : "status"} aria-live="polite" data-testid="snapshot-status" data-kind={status.kind}>
        {status.message}
      </p>
      {items.length === 0
        ? <p className="hint">None yet. A snapshot keeps the whole machine: its processes, files, screen and clock.</p>
        : (
          <ul className="snapshot-list">
            {items.map((s) => (
              <li key={s.id} data-testid="snapshot-item" data-id={s.id}>
                {editing?.id === s.id
                  ? (
                    <form onSubmit={(e) => { e.preventDefault(); onRename(s.id, editing.name); setEditing(undefined); }}>
                      <input aria-label="Snapshot name" value={editing.name} maxLength={100} autoFocus
                        onChange={(e) => setEditing({ id: s.id, name: e.currentTarget.value })}
                        onKeyDown={(e) => { if (e.key === "Escape") setEditing(undefined); }} />
                      <button type="submit">Save</button>
                    </form>
                  )
                  : <strong className="snapshot-name">{s.name}</strong>}
                <small>{new Date(s.created).toLocaleString()} · {size(s.bytes)} · {shape(s)}</small>
                <div className="row">
                  <button type="button" onClick={() => onRestore(s.id)} disabled={busy} aria-label={`Restore ${s.name}`}>Restore</button>
                  <button type="button" onClick={() => setEditing({ id: s.id, name: s.name })} aria-label={`Rename ${s.name}`}>Rename</button>
                  <button type="button" onClick={() => onDownload(s.id)} aria-label={`Download ${s.name}`}>Download</button>
                  <button type="button" className="danger" onClick={() => onDelete(s.id)} aria-label={`Delete ${s.name}`}>Delete</button>
                </div>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}
