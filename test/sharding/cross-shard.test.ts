import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256 } from '../../src/crypto/hash.js';
import {
  type CertifiedVote,
  type CrossDecision,
  type CrossTrade,
  decisionOutcome,
  decodeDecision,
  decodeTrade,
  decodeVoteShare,
  drawMasters,
  encodeDecision,
  encodeTrade,
  encodeVoteShare,
  type ShardDirectory,
  ShardingError,
  ShardLedger,
  signVote,
  sortedSignatures,
  tradeId,
  type VoteStatement,
  verifyVoteShare,
} from '../../src/sharding/index.js';

const CHAIN = 'zone-shards';
const enc = (s: string) => new TextEncoder().encode(s);
/** Two shards of four validators each (f = 1, quorum 3). */
const seeds = [0, 1].map((shard) =>
  Array.from({ length: 4 }, (_, i) => sha256(enc(`shard ${shard} validator ${i}`))),
);
const committees: Committee[] = seeds.map((list, shardId) => ({
  shardId,
  epoch: 0,
  members: list.map((seed, index) => ({ index, publicKey: ed25519KeyPairFromSeed(seed).publicKey })),
}));
const directory: ShardDirectory = {
  committee: (shard, epoch) => (epoch === 0 ? committees[shard] : undefined),
};

function ledgers(): ShardLedger[] {
  return [
    new ShardLedger(0, CHAIN, 0, [['buyer', { money: 1000n, energy: 0n }]], directory),
    new ShardLedger(1, CHAIN, 0, [['seller', { money: 0n, energy: 500n }]], directory),
  ];
}

/** The buyer in shard 0 pays `price` for `energy` Wh of the seller's in shard 1. */
function trade(price: bigint, energy: bigint, session = 'a'): CrossTrade {
  return {
    chainId: CHAIN,
    session: sha256(enc(session)).subarray(0, 16),
    cycle: 3,
    legs: [
      { shard: 0, entries: [{ account: 'buyer', money: -price, energy }] },
      { shard: 1, entries: [{ account: 'seller', money: price, energy: -energy }] },
    ],
  };
}

/** The vote a quorum (or `signers`) of the statement's shard signs. */
function certify(statement: VoteStatement, signers = [0, 1, 2]): CertifiedVote {
  const shares = signers.map((i) =>
    signVote(statement, i, (m) => ed25519Sign(seeds[statement.shard]![i]!, m)),
  );
  return { statement, signatures: sortedSignatures(shares) };
}

function prepared(books: ShardLedger[], t: CrossTrade): CertifiedVote[] {
  return books.map((book) => certify(book.prepare(t)!));
}

