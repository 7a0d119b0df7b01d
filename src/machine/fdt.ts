// A flattened device tree (DTB) writer: Devicetree Specification v0.4,
// chapter 5 ("Flattened Devicetree (DTB) Format"), version 17.

export type PropValue = string | string[] | number | number[] | bigint[] | Uint8Array | true;

export interface FdtNode {
  name: string;
  props: [string, PropValue][];
  children: FdtNode[];
}

export function node(name: string, props: Record<string, PropValue> = {}, children: FdtNode[] = []): FdtNode {
  return { name, props: Object.entries(props), children };
}

const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_END = 9;

// Property values: a string, a string list, u32 cells (number/number[]),
// u64 cells (bigint[], two u32 cells each), raw bytes, or empty (true).
function encodeValue(v: PropValue): Uint8Array {
  const enc = new TextEncoder();
  if (v === true) return new Uint8Array(0);
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") return enc.encode(v + "\0");
  if (typeof v === "number") v = [v];
  if (Array.isArray(v) && v.length > 0 && typeof v[0] === "string") {
    return enc.encode((v as string[]).map((s) => s + "\0").join(""));
  }
  if (Array.isArray(v) && v.length > 0 && typeof v[0] === "bigint") {
    const out = new Uint8Array(v.length * 8);
    const dv = new DataView(out.buffer);
    (v as bigint[]).forEach((x, i) => dv.setBigUint64(i * 8, x));
    return out;
  }
  const cells = v as number[];
  const out = new Uint8Array(cells.length * 4);
  const dv = new DataView(out.buffer);
  cells.forEach((x, i) => dv.setUint32(i * 4, x >>> 0));
  return out;
}

export function buildFdt(root: FdtNode, bootCpuId = 0): Uint8Array {
  const struct: number[] = [];
  const strings: number[] = [];
  const stringOffsets = new Map<string, number>();
  const enc = new TextEncoder();
  const u32 = (x: number) => struct.push((x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff);
  const bytes = (b: Uint8Array) => {
    for (const x of b) struct.push(x);
    while (struct.length % 4) struct.push(0);
  };
  const nameOff = (name: string) => {
    let off = stringOffsets.get(name);
    if (off === undefined) {
      off = strings.length;
      stringOffsets.set(name, off);
      for (const x of enc.encode(name + "\0")) strings.push(x);
    }
    return off;
  };
  const emit = (n: FdtNode) => {
    u32(FDT_BEGIN_NODE);
    bytes(enc.encode(n.name + "\0"));
    for (const [k, v] of n.props) {
      const val = encodeValue(v);
      u32(FDT_PROP);
      u32(val.length);
      u32(nameOff(k));
      bytes(val);
    }
    for (const c of n.children) emit(c);
    u32(FDT_END_NODE);
  };
  emit(root);
  u32(FDT_END);

  const headerSize = 40;
  const rsvOff = headerSize;
  const rsvSize = 16; // one terminating (0, 0) entry
  const structOff = rsvOff + rsvSize;
  const stringsOff = structOff + struct.length;
  const total = stringsOff + strings.length;
  const out = new Uint8Array((total + 7) & ~7);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, FDT_MAGIC);
  dv.setUint32(4, out.length);
  dv.setUint32(8, structOff);
  dv.setUint32(12, stringsOff);
  dv.setUint32(16, rsvOff);
  dv.setUint32(20, 17); // version
  dv.setUint32(24, 16); // last compatible version
  dv.setUint32(28, bootCpuId);
  dv.setUint32(32, strings.length);
  dv.setUint32(36, struct.length);
  out.set(struct, structOff);
  out.set(strings, stringsOff);
  return out;
}
