import { Writer } from '../../codec/index.js';
import { ed25519KeyPairFromSeed, sha256 } from '../../crypto/index.js';

/**
 * Benchmark transactions: 128 bytes, `GSTX` | client (u16) | nonce (u64) | payload, then an
 * Ed25519 signature over those first 64 bytes by the client's key. The magic lets the harness find
 * transactions inside any protocol's messages, and the nonce identifies a transaction cheaply.
 */
export const TX_MAGIC = 0x47535458;
export const TX_LENGTH = 128;
export const TX_SIGNED_LENGTH = 64;
export const CLIENT_COUNT = 64;

export function isBenchTransaction(bytes: Uint8Array): boolean {
  return (
    bytes.length === TX_LENGTH &&
    bytes[0] === 0x47 &&
    bytes[1] === 0x53 &&
    bytes[2] === 0x54 &&
    bytes[3] === 0x58
  );
}

export function transactionNonce(bytes: Uint8Array): number {
  return ((bytes[10]! << 24) | (bytes[11]! << 16) | (bytes[12]! << 8) | bytes[13]!) >>> 0;
}

export interface ClientKeys {
  readonly seeds: Uint8Array[];
  readonly publicKeys: Uint8Array[];
}

/** Deterministic client keys, so runs are comparable. */
export function clientKeys(count = CLIENT_COUNT): ClientKeys {
  const seeds = Array.from({ length: count }, (_, i) =>
    sha256(new Writer(48).string('gridshard/bench/client').u32(i).finish()),
  );
  return { seeds, publicKeys: seeds.map((s) => ed25519KeyPairFromSeed(s).publicKey) };
}

/**
 * Finds every benchmark transaction inside a decoded message of either protocol, whatever its
 * shape, so each validator verifies what it is asked to accept. Depth-limited: messages are trees.
 */
export function collectTransactions(value: unknown, out: Uint8Array[], depth = 0): void {
  if (depth > 10 || value === null || typeof value !== 'object') return;
  if (value instanceof Uint8Array) {
    if (isBenchTransaction(value)) out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectTransactions(item, out, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const item of value.values()) collectTransactions(item, out, depth + 1);
    return;
  }
  for (const item of Object.values(value)) collectTransactions(item, out, depth + 1);
}
