import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeEquivocationProof, verifyEquivocationProof } from '../../src/consensus/dag/index.js';
import { fromHex } from '../../src/crypto/hash.js';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { loadHighs } from '../../src/grid/highs.js';
import { chainApplication } from '../../src/market/grid-plugins.js';
import { followChain } from '../../src/node/follower.js';
import { committeeOf } from '../../src/node/genesis-file.js';
import type { RolesAnswer } from '../../src/sdk/index.js';
import { decodeCommitProof, verifyCommitProof } from '../../src/sharding/index.js';
import { misbehavingLauncher, trickle } from './misbehaving.js';

// Ports from the process id, below the kernel's ephemeral range (32,768 and up), where an outgoing
// connection can hold any port, and apart from the other process tests' ranges.
const p2pBase = 32_400 + (process.pid % 18) * 10;
const apiBase = p2pBase + 180;
const SLOW = 2;
const EQUIVOCATOR = 3;
const STANDBY = [4, 5];

let network: TestNetwork | null = null;
let passed = false;
/** The load runs until stopped; a failed test must not leave it spinning. */
let load: ReturnType<typeof trickle> | null = null;
after(async () => {
  await load?.stop();
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails(25));
  network?.remove();
});

const heightOf = async (api: string): Promise<{ height: number; headHash: string } | null> => {
  try {
    const response = await fetch(`${api}/api/v1/status`, { signal: AbortSignal.timeout(3000) });
    return (await response.json()) as { height: number; headHash: string };
  } catch {
    return null;
  }
};

