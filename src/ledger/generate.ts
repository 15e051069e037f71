import { sha256 } from '../crypto/hash.js';
import { type SchemeId, type Signer, schemeById } from '../crypto/scheme.js';
import { encodeKvPut, KV_PUT, keyValueApplication } from './application.js';
import { LedgerError } from './errors.js';
import { LedgerStore } from './store.js';
import { signTransaction, type Transaction } from './transaction.js';

export interface GenerateOptions {
  readonly dir: string;
  readonly blocks: number;
  readonly txsPerBlock: number;
  readonly scheme?: SchemeId;
  readonly chainId?: string;
  readonly shardId?: number;
  readonly seed?: number;
  readonly senders?: number;
}

/** 2026-01-01T00:00:00Z: generated chains start here and add one second per block. */
export const GENERATED_GENESIS_TIME_MS = 1_767_225_600_000;

function checkCount(name: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new LedgerError('INVALID_PAYLOAD', `${name} must be an integer 0..${max}, got ${value}`, {
      [name]: value,
    });
  }
}

/** The same seed gives the same senders, so the same chain byte for byte. */
export function generatedSigners(schemeId: SchemeId, seed: number, count: number): Signer[] {
  const scheme = schemeById(schemeId);
  return Array.from({ length: count }, (_, i) =>
    scheme.signer(sha256(new TextEncoder().encode(`gridshard generated sender ${seed}/${i}`))),
  );
}

/**
 * Writes a signed chain of `kv.put` transactions from a handful of senders: the demo and the tests
 * of the store, verify and the benchmarks all start from one.
 */
export async function generateChain(
  options: GenerateOptions,
): Promise<{ height: number; transactions: number }> {
  checkCount('blocks', options.blocks, 1_000_000);
  checkCount('txsPerBlock', options.txsPerBlock, 100_000);
  const schemeId = options.scheme ?? 'ed25519-sha256';
  const seed = options.seed ?? 1;
  const chainId = options.chainId ?? 'gridshard-generated';
  const shardId = options.shardId ?? 0;
  const signers = generatedSigners(schemeId, seed, options.senders ?? 16);
  const nonces = signers.map(() => 0n);
  const store = await LedgerStore.create(
    options.dir,
    { chainId, shardId, scheme: schemeId, genesisTimeMs: GENERATED_GENESIS_TIME_MS },
    keyValueApplication,
  );
  let transactions = 0;
  try {
    for (let height = 1; height <= options.blocks; height++) {
      const txs: Transaction[] = [];
      for (let i = 0; i < options.txsPerBlock; i++) {
        const s = (height * 31 + i) % signers.length;
        const key = new TextEncoder().encode(`meter/${(height * 7 + i) % 97}`);
        const value = new TextEncoder().encode(`reading ${height}.${i}`);
        txs.push(
          signTransaction(signers[s]!, {
            chainId,
            shardId,
            type: KV_PUT,
            payload: encodeKvPut(key, value),
            nonce: nonces[s]!,
          }),
        );
        nonces[s]! += 1n;
      }
      await store.append(txs, {
        timestampMs: GENERATED_GENESIS_TIME_MS + height * 1000,
        randomness: sha256(new TextEncoder().encode(`round ${seed}/${height}`)),
        verifySignatures: false,
      });
      transactions += txs.length;
    }
    return { height: store.head.height, transactions };
  } finally {
    await store.close();
  }
}
