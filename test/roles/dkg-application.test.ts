import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineCoinShares, createCoinShare, verifyCoinShare } from '../../src/consensus/coin/index.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme, type Signer } from '../../src/crypto/scheme.js';
import { type ChainState, genesisChain } from '../../src/ledger/chain-state.js';
import { decodeSignedTransaction, type SignedTransaction } from '../../src/ledger/signed-transaction.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import {
  DKG_COMPLAIN,
  DKG_DEAL,
  DKG_JUSTIFY,
  DKG_OPEN,
  type DkgSessionTerms,
  dkgApplication,
  dkgOutcome,
  encodeComplaint,
  encodeJustification,
  encodeOpen,
  readDkgSession,
  SEALED_SHARE_LENGTH,
} from '../../src/roles/dkg-application.js';
import {
  complaintPayloads,
  dealingPayload,
  justificationPayloads,
  memberSecretShare,
} from '../../src/roles/dkg-member.js';

const CHAIN = 'dkg-test';
const enc = (s: string) => new TextEncoder().encode(s);
const seeds = Array.from({ length: 5 }, (_, i) => sha256(enc(`dkg member ${i}`)));
const signers: Signer[] = seeds.map((seed) => ed25519Scheme.signer(seed));
const outsider = ed25519Scheme.signer(sha256(enc('not a member')));
const entropy = (i: number) => sha256(enc(`dealer entropy ${i}`));

class Driver {
  readonly chain: ChainState = genesisChain(
    { chainId: CHAIN, shardId: 0, scheme: 'ed25519-sha256', genesisTimeMs: 0 },
    dkgApplication,
  );
  private readonly nonces = new Map<Signer, bigint>();
  private time = 0;

  tx(signer: Signer, type: string, payload: Uint8Array): SignedTransaction {
    const nonce = this.nonces.get(signer) ?? 0n;
    this.nonces.set(signer, nonce + 1n);
    const tx = signTransaction(signer, { chainId: CHAIN, shardId: 0, type, payload, nonce });
    return decodeSignedTransaction(encodeTransaction(tx), ed25519Scheme);
  }

  block(transactions: SignedTransaction[] = []) {
    this.time += 1000;
    return this.chain.execute(transactions, { timestampMs: this.time });
  }

  get state() {
    const view = this.chain.view();
    return { get: (key: Uint8Array) => view.getState(key) };
  }

  get height(): number {
    return this.chain.view().height;
  }
}

function terms(size: number, threshold: number, openedAt: number): DkgSessionTerms {
  return {
    threshold,
    dealUntil: openedAt + 2,
    complainUntil: openedAt + 4,
    justifyUntil: openedAt + 6,
    members: signers.slice(0, size).map((s) => ({ sender: s.publicKey, sealingKey: s.publicKey })),
  };
}

const identityPoint = new Uint8Array(32).map((_, i) => (i === 0 ? 1 : 0));

function withSealingKey(base: DkgSessionTerms, index: number, sealingKey: Uint8Array): DkgSessionTerms {
  return { ...base, members: base.members.map((m, i) => (i === index ? { ...m, sealingKey } : m)) };
}

function codes(block: { receipts: readonly { ok: boolean; code: string }[] }) {
  return block.receipts.map((r) => (r.ok ? 'ok' : r.code));
}

