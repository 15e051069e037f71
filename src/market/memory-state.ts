import { createHash } from 'node:crypto';
import { Writer } from '../codec/index.js';
import { sha256 } from '../crypto/index.js';
import { keyBytes, keyString } from '../ledger/key-string.js';
import type { StringKeyedState } from '../ledger/state-interface.js';

/**
 * The in-memory state for tests and the simulator. Its root is SHA-256 over the sorted key/value
 * pairs, each written as varint length and bytes; the ledger's sparse Merkle tree replaces it
 * behind the same interface.
 */
export class MemoryState implements StringKeyedState {
  private readonly entries = new Map<string, Uint8Array>();

  get(key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(keyString(key));
  }

  /** Access by key string, so an overlay on top of this state converts each key only once. */
  getByString(key: string): Uint8Array | undefined {
    return this.entries.get(key);
  }

  setByString(key: string, value: Uint8Array): void {
    this.entries.set(key, value);
  }

  deleteByString(key: string): void {
    this.entries.delete(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.entries.set(keyString(key), value.slice());
  }

  delete(key: Uint8Array): void {
    this.entries.delete(keyString(key));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Sorted (key, value) pairs, for inspection and tests. */
  *sortedEntries(): Generator<[Uint8Array, Uint8Array]> {
    for (const key of [...this.entries.keys()].sort()) yield [keyBytes(key), this.entries.get(key)!];
  }

  root(): Uint8Array {
    const hash = createHash('sha256');
    for (const key of [...this.entries.keys()].sort()) {
      const value = this.entries.get(key)!;
      const keyRaw = Buffer.from(key, 'latin1');
      hash.update(varuintBytes(keyRaw.length));
      hash.update(keyRaw);
      hash.update(varuintBytes(value.length));
      hash.update(value);
    }
    return new Uint8Array(hash.digest());
  }
}

const smallLengths = Array.from({ length: 128 }, (_, n) => new Writer(1).varuint(n).finish());
function varuintBytes(n: number): Uint8Array {
  return n < 128 ? smallLengths[n]! : new Writer(8).varuint(n).finish();
}

/** The root of an empty state, for reference. */
export const EMPTY_ROOT = sha256();
