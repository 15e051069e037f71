import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Committee } from '../../src/consensus/interface.js';
import { committeeApplication, SHARDS_COMMITTEE } from '../../src/cross-zone/committee-application.js';
import {
  CYCLE_STATE_KEY,
  DIRECTORY_STATE_KEY,
  encodeCycleClock,
  encodeDirectory,
} from '../../src/cross-zone/directory.js';
import {
  ROOT_SHARD_BLOCK,
  ROOT_SHARD_ID,
  readShardHead,
  rootApplication,
  shardConflictKey,
} from '../../src/cross-zone/root-application.js';
import {
  crossAccountKey,
  encodeAccountRecord,
  readAccountRecord,
  readTradeRecord,
} from '../../src/cross-zone/state-book.js';
import {
  CROSS_DECIDE,
  CROSS_EXPIRE,
  CROSS_PREPARE,
  crossZoneApplication,
} from '../../src/cross-zone/trade-application.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { isGridShardError } from '../../src/errors.js';
import type { TransactionContext } from '../../src/ledger/application.js';
import type { KeyValueState } from '../../src/ledger/state-interface.js';
import { signTransaction, type Transaction } from '../../src/ledger/transaction.js';
import {
  type CertifiedVote,
  type CrossTrade,
  encodeCommitProof,
  encodeCommitteeChange,
  encodeDecision,
  encodeTrade,
  handoverSigningBytes,
  signCommitStatement,
  signVote,
  sortedSignatures,
  tradeId,
  type VoteStatement,
} from '../../src/sharding/index.js';

const CHAIN = 'zones';
const enc = (s: string) => new TextEncoder().encode(s);
const seeds = [0, 1].map((shard) =>
  Array.from({ length: 4 }, (_, i) => sha256(enc(`shard ${shard} validator ${i}`))),
);
const committees: Committee[] = seeds.map((list, shardId) => ({
  shardId,
  epoch: 0,
  members: list.map((seed, index) => ({ index, publicKey: ed25519KeyPairFromSeed(seed).publicKey })),
}));
const buyer = sha256(enc('buyer'));
const seller = sha256(enc('seller'));
const account = (seed: Uint8Array) => toHex(ed25519Scheme.publicKeyFromSeed(seed));

class MapState implements KeyValueState {
  readonly map = new Map<string, Uint8Array>();
  get(key: Uint8Array) {
    return this.map.get(toHex(key));
  }
  set(key: Uint8Array, value: Uint8Array) {
    this.map.set(toHex(key), value);
  }
  delete(key: Uint8Array) {
    this.map.delete(toHex(key));
  }
  snapshot(): string {
    return JSON.stringify([...this.map].map(([k, v]) => [k, toHex(v)]).sort());
  }
}

/** Block 0 of zone shard `shard`: the directory of both shards and its own opening balances. */
function genesisState(shard: number): MapState {
  const state = new MapState();
  state.set(
    DIRECTORY_STATE_KEY,
    encodeDirectory(
      committees.map((c) => ({ shardId: c.shardId, publicKeys: c.members.map((m) => m.publicKey) })),
    ),
  );
  state.set(CYCLE_STATE_KEY, encodeCycleClock(0, 1000));
  const opening = shard === 0 ? [account(buyer), 1000n, 0n] : [account(seller), 0n, 500n];
  state.set(
    crossAccountKey(opening[0] as string),
    encodeAccountRecord({
      money: opening[1] as bigint,
      energy: opening[2] as bigint,
      lockedMoney: 0n,
      lockedEnergy: 0n,
    }),
  );
  return state;
}

function context(shardId: number, timestampMs = 0): TransactionContext {
  return {
    chainId: CHAIN,
    shardId,
    height: 1,
    timestampMs,
    randomness: new Uint8Array(32),
    txIndex: 0,
    txHash: new Uint8Array(32),
  };
}

function trade(price: bigint, energy: bigint, session = 'a'): CrossTrade {
  return {
    chainId: CHAIN,
    session: sha256(enc(session)).subarray(0, 16),
    cycle: 1,
    legs: [
      { shard: 0, entries: [{ account: account(buyer), money: -price, energy }] },
      { shard: 1, entries: [{ account: account(seller), money: price, energy: -energy }] },
    ],
  };
}

function tx(signer: Uint8Array, shardId: number, type: string, payload: Uint8Array): Transaction {
  return signTransaction(ed25519Scheme.signer(signer), { chainId: CHAIN, shardId, type, payload, nonce: 0n });
}

function certify(statement: VoteStatement, signers = seeds[statement.shard]!): CertifiedVote {
  const shares = [0, 1, 2].map((i) => signVote(statement, i, (m) => ed25519Sign(signers[i]!, m)));
  return { statement, signatures: sortedSignatures(shares) };
}