describe('distributed key generation on the chain', () => {
  it('qualifies dealers who answer complaints, drops one who does not, and the keys make a coin', () => {
    const d = new Driver();
    const opened = d.block([d.tx(signers[0]!, DKG_OPEN, encodeOpen(terms(4, 2, 1)))]);
    assert.deepEqual(codes(opened), ['ok']);
    const id = opened.txHashes[0]!;
    const session = readDkgSession(d.state, id)!;
    assert.equal(session.openedAt, 1);
    assert.equal(session.members.length, 4);

    // Dealers 0, 1 and 2 deal; 1 and 2 hand a bad share to one member each (a box sealed with
    // another dealer's share for that slot); 3 never deals.
    const payloads = [0, 1, 2].map((i) => dealingPayload(session, i, entropy(i)));
    const corrupt = (payload: Uint8Array, recipient: number, from: Uint8Array) => {
      const out = payload.slice();
      const boxesAt = payload.length - 4 * SEALED_SHARE_LENGTH;
      out.set(
        from.subarray(
          boxesAt + recipient * SEALED_SHARE_LENGTH,
          boxesAt + (recipient + 1) * SEALED_SHARE_LENGTH,
        ),
        boxesAt + recipient * SEALED_SHARE_LENGTH,
      );
      return out;
    };
    const dealt = d.block([
      d.tx(signers[0]!, DKG_DEAL, payloads[0]!),
      d.tx(signers[1]!, DKG_DEAL, corrupt(payloads[1]!, 2, payloads[0]!)),
      d.tx(signers[2]!, DKG_DEAL, corrupt(payloads[2]!, 3, payloads[0]!)),
      d.tx(signers[0]!, DKG_DEAL, payloads[0]!),
      d.tx(outsider, DKG_DEAL, payloads[0]!),
    ]);
    assert.deepEqual(codes(dealt), ['ok', 'ok', 'ok', 'BAD_DKG', 'NOT_A_MEMBER']);
    assert.equal(d.height, 2);
    d.block();
    const late = d.block([d.tx(signers[3]!, DKG_DEAL, dealingPayload(session, 3, entropy(3)))]);
    assert.deepEqual(codes(late), ['DKG_PHASE'], 'dealing closed at height 3');

    // Complaints: members find exactly the bad shares; member 3 also files an unfounded one.
    const complaints = [0, 1, 2, 3].map((m) => complaintPayloads(d.state, id, m, seeds[m]!));
    assert.deepEqual(
      complaints.map((c) => c.length),
      [0, 0, 1, 1],
    );
    const complained = d.block([
      d.tx(signers[2]!, DKG_COMPLAIN, complaints[2]![0]!),
      d.tx(signers[3]!, DKG_COMPLAIN, complaints[3]![0]!),
      d.tx(signers[3]!, DKG_COMPLAIN, encodeComplaint(id, 0)),
      d.tx(signers[3]!, DKG_COMPLAIN, encodeComplaint(id, 0)),
      d.tx(signers[1]!, DKG_COMPLAIN, encodeComplaint(id, 1)),
      d.tx(signers[1]!, DKG_COMPLAIN, encodeComplaint(id, 4)),
      d.tx(signers[1]!, DKG_COMPLAIN, encodeComplaint(new Uint8Array(32), 0)),
    ]);
    assert.deepEqual(codes(complained), ['ok', 'ok', 'ok', 'BAD_DKG', 'BAD_DKG', 'BAD_DKG', 'BAD_DKG']);

    // Answers: dealers 0 and 1 publish the complainants' shares (0's complaint was unfounded);
    // dealer 2 answers with a wrong share, which is refused, so its complaint stays unanswered.
    const owed0 = justificationPayloads(d.state, id, 0, entropy(0));
    const owed1 = justificationPayloads(d.state, id, 1, entropy(1));
    assert.equal(owed0.length, 1);
    assert.equal(owed1.length, 1);
    const wrong = encodeJustification(id, 3, sha256(enc('not the share')).fill(0, 31));
    const answered = d.block([
      d.tx(signers[0]!, DKG_JUSTIFY, owed0[0]!),
      d.tx(signers[1]!, DKG_JUSTIFY, owed1[0]!),
      d.tx(signers[2]!, DKG_JUSTIFY, wrong),
      d.tx(signers[0]!, DKG_JUSTIFY, owed0[0]!),
      d.tx(signers[3]!, DKG_JUSTIFY, owed0[0]!),
    ]);
    assert.deepEqual(codes(answered), ['ok', 'ok', 'BAD_DKG', 'BAD_DKG', 'BAD_DKG']);
    assert.throws(() => dkgOutcome(d.state, id, d.height), { code: 'DKG_NOT_DONE' });
    d.block();
    assert.equal(d.height, 7);

    const outcome = dkgOutcome(d.state, id, d.height);
    assert.deepEqual(outcome.qualified, [0, 1], 'dealer 2 did not answer, dealer 3 did not deal');
    assert.equal(justificationPayloads(d.state, id, 0, entropy(0)).length, 0, 'nothing left to answer');
    const secrets = [0, 1, 2, 3].map((m) => memberSecretShare(d.state, id, m, seeds[m]!, d.height));
    // Every pair of members opens the same coin, and every share checks against the DKG's keys.
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

  it('refuses sessions that break the rules, and steps outside their phase', () => {
    const d = new Driver();
    const good = terms(4, 2, 1);
    const refused = d.block([
      d.tx(outsider, DKG_OPEN, encodeOpen({ ...good, threshold: 5 })),
      d.tx(outsider, DKG_OPEN, encodeOpen({ ...good, dealUntil: 1 })),
      d.tx(outsider, DKG_OPEN, encodeOpen({ ...good, justifyUntil: good.complainUntil })),
      d.tx(outsider, DKG_OPEN, encodeOpen({ ...good, members: [good.members[0]!, good.members[0]!] })),
      // A member's sealing key that is no point, and one of small order (the identity, whose
      // shares anyone could read).
      d.tx(outsider, DKG_OPEN, encodeOpen(withSealingKey(good, 2, new Uint8Array(32).fill(0xff)))),
      d.tx(outsider, DKG_OPEN, encodeOpen(withSealingKey(good, 2, identityPoint))),
      d.tx(outsider, DKG_OPEN, enc('junk')),
      d.tx(outsider, DKG_OPEN, encodeOpen(good)),
    ]);
    assert.deepEqual(codes(refused).slice(0, 6), [
      'BAD_DKG',
      'BAD_DKG',
      'BAD_DKG',
      'BAD_DKG',
      'BAD_DKG',
      'BAD_DKG',
    ]);
    // The last two refusals differ from `good`, which opens below, only in one sealing key.
    assert.notEqual(codes(refused)[6], 'ok');
    assert.equal(
      codes(refused)[7],
      'ok',
      'anyone may open a session; its members decide whether to take part',
    );
    const id = refused.txHashes[7]!;
    const session = readDkgSession(d.state, id)!;
    const early = d.block([
      d.tx(signers[0]!, DKG_COMPLAIN, complaintPayloads(d.state, id, 0, seeds[0]!)[0] ?? new Uint8Array(36)),
      d.tx(signers[1]!, DKG_DEAL, dealingPayload({ ...session, threshold: 3 }, 1, entropy(1))),
    ]);
    assert.notEqual(codes(early)[0], 'ok');
    assert.equal(codes(early)[1], 'BAD_DKG', 'a dealing with the wrong number of commitments');
    assert.throws(() => dkgOutcome(d.state, id, d.height), { code: 'DKG_NOT_DONE' });
  });
});
