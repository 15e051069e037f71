import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { proveShardInclusion } from '../../src/cli/commands/inclusion.js';
import { decodeEquivocationProof, verifyEquivocationProof } from '../../src/consensus/dag/index.js';
import { readShardCommittee, shardCommitteeKey } from '../../src/cross-zone/directory.js';
import { readShardHead, shardHeadKey } from '../../src/cross-zone/root-application.js';
import { fromHex, toHex } from '../../src/crypto/hash.js';
import {
  CrossZoneDemo,
  DEMO_OPENING,
  demoAccounts,
  demoMembers,
  type SentTrade,
} from '../../src/devnet/cross-zone-demo.js';
import {
  createShardedNetworkFiles,
  ShardedNetwork,
  writeCommitteePasswords,
} from '../../src/devnet/sharded-network.js';
import { sourceCli } from '../../src/devnet/test-network.js';
import { Prng } from '../../src/kit/prng.js';
import { committeeOf } from '../../src/node/genesis-file.js';
import type { RolesAnswer } from '../../src/sdk/index.js';
import { decodeCommitProof, verifyCommitProof } from '../../src/sharding/index.js';

// Ports from the process id, below the ephemeral range and apart from the other process tests'.
const p2pBase = 9_500 + (process.pid % 12) * 20;
const apiBase = p2pBase + 250;
const SHARDS = 2;
const NODES = 4;
const ROOT = 4;
const SLOW = 2;
/** Shard 1's validator that signs two headers for one round (a test-only fault). */
const EQUIVOCATOR = 3;
const STANDBY = 4;
const CHAIN = 'sharded-handover-test';
const SEED = 20261201;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(join(tmpdir(), 'gridshard-sharded-handover-'));
let network: ShardedNetwork | null = null;
let passed = false;
let sending = false;
after(async () => {
  sending = false;
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails(15));
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

/** A state value as a chain's API serves it (public keys only here), or undefined. */
async function stateValue(api: string, key: Uint8Array): Promise<Uint8Array | undefined> {
  const answer = (await (await fetch(`${api}/api/v1/state/${toHex(key)}`)).json()) as {
    value?: string | null;
  };
  return typeof answer.value === 'string' ? fromHex(answer.value) : undefined;
}

describe('a sharded system whose zone shards hand over', () => {
  it('replaces a slowed zone validator and suspends an equivocating one, each by its shard’s standby node, and every chain follows the new committees', async () => {
    const prng = new Prng(SEED);
    const members = demoMembers(SHARDS, 2, prng.fork(1));
    const committees = createShardedNetworkFiles({
      dir,
      chainId: CHAIN,
      shards: SHARDS,
      nodesPerShard: NODES,
      rootNodes: ROOT,
      host: '127.0.0.1',
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      password: 'test-password',
      genesisTimeMs: Date.now(),
      cycleMs: 10_000,
      scryptCost: { n: 2 ** 10, r: 8, p: 1 },
      passwordFile: '../password',
      accounts: (shard) => demoAccounts(members, shard),
      // The fourteen processes take about a minute to start on the 2-core machine: the first
      // handover cycle ends after that, so its election is scored on blocks (one due at the first
      // block would rank members on no evidence). Blocks of this loaded system come seconds apart
      // and a step takes a few of them to be ordered; a key phase shorter than that fails and
      // doubles until it is long enough, three phases a session.
      zoneHandover: { cycleMs: 90_000, keyPhaseMs: 10_000, standby: 1 },
    });
    writeCommitteePasswords(committees, 'test-password');
    network = new ShardedNetwork(committees, {
      dir,
      cli: sourceCli(),
      env: { ...process.env, GRIDSHARD_LOG_LEVEL: 'warn' },
      // Test-only faults (src/node/test-faults.ts): every consensus message of shard 0's validator 2
      // 2 s late; shard 1's validator 3 signs two headers for one round. Rounds of this loaded
      // system take about a second: 300 ms late, the slowed validator still scored 8,778 of 10,000
      // in a run, above the 5,000 an unscored standby node starts at, and was never replaced.
      launchers: {
        'shard-0': (index) => (index === SLOW ? ['/usr/bin/env', 'GRIDSHARD_TEST_DELAY_MS=2000'] : []),
        'shard-1': (index) => (index === EQUIVOCATOR ? ['/usr/bin/env', 'GRIDSHARD_TEST_EQUIVOCATE=1'] : []),
      },
    });
    await network.start(240_000);
    const shardClients = network.clients.slice(0, SHARDS);
    const rootApi = committees.at(-1)!.genesis.validators[0]!.api;
    const demo = new CrossZoneDemo(CHAIN, shardClients, members, prng.fork(2));
    const cycle = () => Math.floor((Date.now() - committees[0]!.genesis.genesisTimeMs) / 10_000);

    // Cross-zone trades all along: they are the load that moves both shards' block time.
    const sent: SentTrade[] = [];
    sending = true;
    const load = (async () => {
      while (sending) {
        const trade = await demo.send(cycle()).catch(() => null);
        if (trade !== null) sent.push(trade);
        await sleep(700);
      }
    })();

    // Shard 0's election takes the slowed validator out for the standby node.
    let roles: RolesAnswer | null = null;
    const deadline = Date.now() + 240_000;
    for (;;) {
      roles = await shardClients[0]![0]!.roles().catch(() => null);
      const committee = roles?.handover?.committee;
      if (committee !== undefined && !committee.includes(SLOW) && committee.includes(STANDBY)) break;
      assert.ok(Date.now() < deadline, `not replaced yet: ${JSON.stringify(roles?.handover ?? roles)}`);
      await sleep(1000);
    }
    const epoch = roles!.handover!.epoch;
    assert.ok(epoch >= 1);
    const slow = roles!.nodes[SLOW]!;
    assert.equal(slow.role, 'standby');
    // Its standing comes from the shard chain's evidence: below the punctual members'. (On a loaded
    // machine one of them may miss votes too and tie with it, so the bound is on the best of them.)
    assert.ok(
      slow.credit < Math.max(roles!.nodes[0]!.credit, roles!.nodes[1]!.credit),
      JSON.stringify(roles!.nodes),
    );
    assert.equal(roles!.nodes[STANDBY]!.role, 'verification');

    // Shard 1's equivocator is suspended on its proof and taken out for shard 1's standby node;
    // the first election after the suspension sets its credit to 0 (one before it may already
    // have taken it out on its score alone).
    let roles1: RolesAnswer | null = null;
    for (;;) {
      roles1 = await shardClients[1]![0]!.roles().catch(() => null);
      const committee = roles1?.handover?.committee;
      if (
        committee !== undefined &&
        roles1!.nodes[EQUIVOCATOR]!.suspended &&
        roles1!.nodes[EQUIVOCATOR]!.credit === 0 &&
        !committee.includes(EQUIVOCATOR) &&
        committee.includes(STANDBY)
      )
        break;
      assert.ok(
        Date.now() < deadline,
        `not suspended and replaced yet: ${JSON.stringify(roles1?.handover ?? roles1)}`,
      );
      await sleep(1000);
    }
    const suspension = roles1!.nodes[EQUIVOCATOR]!.suspension;
    assert.ok(suspension !== null);
    assert.ok(
      verifyEquivocationProof(
        committeeOf(committees[1]!.genesis),
        decodeEquivocationProof(fromHex(suspension.proof)),
      ),
      'the suspension rests on a proof the genesis keys check',
    );
    assert.equal(roles1!.nodes[EQUIVOCATOR]!.role, 'standby');

    // The root chain and shard 1 record shard 0's new committee from the quorum that elected it.
    const keyOf = (index: number) =>
      index < NODES
        ? committees[0]!.genesis.validators[index]!.publicKey
        : committees[0]!.genesis.handover!.standby[index - NODES]!.publicKey;
    const expected = roles!.handover!.committee.map(keyOf);
    const recordedOn = async (api: string) => {
      const bytes = await stateValue(api, shardCommitteeKey(0, epoch)).catch(() => undefined);
      if (bytes === undefined) return null;
      const state = {
        get: (key: Uint8Array) => (toHex(key) === toHex(shardCommitteeKey(0, epoch)) ? bytes : undefined),
      };
      return readShardCommittee(state, 0, epoch)!.members.map((m) => toHex(m.publicKey));
    };
    const shard1Api = committees[1]!.genesis.validators[3]!.api;
    for (let i = 0; ; i++) {
      const [onRoot, onShard1] = await Promise.all([recordedOn(rootApi), recordedOn(shard1Api)]);
      if (onRoot !== null && onShard1 !== null) {
        assert.deepEqual(onRoot, expected);
        assert.deepEqual(onShard1, expected);
        break;
      }
      assert.ok(i < 60, `shard 0's epoch ${epoch} not recorded: root ${onRoot}, shard 1 ${onShard1}`);
      await sleep(1000);
    }
    // Shard 1 draws shard 0's masters by the credit the recorded committee was elected with.
    const drawn = (await (await fetch(`${shard1Api}/api/v1/cycles/${cycle()}/masters`)).json()) as {
      shards: { shardId: number; epoch: number; masters: number[]; credit: number[] | null }[];
    };
    const shard0Masters = drawn.shards.find((entry) => entry.shardId === 0)!;
    assert.ok(shard0Masters.epoch >= epoch);
    assert.ok(
      shard0Masters.credit !== null,
      'the masters of a committee an election scored carry its credit',
    );
    assert.equal(shard0Masters.credit.length, shard0Masters.masters.length);
    for (const value of shard0Masters.credit)
      assert.ok(Number.isInteger(value) && value >= 0 && value <= 10_000);
    // Members without credit never lead a member with some.
    const firstZero = shard0Masters.credit.indexOf(0);
    if (firstZero >= 0) assert.ok(shard0Masters.credit.slice(firstZero).every((value) => value === 0));

    // Trades go on across the boundary; then the load stops and every trade closes in all its
    // shards the same way.
    const boundaryTrades = sent.length;
    await sleep(15_000);
    sending = false;
    await load;
    assert.ok(sent.length > boundaryTrades + 5, 'trades were sent after the handover');
    const outcome = new Map<string, string>();
    const closeBy = Date.now() + 180_000;
    for (const trade of sent) {
      for (;;) {
        const statuses = await Promise.all(
          trade.trade.legs.map((leg) => shardClients[leg.shard]![1]!.crossTrade(trade.id).catch(() => null)),
        );
        if (statuses.every((s) => s?.status === 'committed' || s?.status === 'aborted')) {
          const kinds = new Set(statuses.map((s) => s!.status));
          assert.equal(kinds.size, 1, `trade ${trade.id} applied in all its shards or none`);
          outcome.set(trade.id, [...kinds][0]!);
          break;
        }
        assert.ok(Date.now() < closeBy, `trade ${trade.id} still open: ${JSON.stringify(statuses)}`);
        await demo.resendMissing(trade);
        await sleep(1000);
      }
    }
    const late = sent.slice(boundaryTrades).filter((t) => outcome.get(t.id) === 'committed');
    assert.ok(late.length > 0, 'trades sent after the handover committed');

    // Money and energy: opening plus the committed trades, nothing locked, conserved.
    const balance = new Map(members.map((m) => [m.account, { ...DEMO_OPENING }]));
    for (const t of sent)
      if (outcome.get(t.id) === 'committed')
        for (const leg of t.trade.legs)
          for (const entry of leg.entries) {
            const b = balance.get(entry.account)!;
            b.money += entry.money;
            b.energy += entry.energy;
          }
    for (const member of members) {
      const account = await shardClients[member.shard]![0]!.crossAccount(member.account);
      assert.ok(account !== null);
      assert.equal(account.lockedMoney, '0');
      assert.equal(account.lockedEnergy, '0');
      assert.equal(BigInt(account.money), balance.get(member.account)!.money);
      assert.equal(BigInt(account.energy), balance.get(member.account)!.energy);
    }

    // The root holds shard 0 blocks signed by the new committee: the commit proof of the block
    // its record ends at verifies against the committee the root recorded, and it is that epoch's.
    let proofEpoch = -1;
    for (let i = 0; i < 60 && proofEpoch < epoch; i++) {
      const headBytes = await stateValue(rootApi, shardHeadKey(0));
      const head = readShardHead({ get: () => headBytes }, 0);
      if (head !== undefined) {
        const answer = (await (
          await fetch(
            `${committees[0]!.genesis.handover!.standby[0]!.api}/api/v1/blocks/${head.height}/commit-proof`,
          )
        ).json()) as { proof?: string };
        if (answer.proof !== undefined) {
          const proof = decodeCommitProof(fromHex(answer.proof));
          proofEpoch = proof.statement.epoch;
          if (proofEpoch === epoch)
            verifyCommitProof(proof, {
              shardId: 0,
              epoch,
              members: expected.map((k, index) => ({ index, publicKey: fromHex(k) })),
            });
        }
      }
      if (proofEpoch < epoch) await sleep(1000);
    }
    assert.ok(proofEpoch >= epoch, `the root's shard 0 head is of epoch ${proofEpoch}`);
    // A common node holding only the genesis files checks it from proofs alone (`gridshard
    // inclusion`): the shard block's committee comes from the root's proven record of it.
    const proven = await proveShardInclusion(
      network.root.clients[1]!,
      network.clients[0]![STANDBY]!,
      0,
      committees.at(-1)!.genesis,
      committees[0]!.genesis,
      60_000,
    );
    const served = await network.clients[0]![0]!.block(proven.height);
    assert.equal(served?.hash, proven.blockHash, 'the root holds the block the shard serves');
    assert.ok(
      served !== null && Number(served.epoch) >= epoch,
      `block ${proven.height} is of epoch ${served?.epoch}`,
    );
    passed = true;
  });
});
