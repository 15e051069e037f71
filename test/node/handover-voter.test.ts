import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writer } from '../../src/codec/index.js';
import type { Committee } from '../../src/consensus/interface.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { decodeTransaction } from '../../src/ledger/transaction.js';
import { HandoverVoter } from '../../src/node/handover-voter.js';
import { committeeGenesisEntry } from '../../src/roles/committee-state.js';
import { electNext } from '../../src/roles/election.js';
import { keySuspensionKey } from '../../src/roles/evidence-application.js';
import {
  decodeHandoverVote,
  handoverCycleEntry,
  handoverVoteKey,
  ROLES_HANDOVER,
} from '../../src/roles/handover.js';
import { chainsOf } from './sim-chains.js';

// A simulated chain with validator 3 silent (it never orders a vertex).
const { chains } = chainsOf(1, 7);
const blocks = chains.get(0)!;
const seeds = Array.from({ length: 5 }, (_, i) => sha256(new TextEncoder().encode(`voter test ${i}`)));
const keys = seeds.map((seed) => ed25519Scheme.publicKeyFromSeed(seed));
const nodes = keys.map((key, index) => ({
  index,
  publicKey: toHex(key),
  address: `/ip4/127.0.0.1/tcp/${7000 + index}`,
  api: `http://node-${index}`,
}));
// The state's committee: nodes 0 … 3 in order (the blocks' vertices are read by committee index).
const committee: Committee = {
  shardId: 0,
  epoch: 0,
  members: keys.slice(0, 4).map((publicKey, index) => ({ index, publicKey })),
};
const startMs = blocks[0]!.header.timestampMs;
const dueIndex = Math.floor(blocks.length / 2);
const cycleMs = blocks[dueIndex]!.header.timestampMs - startMs;

function stateWith(extra: { key: Uint8Array; value: Uint8Array }[] = []) {
  const entries = [committeeGenesisEntry(committee), handoverCycleEntry({ startMs, cycleMs }), ...extra];
  return { get: (key: Uint8Array) => entries.find((e) => Buffer.compare(e.key, key) === 0)?.value };
}

function voter(node: number, head: number, state = stateWith(), now = () => 0) {
  const sent: Uint8Array[] = [];
  const v = new HandoverVoter({
    chainId: 'sim',
    shardId: 0,
    nodes,
    signingSeed: seeds[node]!,
    committed: () => ({ state, header: blocks[head - 1]!.header }),
    readBlockHeader: async (height) => blocks[height - 1]?.header,
    submit: (bytes) => sent.push(bytes),
    now,
    log: { info: () => {}, warn: () => {} },
  });
  return { v, sent };
}

describe('the handover vote of a running member', () => {
  const firstDue = blocks.findIndex((b) => b.header.timestampMs >= startMs + cycleMs) + 1;

  it('scores the epoch up to its due block and replaces the silent member by the standby', async () => {
    const { v } = voter(0, blocks.length);
    const election = await v.electionOf(0, stateWith(), blocks.length);
    assert.equal(election.dueHeight, firstDue);
    const expected = electNext(new Map(), blocks.slice(0, firstDue), committee, [0, 1, 2, 3], 5, new Set());
    assert.deepEqual(election.credit, expected.credit);
    assert.deepEqual(election.election.replaced, { out: 3, in: 4 });
    assert.equal(election.evidence.scores.get(3), 0);
    // Read at a later head, the election is the same: it depends on the due block only.
    const later = await voter(1, firstDue).v.electionOf(0, stateWith(), firstDue);
    assert.deepEqual(later.election, election.election);
  });

  it('counts a suspension recorded up to the due block, and not one recorded after it', async () => {
    const suspended = (height: number) =>
      stateWith([
        {
          key: keySuspensionKey(keys[1]!),
          value: new Writer(64)
            .u64(9)
            .u64(height)
            .bytes(new Uint8Array([1, 2, 3]))
            .finish(),
        },
      ]);
    const before = await voter(0, blocks.length).v.electionOf(0, suspended(firstDue), blocks.length);
    assert.deepEqual(before.election.removed, [{ out: 1, in: 4 }]);
    const after = await voter(0, blocks.length).v.electionOf(0, suspended(firstDue + 1), blocks.length);
    assert.deepEqual(after.election.removed, []);
  });

  it('votes once the due block is on the chain, once, with the elected members', async () => {
    let now = 0;
    const early = voter(0, firstDue - 1);
    await early.v.look();
    assert.equal(early.sent.length, 0, 'not before the cycle is due');
    const { v, sent } = voter(0, firstDue, stateWith(), () => now);
    await v.look();
    assert.equal(sent.length, 1);
    const tx = decodeTransaction(sent[0]!, ed25519Scheme);
    assert.equal(tx.type, ROLES_HANDOVER);
    const vote = decodeHandoverVote(tx.payload);
    assert.equal(vote.nextEpoch, 1);
    assert.equal(vote.voter, 0);
    assert.deepEqual(
      vote.members.map((k) => toHex(k)),
      [0, 1, 2, 4].map((i) => toHex(keys[i]!)),
    );
    await v.look();
    assert.equal(sent.length, 1, 'not again while the first may still be on its way');
    now += 5_000;
    await v.look();
    assert.equal(sent.length, 2, 'again once it should have been ordered');
    const recorded = stateWith([{ key: handoverVoteKey(1, 0), value: new Uint8Array(32) }]);
    const done = voter(0, firstDue, recorded, () => 10_000);
    await done.v.look();
    assert.equal(done.sent.length, 0, 'the chain holds its vote');
    const standby = voter(4, firstDue);
    await standby.v.look();
    assert.equal(standby.sent.length, 0, 'a standby node votes for nothing');
  });
});
