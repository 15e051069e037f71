import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DIRECTORY_STATE_KEY,
  encodeDirectory,
  encodeShardCommittee,
  shardCommitteeKey,
} from '../../src/cross-zone/directory.js';
import { StateShardBook } from '../../src/cross-zone/state-book.js';
import { CROSS_PREPARE } from '../../src/cross-zone/trade-application.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/ed25519.js';
import { fromHex, sha256, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import type { KeyValueState } from '../../src/ledger/state-interface.js';
import type { StoredBlock } from '../../src/ledger/store.js';
import { encodeTransaction, signTransaction } from '../../src/ledger/transaction.js';
import { CrossZoneRelay, SHARES_PATH } from '../../src/node/cross-relay.js';
import type { GenesisFile } from '../../src/node/genesis-file.js';
import type { ShardingGenesisJson } from '../../src/node/genesis-sharding.js';
import { committeeGenesisEntry } from '../../src/roles/committee-state.js';
import {
  type CrossTrade,
  decodeVoteShare,
  encodeTrade,
  encodeVoteShare,
  signVote,
  type TradeRecord,
  tradeId,
} from '../../src/sharding/index.js';

const CHAIN = 'relay-test';
const enc = (s: string) => new TextEncoder().encode(s);
const seeds = [0, 1].map((shard) => Array.from({ length: 5 }, (_, i) => sha256(enc(`relay ${shard} ${i}`))));
const member = (shard: number, i: number) => ({
  publicKey: toHex(ed25519KeyPairFromSeed(seeds[shard]![i]!).publicKey),
  api: `http://s${shard}v${i}`,
});
const sharding: ShardingGenesisJson = {
  cycleMs: 60_000,
  shards: [0, 1].map((shardId) => ({ shardId, validators: [0, 1, 2, 3].map((i) => member(shardId, i)) })),
  root: { validators: [member(0, 0)] },
};
const genesis = {
  version: 1,
  chainId: CHAIN,
  shardId: 0,
  scheme: 'ed25519-sha256',
  genesisTimeMs: 0,
  validators: [],
  sharding,
} as unknown as GenesisFile & { sharding: ShardingGenesisJson };

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
}

function trade(session: string): CrossTrade {
  return {
    chainId: CHAIN,
    session: sha256(enc(session)).subarray(0, 16),
    cycle: 0,
    legs: [
      { shard: 0, entries: [{ account: 'buyer', money: -10n, energy: 5n }] },
      { shard: 1, entries: [{ account: 'seller', money: 10n, energy: -5n }] },
    ],
  };
}

/** A relay of validator 0 of shard 0 over a state and one block holding the given prepares. */
function relayWith(
  records: readonly [CrossTrade, TradeRecord][],
  system = genesis,
  signingSeed = seeds[0]![0]!,
) {
  const state = new MapState();
  // As genesis writes them: the shard's own committee, and every shard's in the directory.
  const own = committeeGenesisEntry({
    shardId: 0,
    epoch: 0,
    members: sharding.shards[0]!.validators.map((v, index) => ({ index, publicKey: fromHex(v.publicKey) })),
  });
  state.set(own.key, own.value);
  state.set(
    DIRECTORY_STATE_KEY,
    encodeDirectory(
      sharding.shards.map((s) => ({
        shardId: s.shardId,
        publicKeys: s.validators.map((v) => fromHex(v.publicKey)),
      })),
    ),
  );
  const book = new StateShardBook(state);
  const txs = new Map<string, Uint8Array>();
  for (const [t, record] of records) {
    book.putTrade(toHex(tradeId(t)), record);
    const tx = signTransaction(ed25519Scheme.signer(sha256(enc('buyer'))), {
      chainId: CHAIN,
      shardId: 0,
      type: CROSS_PREPARE,
      payload: encodeTrade(t),
      nonce: BigInt(txs.size),
    });
    txs.set(toHex(sha256(encodeTransaction(tx))), encodeTransaction(tx));
  }
  const block = {
    txHashes: [...txs.keys()].map(fromHex),
    receipts: [...txs.keys()].map(() => ({ ok: true, code: '' })),
  } as unknown as StoredBlock;
  const posts: { api: string; path: string; body: { trade: string; share: string } }[] = [];
  let now = 1000;
  const relay = new CrossZoneRelay({
    genesis: system,
    signingSeed,
    store: {
      head: { height: 1 },
      getState: (key) => state.get(key),
      readBlock: async (height) => (height === 1 ? block : undefined),
      readTransaction: async (hash) => {
        const bytes = txs.get(toHex(hash));
        return bytes === undefined ? undefined : { bytes };
      },
    },
    submit: () => undefined,
    post: async (api, path, body) => {
      posts.push({ api, path, body: body as { trade: string; share: string } });
    },
    now: () => now,
    log: { warn() {} },
  });
  return { relay, posts, state, block, advance: (ms: number) => (now += ms) };
}

