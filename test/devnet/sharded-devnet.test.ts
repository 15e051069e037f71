import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { proveShardInclusion, rootFinalityOfFollowed } from '../../src/cli/commands/inclusion.js';
import { readShardHead } from '../../src/cross-zone/root-application.js';
import { toHex } from '../../src/crypto/hash.js';
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
import { loadHighs } from '../../src/grid/highs.js';
import { Prng } from '../../src/kit/prng.js';
import { LedgerStore } from '../../src/ledger/store.js';
import { chainApplication } from '../../src/market/grid-plugins.js';
import { followChain } from '../../src/node/follower.js';

// Ports from the process id, so parallel runs on one machine do not collide, all below the
// kernel's ephemeral range (32768 up), where an outgoing connection could hold one, and apart
// from the other process tests' ranges (11,000-20,000 and 21,000-30,000).
const p2pBase = 30_000 + (process.pid % 30) * 40;
const apiBase = p2pBase + 1_200;
const SHARDS = 4;
const NODES = 4;
const ROOT = 4;
const CHAIN = 'sharded-test';
const SEED = 20261129;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dir = mkdtempSync(join(tmpdir(), 'gridshard-sharded-'));
let network: ShardedNetwork | null = null;
let passed = false;
after(async () => {
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails());
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
});

