import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlockHeader, Receipt } from '../../src/ledger/block.js';
import type { ExecutedBlock } from '../../src/ledger/chain-state.js';

import { SimExecution } from '../../src/sim/execution.js';

/** A block as the report sees it: its height, state root and how many receipts succeeded or not. */
function block(height: number, stateRootByte: number, ok: number, refused: number): ExecutedBlock {
  const root = new Uint8Array(32).fill(stateRootByte);
  const header = {
    chainId: 'sim',
    shardId: 0,
    height,
    epoch: 0,
    timestampMs: height * 1000,
    previousHash: new Uint8Array(32),
    txRoot: new Uint8Array(32),
    txCount: ok + refused,
    receiptsRoot: new Uint8Array(32),
    stateRoot: root,
    randomness: new Uint8Array(32),
    evidence: new Uint8Array(0),
  } satisfies BlockHeader;
  const receipts = [
    ...Array.from({ length: ok }, () => ({ ok: true }) as Receipt),
    ...Array.from({ length: refused }, () => ({ ok: false }) as Receipt),
  ];
  return {
    header,
    hash: new Uint8Array(32).fill(height),
    transactions: [],
    txHashes: [],
    receipts,
    changes: [],
    view: undefined as never,
  };
}

describe('simulator execution report: where honest validators ended', () => {
  it('a validator short only of a block of refused transactions agrees when its state root is the same', () => {
    const execution = new SimExecution(1);
    for (const v of [0, 1, 2]) execution.executed(v, block(1, 7, 3, 0));
    // Validators 0 and 1 executed a block holding one refused transaction; the state did not change.
    for (const v of [0, 1]) execution.executed(v, block(2, 7, 0, 1));
    const report = execution.report([0, 1, 2]);
    assert.equal(report.finalStateMismatches, 0, report.problems.join('; '));
    assert.equal(report.refusedTx, 1);
  });

  it('a validator short of a block with a successful transaction is a mismatch', () => {
    const execution = new SimExecution(1);
    for (const v of [0, 1, 2]) execution.executed(v, block(1, 7, 3, 0));
    for (const v of [0, 1]) execution.executed(v, block(2, 8, 1, 0));
    const report = execution.report([0, 1, 2]);
    assert.equal(report.finalStateMismatches, 1);
    assert.match(report.problems.join('; '), /honest validators ended at/);
  });

  it('a refused-only block that changed the state root still counts as a mismatch', () => {
    const execution = new SimExecution(1);
    for (const v of [0, 1, 2]) execution.executed(v, block(1, 7, 3, 0));
    for (const v of [0, 1]) execution.executed(v, block(2, 9, 0, 1));
    assert.equal(execution.report([0, 1, 2]).finalStateMismatches, 1);
  });
});
