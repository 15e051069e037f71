import assert from 'node:assert/strict';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import type { ExecutedBlock } from '../../src/ledger/chain-state.js';
import type { AuditChain } from '../../src/node/credit-audit.js';
import { runSimulation } from '../../src/sim/run.js';

/** A block of a simulated chain with the batch quorum proofs its validator kept beside it. */
export type SimBlock = ExecutedBlock & { readonly batchProofs: Uint8Array };

/** Each honest validator's chain of a seeded simulator run with whole validators. */
export function chainsOf(faulty: number, seed: number) {
  const chains = new Map<number, SimBlock[]>();
  let committee: Committee | null = null;
  const result = runSimulation({
    protocol: 'dag',
    nodes: 4,
    faulty,
    byzantine: 'silent',
    seed,
    execute: true,
    calm: true,
    transactions: 300,
    txWindowMs: 6000,
    onBlock: (identity, block, c, batchProofs) => {
      committee = c;
      const chain = chains.get(identity) ?? [];
      chain.push({ ...block, batchProofs });
      chains.set(identity, chain);
    },
  });
  assert.ok(result.agreementOk && result.livenessOk, `seed ${seed}: the run itself failed`);
  return { chains, committee: committee!, faultyNodes: result.faultyNodes };
}

export function auditChain(blocks: readonly SimBlock[]): AuditChain {
  const at = (height: number) => {
    const block = blocks[height - 1];
    assert.ok(block !== undefined && block.header.height === height);
    return block;
  };
  return {
    head: blocks.length,
    scheme: ed25519Scheme,
    block: async (height) => at(height).header,
    transactions: async (height) => at(height).transactions.map((t) => t.bytes),
    batchProofs: async (height) => at(height).batchProofs,
  };
}
