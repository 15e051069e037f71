import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coinName, createCoinShare, verifyCoinShare } from '../../src/consensus/coin/index.js';
import {
  type EquivocationProof,
  encodeEquivocationProof,
  type Header,
  headerDigest,
  headerSigningBytes,
} from '../../src/consensus/dag/index.js';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { ApplicationRouter } from '../../src/ledger/application.js';
import { type ChainState, genesisChain } from '../../src/ledger/chain-state.js';
import { decodeSignedTransaction } from '../../src/ledger/signed-transaction.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { committeeGenesisEntry, newcomersOf, readCommittee } from '../../src/roles/committee-state.js';
import { dkgApplication } from '../../src/roles/dkg-application.js';
import { dealingPayload, memberSecretShare } from '../../src/roles/dkg-member.js';
import { dkgOutcome } from '../../src/roles/dkg-outcome.js';
import { currentDkgSession, DKG_DEAL, DkgPhase } from '../../src/roles/dkg-records.js';
import {
  keySuspensionKey,
  ROLES_EQUIVOCATION,
  readSuspension,
  rolesApplication,
  suspensionKey,
} from '../../src/roles/evidence-application.js';
import {
  encodeHandoverVote,
  HANDOVER_CYCLE_KEY,
  handoverCycleEntry,
  handoverSigningBytes,
  ROLES_HANDOVER,
  readCoinSession,
  readEpochStart,
  readPending,
  signHandoverVote,
} from '../../src/roles/handover.js';
import { handoverApplication } from '../../src/roles/handover-application.js';

const enc = (s: string) => new TextEncoder().encode(s);
const CHAIN = 'handover-test';
const keys = Array.from({ length: 6 }, (_, i) => ed25519KeyPairFromSeed(sha256(enc(`node ${i}`))));
const committee: Committee = {
  shardId: 2,
  epoch: 0,
  members: keys.slice(0, 4).map((k, index) => ({ index, publicKey: k.publicKey })),
};
/** Node 3 leaves, node 4 takes its place. */
const next = [keys[0]!, keys[1]!, keys[2]!, keys[4]!].map((k) => k.publicKey);
const relay = ed25519Scheme.signer(sha256(enc('anyone relays')));
let nonce = 0n;

/** A chain that hands over (a cycle of a day, so no vote is late), unless `initial` sets its own cycle. */
function chain(initial = [committeeGenesisEntry(committee)], cycle = true): ChainState {
  nonce = 0n;
  const hasCycle = initial.some((e) => Buffer.compare(e.key, HANDOVER_CYCLE_KEY) === 0);
  const entries =
    hasCycle || !cycle ? initial : [...initial, handoverCycleEntry({ startMs: 0, cycleMs: 86_400_000 })];
  return genesisChain(
    {
      chainId: CHAIN,
      shardId: 2,
      scheme: 'ed25519-sha256',
      genesisTimeMs: 0,
      initialState: entries.sort((a, b) => Buffer.compare(a.key, b.key)),
    },
    new ApplicationRouter([rolesApplication, handoverApplication]),
  );
}

function tx(payload: Uint8Array, type = ROLES_HANDOVER) {
  const signed = signTransaction(relay, {
    chainId: CHAIN,
    shardId: 2,
    type,
    payload,
    nonce: nonce++,
  });
  return decodeSignedTransaction(encodeTransaction(signed), ed25519Scheme);
}

/** The credit an election could give the members of a list: the vote signs it with the list. */
const creditOf = (members: readonly Uint8Array[]) => members.map((_, i) => 4_000 + 1_000 * i);

const vote = (voter: number, members = next, epoch = 1, signer = voter, credit = creditOf(members)) =>
  tx(signHandoverVote(keys[signer]!.seed, CHAIN, 2, voter, epoch, members, credit));

function committeeOf(state: ChainState): Committee {
  return readCommittee({ get: (key) => state.view().getState(key) })!;
}