describe('committee handover on a running chain', () => {
  it('replaces a slowed validator and an equivocating one by standby nodes at the boundary, without a halt', async () => {
    network = new TestNetwork({
      chainId: 'handover-test',
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      cli: sourceCli(),
      handover: { cycleMs: 8_000, keyPhaseMs: 1_000, standby: STANDBY.length },
      // Test-only faults (src/node/test-faults.ts), one process each.
      launcher: misbehavingLauncher(SLOW, EQUIVOCATOR),
    });
    await network.start(240_000);
    // A trickle of transactions keeps block time moving, as a running market does.
    load = trickle(network.clients, 'handover-test', 'handover load');
    const client = network.clients[0]!;
    let roles: RolesAnswer | null = null;
    // Each election as the roles answer showed it, by the epoch it read.
    const elections = new Map<number, NonNullable<NonNullable<RolesAnswer['handover']>['lastElection']>>();
    const out = (committee: readonly number[]) =>
      !committee.includes(SLOW) &&
      !committee.includes(EQUIVOCATOR) &&
      STANDBY.every((s) => committee.includes(s));
    const deadline = Date.now() + 150_000;
    for (;;) {
      roles = await client.roles().catch(() => null);
      const handover = roles?.handover;
      if (handover?.lastElection) elections.set(handover.lastElection.epoch, handover.lastElection);
      if (handover !== undefined && out(handover.committee) && roles!.nodes[EQUIVOCATOR]!.suspended) break;
      assert.ok(
        Date.now() < deadline,
        `not there yet: ${JSON.stringify(roles?.handover ?? roles)}; elections ${JSON.stringify([...elections])}`,
      );
      await new Promise((r) => setTimeout(r, 1000));
    }
    const handover = roles!.handover!;
    // The first election takes one of the two out. The slowed validator loses its place by credit
    // to a standby node. The equivocator is taken out once suspended; if the boundary came after
    // its proof was scored but before the suspension was on the chain, its credit (0) was the
    // lowest and it was the one replaced. Either way, its place goes to a standby node too.
    const first = elections.get(0);
    assert.ok(first !== undefined, `the first election was not seen: ${JSON.stringify([...elections])}`);
    const firstOut = [first.replaced?.out, ...first.removed.map((r) => r.out)];
    assert.ok(firstOut.includes(SLOW) || firstOut.includes(EQUIVOCATOR), JSON.stringify(first));
    const all = [...elections.values()];
    const replacedByStandby = (node: number) =>
      all.some((e) => e.replaced?.out === node && STANDBY.includes(e.replaced.in));
    assert.ok(replacedByStandby(SLOW), JSON.stringify(all));
    assert.ok(
      replacedByStandby(EQUIVOCATOR) ||
        all.some((e) =>
          e.removed.some((r) => r.out === EQUIVOCATOR && r.in !== null && STANDBY.includes(r.in)),
        ),
      JSON.stringify(all),
    );
    // The suspension rests on a proof anyone can check with the genesis keys alone.
    const suspension = roles!.nodes[EQUIVOCATOR]!.suspension;
    assert.ok(suspension !== null);
    const proof = decodeEquivocationProof(fromHex(suspension.proof));
    assert.ok(verifyEquivocationProof(committeeOf(network.genesis), proof));
    assert.equal(roles!.nodes[EQUIVOCATOR]!.credit, 0);
    // The slowed validator's standing comes from the chain's evidence: below both punctual members.
    const [a, b, slow] = [0, 1, SLOW].map((i) => roles!.nodes[i]!);
    assert.ok(slow!.credit < Math.min(a!.credit, b!.credit), JSON.stringify(roles!.nodes));
    for (const node of [SLOW, EQUIVOCATOR]) assert.equal(roles!.nodes[node]!.role, 'standby');
    for (const node of STANDBY) assert.equal(roles!.nodes[node]!.role, 'verification');
    // The new committee orders: the chain goes on, and every node, members and those that left
    // alike, holds the same blocks.
    const boundary = (await heightOf(network.apis[0]!))!.height;
    const goOn = Date.now() + 60_000;
    let heads: ({ height: number; headHash: string } | null)[] = [];
    for (;;) {
      heads = await Promise.all(network.apis.map(heightOf));
      if (heads.every((h) => h !== null && h.height >= boundary + 10)) break;
      assert.ok(Date.now() < goOn, `the chain stalled after the boundary: ${JSON.stringify(heads)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    await load.stop();
    const common = Math.min(...heads.map((h) => h!.height));
    const hashes = await Promise.all(
      network.apis.map(async (api) => {
        const block = (await (await fetch(`${api}/api/v1/blocks/${common}`)).json()) as { hash: string };
        return block.hash;
      }),
    );
    assert.equal(new Set(hashes).size, 1, `nodes disagree at height ${common}: ${hashes.join(', ')}`);
    // Blocks of the new epochs are proven final by their own committee's signatures: a proof of a
    // block past the boundary checks against that epoch's members alone.
    let checked = false;
    const keys = [...network.genesis.validators, ...network.genesis.handover!.standby].map((v) =>
      fromHex(v.publicKey),
    );
    for (let height = common; height > boundary && !checked; height--) {
      const answer = (await (
        await fetch(`${network.apis[0]}/api/v1/blocks/${height}/commit-proof`)
      ).json()) as {
        epoch?: number;
        proof?: string;
      };
      if (answer.proof === undefined || answer.epoch === undefined || answer.epoch < 1) continue;
      const members = answer.epoch === handover.epoch ? handover.committee : null;
      if (members === null) continue;
      const committee = {
        shardId: 0,
        epoch: answer.epoch,
        members: members.map((node, index) => ({ index, publicKey: keys[node]! })),
      };
      verifyCommitProof(decodeCommitProof(fromHex(answer.proof)), committee);
      checked = true;
    }
    assert.ok(checked, 'a commit proof of the current epoch');
    // A common node (`gridshard node follow`) copies the chain from validator 0 across the
    // boundaries: each block's batches check against its own epoch's committee, read from the
    // state it re-executed, and a commit proof of a later epoch proves its head final.
    const followed = await followChain({
      genesis: network.genesis,
      dataDir: join(network.dir, 'common-node'),
      source: network.clients[0]!,
      application: chainApplication(await loadHighs()),
    });
    assert.ok(followed.height >= common, `the common node stopped at ${followed.height}`);
    assert.equal(followed.uncertifiedBlocks, 0);
    assert.ok(
      followed.finalHeight !== null && followed.finalHeight > boundary,
      `final height ${followed.finalHeight}, boundary ${boundary}`,
    );
    // Where each new epoch first committed, as the members saw it: the round of its first leader.
    const firstCommits = await Promise.all(
      [0, 1].map(async (node) => {
        const metrics = await (await fetch(`${network!.apis[node]}/metrics`)).text();
        return [...metrics.matchAll(/gridshard_epoch_first_commit_round\{[^}]*epoch="(\d+)"[^}]*\} (\d+)/g)]
          .map((m) => `epoch ${m[1]}: round ${m[2]}`)
          .join(', ');
      }),
    );
    console.log(
      `handover devnet: first commits at validator 0 ${firstCommits[0]}; at validator 1 ${firstCommits[1]}`,
    );
    console.log(
      `handover devnet: epoch ${handover.epoch}, committee ${JSON.stringify(handover.committee)}, elections ${JSON.stringify([...elections])}, credit ${JSON.stringify(roles!.nodes.map((n) => [n.index, n.role, n.credit, n.cycleScore]))}`,
    );
    passed = true;
  });
});