/** Records on `state` that `shard` handed over from `from` to `to` (both lists of seeds) as `nextEpoch`. */
function recordHandover(
  state: MapState,
  shard: number,
  nextEpoch: number,
  from: readonly Uint8Array[],
  to: readonly Uint8Array[],
): void {
  const members = to.map((seed) => ed25519KeyPairFromSeed(seed).publicKey);
  const credit = members.map(() => 5_000);
  const signed = handoverSigningBytes(CHAIN, shard, nextEpoch, members, credit);
  const change = encodeCommitteeChange({
    shardId: shard,
    nextEpoch,
    members,
    credit,
    votes: [0, 1, 2].map((signer) => ({ signer, signature: ed25519Sign(from[signer]!, signed) })),
  });
  committeeApplication.execute(state, tx(seller, 0, SHARDS_COMMITTEE, change), context(0));
}

function throwsCode(run: () => void, code: string): void {
  assert.throws(run, (error: unknown) => isGridShardError(error) && error.code === code);
}

describe('the cross-zone trade contract on chain state', () => {
  it('locks only what the owner signed, and applies a decision its votes prove, once', () => {
    const states = [genesisState(0), genesisState(1)];
    const t = trade(300n, 200n);
    const id = toHex(tradeId(t));
    // The seller cannot lock the buyer's money.
    const before = states[0]!.snapshot();
    throwsCode(
      () =>
        crossZoneApplication.execute(states[0]!, tx(seller, 0, CROSS_PREPARE, encodeTrade(t)), context(0)),
      'UNAUTHORIZED_DEBIT',
    );
    assert.equal(states[0]!.snapshot(), before, 'nothing written');
    crossZoneApplication.execute(states[0]!, tx(buyer, 0, CROSS_PREPARE, encodeTrade(t)), context(0));
    crossZoneApplication.execute(states[1]!, tx(seller, 1, CROSS_PREPARE, encodeTrade(t)), context(1));
    assert.equal(readAccountRecord(states[0]!, account(buyer))!.lockedMoney, 300n);
    assert.equal(readTradeRecord(states[1]!, id)!.status, 'locked');
    const votes = [0, 1].map((shard) =>
      certify({
        chainId: CHAIN,
        tradeId: tradeId(t),
        shard,
        epoch: 0,
        verdict: readTradeRecord(states[shard]!, id)!.verdict,
      }),
    );
    // A decision with only one shard's commit vote proves nothing.
    throwsCode(
      () =>
        crossZoneApplication.execute(
          states[1]!,
          tx(seller, 1, CROSS_DECIDE, encodeDecision({ trade: t, votes: [votes[1]!] })),
          context(1),
        ),
      'BAD_DECISION',
    );
    const decision = encodeDecision({ trade: t, votes });
    for (const shard of [0, 1])
      crossZoneApplication.execute(states[shard]!, tx(buyer, shard, CROSS_DECIDE, decision), context(shard));
    const replayed = states[0]!.snapshot();
    crossZoneApplication.execute(states[0]!, tx(seller, 0, CROSS_DECIDE, decision), context(0));
    assert.equal(states[0]!.snapshot(), replayed, 'a replayed decision changes nothing');
    assert.deepEqual(readAccountRecord(states[0]!, account(buyer)), {
      money: 700n,
      energy: 200n,
      lockedMoney: 0n,
      lockedEnergy: 0n,
    });
    assert.deepEqual(readAccountRecord(states[1]!, account(seller)), {
      money: 300n,
      energy: 300n,
      lockedMoney: 0n,
      lockedEnergy: 0n,
    });
  });

  it('refuses votes of a committee two handovers gone, whose leaked keys would commit one side alone', () => {
    const state = genesisState(0);
    const t = trade(300n, 200n, 'long range');
    const id = tradeId(t);
    crossZoneApplication.execute(state, tx(buyer, 0, CROSS_PREPARE, encodeTrade(t)), context(0));
    const own = certify({
      chainId: CHAIN,
      tradeId: id,
      shard: 0,
      epoch: 0,
      verdict: readTradeRecord(state, toHex(id))!.verdict,
    });
    // Shard 1 hands over twice, and shard 0's chain records both. Its genesis members have all
    // left; their keys, watched by nobody now, leak.
    const standby = [0, 1].map((i) => sha256(enc(`shard 1 standby ${i}`)));
    const epoch1 = [seeds[1]![1]!, seeds[1]![2]!, seeds[1]![3]!, standby[0]!];
    const epoch2 = [epoch1[1]!, epoch1[2]!, epoch1[3]!, standby[1]!];
    recordHandover(state, 1, 1, seeds[1]!, epoch1);
    recordHandover(state, 1, 2, epoch1, epoch2);
    // The seller never prepared. With the leaked keys, a commit vote of shard 1 in epoch 0 is
    // forged: together with shard 0's genuine commit it would make the buyer pay for energy that
    // shard 1 never locks nor delivers.
    const forged = certify({ chainId: CHAIN, tradeId: id, shard: 1, epoch: 0, verdict: { kind: 'commit' } });
    const before = state.snapshot();
    throwsCode(
      () =>
        crossZoneApplication.execute(
          state,
          tx(seller, 0, CROSS_DECIDE, encodeDecision({ trade: t, votes: [own, forged] })),
          context(0),
        ),
      'RETIRED_VOTE',
    );
    assert.equal(state.snapshot(), before, 'nothing written');
    assert.equal(readAccountRecord(state, account(buyer))!.lockedMoney, 300n);
    assert.equal(readTradeRecord(state, toHex(id))!.status, 'locked');
    // One handover back still counts: shard 1's validators that have not yet switched to epoch 2
    // certify its abort in epoch 1, and the buyer's money is released.
    const expired = certify(
      { chainId: CHAIN, tradeId: id, shard: 1, epoch: 1, verdict: { kind: 'abort', reason: 'wrong-cycle' } },
      epoch1,
    );
    crossZoneApplication.execute(
      state,
      tx(seller, 0, CROSS_DECIDE, encodeDecision({ trade: t, votes: [expired] })),
      context(0),
    );
    assert.deepEqual(readAccountRecord(state, account(buyer)), {
      money: 1000n,
      energy: 0n,
      lockedMoney: 0n,
      lockedEnergy: 0n,
    });
  });

  it('votes abort on an overdraft, and refuses on a chain with no shard directory', () => {
    const state = genesisState(0);
    const t = trade(5000n, 10n);
    crossZoneApplication.execute(state, tx(buyer, 0, CROSS_PREPARE, encodeTrade(t)), context(0));
    assert.deepEqual(readTradeRecord(state, toHex(tradeId(t)))!.verdict, {
      kind: 'abort',
      reason: 'insufficient-funds',
    });
    assert.equal(readAccountRecord(state, account(buyer))!.lockedMoney, 0n);
    throwsCode(
      () =>
        crossZoneApplication.execute(new MapState(), tx(buyer, 0, CROSS_PREPARE, encodeTrade(t)), context(0)),
      'NOT_SHARDED',
    );
  });
});

