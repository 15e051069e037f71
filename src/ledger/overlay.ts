import { keyBytes, keyString } from './key-string.js';
import { isStringKeyed, type KeyValueState, type StringKeyedState } from './state-interface.js';

/**
 * Writes staged over a base state: read-your-writes inside, nothing reaches the base until
 * `commitTo`. A transaction runs in its own overlay, so a failed one is dropped and leaves no
 * partial write; a block's overlay then gives the exact set of keys the store must persist.
 *
 * Values are copied when staged, so a caller reusing its buffer cannot change a staged write.
 * Over a string-keyed base (the in-memory state, or another overlay) keys are converted once.
 */
export class StateOverlay implements StringKeyedState {
  /** null marks a staged delete. */
  private readonly writes = new Map<string, Uint8Array | null>();
  private readonly keyedBase: StringKeyedState | null;
  private sorted: string[] | null = null;

  constructor(private readonly base: KeyValueState) {
    this.keyedBase = isStringKeyed(base) ? base : null;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const name = keyString(key);
    const staged = this.writes.get(name);
    if (staged !== undefined) return staged ?? undefined;
    return this.keyedBase ? this.keyedBase.getByString(name) : this.base.get(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(keyString(key), new Uint8Array(value));
  }

  delete(key: Uint8Array): void {
    this.writes.set(keyString(key), null);
  }

  getByString(name: string): Uint8Array | undefined {
    const staged = this.writes.get(name);
    if (staged !== undefined) return staged ?? undefined;
    return this.keyedBase ? this.keyedBase.getByString(name) : this.base.get(keyBytes(name));
  }

  setByString(name: string, value: Uint8Array): void {
    this.writes.set(name, value);
  }

  deleteByString(name: string): void {
    this.writes.set(name, null);
  }

  /** Number of staged writes and deletes. */
  get size(): number {
    return this.writes.size;
  }

  /** Staged writes in key order (null = delete), the order in which they are persisted. */
  changes(): { key: Uint8Array; value: Uint8Array | null }[] {
    return this.sortedNames().map((name) => ({ key: keyBytes(name), value: this.writes.get(name)! }));
  }

  /**
   * Applies the staged writes in key order, so every run writes alike, to `target` (the base
   * unless told), and empties the overlay.
   */
  commitTo(target: KeyValueState = this.base): void {
    const keyed = target === this.base ? this.keyedBase : isStringKeyed(target) ? target : null;
    for (const name of this.sortedNames()) {
      const value = this.writes.get(name)!;
      if (keyed) {
        if (value === null) keyed.deleteByString(name);
        else keyed.setByString(name, value);
      } else if (value === null) target.delete(keyBytes(name));
      else target.set(keyBytes(name), value);
    }
    this.writes.clear();
    this.sorted = null;
  }

  /**
   * The staged names, sorted once for `changes` and `commitTo` alike. Staged names are only ever
   * added until the overlay is emptied, so the same count means the same names.
   */
  private sortedNames(): string[] {
    if (this.sorted === null || this.sorted.length !== this.writes.size) {
      const names = [...this.writes.keys()];
      // A transaction's overlay mostly holds one or two keys.
      this.sorted = names.length < 2 ? names : names.sort();
    }
    return this.sorted;
  }
}
