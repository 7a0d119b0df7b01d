// The About dialog: what the machine is, the version, where the README and
// the source are, and the keyboard shortcuts. The README is loaded only when
// asked for, so it costs the page's start nothing.
import { useEffect, useRef, useState } from "react";
import pkgText from "../../package.json?raw";

const pkg = JSON.parse(pkgText) as { version: string; repository?: string | { url?: string } };
export const VERSION = pkg.version;
// The public address of the source, when package.json names one.
const SOURCE_URL = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url?.replace(/^git\+/, "").replace(/\.git$/, "");

export function AboutDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [readme, setReadme] = useState<string | undefined>();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  const showReadme = async () => {
    const m = await import("../../README.md?raw");
    setReadme(m.default);
  };
  return (
    <dialog ref={ref} className="dialog about" aria-labelledby="about-h" onClose={onClose} data-testid="about">
      <div className="dialog-head">
        <h2 id="about-h">About rvplay</h2>
        <button type="button" className="icon" onClick={onClose}><span aria-hidden="true">✕</span><span className="sr-only">Close About</span></button>
      </div>
      <p>
        <strong>rvplay {VERSION}</strong> is a whole 64-bit RISC-V computer (RV64GC with the M, S and U privilege
        modes and Sv39 paging) compatible with QEMU's <code>virt</code> board, running in this tab: its CPU is
        compiled to WebAssembly, one worker thread per vCPU over one shared memory. It boots a small Linux 6.1
        (OpenSBI, busybox, an ext4 disk) into the serial console. Nothing leaves your browser.
      </p>
      <h3>Keyboard</h3>
      <dl className="keys">
        <dt><kbd>Ctrl</kbd>+<kbd>]</kbd></dt><dd>in the console: leave it for the page's controls (the console keeps <kbd>Tab</kbd> for the shell)</dd>
        <dt><kbd>Ctrl</kbd>+<kbd>]</kbd></dt><dd>elsewhere on the page: back to the console</dd>
        <dt><kbd>Tab</kbd> / <kbd>Shift</kbd>+<kbd>Tab</kbd></dt><dd>move between controls; the first stop is “Skip to the console”</dd>
        <dt><kbd>Ctrl</kbd>+<kbd>C</kbd></dt><dd>copies while text is selected, else interrupts the program (<kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>C</kbd> always copies)</dd>
        <dt><kbd>Ctrl</kbd>+<kbd>V</kbd></dt><dd>pastes into the console</dd>
      </dl>
      <h3>More</h3>
      <ul>
        <li><button type="button" className="link" onClick={() => void showReadme()} aria-expanded={readme !== undefined}>Read the README</button> (set-up, the CLI, benchmarks)</li>
        <li>
          {SOURCE_URL
            ? <a href={SOURCE_URL} target="_blank" rel="noreferrer">The source code</a>
            : <>The source code: the rvplay repository (<code>npm install &amp;&amp; npm start</code> runs this page)</>}
          , MIT licence.
        </li>
      </ul>
      {readme !== undefined && <pre className="readme" tabIndex={0} aria-label="README">{readme}</pre>}
    </dialog>
  );
}
