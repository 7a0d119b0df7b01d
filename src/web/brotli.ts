// The page's brotli decoder for version 2 snapshot packs (blob-codec.ts):
// brotli-dec-wasm (the Rust brotli decoder in WebAssembly, about 200 KB),
// fetched the first time a brotli pack is met. Browsers' own
// DecompressionStream has no brotli. Chromium decodes a Debian snapshot's
// 83 MB with it about as fast as its native deflate.
import { provideBrotliDecoder } from "../snapshot/blob-codec.js";

export function useWebBrotli(): void {
  provideBrotliDecoder(async () => {
    const b = await (await import("brotli-dec-wasm")).default;
    return (bytes, limit) => {
      const stream = new b.DecompressStream();
      try {
        // At most `limit` bytes out: more is NeedsMoreOutput, never a
        // larger buffer (a small blob cannot fill the page's memory).
        const r = stream.decompress(bytes, limit);
        try {
          if (r.code === b.BrotliStreamResultCode.NeedsMoreOutput) throw new Error(`decodes to more than ${limit} bytes`);
          if (r.code !== b.BrotliStreamResultCode.ResultSuccess) throw new Error("is cut short");
          if (r.input_offset !== bytes.length) throw new Error("has bytes after its end");
          return r.buf;
        } finally {
          r.free();
        }
      } finally {
        stream.free();
      }
    };
  });
}
