// The Internet checksum (RFC 1071): the one's-complement sum of big-endian
// 16-bit words, complemented. Sums are kept unfolded (a JS number holds the
// sum of any frame exactly) and folded once at the end.

/** Adds the bytes [start, end) as 16-bit big-endian words to `sum` (an odd last byte is padded with zero). */
export function sumWords(buf: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

export function foldSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum field value for the bytes [start, end) plus `initial` (e.g. a pseudo-header). */
export function internetChecksum(buf: Uint8Array, start: number, end: number, initial = 0): number {
  return ~foldSum(sumWords(buf, start, end, initial)) & 0xffff;
}

/** The TCP/UDP pseudo-header of RFC 793 section 3.1 / RFC 768: source, destination, protocol, length. */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}
