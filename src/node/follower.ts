import { existsSync } from 'node:fs';
import { fromHex, toHex } from '../crypto/hash.js';
import { ed25519Scheme } from '../crypto/scheme.js';
import type { Application } from '../ledger/application.js';
import { LedgerStore } from '../ledger/store.js';
import { decodeTransaction } from '../ledger/transaction.js';
import type { GridShardClient } from '../sdk/client.js';
import { NodeError } from './errors.js';
import { chainParametersOf, type GenesisFile } from './genesis-file.js';

export interface FollowResult {
  readonly height: number;
  readonly headHash: string;
  readonly blocksAdded: number;
}

/**
 * A common node: it takes no part in consensus, it copies the chain from a validator's API and
 * trusts nothing it copies. Each block is re-executed from genesis with the block's own time,
 * randomness and evidence; the header this produces must hash to the source's block hash, which
 * commits to the previous block, the transactions, their receipts and the state root. A block
 * that differs is not written (BLOCK_MISMATCH), so the local ledger ends at the last good block.
 *
 * What it does not check yet: the consensus certificate inside the evidence (2f + 1 signatures),
 * so a follower trusts that its source's blocks were decided, not only well formed.
 */
export async function followChain(options: {
  readonly genesis: GenesisFile;
  readonly dataDir: string;
  readonly source: GridShardClient;
  readonly application: Application;
  readonly until?: number;
}): Promise<FollowResult> {
  const params = chainParametersOf(options.genesis);
  const store = existsSync(options.dataDir)
    ? await LedgerStore.open(options.dataDir, options.application)
    : await LedgerStore.create(options.dataDir, params, options.application);
  let added = 0;
  try {
    const genesisAtSource = await options.source.block(0);
    if (genesisAtSource === null || genesisAtSource.hash !== toHex(await headHashAt(store, 0))) {
      throw new NodeError(
        'BAD_GENESIS',
        'the source serves another chain (block 0 differs from our genesis)',
        {},
      );
    }
    for (;;) {
      const height = store.head.height + 1;
      if (options.until !== undefined && height > options.until) break;
      const block = await options.source.block(height);
      if (block === null) break;
      const raw = await options.source.blockTransactions(height);
      if (raw === null || raw.hash !== block.hash) break;
      const transactions = raw.transactions.map((hex) => decodeTransaction(fromHex(hex), ed25519Scheme));
      await store.append(transactions, {
        timestampMs: Number(block.timestampMs),
        epoch: Number(block.epoch),
        randomness: fromHex(String(block.randomness)),
        evidence: fromHex(String(block.evidence)),
        expectedHash: fromHex(String(block.hash)),
      });
      added++;
    }
    return { height: store.head.height, headHash: toHex(store.head.hash), blocksAdded: added };
  } finally {
    await store.close();
  }
}

async function headHashAt(store: LedgerStore, height: number): Promise<Uint8Array> {
  const block = await store.readBlock(height);
  if (block === undefined) throw new NodeError('NOT_FOUND', `no block ${height} in the local ledger`, {});
  return block.hash;
}
