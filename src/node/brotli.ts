// Brotli compression for snapshot packs (repack.ts) with node:zlib: quality
// 11 and a 16 MiB window, in libuv's thread pool (packs compress side by
// side). Decoding needs nothing here: blob-codec.ts finds node:zlib itself.
import { brotliCompress, constants } from "node:zlib";

export function brotliPack(raw: Uint8Array): Promise<Uint8Array> {
  return new Promise((ok, no) => brotliCompress(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  }, (e, out) => e ? no(e) : ok(new Uint8Array(out.buffer, out.byteOffset, out.length))));
}
