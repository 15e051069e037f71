import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineCoinShares, createCoinShare, verifyCoinShare } from '../../src/consensus/coin/index.js';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme, type Signer } from '../../src/crypto/scheme.js';
import { type ChainState, genesisChain } from '../../src/ledger/chain-state.js';
import { decodeSignedTransaction, type SignedTransaction } from '../../src/ledger/signed-transaction.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { committeeGenesisEntry } from '../../src/roles/committee-state.js';
import { dkgApplication } from '../../src/roles/dkg-application.js';
import {
  complaintPayloads,
  type DkgMemberKey,
  dealingPayload,
  justificationPayloads,
  memberSecretShare,
} from '../../src/roles/dkg-member.js';
import { dkgOutcome, dkgStatus } from '../../src/roles/dkg-outcome.js';
import {
  complaintBody,
  currentDkgSession,
  DKG_COMPLAIN,
  DKG_DEAL,
  DKG_JUSTIFY,
  DKG_OPEN,
  DKG_SESSION_GAP_MS,
  DkgPhase,
  encodeOpen,
  encodeStep,
  justificationBody,
  SEALED_SHARE_LENGTH,
  stepSigningBytes,
} from '../../src/roles/dkg-records.js';

const CHAIN = 'dkg-test';
const enc = (s: string) => new TextEncoder().encode(s);
const seeds = Array.from({ length: 4 }, (_, i) => sha256(enc(`dkg member ${i}`)));
const committee: Committee = {
  shardId: 0,
  epoch: 0,
  members: seeds.map((seed, index) => ({ index, publicKey: ed25519KeyPairFromSeed(seed).publicKey })),
};
const keys: DkgMemberKey[] = seeds.map((seed, member) => ({ chainId: CHAIN, member, seed }));
const entropy = (i: number) => sha256(enc(`dealer entropy ${i}`));
/** Whoever sends the transactions: the steps are signed inside, so it need not be a member. */
const relay = ed25519Scheme.signer(sha256(enc('a relay')));
const PHASES = { dealMs: 2_000, complainMs: 2_000, justifyMs: 2_000 };

class Driver {
  readonly chain: ChainState;
  private readonly nonces = new Map<Signer, bigint>();
  time = 0;

  constructor(withCommittee = true) {
    this.chain = genesisChain(
      {
        chainId: CHAIN,
        shardId: 0,
        scheme: 'ed25519-sha256',
        genesisTimeMs: 0,
        ...(withCommittee ? { initialState: [committeeGenesisEntry(committee)] } : {}),
      },
      dkgApplication,
    );
  }

  tx(type: string, payload: Uint8Array, signer: Signer = relay): SignedTransaction {
    const nonce = this.nonces.get(signer) ?? 0n;
    this.nonces.set(signer, nonce + 1n);
    const tx = signTransaction(signer, { chainId: CHAIN, shardId: 0, type, payload, nonce });
    return decodeSignedTransaction(encodeTransaction(tx), ed25519Scheme);
  }

  block(transactions: SignedTransaction[] = [], stepMs = 1000) {
    this.time += stepMs;
    return this.chain.execute(transactions, { timestampMs: this.time });
  }

  get state() {
    const view = this.chain.view();
    return { get: (key: Uint8Array) => view.getState(key) };
  }
}

function codes(block: { receipts: readonly { ok: boolean; code: string }[] }) {
  return block.receipts.map((r) => (r.ok ? 'ok' : r.code));
}

/** Replaces the sealed share for `recipient` in a deal payload with the one `from` holds there, and signs again. */
function corrupt(payload: Uint8Array, key: DkgMemberKey, recipient: number, from: Uint8Array): Uint8Array {
  const out = payload.slice();
  const boxesEnd = payload.length - 64;
  const boxesAt = boxesEnd - 4 * SEALED_SHARE_LENGTH;
  const at = boxesAt + recipient * SEALED_SHARE_LENGTH;
  out.set(from.subarray(at, at + SEALED_SHARE_LENGTH), at);
  // Re-sign the edited body: the dealer itself hands out the bad share.
  const id = out.subarray(0, 32);
  const bodyStart = 36 + 2; // session, member, then the body's length prefix (2 bytes here)
  const body = out.subarray(bodyStart, boxesEnd);
  const signature = ed25519Sign(key.seed, stepSigningBytes(CHAIN, 0, DKG_DEAL, id, key.member, body));
  return encodeStep(id, key.member, body, signature);
}