const entries = (account: string, money: bigint, energy: bigint) => [{ account, money, energy }];

describe('the cross-zone relay', () => {
  it('after a restart, votes again on the trades its shard still holds locked, and on nothing else', async () => {
    const locked = trade('locked');
    const committed = trade('committed');
    const aborted = trade('aborted');
    const { relay, posts } = relayWith([
      [locked, { entries: entries('buyer', -10n, 5n), verdict: { kind: 'commit' }, status: 'locked' }],
      [committed, { entries: entries('buyer', -10n, 5n), verdict: { kind: 'commit' }, status: 'committed' }],
      [
        aborted,
        {
          entries: entries('buyer', -10n, 5n),
          verdict: { kind: 'abort', reason: 'insufficient-funds' },
          status: 'aborted',
        },
      ],
    ]);
    assert.equal(await relay.resume(), 1);
    // To the master of each shard of the trade; its own shard's master may be itself (no post).
    const sent = posts.map((p) => decodeVoteShare(fromHex(p.body.share)));
    assert.ok(posts.length >= 1 && posts.length <= 2);
    for (const share of sent) {
      assert.equal(toHex(share.statement.tradeId), toHex(tradeId(locked)));
      assert.deepEqual(share.statement.verdict, { kind: 'commit' });
      assert.equal(share.signer, 0);
    }
    assert.ok(posts.every((p) => p.path === SHARES_PATH));
  });

  it('answers a waiting shard’s valid share on a trade closed here with its own vote, at most every few seconds', () => {
    const closed = trade('closed');
    const { relay, posts, advance } = relayWith([
      [
        closed,
        {
          entries: entries('buyer', -10n, 5n),
          verdict: { kind: 'abort', reason: 'insufficient-funds' },
          status: 'aborted',
        },
      ],
    ]);
    const statement = {
      chainId: CHAIN,
      tradeId: tradeId(closed),
      shard: 1,
      epoch: 0,
      verdict: { kind: 'commit' } as const,
    };
    const theirs = signVote(statement, 2, (m) => ed25519Sign(seeds[1]![2]!, m));
    const forged = { ...theirs, signature: new Uint8Array(64) };
    const tradeHex = toHex(encodeTrade(closed));
    assert.equal(relay.receiveShare(tradeHex, toHex(encodeVoteShare(forged))), true);
    assert.equal(posts.length, 0, 'a forged share gets nothing back');
    relay.receiveShare(tradeHex, toHex(encodeVoteShare(theirs)));
    assert.deepEqual(
      posts.map((p) => p.api),
      sharding.shards[1]!.validators.map((v) => v.api),
      'every validator of the waiting shard gets this validator’s vote',
    );
    const mine = decodeVoteShare(fromHex(posts[0]!.body.share));
    assert.deepEqual(mine.statement.verdict, { kind: 'abort', reason: 'insufficient-funds' });
    assert.equal(mine.statement.shard, 0);
    relay.receiveShare(tradeHex, toHex(encodeVoteShare(theirs)));
    assert.equal(posts.length, 4, 'not again at once');
    advance(3000);
    relay.receiveShare(tradeHex, toHex(encodeVoteShare(theirs)));
    assert.equal(posts.length, 8, 'again once the pause has passed');
  });

  it('signs in its shard’s committee of the moment and routes to the other shard’s latest recorded one', () => {
    // Shard 1 hands over to a committee with its standby node, which every chain can reach.
    const withStandby = {
      ...genesis,
      sharding: {
        ...sharding,
        shards: sharding.shards.map((shard) =>
          shard.shardId === 1 ? { ...shard, standby: [member(1, 4)] } : shard,
        ),
      },
    };
    const open = trade('open across a handover');
    const { relay, posts, state, advance } = relayWith(
      [[open, { entries: entries('buyer', -10n, 5n), verdict: { kind: 'commit' }, status: 'locked' }]],
      withStandby,
    );
    return (async () => {
      await relay.resume();
      const first = posts.map((p) => decodeVoteShare(fromHex(p.body.share)));
      assert.ok(
        first.length > 0 && first.every((share) => share.statement.epoch === 0 && share.signer === 0),
      );
      // This shard hands over: validator 0 stays, at index 2. Shard 1's epoch 1 is recorded here.
      const keyOf = (shard: number, i: number) => fromHex(member(shard, i).publicKey);
      const epoch1 = committeeGenesisEntry({
        shardId: 0,
        epoch: 1,
        members: [keyOf(0, 1), keyOf(0, 2), keyOf(0, 0), keyOf(0, 4)].map((publicKey, index) => ({
          index,
          publicKey,
        })),
      });
      state.set(epoch1.key, epoch1.value);
      const shard1 = [keyOf(1, 1), keyOf(1, 2), keyOf(1, 3), keyOf(1, 4)];
      state.set(shardCommitteeKey(1, 1), encodeShardCommittee(shard1, [5_000, 5_000, 5_000, 5_000]));
      const seen = new Set<string>();
      for (let round = 0; round < 8; round++) {
        posts.length = 0;
        advance(2000);
        relay.tick();
        const shares = posts.map((p) => decodeVoteShare(fromHex(p.body.share)));
        assert.ok(shares.length > 0);
        for (const share of shares) assert.deepEqual([share.statement.epoch, share.signer], [1, 2]);
        for (const post of posts) seen.add(post.api);
      }
      const shard1Apis = [1, 2, 3, 4].map((i) => member(1, i).api);
      const shard0Apis = [1, 2, 4].map((i) => member(0, i).api);
      for (const api of seen)
        assert.ok(
          shard1Apis.includes(api) || shard0Apis.includes(api),
          `${api} is no master of either committee`,
        );
      assert.ok(!seen.has(member(1, 0).api), 'the member that left shard 1 is never a master');
      assert.ok(seen.has(member(1, 4).api), 'the standby node that joined shard 1 is reached');
      // Handed over out of the committee: it votes no more, and the new members vote instead.
      const epoch2 = committeeGenesisEntry({
        shardId: 0,
        epoch: 2,
        members: [keyOf(0, 1), keyOf(0, 2), keyOf(0, 3), keyOf(0, 4)].map((publicKey, index) => ({
          index,
          publicKey,
        })),
      });
      state.set(epoch2.key, epoch2.value);
      posts.length = 0;
      advance(2000);
      relay.tick();
      assert.equal(posts.length, 0);
    })();
  });

  it('draws another shard’s masters by the credit its recorded committee was elected with', () => {
    const { relay, state } = relayWith([]);
    const keyOf = (i: number) => fromHex(member(1, i).publicKey);
    // Genesis's committee was scored by no election: over many cycles, each member leads some.
    const leaders = new Set(Array.from({ length: 40 }, (_, c) => toHex(relay.mastersOf(c, 1)[0]!)));
    assert.equal(leaders.size, 4);
    // Epoch 1 recorded with its credit: members 0 and 1 hold it 9 to 1, members 2 and 3 have none.
    const shard1 = [0, 1, 2, 3].map(keyOf);
    state.set(shardCommitteeKey(1, 1), encodeShardCommittee(shard1, [9_000, 1_000, 0, 0]));
    const first = new Map<string, number>();
    for (let cycle = 0; cycle < 400; cycle++) {
      const order = relay.mastersOf(cycle, 1).map(toHex);
      assert.equal(order.length, 4, 'every member stays in the order');
      assert.deepEqual(
        new Set(order.slice(2)),
        new Set([toHex(shard1[2]!), toHex(shard1[3]!)]),
        'members without credit come last',
      );
      first.set(order[0]!, (first.get(order[0]!) ?? 0) + 1);
    }
    const leads = first.get(toHex(shard1[0]!)) ?? 0;
    assert.ok(leads > 320 && leads < 395, `the member with 90 % of the credit led ${leads} of 400 cycles`);
  });

  it('votes on the trades its shard holds locked once it joins the committee, not before', async () => {
    const open = trade('locked when the standby joins');
    const { relay, posts, state, block } = relayWith(
      [[open, { entries: entries('buyer', -10n, 5n), verdict: { kind: 'commit' }, status: 'locked' }]],
      genesis,
      seeds[0]![4]!,
    );
    assert.equal(await relay.resume(), 0, 'a standby node votes on nothing');
    assert.equal(await relay.blockWritten(block), 0);
    assert.equal(posts.length, 0);
    // Elected in: the next block it writes makes it vote on what its shard still holds locked.
    const key = (i: number) => ed25519KeyPairFromSeed(seeds[0]![i]!).publicKey;
    const joined = committeeGenesisEntry({
      shardId: 0,
      epoch: 1,
      members: [key(0), key(1), key(4), key(3)].map((publicKey, index) => ({ index, publicKey })),
    });
    state.set(joined.key, joined.value);
    assert.ok((await relay.blockWritten({ txHashes: [], receipts: [] } as unknown as StoredBlock)) >= 1);
    const shares = posts.map((p) => decodeVoteShare(fromHex(p.body.share)));
    assert.ok(shares.length > 0);
    for (const share of shares) {
      assert.equal(toHex(share.statement.tradeId), toHex(tradeId(open)));
      assert.deepEqual([share.statement.epoch, share.signer], [1, 2]);
    }
  });
});
