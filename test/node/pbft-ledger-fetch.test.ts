import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import {
  type DecidedMessage,
  decodeCommitEvidence,
  encodeCommitEvidence,
  verifyCommitEvidence,
} from '../../src/consensus/pbft/index.js';
import type { ExecutedBlock } from '../../src/ledger/chain-state.js';
import type { StoredBlock } from '../../src/ledger/store.js';
import { type LedgerBatches, PbftLedgerFetch } from '../../src/node/pbft-ledger-fetch.js';
import { runSimulation } from '../../src/sim/run.js';
import { decodeBlockEvidence, decodeBlockProof } from '../../src/validator/evidence.js';

/** One honest validator's blocks of a simulated PBFT run, as its ledger would hold them. */
function simulatedLedger(seed: number, adversary: 'twins' | 'crash-loss') {
  const blocks: { block: ExecutedBlock; proofs: Uint8Array }[] = [];
  let committee: Committee | undefined;
  let holder: number | undefined;
  const result = runSimulation({
    protocol: 'pbft',
    nodes: 4,
    faulty: 1,
    byzantine: 'all',
    seed,
    adversary,
    execute: true,
    onBlock: (identity, block, blockCommittee, proofs) => {
      holder ??= identity;
      if (identity !== holder) return;
      committee = blockCommittee;
      blocks.push({ block, proofs });
    },
  });
  assert.ok(result.livenessOk, result.problems.join('; '));
  const byHash = new Map<string, Uint8Array>();
  for (const { block } of blocks)
    for (const tx of block.transactions) byHash.set(Buffer.from(tx.hash).toString('hex'), tx.bytes);
  const store: LedgerBatches = {
    head: { height: blocks.length },
    readBlock: async (height) => blocks[height - 1]?.block as StoredBlock | undefined,
    readTransaction: async (hash) => {
      const bytes = byHash.get(Buffer.from(hash).toString('hex'));
      return bytes === undefined ? undefined : { bytes };
    },
    readBatchProofs: async (height) => blocks[height - 1]?.proofs,
  };
  return { blocks, store, committee: committee!, holder: holder! };
}

describe('PBFT decisions answered from the ledger', () => {
  it('rebuilds every decided batch from the blocks, dropped entries in place, with commits a quorum signed', async () => {
    // Twins seed 85: in the first honest validator's blocks the duplicate filter dropped an entry
    // from the middle of a batch, so putting it back anywhere else would change the batch digest.
    const { blocks, store, committee, holder } = simulatedLedger(85, 'twins');
    const lastSequence = decodeBlockEvidence(blocks.at(-1)!.block.header.evidence).sequence;
    assert.ok(lastSequence >= 20, `${lastSequence} batches`);
    const sent: DecidedMessage[] = [];
    const fetcher = new PbftLedgerFetch({
      store,
      committee,
      index: holder,
      signingSeed: new Uint8Array(32).fill(7),
      // As if this validator were far ahead: every fetch below is beyond its core's window.
      lastExecuted: () => lastSequence + 1_000,
      send: (_to, message) => sent.push(message),
      log: { warn: (fields, message) => assert.fail(`${message} ${JSON.stringify(fields)}`) },
    });
    const answered = async (from: number) => {
      sent.length = 0;
      fetcher.onFetch(9, { type: 'fetch', from: 9, fromSequence: from, signature: new Uint8Array(64) });
      // The answer reads the ledger asynchronously; the rate limit keeps one per peer per 100 ms.
      await new Promise((resolve) => setTimeout(resolve, 150));
      return [...sent];
    };
    // Every sequence the blocks hold, 16 per answer, each a batch a quorum committed.
    let interior = 0;
    for (let from = 0; from <= lastSequence; from += 16) {
      const answer = await answered(from);
      assert.deepEqual(
        answer.map((m) => m.sequence),
        Array.from({ length: Math.min(16, lastSequence + 1 - from) }, (_, i) => from + i),
      );
      for (const m of answer) {
        assert.equal(m.from, holder);
        const verified = verifyCommitEvidence(committee, encodeCommitEvidence(m.commits, []), m);
        assert.equal(verified.sequence, m.sequence);
      }
    }
    for (const { block, proofs } of blocks) {
      const evidence = decodeBlockEvidence(block.header.evidence);
      decodeBlockProof(proofs).forEach((proof, i) => {
        const entries = decodeCommitEvidence(proof).dropped;
        const total = (evidence.batches[i]!.layout?.entries ?? 0) + entries.length;
        interior += entries.filter((entry, k) => entry.position < total - entries.length + k).length;
      });
    }
    assert.ok(interior > 0, 'an entry dropped from inside a batch, rebuilt in place above');
    // A fetch past the ledger's head gets nothing; one the core itself can answer is left to it.
    assert.deepEqual(await answered(lastSequence + 1), []);
  });
});
