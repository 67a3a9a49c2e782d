// A small LRU map: Map insertion order is the recency order; the oldest entry is evicted past max.
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private max: number) {}
  get size() {
    return this.map.size;
  }
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }
  /** Reads without touching recency. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }
  set(key: K, value: V) {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
  delete(key: K) {
    return this.map.delete(key);
  }
  clear() {
    this.map.clear();
  }
  keys() {
    return this.map.keys();
  }
}
