import type { KeyValueState } from '../ledger/state-interface.js';
import { keyBytes, keyString, MemoryState } from './memory-state.js';

/**
 * Staged writes over a base state: reads see the staged value first, nothing reaches the base
 * until `commit()`. A failed transaction simply drops its overlay, so it writes all or nothing.
 */
export class OverlayState implements KeyValueState {
  /** null marks a staged delete. */
  private readonly staged = new Map<string, Uint8Array | null>();

  private readonly memoryBase: MemoryState | null;

  constructor(private readonly base: KeyValueState) {
    this.memoryBase = base instanceof MemoryState ? base : null;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const name = keyString(key);
    const staged = this.staged.get(name);
    if (staged === null) return undefined;
    if (staged !== undefined) return staged;
    return this.memoryBase ? this.memoryBase.getByString(name) : this.base.get(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.staged.set(keyString(key), value);
  }

  delete(key: Uint8Array): void {
    this.staged.set(keyString(key), null);
  }

  get pendingWrites(): number {
    return this.staged.size;
  }

  /** Applies the staged writes to the base in sorted key order, so every run writes alike. */
  commit(): void {
    const memory = this.memoryBase;
    for (const key of [...this.staged.keys()].sort()) {
      const value = this.staged.get(key)!;
      if (memory) {
        if (value === null) memory.deleteByString(key);
        else memory.setByString(key, value);
      } else if (value === null) this.base.delete(keyBytes(key));
      else this.base.set(keyBytes(key), value);
    }
    this.staged.clear();
  }
}