describe('distributed key generation on the chain', () => {
  it('qualifies dealers who answer complaints, drops one who does not, and the keys make a coin', () => {
    const d = new Driver();
    const opened = d.block([d.tx(DKG_OPEN, encodeOpen(PHASES))]);
    assert.deepEqual(codes(opened), ['ok']);
    const id = opened.txHashes[0]!;
    const session = currentDkgSession(d.state)!;
    assert.deepEqual(session.id, id);
    assert.equal(session.threshold, 2);
    assert.equal(session.phase, DkgPhase.deal);
    assert.equal(d.chain.nextDueMs(), session.dealUntilMs, 'an idle chain still closes the phase');

    // Dealers 0, 1 and 2 deal; 1 and 2 hand one member a bad share each; 3 never deals.
    const payloads = [0, 1, 2].map((i) => dealingPayload(keys[i]!, session, entropy(i)));
    const dealt = d.block([
      d.tx(DKG_DEAL, payloads[0]!),
      d.tx(DKG_DEAL, corrupt(payloads[1]!, keys[1]!, 2, payloads[0]!)),
      d.tx(DKG_DEAL, corrupt(payloads[2]!, keys[2]!, 3, payloads[0]!)),
      d.tx(DKG_DEAL, payloads[0]!),
      // Member 3 cannot post a dealing in member 0's name, nor edit one without its key.
      d.tx(
        DKG_DEAL,
        encodeStep(id, 3, payloads[0]!.subarray(38, payloads[0]!.length - 64), payloads[0]!.subarray(-64)),
      ),
    ]);
    assert.deepEqual(codes(dealt), ['ok', 'ok', 'ok', 'BAD_DKG', 'NOT_A_MEMBER']);
    const late = d.block([d.tx(DKG_DEAL, dealingPayload(keys[3]!, session, entropy(3)))]);
    assert.deepEqual(codes(late), ['DKG_PHASE'], 'dealing closed at block time 3,000');
    assert.equal(currentDkgSession(d.state)!.phase, DkgPhase.complain);

    // Members find exactly the bad shares; member 3 also complains, unfounded, against dealer 0.
    const complaints = keys.map((key) => complaintPayloads(d.state, id, key));
    assert.deepEqual(
      complaints.map((c) => c.length),
      [0, 0, 1, 1],
    );
    const signed = (member: number, dealer: number) => {
      const body = complaintBody(dealer);
      const signature = ed25519Sign(
        seeds[member]!,
        stepSigningBytes(CHAIN, 0, DKG_COMPLAIN, id, member, body),
      );
      return encodeStep(id, member, body, signature);
    };
    const complained = d.block([
      d.tx(DKG_COMPLAIN, complaints[2]![0]!),
      d.tx(DKG_COMPLAIN, complaints[3]![0]!),
      d.tx(DKG_COMPLAIN, signed(3, 0)),
      d.tx(DKG_COMPLAIN, signed(3, 0)),
      d.tx(DKG_COMPLAIN, signed(1, 1)),
      d.tx(DKG_COMPLAIN, signed(1, 3)),
      d.tx(DKG_COMPLAIN, signed(1, 7)),
      // A complaint signed as a dealing step is not a complaint.
      d.tx(DKG_DEAL, signed(1, 0)),
    ]);
    assert.deepEqual(codes(complained), [
      'ok',
      'ok',
      'ok',
      'BAD_DKG',
      'BAD_DKG',
      'BAD_DKG',
      'BAD_DKG',
      'DKG_PHASE',
    ]);
    assert.equal(complaintPayloads(d.state, id, keys[2]!).length, 0, 'a filed complaint is not filed again');
    d.block();
    assert.equal(currentDkgSession(d.state)!.phase, DkgPhase.justify);

    // Dealers 0 and 1 publish the complainants' shares; dealer 2 answers with a wrong share
    // (refused), so its complaint stays unanswered.
    const owed = [0, 1, 2].map((i) => justificationPayloads(d.state, id, keys[i]!, entropy(i)));
    assert.deepEqual(
      owed.map((o) => o.length),
      [1, 1, 1],
    );
    const wrongBody = justificationBody(3, new Uint8Array(32).fill(7, 0, 31));
    const wrong = encodeStep(
      id,
      2,
      wrongBody,
      ed25519Sign(seeds[2]!, stepSigningBytes(CHAIN, 0, DKG_JUSTIFY, id, 2, wrongBody)),
    );
    const answered = d.block([
      d.tx(DKG_JUSTIFY, owed[0]![0]!),
      d.tx(DKG_JUSTIFY, owed[1]![0]!),
      d.tx(DKG_JUSTIFY, wrong),
      d.tx(DKG_JUSTIFY, owed[0]![0]!),
    ]);
    assert.deepEqual(codes(answered), ['ok', 'ok', 'BAD_DKG', 'BAD_DKG']);
    assert.throws(() => dkgOutcome(d.state, id), { code: 'DKG_NOT_DONE' });
    d.block();
    assert.equal(currentDkgSession(d.state)!.phase, DkgPhase.closed);
    assert.equal(d.chain.nextDueMs(), null);

    const outcome = dkgOutcome(d.state, id);
    assert.deepEqual(outcome.qualified, [0, 1], 'dealer 2 did not answer, dealer 3 did not deal');
    const status = dkgStatus(d.state)!;
    assert.equal(status.phase, 'closed');
    assert.deepEqual(status.dealt, [0, 1, 2]);
    assert.deepEqual(status.complaints, [
      { dealer: 0, complainer: 3, answered: true },
      { dealer: 1, complainer: 2, answered: true },
      { dealer: 2, complainer: 3, answered: false },
    ]);
    assert.deepEqual(status.qualified, [0, 1]);
    assert.equal(status.failure, null);
    const secrets = keys.map((key) => memberSecretShare(d.state, id, key));
    // Every share checks against the generated keys, and every pair of members opens one coin.
    const name = enc('epoch 1 wave 9');
    const coinShares = secrets.map((secret, index) => ({
      index,
      share: createCoinShare(secret, outcome.publicKeys, index, name),
    }));
    for (const { index, share } of coinShares)
      assert.ok(verifyCoinShare(outcome.publicKeys, index, name, share));
    const values = [
      [0, 1],
      [2, 3],
      [1, 3],
    ].map((pair) =>
      combineCoinShares(
        outcome.publicKeys,
        name,
        pair.map((i) => coinShares[i]!),
      ),
    );
    assert.deepEqual(values[0], values[1]);
    assert.deepEqual(values[0], values[2]);
  });

  it('runs one session at a time, spaced, with phases in bounds, for the recorded committee', () => {
    assert.deepEqual(codes(new Driver(false).block([new Driver(false).tx(DKG_OPEN, encodeOpen(PHASES))])), [
      'NO_COMMITTEE',
    ]);
    const d = new Driver();
    const first = d.block([
      d.tx(DKG_OPEN, encodeOpen({ ...PHASES, dealMs: 999 })),
      d.tx(DKG_OPEN, encodeOpen({ ...PHASES, justifyMs: 86_400_001 })),
      d.tx(DKG_OPEN, enc('junk')),
      d.tx(DKG_OPEN, encodeOpen(PHASES)),
      d.tx(DKG_OPEN, encodeOpen(PHASES)),
    ]);
    assert.deepEqual(codes(first).slice(0, 2), ['BAD_DKG', 'BAD_DKG']);
    assert.notEqual(codes(first)[2], 'ok');
    assert.deepEqual(codes(first).slice(3), ['ok', 'DKG_BUSY']);
    const session = currentDkgSession(d.state)!;
    d.block([], 6_000);
    assert.equal(currentDkgSession(d.state)!.phase, DkgPhase.closed);
    assert.throws(() => dkgOutcome(d.state, session.id), { code: 'DKG_NOT_DONE' }, 'nobody dealt');
    assert.equal(dkgStatus(d.state)!.qualified, null);
    assert.match(dkgStatus(d.state)!.failure!, /qualified/);
    const tooSoon = d.block([d.tx(DKG_OPEN, encodeOpen(PHASES))], 1_000);
    assert.deepEqual(codes(tooSoon), ['DKG_BUSY']);
    const later = d.block([d.tx(DKG_OPEN, encodeOpen(PHASES))], DKG_SESSION_GAP_MS);
    assert.deepEqual(codes(later), ['ok']);
    assert.notDeepEqual(currentDkgSession(d.state)!.id, session.id);
  });
});
