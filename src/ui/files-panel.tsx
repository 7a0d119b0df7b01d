// The Files panel: the shared folder the machine sees at /mnt/host, kept in
// this browser. Browse it, drop files or folders anywhere on the page (or
// pick them) to put them in, download a file or a folder (as a zip), make
// a folder, delete. What the guest changes shows up as it happens. The work
// is done in the files worker; this only draws.
import { useCallback, useEffect, useRef, useState } from "react";
import { childPath, parentPath, type FileRow, type FromFilesWorker, type IncomingFile, type ToFilesWorker } from "./files-protocol.js";

export interface MachineShare { attached: boolean; note?: string }

function fmt(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(n < 10 * 2 ** 20 ? 1 : 0)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}

// The files (and empty folders) of a drop, with their paths. Entries must be
// taken while the event is being dispatched; reading them can come later.
export function dropEntries(dt: DataTransfer): () => Promise<{ files: IncomingFile[]; dirs: string[] }> {
  const items = [...dt.items].filter((i) => i.kind === "file");
  const taken = items.map((i) => ({ entry: i.webkitGetAsEntry?.() ?? null, file: i.getAsFile() }));
  return async () => {
    const files: IncomingFile[] = [], dirs: string[] = [];
    const fileOf = (e: FileSystemFileEntry) => new Promise<File>((res, rej) => e.file(res, rej));
    const readAll = async (d: FileSystemDirectoryEntry) => {
      const reader = d.createReader();
      const out: FileSystemEntry[] = [];
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) return out;
        out.push(...batch);
      }
    };
    const visit = async (e: FileSystemEntry, path: string): Promise<void> => {
      if (e.isFile) files.push({ path, file: await fileOf(e as FileSystemFileEntry) });
      else if (e.isDirectory) {
        const children = await readAll(e as FileSystemDirectoryEntry);
        if (!children.length) dirs.push(path);
        for (const c of children) await visit(c, `${path}/${c.name}`);
      }
    };
    for (const t of taken) {
      if (t.entry) await visit(t.entry, t.entry.name);
      else if (t.file) files.push({ path: t.file.name, file: t.file }); // no entry (a page-made DataTransfer): the file alone
    }
    return { files, dirs };
  };
}