describe('cross-shard trades', () => {
  it('commits in every shard or none, and a trade cannot mint value', () => {
    const books = ledgers();
    const t = trade(300n, 200n);
    const votes = prepared(books, t);
    assert.equal(books[0]!.balance('buyer')!.lockedMoney, 300n);
    assert.equal(books[1]!.balance('seller')!.lockedEnergy, 200n);
    for (const book of books)
      assert.deepEqual(book.decide({ trade: t, votes }), { kind: 'applied', outcome: { kind: 'commit' } });
    assert.deepEqual(books[0]!.balance('buyer'), {
      money: 700n,
      energy: 200n,
      lockedMoney: 0n,
      lockedEnergy: 0n,
    });
    assert.deepEqual(books[1]!.balance('seller'), {
      money: 300n,
      energy: 300n,
      lockedMoney: 0n,
      lockedEnergy: 0n,
    });
    const minting = {
      ...t,
      legs: [t.legs[0]!, { shard: 1, entries: [{ account: 'seller', money: 301n, energy: -200n }] }],
    };
    assert.throws(
      () => encodeTrade(minting),
      (e: unknown) => e instanceof ShardingError && e.code === 'BAD_TRADE',
    );
  });

  it('locks against double spending and aborts everywhere when one shard refuses', () => {
    const books = ledgers();
    const first = trade(800n, 100n, 'first');
    const second = trade(800n, 100n, 'second');
    prepared(books, first);
    const votes = prepared(books, second);
    assert.equal(votes[0]!.statement.verdict.kind, 'abort', 'the buyer cannot lock 800 twice out of 1000');
    assert.equal(votes[1]!.statement.verdict.kind, 'commit');
    const decision: CrossDecision = { trade: second, votes };
    assert.equal(books[0]!.decide(decision).kind, 'closed', 'closed by its own abort vote');
    assert.equal(books[1]!.decide(decision).kind, 'applied');
    // The seller's lock for the aborted trade is released; the first trade's stays.
    assert.equal(books[1]!.balance('seller')!.lockedEnergy, 100n);
    assert.equal(books[1]!.status(tradeId(second)), 'aborted');
  });

  it('refuses a commit that leaves a shard out, a short certificate, and a forged signature', () => {
    const books = ledgers();
    const t = trade(100n, 10n);
    const votes = prepared(books, t);
    const refuse = (d: CrossDecision, code: string) =>
      assert.throws(
        () => books[1]!.decide(d),
        (e: unknown) => e instanceof ShardingError && e.code === code,
      );
    refuse({ trade: t, votes: [votes[0]!] }, 'BAD_DECISION');
    refuse({ trade: t, votes: [votes[0]!, certify(votes[1]!.statement, [0, 3])] }, 'BAD_VOTE');
    const forged = {
      ...votes[1]!,
      signatures: votes[1]!.signatures.map((s) => ({ ...s, signature: new Uint8Array(64) })),
    };
    refuse({ trade: t, votes: [votes[0]!, forged] }, 'BAD_VOTE');
    // Votes certified by the wrong shard's committee (shard 0 signing shard 1's statement).
    const wrongCommittee = { ...votes[1]!, signatures: votes[0]!.signatures };
    refuse({ trade: t, votes: [votes[0]!, wrongCommittee] }, 'BAD_VOTE');
    assert.equal(books[1]!.status(tradeId(t)), 'locked', 'nothing was applied');
  });

  it('spares only the checks of the votes a checker knows first-hand (ownVote), never another shard’s', () => {
    const books = ledgers();
    const t = trade(100n, 10n);
    const votes = prepared(books, t);
    const blank = (vote: CertifiedVote) => ({
      ...vote,
      signatures: vote.signatures.map((s) => ({ ...s, signature: new Uint8Array(64) })),
    });
    // Shard 1's checker knows its own commit vote: a blank certificate of it proves nothing more.
    const own: ShardDirectory = {
      ...directory,
      ownVote: (s) => s.shard === 1 && s.verdict.kind === 'commit',
    };
    assert.deepEqual(decisionOutcome({ trade: t, votes: [votes[0]!, blank(votes[1]!)] }, own), {
      kind: 'commit',
    });
    const refused = (d: CrossDecision, dir: ShardDirectory) =>
      assert.throws(
        () => decisionOutcome(d, dir),
        (e: unknown) => e instanceof ShardingError && e.code === 'BAD_VOTE',
      );
    refused({ trade: t, votes: [blank(votes[0]!), votes[1]!] }, own);
    refused({ trade: t, votes: [votes[0]!, blank(votes[1]!)] }, directory);
    // A statement it does not hold (an abort of its shard) is checked like any other.
    const abort = certify({
      ...votes[1]!.statement,
      verdict: { kind: 'abort', reason: 'insufficient-funds' },
    });
    refused({ trade: t, votes: [votes[0]!, blank(abort)] }, own);
  });

  it('defeats replay: votes of an earlier session, replayed prepares and replayed decisions change nothing', () => {
    const books = ledgers();
    // Session 1 of a trade aborts (the seller is short); session 2 of the same legs commits.
    const big = trade(100n, 600n, 'session-1');
    const oldVotes = prepared(books, big);
    assert.equal(oldVotes[1]!.statement.verdict.kind, 'abort');
    const oldDecision: CrossDecision = { trade: big, votes: oldVotes };
    for (const book of books) book.decide(oldDecision);
    const retry = trade(100n, 400n, 'session-2');
    const votes = prepared(books, retry);
    // Attack 1: the old session's abort vote presented as a vote on the retry.
    assert.throws(
      () => books[0]!.decide({ trade: retry, votes: [votes[0]!, oldVotes[1]!] }),
      (e: unknown) => e instanceof ShardingError && e.code === 'BAD_DECISION',
    );
    // Attack 2: replay the old decision: the retry's locks stay.
    for (const book of books) assert.deepEqual(book.decide(oldDecision), { kind: 'closed' });
    assert.equal(books[0]!.balance('buyer')!.lockedMoney, 100n);
    // Attack 3: replay the retry's prepare: the same vote, no second lock.
    assert.equal(books[0]!.prepare(retry)!.verdict.kind, 'commit');
    assert.equal(books[0]!.balance('buyer')!.lockedMoney, 100n);
    const decision: CrossDecision = { trade: retry, votes };
    for (const book of books) book.decide(decision);
    // Attack 4: replay the commit decision and the prepare after the commit.
    for (const book of books) assert.deepEqual(book.decide(decision), { kind: 'closed' });
    assert.equal(books[0]!.prepare(retry)!.verdict.kind, 'commit');
    assert.deepEqual(books[0]!.balance('buyer'), {
      money: 900n,
      energy: 400n,
      lockedMoney: 0n,
      lockedEnergy: 0n,
    });
    assert.deepEqual(books[1]!.balance('seller'), {
      money: 100n,
      energy: 100n,
      lockedMoney: 0n,
      lockedEnergy: 0n,
    });
    for (const book of books) assert.equal(book.overdrafts, 0);
  });

  it('an abort reaching a shard before the prepare closes the trade there', () => {
    const books = ledgers();
    const t = trade(2000n, 10n);
    const abortVote = certify(books[0]!.prepare(t)!);
    assert.equal(abortVote.statement.verdict.kind, 'abort');
    assert.equal(books[1]!.decide({ trade: t, votes: [abortVote] }).kind, 'applied');
    const late = books[1]!.prepare(t)!;
    assert.deepEqual(late.verdict, { kind: 'abort', reason: 'decided-elsewhere' });
    assert.equal(books[1]!.balance('seller')!.lockedEnergy, 0n);
    // A commit for a trade the shard never prepared cannot come from honest shards; it is refused.
    const other = trade(10n, 10n, 'never-prepared');
    const v0 = certify(books[0]!.prepare(other)!);
    const v1 = certify({
      chainId: CHAIN,
      tradeId: tradeId(other),
      shard: 1,
      epoch: 0,
      verdict: { kind: 'commit' },
    });
    assert.throws(() => books[1]!.decide({ trade: other, votes: [v0, v1] }), /never prepared/);
  });

  it('codecs round-trip and refuse tampering', () => {
    const t = trade(300n, 200n);
    assert.deepEqual(decodeTrade(encodeTrade(t)), t);
    const books = ledgers();
    const decision: CrossDecision = { trade: t, votes: prepared(books, t) };
    assert.deepEqual(decodeDecision(encodeDecision(decision)), decision);
    const share = signVote(books[0]!.prepare(t)!, 2, (m) => ed25519Sign(seeds[0]![2]!, m));
    const decoded = decodeVoteShare(encodeVoteShare(share));
    verifyVoteShare(decoded, committees[0]!);
    assert.throws(() => verifyVoteShare({ ...decoded, signer: 1 }, committees[0]!), /does not verify/);
    const bytes = encodeDecision(decision);
    assert.throws(() => decodeDecision(bytes.subarray(0, bytes.length - 1)));
    assert.throws(() => decodeDecision(new Uint8Array([...bytes, 0])));
  });

  it('draws masters as a permutation fixed by the beacon', () => {
    const beacon = sha256(enc('coin'));
    const order = drawMasters(beacon, 7, 1, [0, 1, 2, 3]);
    assert.deepEqual([...order].sort(), [0, 1, 2, 3]);
    assert.deepEqual(drawMasters(beacon, 7, 1, [0, 1, 2, 3]), order);
    const firsts = new Set(Array.from({ length: 40 }, (_, c) => drawMasters(beacon, c, 1, [0, 1, 2, 3])[0]));
    assert.equal(firsts.size, 4, 'every candidate is drawn first in some cycle');
  });

  it('expires a trade a shard never prepared once its cycle is over, and never unlocks one it did', () => {
    const books = ledgers();
    const t = trade(300n, 200n); // cycle 3: open in cycles 3 and 4
    const locked = books[0]!.prepare(t, 3)!;
    assert.equal(locked.verdict.kind, 'commit');
    // Shard 1's seller never signs: shard 1 may not close the trade while it is open.
    assert.throws(
      () => books[1]!.expire(t, 4),
      (e: unknown) => e instanceof ShardingError && e.code === 'TRADE_NOT_EXPIRED',
    );
    const expired = books[1]!.expire(t, 5);
    assert.deepEqual(expired.verdict, { kind: 'abort', reason: 'wrong-cycle' });
    // A prepare arriving after the expiry gets the same abort and locks nothing.
    assert.deepEqual(books[1]!.prepare(t, 5)!.verdict, expired.verdict);
    assert.equal(books[1]!.balance('seller')!.lockedEnergy, 0n);
    // Expiring the shard that locked changes nothing: only a decision releases its lock.
    assert.deepEqual(books[0]!.expire(t, 9).verdict, { kind: 'commit' });
    assert.equal(books[0]!.balance('buyer')!.lockedMoney, 300n);
    books[0]!.decide({ trade: t, votes: [certify(expired)] });
    assert.equal(books[0]!.balance('buyer')!.lockedMoney, 0n);
    assert.equal(books[0]!.status(tradeId(t)), 'aborted');
  });

  it('a prepare outside its cycles votes abort', () => {
    const late = ledgers()[0]!.prepare(trade(1n, 1n), 5)!;
    assert.deepEqual(late.verdict, { kind: 'abort', reason: 'wrong-cycle' });
    const early = ledgers()[0]!.prepare(trade(1n, 1n), 1)!;
    assert.deepEqual(early.verdict, { kind: 'abort', reason: 'wrong-cycle' });
    assert.equal(
      ledgers()[0]!.prepare(trade(1n, 1n), 2)!.verdict.kind,
      'commit',
      'one cycle early is allowed',
    );
  });
});
