import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import { committeeOfEpoch } from '../../src/node/epoch-committee.js';
import {
  COMMITTEE_STATE_KEY,
  committeeGenesisEntry,
  pastCommitteeKey,
} from '../../src/roles/committee-state.js';

const committee = (epoch: number, fill: number): Committee => ({
  shardId: 0,
  epoch,
  members: [0, 1, 2, 3].map((index) => ({ index, publicKey: new Uint8Array(32).fill(fill + index) })),
});

/** A ledger whose state holds the current committee and the past ones it recorded at handovers. */
function ledger(current: Committee, past: readonly Committee[]) {
  const state = new Map<string, Uint8Array>();
  state.set(Buffer.from(COMMITTEE_STATE_KEY).toString('hex'), committeeGenesisEntry(current).value);
  for (const old of past)
    state.set(Buffer.from(pastCommitteeKey(old.epoch)).toString('hex'), committeeGenesisEntry(old).value);
  return { getState: (key: Uint8Array) => state.get(Buffer.from(key).toString('hex')) };
}

describe('the committee of a block’s epoch', () => {
  const genesis = committee(0, 10);
  const first = committee(1, 20);
  const second = committee(2, 30);

  it('is genesis’s for the genesis epoch, whatever the state holds', () => {
    assert.deepEqual(committeeOfEpoch(ledger(second, [genesis, first]), genesis, 0), genesis);
  });

  it('is the one the state recorded for a later epoch, current or past', () => {
    const store = ledger(second, [genesis, first]);
    assert.deepEqual(committeeOfEpoch(store, genesis, 2), second);
    assert.deepEqual(committeeOfEpoch(store, genesis, 1), first);
  });

  it('is unknown for an epoch the ledger has not reached', () => {
    assert.equal(committeeOfEpoch(ledger(first, [genesis]), genesis, 2), null);
    assert.equal(committeeOfEpoch({ getState: () => undefined }, genesis, 1), null);
  });
});
