import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWanModel } from '../../src/bench/wan/model.js';
import type { Copies, UnitCosts, WanRunOptions } from '../../src/bench/wan/types.js';
import { DEFAULT_WAN } from '../../src/bench/wan/wan.js';

/** Fixed unit costs (µs), of the order of an idle machine's: the model under test, not this machine. */
const COSTS: UnitCosts = {
  ed25519SignUs: 50,
  ed25519VerifyUs: 60,
  sha256UsPerKb: 2,
  messageUs: 5,
  codecUsPerKb: 10,
  signedEntryCheckUs: 70,
  decisionCheckUs: 5,
  applyLocalUs: 5,
  prepareUs: 6,
  voteSignUs: 55,
  shareVerifyUs: 65,
  decideUs: 600,
  decideRepeatUs: 8,
  attestUs: 55,
  attestationVerifyUs: 60,
  proofCheckUs: 200,
  proofIncludeUs: 210,
  proofCheckMemoUs: 12,
  proofIncludeMemoUs: 15,
  coinShareUs: 1000,
  coinVerifyUs: 1000,
  coinCombineUs: 1000,
  bytes: { signedEntry: 171, decision: 700, proof: 400, share: 131, attestation: 170, vote: 99 },
};

function options(shards: number, crossRatio: number, seed = 7, copies: Copies = 'as-built'): WanRunOptions {
  return {
    shards,
    nodesPerShard: 4,
    rootNodes: 4,
    crossRatio,
    copies,
    seed,
    warmupMs: 4000,
    durationMs: 4000,
    offered: { kind: 'adaptive', maxPerShard: 50_000, gain: 2 },
    wan: DEFAULT_WAN,
  };
}

describe('bench sharding --model wan', () => {
  it('is a function of its options, seed and unit costs', () => {
    const a = runWanModel(options(3, 0.2), COSTS);
    const b = runWanModel(options(3, 0.2), COSTS);
    assert.deepEqual(a, b);
    assert.ok(a.committedTxPerSec > 0 && a.shardClosedTxPerSec > 0, 'trades commit');
    assert.ok(a.rootProofsPerSec > 0, 'the root chain orders proofs');
    assert.ok(a.p50LatencyMs > 0 && a.p50LatencyMs <= a.p99LatencyMs);
    assert.ok(a.decisionCopiesPerShard >= 1, 'every cross-shard trade has its decision ordered');
    const other = runWanModel(options(3, 0.2, 8), COSTS);
    assert.notDeepEqual(other, a, 'another seed draws other delays');
  });

  it('scales with the shards when no trade crosses them', () => {
    const four = runWanModel(options(4, 0), COSTS);
    const sixteen = runWanModel(options(16, 0), COSTS);
    assert.equal(four.totalNodes, 4 * 4 + 4);
    assert.ok(four.committedTxPerSec > 0, 'four shards commit');
    assert.ok(
      sixteen.committedTxPerSec >= 3 * four.committedTxPerSec,
      `16 shards ${sixteen.committedTxPerSec} tx/s, 4 shards ${four.committedTxPerSec} tx/s`,
    );
  });

  it('as built, a root validator verifies no proof copy again: its memo holds the attestations', () => {
    // Signature checks of a proof that the memo answers never enter a run as built: any cost of a
    // full check gives the same run, while before the savings the root pays it for every copy.
    const costly = { ...COSTS, proofCheckUs: 20_000, proofIncludeUs: 20_000 };
    const cheap = runWanModel(options(4, 0), COSTS);
    assert.deepEqual(runWanModel(options(4, 0), costly), cheap);
    const before = runWanModel(options(4, 0, 7, 'before-savings'), costly);
    assert.ok(
      before.load.rootValidator.cpuMean > 2 * cheap.load.rootValidator.cpuMean,
      `root CPU ${before.load.rootValidator.cpuMean} before the savings, ${cheap.load.rootValidator.cpuMean} as built`,
    );
  });

  it('as built, a validator verifies a decision once and orders fewer copies than before the savings', () => {
    // The first copy a validator applies costs the other shards' votes; later copies, the memo only.
    const costly = { ...COSTS, decideUs: 5_000 };
    const built = runWanModel(options(4, 0.2), costly);
    const before = runWanModel(options(4, 0.2, 7, 'before-savings'), costly);
    assert.ok(built.decisionCopiesPerShard >= 1);
    assert.ok(
      built.decisionCopiesPerShard < before.decisionCopiesPerShard,
      `${built.decisionCopiesPerShard} copies per shard as built, ${before.decisionCopiesPerShard} before`,
    );
    assert.ok(
      built.shardClosedTxPerSec > before.shardClosedTxPerSec,
      `${built.shardClosedTxPerSec} closed/s as built, ${before.shardClosedTxPerSec} before`,
    );
  });

  it('refuses a bad flag with a typed error and exit code 2', () => {
    const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', main, 'bench', 'sharding', '--model', 'wan', '--nodes-per-shard', '3', '--json'],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 2, run.stderr);
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, 'BAD_OPTIONS');
    assert.match(error.message, /--nodes-per-shard/);
  });
});
