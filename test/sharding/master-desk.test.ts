import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import {
  type CrossTrade,
  MasterDesk,
  type ShardDirectory,
  signVote,
  tradeId,
  type VoteShare,
  type VoteStatement,
} from '../../src/sharding/index.js';
import { CheckMemo } from '../../src/sim/shared-checks.js';

const CHAIN = 'desk';
const enc = (s: string) => new TextEncoder().encode(s);
/** Two shards of four validators each (f = 1, quorum 3). */
const seeds = [0, 1].map((shard) => Array.from({ length: 4 }, (_, i) => sha256(enc(`desk ${shard}/${i}`))));
const committees: Committee[] = seeds.map((list, shardId) => ({
  shardId,
  epoch: 0,
  members: list.map((seed, index) => ({ index, publicKey: ed25519KeyPairFromSeed(seed).publicKey })),
}));

const trade: CrossTrade = {
  chainId: CHAIN,
  session: new Uint8Array(16).fill(3),
  cycle: 0,
  legs: [
    { shard: 0, entries: [{ account: 'buyer', money: -10n, energy: 5n }] },
    { shard: 1, entries: [{ account: 'seller', money: 10n, energy: -5n }] },
  ],
};

const commit = (shard: number): VoteStatement => ({
  chainId: CHAIN,
  tradeId: tradeId(trade),
  shard,
  epoch: 0,
  verdict: { kind: 'commit' },
});

const share = (statement: VoteStatement, signer: number): VoteShare =>
  signVote(statement, signer, (m) => ed25519Sign(seeds[statement.shard]![signer]!, m));

const blank = (s: VoteShare): VoteShare => ({ ...s, signature: new Uint8Array(64) });

/** A master's desk with a memo of its own, as each validator has when checks are not shared. */
function desk(): { desk: MasterDesk; memo: CheckMemo } {
  const memo = new CheckMemo();
  const directory: ShardDirectory = {
    committee: (shard, epoch) => (epoch === 0 ? committees[shard] : undefined),
    sharedChecks: memo,
  };
  return { desk: new MasterDesk(directory), memo };
}

describe('master desk', () => {
  it('verifies a resent share once, and refuses a forged one', () => {
    const { desk: d, memo } = desk();
    const first = share(commit(0), 0);
    d.receive(trade, first);
    d.receive(trade, first);
    assert.equal(memo.computed, 1, 'the resend is answered from this desk’s own memo');
    assert.equal(d.receive(trade, blank(share(commit(0), 1))), null);
    assert.equal(d.refusedShares, 1);
  });

  it('decides at a quorum of each shard; later shares of a certified statement or a decided trade change nothing', () => {
    const { desk: d } = desk();
    for (const signer of [0, 1, 2]) d.receive(trade, share(commit(0), signer));
    // Shard 0 is certified: a fourth share of that very statement is not checked nor counted.
    const late = d.receive(trade, blank(share(commit(0), 3)));
    assert.deepEqual(late, { decision: null, fresh: false, missing: [1] });
    assert.equal(d.refusedShares, 0);
    // A share of another statement of shard 0 is checked: a forged abort is refused.
    const abort: VoteStatement = { ...commit(0), verdict: { kind: 'abort', reason: 'insufficient-funds' } };
    assert.equal(d.receive(trade, blank(share(abort, 3))), null);
    assert.equal(d.refusedShares, 1);
    let answer = d.receive(trade, share(commit(1), 0));
    answer = d.receive(trade, share(commit(1), 1));
    assert.equal(answer?.decision, null);
    answer = d.receive(trade, share(commit(1), 2));
    assert.equal(answer?.fresh, true);
    assert.deepEqual(
      answer?.decision?.votes.map((v) => [v.statement.shard, v.signatures.map((s) => s.signer)]),
      [
        [0, [0, 1, 2]],
        [1, [0, 1, 2]],
      ],
    );
    // Decided: any share is answered with the decision (which proves itself), fresh no more.
    const after = d.receive(trade, blank(share(commit(1), 3)));
    assert.equal(after?.fresh, false);
    assert.equal(after?.decision, answer?.decision);
    assert.equal(d.conflictingVotes, 0);
  });

  it('refuses shares of a retired committee, and starts again when a handover retires a vote it certified', () => {
    // Epochs 0 and 1 share their keys here, which is all the desk needs to tell them apart by.
    let retiredBelow = 0;
    const d = new MasterDesk({
      committee: (shard, epoch) => (epoch <= 1 ? { ...committees[shard]!, epoch } : undefined),
      retired: (shard, epoch) => shard === 0 && epoch < retiredBelow,
    });
    for (const signer of [0, 1, 2]) d.receive(trade, share(commit(0), signer));
    let answer = null;
    for (const signer of [0, 1, 2]) answer = d.receive(trade, share(commit(1), signer));
    assert.equal(answer?.decision?.votes.length, 2);
    // Shard 0 hands over twice: its epoch-0 vote no longer counts anywhere, so the decided desk
    // is dropped, shares of epoch 0 are refused, and the shard's fresh shares decide again.
    retiredBelow = 1;
    assert.equal(d.receive(trade, share(commit(0), 3)), null);
    assert.equal(d.refusedShares, 1);
    assert.equal(d.size, 0);
    const fresh = (signer: number) => share({ ...commit(0), epoch: 1 }, signer);
    for (const signer of [0, 1, 2]) answer = d.receive(trade, fresh(signer));
    assert.equal(answer?.decision, null, 'shard 1 must vote again too');
    for (const signer of [0, 1, 2]) answer = d.receive(trade, share(commit(1), signer));
    assert.equal(answer?.fresh, true);
    assert.deepEqual(
      answer?.decision?.votes.map((v) => [v.statement.shard, v.statement.epoch]),
      [
        [0, 1],
        [1, 0],
      ],
    );
  });
});
