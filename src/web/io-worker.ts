// Browser entry of the I/O worker; see src/devices/io-host.ts.
import { ioMain, type ToIo } from "../devices/io-host.js";
import { webDiskPlatform } from "./disk-platform.js";

// The worker's global scope, typed locally (the DOM and WebWorker libs clash).
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<ToIo>) => void) | null;
  postMessage(m: unknown): void;
};
const handle = ioMain((m) => scope.postMessage(m), webDiskPlatform);
scope.onmessage = (ev) => handle(ev.data);
