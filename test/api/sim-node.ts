import { EventEmitter } from 'node:events';
import type { ApiNode } from '../../src/api/interface.js';
import type { Committee } from '../../src/consensus/interface.js';
import { toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import type { StoredBlock } from '../../src/ledger/store.js';
import type { GenesisFile } from '../../src/node/genesis-file.js';
import { NodeMetrics } from '../../src/node/metrics.js';
import type { SimBlock } from '../node/sim-chains.js';

/** The cycle length of the simulated chains' credit: their runs last a few seconds. */
export const SIM_CYCLE_MS = 1500;

/** A DAG chain's genesis for `committee`, as much of it as the API reads. */
export function simGenesis(committee: Committee): ApiNode['genesis'] {
  return {
    chainId: 'sim',
    shardId: 0,
    genesisTimeMs: 0,
    consensus: 'dag',
    validators: committee.members.map((m) => ({
      index: m.index,
      publicKey: toHex(m.publicKey),
      address: '/ip4/127.0.0.1/tcp/0',
      api: 'http://127.0.0.1:0',
    })),
    // Only the cycle length is read.
    sharding: { cycleMs: SIM_CYCLE_MS } as unknown as GenesisFile['sharding'],
  } as ApiNode['genesis'];
}

export function storedOf(block: SimBlock): StoredBlock {
  return { header: block.header, hash: block.hash, txHashes: block.txHashes, receipts: block.receipts };
}

/**
 * The pieces of a node the API reads: its genesis and a store holding a simulated chain, whole
 * or up to `head`. `deliver` moves the head to a block and announces it, as a node does once the
 * block is written; `missing` heights read as absent from the store.
 */
export class SimNode extends EventEmitter<{ block: [StoredBlock] }> {
  readonly index = 0;
  readonly lastAppliedSequence = -1;
  readonly metrics: NodeMetrics;
  readonly mempool = { size: 0 };
  readonly store: ApiNode['store'];
  readonly missing = new Set<number>();
  private height: number;

  constructor(
    readonly blocks: readonly SimBlock[],
    readonly genesis: ApiNode['genesis'],
    state = new Map<string, Uint8Array>(),
    head = blocks.length,
  ) {
    super();
    this.height = head;
    this.metrics = new NodeMetrics({ chainId: genesis.chainId, shardId: genesis.shardId, validator: 0 });
    const byHash = new Map<string, { height: number; index: number; bytes: Uint8Array }>();
    for (const block of blocks)
      block.transactions.forEach((t, index) => {
        byHash.set(toHex(t.hash), { height: block.header.height, index, bytes: t.bytes });
      });
    const at = (height: number) =>
      height >= 1 && height <= this.height && !this.missing.has(height) ? blocks[height - 1] : undefined;
    const node = this;
    this.store = {
      get head() {
        return { height: node.height, hash: blocks[node.height - 1]?.hash };
      },
      scheme: ed25519Scheme,
      getState: (key: Uint8Array) => state.get(toHex(key)),
      readBlock: async (height: number) => {
        const block = at(height);
        return block && storedOf(block);
      },
      readBatchProofs: async (height: number) => at(height)?.batchProofs,
      readTransaction: async (hash: Uint8Array) => byHash.get(toHex(hash)),
    } as unknown as ApiNode['store'];
  }

  deliver(height: number): void {
    this.height = height;
    this.emit('block', storedOf(this.blocks[height - 1]!));
  }

  peers(): number[] {
    return [];
  }

  submit(): never {
    throw new Error('not in this test');
  }
}
