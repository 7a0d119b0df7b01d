// "Boot your own": a kernel (required), initrd, firmware and disk, each a
// file from this computer or a URL, and the kernel command line. The form
// checks what it can at once (one of file or URL, a usable URL, the command
// line); the machine worker then loads and checks the files themselves
// (RISC-V, gzip, room in the RAM chosen) before the running machine is
// touched, and its problems come back here by file.
import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Problem, Slot } from "./boot-check.js";
import type { FileRef, OwnFiles } from "./protocol.js";
import { checkAppend, checkFileUrl, formatMem } from "./settings.js";

const SLOTS: { slot: Slot; label: string; hint: string }[] = [
  { slot: "kernel", label: "Kernel", hint: "required: a RISC-V Linux Image, an ELF or a flat binary (e.g. S-mode U-Boot); gzip is fine" },
  { slot: "initrd", label: "Initrd", hint: "optional: an initial ramdisk (cpio, gzip is fine)" },
  { slot: "firmware", label: "Firmware", hint: "optional: M-mode firmware; empty = the sample's OpenSBI fw_dynamic" },
  { slot: "disk", label: "Disk", hint: "optional: a raw disk image for /dev/vda (gzip is fine); empty = no disk" },
];

type FieldProblem = { slot: Slot | "append"; message: string };

export type DialogStatus = { kind: "idle" } | { kind: "checking" } | { kind: "refused"; problems: Problem[] };

export function BootOwnDialog({ open, onClose, onBoot, status, memMiB, defaultAppend }: {
  open: boolean;
  onClose: () => void;
  onBoot: (files: OwnFiles) => void;
  status: DialogStatus;
  memMiB: number;
  defaultAppend: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const [local, setLocal] = useState<FieldProblem[]>([]);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) { setLocal([]); form.current?.reset(); d.showModal(); }
    if (!open && d.open) d.close();
  }, [open]);

  const problems: FieldProblem[] = status.kind === "refused" ? [...local, ...status.problems] : local;
  const bySlot = (s: Slot) => problems.filter((p) => p.slot === s);
  const appendProblem = local.find((p) => p.slot === "append");

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const f = form.current!;
    const found: FieldProblem[] = [];
    const refs: Partial<Record<Slot, FileRef>> = {};
    for (const { slot } of SLOTS) {
      const file = (f.elements.namedItem(`${slot}-file`) as HTMLInputElement).files?.[0];
      const url = (f.elements.namedItem(`${slot}-url`) as HTMLInputElement).value.trim();
      if (file && url) { found.push({ slot, message: `choose a file or a URL for the ${slot}, not both` }); continue; }
      if (url) {
        const why = checkFileUrl(url, document.baseURI);
        if (why) found.push({ slot, message: `the ${slot} URL cannot be used: ${why}` });
        else refs[slot] = { url: new URL(url, document.baseURI).href };
      } else if (file) {
        refs[slot] = { blob: file, name: file.name };
      }
    }
    if (!refs.kernel && !found.some((p) => p.slot === "kernel")) found.push({ slot: "kernel", message: "choose a kernel file or give its URL" });
    const append = (f.elements.namedItem("append") as HTMLInputElement).value.trim();
    const why = append ? checkAppend(append) : undefined;
    if (why) found.push({ slot: "append", message: why });
    setLocal(found);
    if (found.length) return;
    onBoot({ kernel: refs.kernel!, initrd: refs.initrd, firmware: refs.firmware, disk: refs.disk, append: append || undefined });
  };

  return (
    <dialog ref={ref} className="dialog boot-own" aria-labelledby="own-h" onClose={onClose} data-testid="boot-own">
      <form ref={form} onSubmit={submit} noValidate>
        <div className="dialog-head">
          <h2 id="own-h">Boot your own</h2>
          <button type="button" className="icon" onClick={onClose}><span aria-hidden="true">✕</span><span className="sr-only">Close Boot your own</span></button>
        </div>
        <p className="hint">
          The files are checked before anything is changed: a machine that runs now goes on if they cannot boot.
          Files you pick are kept in this browser, so a reload boots them again; URLs go in the page's link.
          The machine gets {formatMem(memMiB)} of RAM (the RAM slider).
        </p>
        {SLOTS.map(({ slot, label, hint }) => {
          const errs = bySlot(slot);
          return (
            <fieldset key={slot} className={errs.length ? "slot invalid" : "slot"} aria-describedby={`${slot}-hint ${slot}-err`}>
              <legend>{label}</legend>
              <small className="hint" id={`${slot}-hint`}>{hint}</small>
              <div className="slot-inputs">
                <label>
                  <span className="sr-only">{label} file</span>
                  <input type="file" name={`${slot}-file`} aria-label={`${label} file`} aria-invalid={errs.length > 0} />
                </label>
                <label className="url">
                  <span>or URL</span>
                  <input type="url" name={`${slot}-url`} aria-label={`${label} URL`} placeholder="https://…" inputMode="url" aria-invalid={errs.length > 0} />
                </label>
              </div>
              <div id={`${slot}-err`} className="field-error" data-testid={`${slot}-error`}>
                {errs.map((p) => <p key={p.message} role="alert">{p.message}</p>)}
              </div>
            </fieldset>
          );
        })}
        <label className="append">
          <span>Kernel command line</span>
          <input type="text" name="append" placeholder={defaultAppend} aria-describedby="append-hint append-err" spellCheck={false} />
        </label>
        <small className="hint" id="append-hint">empty = <code>{defaultAppend}</code> (the “Show boot log” setting decides <code>quiet</code>)</small>
        <div id="append-err" className="field-error">{appendProblem && <p role="alert">{appendProblem.message}</p>}</div>
        <div className="row end">
          <span role="status" className="hint" data-testid="own-status">{status.kind === "checking" ? "Loading and checking the files…" : ""}</span>
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={status.kind === "checking"}>Boot</button>
        </div>
      </form>
    </dialog>
  );
}