describe('the sharded devnet: 4 zone shards × 4 validator processes and a root committee of 4', () => {
  it('commits cross-zone trades all-or-nothing while a validator is killed and restarted, expires a stranded one, and conserves money and energy', async () => {
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
    });
    writeCommitteePasswords(committees, 'test-password');
    network = new ShardedNetwork(committees, {
      dir,
      cli: sourceCli(),
      env: { ...process.env, GRIDSHARD_LOG_LEVEL: 'warn' },
    });
    const startedAt = Date.now();
    await network.start(240_000);
    const upAt = Date.now();
    const shardClients = network.clients.slice(0, SHARDS);
    const demo = new CrossZoneDemo(CHAIN, shardClients, members, prng.fork(2));
    const cycle = () => Math.floor((Date.now() - committees[0]!.genesis.genesisTimeMs) / 10_000);

    const sent: SentTrade[] = [];
    const mustAbort = new Set<string>();
    for (let i = 0; i < 6; i++) sent.push(await demo.send(cycle()));
    // One validator of shard 0 dies with SIGKILL while trades are in flight, and comes back.
    const victim = network.supervisors[0]!;
    victim.kill(1, 'SIGKILL');
    for (let i = 0; i < 6; i++) sent.push(await demo.send(cycle()));
    // More than any member holds: both shards must end with the trade aborted.
    const overdraft = await demo.send(cycle(), DEMO_OPENING.money * 2n, 1_000n);
    mustAbort.add(overdraft.id);
    sent.push(overdraft);
    // The seller walks away: the buyer's shard locks, and both abort once the trade's cycles are over.
    const stranded = await demo.send(cycle(), undefined, undefined, { sellerSigns: false });
    mustAbort.add(stranded.id);
    sent.push(stranded);
    await sleep(3000);
    victim.start(1);
    await victim.waitHealthy(240_000);
    for (let i = 0; i < 4; i++) sent.push(await demo.send(cycle()));

    // Every trade closes in every one of its shards, the same way.
    const outcome = new Map<string, string>();
    const deadline = Date.now() + 240_000;
    for (const trade of sent) {
      for (;;) {
        const statuses = await Promise.all(
          trade.trade.legs.map((leg) =>
            shardClients[leg.shard]![(leg.shard + 2) % NODES]!.crossTrade(trade.id).catch(() => null),
          ),
        );
        const closed = statuses.every((s) => s?.status === 'committed' || s?.status === 'aborted');
        if (closed) {
          const kinds = new Set(statuses.map((s) => s!.status));
          assert.equal(kinds.size, 1, `trade ${trade.id} applied in all its shards or none: ${[...kinds]}`);
          outcome.set(trade.id, [...kinds][0]!);
          break;
        }
        assert.ok(Date.now() < deadline, `trade ${trade.id} still open: ${JSON.stringify(statuses)}`);
        await demo.resendMissing(trade);
        await sleep(1000);
      }
    }
    const closedAt = Date.now();
    for (const id of mustAbort)
      assert.equal(outcome.get(id), 'aborted', 'the overdraft and the stranded trade aborted');
    const committed = sent.filter((t) => outcome.get(t.id) === 'committed');
    assert.ok(committed.length >= 10, `most trades committed (${committed.length} of ${sent.length})`);

    // Balances: opening plus the committed trades, nothing locked, totals conserved across shards.
    const expected = new Map(members.map((m) => [m.account, { ...DEMO_OPENING }]));
    for (const t of committed)
      for (const leg of t.trade.legs)
        for (const entry of leg.entries) {
          const b = expected.get(entry.account)!;
          b.money += entry.money;
          b.energy += entry.energy;
        }
    let money = 0n;
    let energy = 0n;
    for (const member of members) {
      const account = await shardClients[member.shard]![3]!.crossAccount(member.account);
      assert.ok(account !== null);
      assert.equal(account.lockedMoney, '0', 'no money left locked');
      assert.equal(account.lockedEnergy, '0', 'no energy left locked');
      assert.equal(
        BigInt(account.money),
        expected.get(member.account)!.money,
        'money as the committed trades say',
      );
      assert.equal(
        BigInt(account.energy),
        expected.get(member.account)!.energy,
        'energy as the committed trades say',
      );
      money += BigInt(account.money);
      energy += BigInt(account.energy);
    }
    assert.equal(money, DEMO_OPENING.money * BigInt(members.length), 'money conserved across shards');
    assert.equal(energy, DEMO_OPENING.energy * BigInt(members.length), 'energy conserved across shards');

    // The restarted validator caught up with its shard.
    const heads = await Promise.all(shardClients[0]!.map((c) => c.status()));
    assert.ok(heads[1]!.height > 0, 'the restarted validator holds blocks');

    // A common node holding only the genesis committees checks, from proofs alone, that the root
    // chain holds a block of every shard (`gridshard inclusion`): the root's commit proof over its
    // state root, the state proof of the shard's head under that root, and the shard's own commit
    // proof of that block. Then that block is the one the shard itself serves.
    const rootClient = network.root.clients[0]!;
    const rootGenesis = committees.at(-1)!.genesis;
    for (let shard = 0; shard < SHARDS; shard++) {
      const proven = await proveShardInclusion(
        rootClient,
        shardClients[shard]![0]!,
        shard,
        rootGenesis,
        committees[shard]!.genesis,
        60_000,
      );
      assert.ok(proven.height > 0, `root holds shard ${shard}`);
      const served = await shardClients[shard]![3]!.block(proven.height);
      assert.equal(served?.hash, proven.blockHash, 'the root holds the block the shard serves');
    }
    // Every chain shows the same master order for a cycle: a permutation of each shard's committee,
    // drawn from the root chain's coin once the root holds a block of the cycle before (a zone
    // validator reads that block from a root validator, with its commit proof), and from the
    // public order for a cycle the root chain cannot speak for yet.
    const askers = [rootClient, shardClients[2]![1]!];
    const far = await Promise.all(askers.map((c) => c.cycleMasters(100_000)));
    assert.deepEqual(far[0], far[1]);
    assert.equal(far[0]!.beacon, 'public');
    const current = (await rootClient.sharding()).cycle;
    let masters = await Promise.all(askers.map((c) => c.cycleMasters(current)));
    for (let i = 0; i < 30 && masters.some((m) => m.beacon !== 'root-coin'); i++) {
      await sleep(1000);
      masters = await Promise.all(askers.map((c) => c.cycleMasters(current)));
    }
    assert.equal(masters[0]!.beacon, 'root-coin', `cycle ${current}`);
    assert.deepEqual(masters[0], masters[1]);
    for (const shard of masters[0]!.shards) assert.deepEqual([...shard.masters].sort(), [0, 1, 2, 3]);
    assert.equal((await rootClient.sharding()).role, 'root');

    // Credit, from the certificates each chain records: every validator of shard 2 took part in
    // the last audited cycle (empty vertices count, so idle spells do not zero anyone).
    // The node audits in the background and answers with what it has audited so far.
    let roles = await shardClients[2]![3]!.roles();
    for (let i = 0; i < 60 && (roles.lastCycle === null || !roles.lastCycle.scored); i++) {
      await sleep(1000);
      roles = await shardClients[2]![3]!.roles();
    }
    assert.ok(roles.lastCycle !== null && roles.lastCycle.vertices > 0, 'a cycle was audited');
    for (const node of roles.nodes) assert.ok(node.cycleScore! > 0, `validator ${node.index} scored`);
    // A common node of shard 1 copies and re-executes the shard's chain from one validator, sees
    // the shard committee's commit proof over a block it holds, and finds that the block the root
    // chain proves final at that height is the one it re-executed (`node follow --root-api`).
    // It runs after the credit cycle was read: re-executing takes CPU the validators share.
    const commonDir = join(dir, 'common-shard-1');
    const application = chainApplication(await loadHighs());
    const follow = async () => {
      const followed = await followChain({
        genesis: committees[1]!.genesis,
        dataDir: commonDir,
        source: shardClients[1]![2]!,
        application,
      });
      const rootFinal = await rootFinalityOfFollowed({
        root: rootClient,
        source: shardClients[1]![2]!,
        rootGenesis,
        genesis: committees[1]!.genesis,
        dataDir: commonDir,
        application,
        waitMs: 60_000,
      });
      return { followed, rootFinal };
    };
    let common = await follow();
    // The root may already prove a block the common node has not copied yet: it follows again.
    for (let i = 0; i < 10 && !common.rootFinal.held; i++) common = await follow();
    assert.ok(
      common.followed.finalHeight !== null && common.followed.finalHeight > 0,
      'a commit proof checked',
    );
    assert.ok(common.rootFinal.held && common.rootFinal.height > 0, 'the root proves a block it holds');
    // A common node of the root chain (`node follow` with the root's genesis) copies the root
    // chain block by block and re-executes it, which checks every shard commit proof in it against
    // that shard's committee; the shard heads it then holds are blocks the shards themselves serve.
    const rootCommonDir = join(dir, 'common-root');
    const rootFollowed = await followChain({
      genesis: rootGenesis,
      dataDir: rootCommonDir,
      source: network.root.clients[1]!,
      application,
    });
    assert.ok(
      rootFollowed.blocksAdded > 0 && rootFollowed.finalHeight !== null,
      'root chain followed, proof checked',
    );
    const rootCopy = await LedgerStore.open(rootCommonDir, application);
    try {
      for (let shard = 0; shard < SHARDS; shard++) {
        const head = readShardHead({ get: (key) => rootCopy.getState(key) }, shard);
        assert.ok(head !== undefined && head.height > 0, `the root copy holds a head of shard ${shard}`);
        const served = await shardClients[shard]![3]!.block(head.height);
        assert.equal(
          served?.hash,
          toHex(head.blockHash),
          `shard ${shard} serves the block the root copy holds`,
        );
      }
    } finally {
      await rootCopy.close();
    }
    // Anyone can recompute it: the command line, from the validator's data folder once it stops.
    await network.stop(5000);
    const audit = JSON.parse(
      execFileSync(process.execPath, [
        ...sourceCli(),
        'credit',
        '--data',
        join(committees[2]!.dir, 'validator-3'),
        '--genesis',
        join(committees[2]!.dir, 'genesis.json'),
        '--cycle',
        String(roles.lastCycle.cycle),
        '--json',
      ]).toString(),
    ) as { scores: number[]; vertices: number };
    assert.equal(audit.vertices, roles.lastCycle.vertices);
    assert.deepEqual(
      audit.scores,
      roles.nodes.map((n) => n.cycleScore),
      'the command line scores the cycle as the node did',
    );
    console.log(
      `sharded devnet: 20 processes up in ${upAt - startedAt} ms; ${sent.length} trades sent and closed in ${closedAt - upAt} ms (${committed.length} committed)`,
    );
    passed = true;
  });
});
