// Browser entry of the I/O worker; see src/devices/io-host.ts.
import { ioMain, type ToIo } from "../devices/io-host.js";
import { makeWebNet } from "./net-link.js";
import { webDiskPlatform } from "./disk-platform.js";
import { webSharePlatform } from "./share-platform.js";

// The worker's global scope, typed locally (the DOM and WebWorker libs clash).
const scope = self as unknown as {
  onmessage: ((ev: MessageEvent<ToIo>) => void) | null;
  postMessage(m: unknown): void;
};
// What the I/O worker builds in the browser beyond the shared devices.
const handle = ioMain((m) => scope.postMessage(m), { ...webDiskPlatform, ...webSharePlatform, makeNet: makeWebNet });
scope.onmessage = (ev) => handle(ev.data);
