import type { KeyValueState } from './state-interface.js';

function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/**
 * Writes staged over a base state: read-your-writes inside, nothing reaches the base until
 * `commitTo`. A transaction runs in its own overlay, so a failed one leaves no partial write;
 * a block's overlay then gives the exact set of keys the store must persist.
 */
export class StateOverlay implements KeyValueState {
  private readonly writes = new Map<string, { key: Uint8Array; value: Uint8Array | null }>();

  constructor(private readonly base: KeyValueState) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const staged = this.writes.get(keyId(key));
    if (staged !== undefined) return staged.value ?? undefined;
    return this.base.get(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(keyId(key), { key: new Uint8Array(key), value: new Uint8Array(value) });
  }

  delete(key: Uint8Array): void {
    this.writes.set(keyId(key), { key: new Uint8Array(key), value: null });
  }

  get size(): number {
    return this.writes.size;
  }

  /** Staged writes in key order (null = delete), the order in which they are persisted. */
  changes(): { key: Uint8Array; value: Uint8Array | null }[] {
    return [...this.writes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, change]) => change);
  }

  commitTo(target: KeyValueState): void {
    for (const { key, value } of this.changes()) {
      if (value === null) target.delete(key);
      else target.set(key, value);
    }
    this.writes.clear();
  }
}
