// Share links on the page: the Share button, the box that shows the upload
// and then the link (a read-only field labelled "Share link" with Copy), and
// opening a link (`#/s/<id>` when the page opens, or when the address's hash
// changes) with the bytes fetched. The work is the machine worker's
// (share-jobs.ts); this draws and asks. App wires it with useShareLinks.
import { useCallback, useEffect, useRef, useState } from "react";
import { ShareLinkError, shareIdFromHash } from "../snapshot/share-link.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import type { LinkStatus, PageLimits, ShareStatus, Transfer } from "./share-protocol.js";
import "./share-panel.css";

type BootMessage = Extract<ToWorker, { type: "boot" }>;

// The app's directory: the link is made from it, and the API sits under it.
function appDir(): string {
  return new URL(".", location.href).href;
}

// Leave the address without a share link's hash once it is handled, so
// that opening the same link again is a hashchange, and a reload boots afresh.
function clearLinkHash(): void {
  if (location.hash.startsWith("#/s/")) history.replaceState(history.state, "", location.pathname + location.search);
}

export interface ShareLinks {
  share: ShareStatus;
  link: LinkStatus;
  /** Share the running machine. */
  start(): void;
  /** The first message the worker gets: open the address's link (booting `boot` if that fails), or `boot`. */
  firstMessage(boot: BootMessage): ToWorker;
  /** Takes the worker's share and link messages; false for others. */
  handle(m: FromWorker): boolean;
  dismissShare(): void;
  dismissLink(): void;
}

