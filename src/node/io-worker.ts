// Node entry of the I/O worker; see src/devices/io-host.ts.
import { parentPort } from "node:worker_threads";
import { ioMain } from "../devices/io-host.js";
import { nodeDevices } from "./io.js";

const port = parentPort!;
const handle = ioMain((m) => port.postMessage(m), nodeDevices);
port.on("message", handle);
