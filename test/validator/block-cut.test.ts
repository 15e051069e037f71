import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writer } from '../../src/codec/index.js';
import type { CommittedBatch } from '../../src/consensus/interface.js';
import { blockCut } from '../../src/validator/block-cut.js';
import { decodeBlockEvidence, encodeBlockEvidence } from '../../src/validator/evidence.js';

function batch(sequence: number, transactions: number, endsCommit: boolean): CommittedBatch {
  return {
    sequence,
    round: 10 + sequence,
    proposer: sequence % 4,
    transactions: Array.from({ length: transactions }, (_, i) => new Uint8Array([sequence, i & 0xff])),
    randomness: new Uint8Array(32).fill(sequence),
    evidence: new Uint8Array([sequence, 1, 2, 3]),
    proof: new Uint8Array([sequence, 9]),
    endsCommit,
  };
}

describe('block cuts', () => {
  it('waits for the end of a decision, then takes all of its batches', () => {
    const queue = [batch(0, 3, false), batch(1, 2, false)];
    assert.equal(blockCut(queue), 0, 'an incomplete decision makes no block yet');
    queue.push(batch(2, 1, true), batch(3, 5, false));
    assert.equal(blockCut(queue), 3);
  });

  it('cuts a very large decision at fixed sizes, the same way whatever arrives later', () => {
    const many = Array.from({ length: 300 }, (_, i) => batch(i, 1, i === 299));
    assert.equal(blockCut(many), 256, 'at most 256 batches per block');
    assert.equal(blockCut(many.slice(0, 256)), 256, 'the cut does not depend on what follows');
    const heavy = [batch(0, 15_000, false), batch(1, 15_000, false), batch(2, 1, true)];
    assert.equal(blockCut(heavy), 2, 'at most 20,000 transactions, reached within the second batch');
  });

  it('records every batch of a block in its evidence, and still reads one-batch evidence', () => {
    const batches = [batch(7, 1, false), batch(8, 2, false), batch(9, 1, true)];
    const evidence = decodeBlockEvidence(encodeBlockEvidence(batches, () => true));
    assert.equal(evidence.sequence, 9);
    assert.deepEqual(
      evidence.batches.map((b) => [b.sequence, b.round, b.proposer, [...b.certificate]]),
      batches.map((b) => [b.sequence, b.round, b.proposer, [...b.evidence]]),
    );
    const versionOne = new Writer(64)
      .u8(1)
      .u64(41)
      .u64(12)
      .u32(3)
      .bytes(new Uint8Array([9]))
      .finish();
    const old = decodeBlockEvidence(versionOne);
    assert.equal(old.sequence, 41);
    assert.deepEqual(old.batches[0]?.proposer, 3);
    const empty = new Writer(16).u8(2).u64(5).varuint(0).finish();
    assert.throws(() => decodeBlockEvidence(empty), /names no batch/);
    assert.throws(() => encodeBlockEvidence([], () => true), RangeError);
  });
});