export function FilesPanel({ machine, machineOn }: { machine: MachineShare | undefined; machineOn: boolean }) {
  const worker = useRef<Worker>(undefined);
  const [dir, setDir] = useState("/");
  const dirRef = useRef("/");
  const [entries, setEntries] = useState<FileRow[]>([]);
  const [used, setUsed] = useState(0);
  const [free, setFree] = useState<number | undefined>();
  const [unavailable, setUnavailable] = useState<string | undefined>();
  const [busy, setBusy] = useState<{ req: number; what: string; done: number; total: number; cancel: boolean } | undefined>();
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const [dragging, setDragging] = useState(false);
  const [newName, setNewName] = useState("");
  const [naming, setNaming] = useState(false);
  const reqs = useRef(0);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const send = useCallback((m: ToFilesWorker) => worker.current?.postMessage(m), []);
  const go = useCallback((d: string) => { dirRef.current = d; setDir(d); send({ type: "list", dir: d }); }, [send]);

  useEffect(() => {
    const w = new Worker(new URL("./files-worker.ts", import.meta.url), { type: "module", name: "rvplay files" });
    worker.current = w;
    w.onmessage = (ev: MessageEvent<FromFilesWorker>) => {
      const m = ev.data;
      switch (m.type) {
        case "list":
          if (m.dir !== dirRef.current) break;
          if (m.missing && m.dir !== "/") { go(parentPath(m.dir)); break; } // the guest removed it
          setEntries(m.entries); setUsed(m.used); setUnavailable(m.unavailable);
          setFree(m.storage && m.storage.quota > 0 ? Math.max(0, m.storage.quota - m.storage.usage) : undefined);
          break;
        case "changed": w.postMessage({ type: "list", dir: dirRef.current } satisfies ToFilesWorker); break;
        case "progress": setBusy((b) => (b && b.req === m.req ? { ...b, done: m.done, total: m.total } : b)); break;
        case "done": setBusy(undefined); setMessage({ text: m.message, error: false }); w.postMessage({ type: "list", dir: dirRef.current } satisfies ToFilesWorker); break;
        case "failed": setBusy(undefined); setMessage({ text: m.message, error: true }); w.postMessage({ type: "list", dir: dirRef.current } satisfies ToFilesWorker); break;
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
    w.postMessage({ type: "list", dir: "/" } satisfies ToFilesWorker);
    return () => w.terminate();
  }, [go]);

  const start = useCallback((what: string, cancel: boolean, m: (req: number) => ToFilesWorker) => {
    const req = ++reqs.current;
    setMessage(undefined);
    setBusy({ req, what, done: 0, total: 0, cancel });
    send(m(req));
  }, [send]);

  const busyNow = useRef(false);
  busyNow.current = !!busy;
  const put = useCallback((files: IncomingFile[], dirs: string[]) => {
    if (!files.length && !dirs.length) return;
    if (busyNow.current) {
      setMessage({ text: "Wait for the files going in now to finish (or cancel them), then drop these again.", error: true });
      return;
    }
    const total = files.reduce((n, f) => n + f.file.size, 0);
    const what = files.length === 1 ? `Adding ${files[0].path}` : `Adding ${files.length} files`;
    if (free !== undefined && total > free) {
      setMessage({ text: `${files.length === 1 ? `'${files[0].path}' is` : `These files are`} ${fmt(total)} and this site may store only ${fmt(free)} more: nothing was added. Delete something here or in Disks, or free space on this computer.`, error: true });
      return;
    }
    start(what, true, (req) => ({ type: "import", req, dir: dirRef.current, files, dirs }));
  }, [free, start]);

  const onDrop = useCallback((dt: DataTransfer) => {
    const read = dropEntries(dt);
    read().then(({ files, dirs }) => put(files, dirs), (e: Error) => setMessage({ text: `The drop could not be read: ${e.message}`, error: true }));
  }, [put]);

  // Files dropped anywhere on the page (not on a panel that takes them
  // itself, like Disks) come here; a file dropped on the console would
  // otherwise make the browser open it in place of the page.
  useEffect(() => {
    const over = (e: DragEvent) => { if (e.dataTransfer?.types.includes("Files")) { e.preventDefault(); setDragging(true); } };
    const leave = (e: DragEvent) => { if (!e.relatedTarget) setDragging(false); };
    const drop = (e: DragEvent) => {
      setDragging(false);
      if (e.defaultPrevented || !e.dataTransfer?.types.includes("Files") || unavailable) return;
      e.preventDefault();
      onDrop(e.dataTransfer);
    };
    document.addEventListener("dragover", over);
    document.addEventListener("dragleave", leave);
    document.addEventListener("drop", drop);
    return () => { document.removeEventListener("dragover", over); document.removeEventListener("dragleave", leave); document.removeEventListener("drop", drop); };
  }, [onDrop, unavailable]);

  const picked = (list: FileList | null | undefined, asFolder: boolean) => {
    const files = [...(list ?? [])].map((f) => ({ path: asFolder && f.webkitRelativePath ? f.webkitRelativePath : f.name, file: f }));
    put(files, []);
    if (filesInput.current) filesInput.current.value = "";
    if (folderInput.current) folderInput.current.value = "";
  };

  const crumbs = dir === "/" ? [] : dir.slice(1).split("/");
  const mounted = machineOn && machine?.attached;

  return (
    <section className={`card files${dragging ? " drop-target" : ""}`} aria-labelledby="files-h" data-testid="files-panel">
      <h2 id="files-h">Files</h2>
      <p className="hint" data-testid="files-where">
        {mounted ? <>The machine sees this folder at <code>/mnt/host</code>; changes on either side show at once.</>
          : machine && !machine.attached ? (machine.note ?? "This machine has no shared folder.")
          : <>The shared folder: the machine sees it at <code>/mnt/host</code>.</>}
        {" "}Drop files or folders anywhere on the page to put them here.
      </p>
      {unavailable && <p className="warning" role="alert">The shared folder cannot be kept in this browser: {unavailable}.</p>}
      <nav aria-label="Folder" className="crumbs" data-testid="files-path">
        <button type="button" className="link" onClick={() => go("/")} aria-current={dir === "/" ? "page" : undefined}>/mnt/host</button>
        {crumbs.map((c, i) => (
          <span key={i}> / <button type="button" className="link" onClick={() => go("/" + crumbs.slice(0, i + 1).join("/"))}
            aria-current={i === crumbs.length - 1 ? "page" : undefined}>{c}</button></span>
        ))}
      </nav>
      <ul className="file-list" data-testid="file-list">
        {dir !== "/" && <li><button type="button" className="link" onClick={() => go(parentPath(dir))}>.. (up)</button></li>}
        {entries.map((e) => {
          const path = childPath(dir, e.name);
          return (
            <li key={e.name} data-testid="file-row" data-name={e.name} data-kind={e.kind}>
              <div className="file-head">
                {e.kind === "dir"
                  ? <button type="button" className="link" onClick={() => go(path)} aria-label={`Open folder ${e.name}`}>{e.name}/</button>
                  : <span className={e.kind === "symlink" ? "hint" : undefined}>{e.name}{e.kind === "symlink" ? " (link)" : ""}</span>}
                <span className="mono">{e.kind === "file" ? fmt(e.size) : ""}</span>
              </div>
              <div className="row">
                {e.kind === "file" && <button type="button" disabled={!!busy} data-testid="file-download"
                  onClick={() => start(`Downloading ${e.name}`, false, (req) => ({ type: "download", req, path }))}>Download</button>}
                {e.kind === "dir" && <button type="button" disabled={!!busy} data-testid="file-zip"
                  onClick={() => start(`Zipping ${e.name}`, false, (req) => ({ type: "zip", req, path }))}>Download .zip</button>}
                <button type="button" disabled={!!busy} data-testid="file-delete"
                  onClick={() => { if (confirm(`Delete ${e.kind === "dir" ? "the folder" : ""} '${e.name}'${e.kind === "dir" ? " and everything in it" : ""} from the shared folder? The machine loses it too.`)) start(`Deleting ${e.name}`, false, (req) => ({ type: "delete", req, path })); }}>Delete</button>
              </div>
            </li>
          );
        })}
        {!entries.length && !unavailable && <li className="hint">Empty. Drop files here, or write to /mnt/host in the machine.</li>}
      </ul>
      {busy && (
        <div role="status" aria-live="polite" data-testid="files-progress">
          <span>{busy.what}… {busy.total ? `${fmt(busy.done)} / ${fmt(busy.total)}` : ""}</span>
          {busy.total > 0 && <progress max={busy.total} value={busy.done} />}
          {busy.cancel && <button type="button" onClick={() => send({ type: "cancel", req: busy.req })}>Cancel</button>}
        </div>
      )}
      {message && <p className={message.error ? "error-text" : "hint"} role={message.error ? "alert" : "status"} data-testid="files-message">{message.text}</p>}
      <div className="row">
        <button type="button" disabled={!!busy || !!unavailable} onClick={() => filesInput.current?.click()}>Add files…</button>
        <button type="button" disabled={!!busy || !!unavailable} onClick={() => folderInput.current?.click()}>Add a folder…</button>
        <input ref={filesInput} type="file" multiple hidden data-testid="files-pick" onChange={(e) => picked(e.currentTarget.files, false)} />
        <input ref={folderInput} type="file" hidden data-testid="files-pick-folder" {...{ webkitdirectory: "" }} onChange={(e) => picked(e.currentTarget.files, true)} />
        {!naming && <button type="button" disabled={!!busy || !!unavailable} onClick={() => setNaming(true)}>New folder…</button>}
        {entries.length > 0 && <button type="button" disabled={!!busy} data-testid="files-zip-here"
          onClick={() => start("Zipping", false, (req) => ({ type: "zip", req, path: dir }))}>Download all (.zip)</button>}
      </div>
      {naming && (
        <form className="row" onSubmit={(e) => {
          e.preventDefault();
          const n = newName.trim();
          if (!n || n.includes("/")) return;
          setNewName(""); setNaming(false);
          start(`Making ${n}`, false, (req) => ({ type: "mkdir", req, path: childPath(dir, n) }));
        }}>
          <label>Folder name <input value={newName} autoFocus onChange={(e) => setNewName(e.currentTarget.value)} data-testid="files-new-name" /></label>
          <button type="submit" disabled={!!busy || !newName.trim() || newName.includes("/")}>Make</button>
          <button type="button" onClick={() => setNaming(false)}>Cancel</button>
        </form>
      )}
      <p className="hint" data-testid="files-storage">{fmt(used)} in the shared folder{free !== undefined ? `; ${fmt(free)} more may be stored` : ""}. Kept in this browser (IndexedDB).</p>
    </section>
  );
}
