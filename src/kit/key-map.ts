/**
 * A map keyed by byte strings (member keys), looked up by the bytes themselves: a Map keyed by
 * each key's latin1 name makes a string per lookup, and the market looks member keys up millions
 * of times per cycle (once per deal or contract and party) from freshly decoded arrays.
 *
 * Keys are hashed over all their bytes; keys of equal hash share a chain and are told apart by
 * comparing bytes, so the answer never depends on the hash, only the speed does. A stored key is
 * a copy, so a caller changing its array later cannot move the entry.
 */
export class KeyMap<V> {
  private readonly chains = new Map<number, Entry<V>>();
  private count = 0;

  /** `hash` only decides which keys share a chain (tests force collisions with it). */
  constructor(private readonly hash: (key: Uint8Array) => number = hashBytes) {}

  get size(): number {
    return this.count;
  }

  get(key: Uint8Array): V | undefined {
    for (let entry = this.chains.get(this.hash(key)); entry !== undefined; entry = entry.next) {
      if (sameBytes(entry.key, key)) return entry.value;
    }
    return undefined;
  }

  set(key: Uint8Array, value: V): void {
    const hash = this.hash(key);
    const head = this.chains.get(hash);
    for (let entry = head; entry !== undefined; entry = entry.next) {
      if (sameBytes(entry.key, key)) {
        entry.value = value;
        return;
      }
    }
    this.chains.set(hash, { key: key.slice(), value, next: head });
    this.count++;
  }
}

interface Entry<V> {
  readonly key: Uint8Array;
  value: V;
  readonly next: Entry<V> | undefined;
}

/** FNV-1a over every byte and the length, kept to 30 bits so a Map holds it as a small integer. */
export function hashBytes(key: Uint8Array): number {
  let hash = 0x811c9dc5 ^ key.length;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key[i]!, 0x01000193);
  return hash & 0x3fffffff;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