export function useShareLinks(post: (m: ToWorker) => void, limits: PageLimits, imagesUrl: () => string): ShareLinks {
  const [share, setShare] = useState<ShareStatus>({ kind: "idle" });
  const [link, setLink] = useState<LinkStatus>({ kind: "idle" });

  const openMessage = useCallback((id: string, orBoot?: BootMessage): ToWorker =>
    ({ type: "link-open", id, apiBase: appDir(), imagesUrl: imagesUrl(), limits, orBoot }), [limits, imagesUrl]);

  // The id in the address, or an error shown for a damaged one.
  const idInAddress = useCallback((): string | undefined => {
    try {
      return shareIdFromHash(location.hash);
    } catch (e) {
      if (!(e instanceof ShareLinkError)) throw e;
      setLink({ kind: "error", message: `${e.message[0].toUpperCase()}${e.message.slice(1)}: nothing was opened.` });
      clearLinkHash();
      return undefined;
    }
  }, []);

  const firstMessage = useCallback((boot: BootMessage): ToWorker => {
    const id = idInAddress();
    if (!id) return boot;
    setLink({ kind: "busy", id, phase: "manifest", message: "Opening the shared machine…" });
    return openMessage(id, boot);
  }, [idInAddress, openMessage]);

  // A link pasted into the address bar of an open page.
  useEffect(() => {
    const changed = () => {
      const id = idInAddress();
      if (!id) return;
      setLink({ kind: "busy", id, phase: "manifest", message: "Opening the shared machine…" });
      post(openMessage(id));
    };
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, [idInAddress, openMessage, post]);

  const handle = useCallback((m: FromWorker): boolean => {
    if (m.type === "share-status") {
      setShare(m.status);
      if (m.status.kind === "done") {
        // Where the browser allows it (the click was a moment ago).
        void navigator.clipboard?.writeText(m.status.link).catch(() => {});
      }
      return true;
    }
    if (m.type === "link-status") {
      setLink(m.status.kind === "done" ? { ...m.status, pageAt: performance.now() } : m.status);
      if (m.status.kind === "done" || m.status.kind === "error") clearLinkHash();
      return true;
    }
    return false;
  }, []);

  const start = useCallback(() => {
    setShare({ kind: "busy", phase: "snapshot", message: "Taking a snapshot…" });
    post({ type: "share", apiBase: appDir(), linkBase: appDir() });
  }, [post]);

  return {
    share, link, start, firstMessage, handle,
    dismissShare: useCallback(() => setShare({ kind: "idle" }), []),
    dismissLink: useCallback(() => setLink({ kind: "idle" }), []),
  };
}

export function ShareButton({ status, canShare, onShare }: { status: ShareStatus; canShare: boolean; onShare(): void }) {
  return (
    <button type="button" onClick={onShare} disabled={!canShare || status.kind === "busy"} data-testid="share-button"
      title="Snapshot the machine and upload it: anyone with the link gets it, resumed where it is now">Share</button>
  );
}

const size = (n: number) => n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} kB` : `${n} B`;

function TransferBar({ t, label, verb }: { t: Transfer; label: string; verb: string }) {
  return (
    <div className="share-transfer">
      <progress max={Math.max(1, t.bytes)} value={t.bytes ? t.bytesDone : 1} aria-label={label} />
      <span className="mono" data-testid={`${verb}-bytes`} data-done={t.bytesDone} data-total={t.bytes}>
        {size(t.bytesDone)} of {size(t.bytes)} {verb} ({t.blobsDone} of {t.blobs} part{t.blobs === 1 ? "" : "s"})
      </span>
    </div>
  );
}

function ShareResult({ status, onDismiss }: { status: ShareStatus; onDismiss(): void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState("");
  if (status.kind === "idle") return null;
  const copy = async (link: string) => {
    field.current?.select();
    try {
      await navigator.clipboard.writeText(link);
      setCopied("Copied");
    } catch {
      // Not allowed here: the link is selected for Ctrl+C.
      setCopied("Selected: press Ctrl+C to copy");
    }
    setTimeout(() => setCopied(""), 2500);
  };
  return (
    <section className="share-box" aria-label="Share" data-testid="share-box" data-kind={status.kind}>
      {status.kind === "busy" && (
        <>
          <p role="status" aria-live="polite">{status.message}</p>
          {status.transfer && <TransferBar t={status.transfer} label="Upload progress" verb="uploaded" />}
        </>
      )}
      {status.kind === "done" && (
        <>
          <div className="share-link-row">
            <label htmlFor="share-link">Share link</label>
            <input id="share-link" ref={field} type="text" readOnly value={status.link} onFocus={(e) => e.currentTarget.select()}
              data-testid="share-link" data-uploaded={status.uploadedBytes} data-ms={Math.round(status.ms)}
              data-snapshot-ms={Math.round(status.snapshotMs)} data-upload-ms={Math.round(status.uploadMs)} />
            <button type="button" onClick={() => void copy(status.link)}>Copy</button>
            <span className="share-copied" role="status" aria-live="polite">{copied}</span>
          </div>
          <p className="hint" role="status" data-testid="share-message">{status.message} Whoever opens the link gets this machine as it was at the click.</p>
        </>
      )}
      {status.kind === "error" && <p className="share-error" role="alert" data-testid="share-error">{status.message} The machine goes on.</p>}
      {status.kind !== "busy" && <button type="button" className="link share-dismiss" onClick={onDismiss}>Dismiss</button>}
    </section>
  );
}

function LinkProgress({ status, onDismiss }: { status: LinkStatus; onDismiss(): void }) {
  if (status.kind === "idle") return null;
  return (
    <section className="share-box" aria-label="Shared machine" data-testid="link-box" data-kind={status.kind}>
      {status.kind === "busy" && (
        <>
          <p role="status" aria-live="polite">{status.message}</p>
          {status.transfer && <TransferBar t={status.transfer} label="Download progress" verb="fetched" />}
          {!!status.localBytes && <small className="hint">{size(status.localBytes)} already in this browser</small>}
        </>
      )}
      {status.kind === "done" && <p role="status" data-testid="link-message" data-fetched={status.fetchedBytes + status.manifestBytes}
        data-ms={Math.round(status.ms)} data-fetch-ms={Math.round(status.fetchMs)} data-restore-ms={Math.round(status.restoreMs)}
        data-page-at={Math.round(status.pageAt ?? 0)}>{status.message}</p>}
      {status.kind === "error" && <p className="share-error" role="alert" data-testid="link-error">{status.message}</p>}
      {status.kind !== "busy" && <button type="button" className="link share-dismiss" onClick={onDismiss}>Dismiss</button>}
    </section>
  );
}

export function ShareBoxes({ links }: { links: ShareLinks }) {
  return (
    <>
      <ShareResult status={links.share} onDismiss={links.dismissShare} />
      <LinkProgress status={links.link} onDismiss={links.dismissLink} />
    </>
  );
}