describe('committee handover on the chain', () => {
  it('switches to the voted committee in the block that counts the 2f + 1-th vote', () => {
    const state = chain();
    const first = state.execute([vote(0), vote(1)], { timestampMs: 10 });
    assert.deepEqual(
      first.receipts.map((r) => r.ok),
      [true, true],
    );
    assert.equal(committeeOf(state).epoch, 0, 'two votes of four are not a quorum');
    const second = state.execute([vote(3)], { timestampMs: 20 });
    assert.equal(second.receipts[0]!.ok, true);
    const after = committeeOf(state);
    assert.equal(after.epoch, 1);
    assert.deepEqual(
      after.members.map((m) => Buffer.from(m.publicKey).toString('hex')),
      next.map((k) => Buffer.from(k).toString('hex')),
    );
    assert.deepEqual(readEpochStart({ get: (key) => state.view().getState(key) }, 1), {
      height: 2,
      timeMs: 20,
    });
    // The old committee's last vote is stale now: it names epoch 1, and the committee is epoch 1's.
    const late = state.execute([vote(2)], { timestampMs: 30 });
    assert.equal(late.receipts[0]!.code, 'HANDOVER_EPOCH');
  });

  it('never lets two lists both reach a quorum, nor f members alone', () => {
    const state = chain();
    const other = [keys[0]!, keys[1]!, keys[2]!, keys[5]!].map((k) => k.publicKey);
    const block = state.execute([vote(3, other), vote(0), vote(1), vote(3), vote(2, other)], {
      timestampMs: 10,
    });
    assert.deepEqual(
      block.receipts.map((r) => [r.ok, r.code]),
      [
        [true, ''],
        [true, ''],
        [true, ''],
        [false, 'ALREADY_VOTED'],
        [true, ''],
      ],
    );
    assert.equal(committeeOf(state).epoch, 0, 'two votes for each list: no quorum for either');
    state.execute([vote(2)], { timestampMs: 20 });
    assert.equal(committeeOf(state).epoch, 0, 'member 2 voted already: its second vote is refused');
  });

  it('names the members new to a committee, whose first vertices come late', () => {
    const state = chain();
    const view = () => ({ get: (key: Uint8Array) => state.view().getState(key) });
    assert.deepEqual(newcomersOf(view(), committeeOf(state)), [], 'the genesis committee has none');
    state.execute([vote(0), vote(1), vote(2)], { timestampMs: 10 });
    assert.deepEqual(newcomersOf(view(), committeeOf(state)), [3], 'node 4 took index 3');
  });

  it('refuses every vote on a chain whose genesis sets no handover cycle', () => {
    const state = chain([committeeGenesisEntry(committee)], false);
    const block = state.execute([vote(0), vote(1), vote(2)], { timestampMs: 10 });
    assert.deepEqual(
      block.receipts.map((r) => r.code),
      ['NO_HANDOVER', 'NO_HANDOVER', 'NO_HANDOVER'],
    );
    assert.equal(committeeOf(state).epoch, 0);
  });

  it('refuses votes that are not a member’s signed vote for the next epoch', () => {
    const state = chain();
    const dup = [keys[0]!.publicKey, keys[0]!.publicKey, keys[1]!.publicKey, keys[2]!.publicKey];
    const notAKey = [...next.slice(0, 3), new Uint8Array(32).fill(0xff)];
    const credit = creditOf(next);
    const forged = encodeHandoverVote({
      nextEpoch: 1,
      members: next,
      credit,
      voter: 1,
      signature: ed25519Sign(keys[0]!.seed, handoverSigningBytes(CHAIN, 2, 1, next, credit)),
    });
    const otherChain = encodeHandoverVote({
      nextEpoch: 1,
      members: next,
      credit,
      voter: 1,
      signature: ed25519Sign(keys[1]!.seed, handoverSigningBytes('another-chain', 2, 1, next, credit)),
    });
    // Signed over one credit, sent with another: the figures are part of what the member signed.
    const otherCredit = encodeHandoverVote({
      nextEpoch: 1,
      members: next,
      credit: [10_000, 10_000, 10_000, 10_000],
      voter: 1,
      signature: ed25519Sign(keys[1]!.seed, handoverSigningBytes(CHAIN, 2, 1, next, credit)),
    });
    const block = state.execute(
      [
        vote(0, next, 2),
        vote(4, next, 1, 4),
        tx(forged),
        tx(otherChain),
        tx(otherCredit),
        vote(0, dup),
        vote(0, notAKey),
        vote(0, []),
        vote(0, next, 1, 0, [5_000, 5_000, 5_000]),
        vote(0, next, 1, 0, [5_000, 5_000, 5_000, 10_001]),
        tx(enc('not a vote')),
      ],
      { timestampMs: 10 },
    );
    assert.deepEqual(
      block.receipts.map((r) => r.code),
      [
        'HANDOVER_EPOCH',
        'NOT_A_MEMBER',
        'BAD_HANDOVER',
        'BAD_HANDOVER',
        'BAD_HANDOVER',
        'BAD_HANDOVER',
        'BAD_HANDOVER',
        'BAD_HANDOVER',
        'BAD_HANDOVER',
        'BAD_HANDOVER',
        block.receipts[10]!.code,
      ],
    );
    assert.notEqual(block.receipts[10]!.code, '');
    assert.equal(committeeOf(state).epoch, 0);
  });

  it('moves a suspension with its member’s key, and brings it back when a member that left returns', () => {
    // As if members 1 and 3 had been convicted: the records are the contract's to move.
    const convicted = (member: number) => [
      { key: suspensionKey(member), value: enc(`proof of ${member}`) },
      { key: keySuspensionKey(keys[member]!.publicKey), value: enc(`proof of ${member}`) },
    ];
    const entries = [committeeGenesisEntry(committee), ...convicted(1), ...convicted(3)];
    const state = chain(entries.sort((a, b) => Buffer.compare(a.key, b.key)));
    const reordered = [keys[1]!, keys[0]!, keys[2]!, keys[4]!].map((k) => k.publicKey);
    state.execute([vote(0, reordered), vote(1, reordered), vote(2, reordered)], { timestampMs: 10 });
    let view = state.view();
    assert.equal(committeeOf(state).epoch, 1);
    assert.deepEqual(view.getState(suspensionKey(0)), enc('proof of 1'), 'member 1 is index 0 now');
    assert.equal(view.getState(suspensionKey(1)), undefined);
    assert.equal(view.getState(suspensionKey(3)), undefined, 'node 4 at index 3 is not suspended');
    assert.deepEqual(view.getState(keySuspensionKey(keys[3]!.publicKey)), enc('proof of 3'), 'kept by key');
    // Node 3 is elected again in epoch 2: its suspension comes back with it.
    const back = [keys[3]!, keys[1]!, keys[0]!, keys[2]!].map((k) => k.publicKey);
    const epoch1Vote = (voter: number, signer: number) =>
      tx(signHandoverVote(keys[signer]!.seed, CHAIN, 2, voter, 2, back, creditOf(back)));
    state.execute([epoch1Vote(0, 1), epoch1Vote(1, 0), epoch1Vote(2, 2)], { timestampMs: 20 });
    view = state.view();
    assert.equal(committeeOf(state).epoch, 2);
    assert.deepEqual(view.getState(suspensionKey(0)), enc('proof of 3'));
    assert.deepEqual(view.getState(suspensionKey(1)), enc('proof of 1'));
    assert.equal(view.getState(suspensionKey(2)), undefined);
  });

  it('suspends on a proof that arrives after its committee handed over, checked against that committee', () => {
    const state = chain();
    const signedHeader = (author: number, text: string, epochCommittee: Committee, signer: number) => {
      const h: Header = {
        author,
        round: 7,
        parents: [],
        weakParents: [],
        transactions: [enc(text)],
        coinShare: null,
        signature: new Uint8Array(64),
      };
      const signature = ed25519Sign(keys[signer]!.seed, headerSigningBytes(epochCommittee, headerDigest(h)));
      return { ...h, signature };
    };
    // Node 3 (index 3) equivocated in epoch 0, and node 1 (index 1) too; node 3 then left.
    const proofOf = (member: number): EquivocationProof => ({
      epoch: 0,
      author: member,
      round: 7,
      first: signedHeader(member, 'one', committee, member),
      second: signedHeader(member, 'two', committee, member),
    });
    const reordered = [keys[1]!, keys[0]!, keys[2]!, keys[4]!].map((k) => k.publicKey);
    state.execute([vote(0, reordered), vote(1, reordered), vote(2, reordered)], { timestampMs: 10 });
    const epoch1 = committeeOf(state);
    assert.equal(epoch1.epoch, 1);
    const relabelled: EquivocationProof = { ...proofOf(1), epoch: 1, author: 0 };
    const future: EquivocationProof = { ...proofOf(1), epoch: 2 };
    const block = state.execute(
      [
        tx(encodeEquivocationProof(relabelled), ROLES_EQUIVOCATION),
        tx(encodeEquivocationProof(future), ROLES_EQUIVOCATION),
        tx(encodeEquivocationProof(proofOf(1)), ROLES_EQUIVOCATION),
        tx(encodeEquivocationProof(proofOf(3)), ROLES_EQUIVOCATION),
        tx(encodeEquivocationProof({ ...proofOf(1), round: 8 }), ROLES_EQUIVOCATION),
      ],
      { timestampMs: 20 },
    );
    assert.deepEqual(
      block.receipts.map((r) => r.code),
      ['BAD_EVIDENCE', 'BAD_EVIDENCE', '', '', 'BAD_EVIDENCE'],
      'the signatures bind epoch 0; epoch 2 never was; a proof of node 1 again is checked first',
    );
    const view = { get: (key: Uint8Array) => state.view().getState(key) };
    assert.equal(readSuspension(view, 0)?.round, 7, 'node 1 is suspended at its index of epoch 1');
    assert.equal(readSuspension(view, 3), undefined, 'index 3 is node 4 now');
    assert.ok(view.get(keySuspensionKey(keys[3]!.publicKey)) !== undefined, 'node 3 is suspended by key');
    const again = state.execute([tx(encodeEquivocationProof(proofOf(3)), ROLES_EQUIVOCATION)], {
      timestampMs: 30,
    });
    assert.equal(again.receipts[0]!.code, 'ALREADY_SUSPENDED');
  });

  it('keeps the chain’s time moving once the cycle is due, until the handover', () => {
    const state = chain([
      committeeGenesisEntry(committee),
      handoverCycleEntry({ startMs: 1000, cycleMs: 5000 }),
    ]);
    assert.equal(state.nextDueMs(), 6000);
    state.execute([vote(0), vote(1), vote(2)], { timestampMs: 6100 });
    assert.equal(state.nextDueMs(), 11_100, 'epoch 1 is due a cycle after it began');
    assert.equal(
      chain([committeeGenesisEntry(committee)], false).nextDueMs(),
      null,
      'no cycle in genesis: nothing due',
    );
  });

  describe('with key generation', () => {
    function keyedChain(): ChainState {
      nonce = 0n;
      return genesisChain(
        {
          chainId: CHAIN,
          shardId: 2,
          scheme: 'ed25519-sha256',
          genesisTimeMs: 0,
          initialState: [
            committeeGenesisEntry(committee),
            handoverCycleEntry({ startMs: 0, cycleMs: 5000, keyPhaseMs: 1000 }),
          ],
        },
        new ApplicationRouter([rolesApplication, dkgApplication, handoverApplication]),
      );
    }
    const stateOf = (chain: ChainState) => ({ get: (key: Uint8Array) => chain.view().getState(key) });

    it('lets the elected committee generate its coin keys, then hands over with them', () => {
      const chain = keyedChain();
      chain.execute([vote(0), vote(1), vote(2)], { timestampMs: 5000 });
      assert.equal(committeeOf(chain).epoch, 0, 'the committee waits for its keys');
      const pending = readPending(stateOf(chain))!;
      assert.equal(pending.nextEpoch, 1);
      const session = currentDkgSession(stateOf(chain))!;
      assert.deepEqual(session.id, pending.session);
      assert.deepEqual(session.members, next, 'the session is the elected committee’s, the standby included');
      assert.equal(chain.nextDueMs(), 6000, 'time must reach the chain at each phase’s end');
      assert.equal(chain.execute([vote(3)], { timestampMs: 5100 }).receipts[0]!.code, 'HANDOVER_PENDING');
      // Members 0, 1 and the incoming node 4 (index 3 of the new committee) deal; member 2 does not.
      const seeds = [keys[0]!, keys[1]!, keys[2]!, keys[4]!].map((k) => k.seed);
      const dealings = [0, 1, 3].map((member) =>
        tx(
          dealingPayload(
            { chainId: CHAIN, member, seed: seeds[member]! },
            session,
            sha256(enc(`entropy ${member}`)),
          ),
          DKG_DEAL,
        ),
      );
      assert.ok(chain.execute(dealings, { timestampMs: 5500 }).receipts.every((r) => r.ok));
      chain.execute([], { timestampMs: 6500 });
      chain.execute([], { timestampMs: 7500 });
      assert.equal(committeeOf(chain).epoch, 0);
      const boundary = chain.execute([], { timestampMs: 8000 });
      const state = stateOf(chain);
      assert.equal(committeeOf(chain).epoch, 1, 'handed over in the block that closed the session');
      assert.deepEqual(readEpochStart(state, 1), { height: boundary.header.height, timeMs: 8000 });
      assert.equal(chain.nextDueMs(), 13_000, 'the new committee serves a whole cycle from its start');
      assert.equal(currentDkgSession(state)!.phase, DkgPhase.closed);
      assert.deepEqual(readCoinSession(state, 1), session.id);
      assert.equal(readPending(state), null);
      // The new members' shares open the coin: any two make shares that verify against the keys.
      const { publicKeys } = dkgOutcome(state, session.id);
      const name = coinName(2, 1, 1);
      for (const member of [0, 3]) {
        const share = memberSecretShare(state, session.id, { chainId: CHAIN, member, seed: seeds[member]! });
        assert.ok(
          verifyCoinShare(publicKeys, member, name, createCoinShare(share, publicKeys, member, name)),
        );
      }
    });

    it('runs another session when too few dealers qualified', () => {
      const chain = keyedChain();
      chain.execute([vote(0), vote(1), vote(2)], { timestampMs: 5000 });
      const first = readPending(stateOf(chain))!;
      chain.execute([], { timestampMs: 8000 });
      assert.equal(committeeOf(chain).epoch, 0, 'nobody dealt: no keys, no handover');
      const second = readPending(stateOf(chain))!;
      assert.equal(second.attempt, 1);
      assert.notDeepEqual(second.session, first.session);
      const retry = currentDkgSession(stateOf(chain))!;
      assert.equal(retry.phase, DkgPhase.deal);
      assert.equal(
        retry.dealUntilMs - retry.openedAtMs,
        2000,
        'the second session’s phases are twice as long',
      );
      assert.equal(chain.nextDueMs(), 10_000);
    });
  });
});