describe('expiry on chain', () => {
  it('closes a trade the shard never prepared once block time passes its cycles, and anyone may ask', () => {
    const state = genesisState(1);
    const t = trade(300n, 200n); // cycle 1 of 1,000 ms cycles: open until 3,000 ms
    throwsCode(
      () => crossZoneApplication.execute(state, tx(buyer, 1, CROSS_EXPIRE, encodeTrade(t)), context(1, 2999)),
      'TRADE_NOT_EXPIRED',
    );
    crossZoneApplication.execute(state, tx(buyer, 1, CROSS_EXPIRE, encodeTrade(t)), context(1, 3000));
    const record = readTradeRecord(state, toHex(tradeId(t)))!;
    assert.deepEqual(record.verdict, { kind: 'abort', reason: 'wrong-cycle' });
    // The seller's late prepare is refused by the same record: nothing locks.
    crossZoneApplication.execute(state, tx(seller, 1, CROSS_PREPARE, encodeTrade(t)), context(1, 3500));
    assert.equal(readAccountRecord(state, account(seller))!.lockedEnergy, 0n);
  });
});

describe('the root committee contract', () => {
  const rootState = () => {
    const state = genesisState(0);
    return state;
  };
  const proof = (height: number, block = 'b', signers = [0, 1, 2]) => {
    const statement = {
      chainId: CHAIN,
      shardId: 1,
      epoch: 0,
      height,
      blockHash: sha256(enc(`${block} ${height}`)),
      stateRoot: sha256(enc(`state ${block} ${height}`)),
    };
    const shares = signers.map((i) =>
      signCommitStatement(statement, i, (m) => ed25519Sign(seeds[1]![i]!, m)),
    );
    return encodeCommitProof({ statement, signatures: sortedSignatures(shares) });
  };
  const submit = (state: MapState, payload: Uint8Array) =>
    rootApplication.execute(
      state,
      tx(buyer, ROOT_SHARD_ID, ROOT_SHARD_BLOCK, payload),
      context(ROOT_SHARD_ID),
    );

  it('records a shard block from its commit proof and refuses stale, short and misplaced ones', () => {
    const state = rootState();
    submit(state, proof(5));
    assert.equal(readShardHead(state, 1)!.height, 5);
    throwsCode(() => submit(state, proof(5)), 'STALE_SHARD_BLOCK');
    throwsCode(() => submit(state, proof(4)), 'STALE_SHARD_BLOCK');
    assert.throws(
      () => submit(state, proof(6, 'b', [0, 1])),
      (e: unknown) => isGridShardError(e),
    );
    submit(state, proof(9));
    assert.equal(readShardHead(state, 1)!.height, 9);
    throwsCode(
      () => rootApplication.execute(state, tx(buyer, 0, ROOT_SHARD_BLOCK, proof(10)), context(0)),
      'NOT_SHARDED',
    );
  });

  it('keeps a second proven block for one height as evidence, without moving the head', () => {
    const state = rootState();
    submit(state, proof(5));
    submit(state, proof(5, 'other'));
    assert.equal(readShardHead(state, 1)!.blockHash.length, 32);
    assert.equal(toHex(readShardHead(state, 1)!.blockHash), toHex(sha256(enc('b 5'))));
    assert.ok(state.get(shardConflictKey(1, 5)) !== undefined, 'the conflicting proof is on record');
  });
});
