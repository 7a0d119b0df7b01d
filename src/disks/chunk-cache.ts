// Recently used chunks, bounded by bytes (a Map keeps insertion order: a
// hit is moved to the end, the oldest is evicted first).
export class ChunkCache<K> {
  private readonly map = new Map<K, Uint8Array>();
  private used = 0;
  constructor(readonly capacityBytes: number) {}

  get(key: K): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v) { this.map.delete(key); this.map.set(key, v); }
    return v;
  }

  set(key: K, value: Uint8Array): void {
    this.delete(key);
    if (value.length > this.capacityBytes) return;
    this.map.set(key, value);
    this.used += value.length;
    for (const [k, v] of this.map) {
      if (this.used <= this.capacityBytes) break;
      this.map.delete(k);
      this.used -= v.length;
    }
  }

  delete(key: K): void {
    const v = this.map.get(key);
    if (v) { this.map.delete(key); this.used -= v.length; }
  }

  clear(): void { this.map.clear(); this.used = 0; }
  get bytes(): number { return this.used; }
}
