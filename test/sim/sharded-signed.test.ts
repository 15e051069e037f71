import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CrossTrade } from '../../src/sharding/index.js';
import { signTrade, tradePayer } from '../../src/sim/sharded/client-keys.js';
import { runShardedSimulation, shardedRunOk } from '../../src/sim/sharded/run.js';
import { decodeShardEntry, encodeShardEntry, shardAccepts } from '../../src/sim/sharded/shard-entry.js';

const trade = (buyer: string, money: bigint): CrossTrade => ({
  chainId: 'c',
  session: new Uint8Array(16).fill(7),
  cycle: 0,
  legs: [
    {
      shard: 0,
      entries: [
        { account: buyer, money: -money, energy: 10n },
        { account: 'z0-seller-0', money, energy: -10n },
      ],
    },
  ],
});

describe('signed shard entries', () => {
  const t = trade('z0-buyer-0', 20n);
  const signed = encodeShardEntry({ kind: 'local', trade: t, signature: signTrade(t) });

  it('carry the payer’s signature through the encoding', () => {
    assert.equal(tradePayer(t), 'z0-buyer-0');
    const entry = decodeShardEntry(signed);
    assert.equal(entry.kind, 'local');
    assert.deepEqual(entry.kind === 'local' && entry.signature, signTrade(t));
  });

  it('are accepted only with a valid signature of this very trade by its payer', () => {
    const required = shardAccepts(0, true);
    assert.equal(required(signed), true);
    assert.equal(required(encodeShardEntry({ kind: 'local', trade: t })), false, 'unsigned');
    const flipped = signed.slice();
    flipped[flipped.length - 40]! ^= 1;
    assert.equal(required(flipped), false, 'signature bit flipped');
    const other = trade('z0-buyer-0', 21n);
    assert.equal(
      required(encodeShardEntry({ kind: 'local', trade: other, signature: signTrade(t) })),
      false,
      'signature of another trade',
    );
    const stranger = trade('z0-buyer-1', 20n);
    assert.equal(
      required(encodeShardEntry({ kind: 'local', trade: stranger, signature: signTrade(t) })),
      false,
      'signature of another account',
    );
    // Without the requirement an unsigned entry passes as before, and a bad signature still fails.
    assert.equal(shardAccepts(0)(encodeShardEntry({ kind: 'local', trade: t })), true);
    assert.equal(shardAccepts(0)(flipped), false);
  });

  it('a calm run of signed trades with no shared checks commits every trade with every check at zero', () => {
    const result = runShardedSimulation({
      shards: 2,
      nodesPerShard: 4,
      faultyPerShard: 0,
      rootNodes: 4,
      rootFaulty: 0,
      byzantine: 'all',
      byzantineMaster: false,
      crossRatio: 0.5,
      trades: 10,
      seed: 4,
      calm: true,
      shareChecks: false,
      signedTrades: true,
      ampleFunds: true,
      dropSettled: true,
      measure: true,
    });
    assert.ok(shardedRunOk(result), result.problems.join('; '));
    const committed = result.localCommitted + result.crossShardCommitted;
    assert.equal(committed, result.measured?.tradesPlanned);
    assert.equal(result.measured?.closeLatenciesMs.length, committed);
    assert.equal(result.crossMessagesLost, 0);
    assert.equal(result.restarts, 0);
  });

  it('refuses a trade window it cannot run', () => {
    const options = {
      shards: 1,
      nodesPerShard: 1,
      faultyPerShard: 0,
      byzantine: 'all',
      byzantineMaster: false,
      crossRatio: 0,
      seed: 1,
    } as const;
    assert.throws(() => runShardedSimulation({ ...options, tradeWindowMs: 0 }), /trade window/);
    assert.throws(() => runShardedSimulation({ ...options, tradeWindowMs: 1.5 }), /trade window/);
  });
});
