// Web Worker: instantiates the core over the shared memory it is given and
// runs one hart. (The playground's hart workers grow from this.)
import { instantiateCore, CoreView } from "../vm/core.js";

interface Start { module: WebAssembly.Module; memory: WebAssembly.Memory }

self.onmessage = async (ev: MessageEvent<Start>) => {
  try {
    const core = await instantiateCore(ev.data.module, ev.data.memory);
    core.initHart(0);
    const view = new CoreView(ev.data.memory);
    self.postMessage({ ok: true, hartBase: view.hartBase(0) });
  } catch (e) {
    self.postMessage({ ok: false, error: String(e) });
  }
};
