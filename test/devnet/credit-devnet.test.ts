import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeEquivocationProof, verifyEquivocationProof } from '../../src/consensus/dag/index.js';
import { fromHex } from '../../src/crypto/hash.js';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { committeeOf } from '../../src/node/genesis-file.js';
import type { RolesAnswer } from '../../src/sdk/index.js';
import { misbehavingLauncher, trickle } from './misbehaving.js';

// Ports from the process id, below the ephemeral range and apart from the other process tests'.
const p2pBase = 9_000 + (process.pid % 50) * 10;
const apiBase = p2pBase + 1_000;
const SLOW = 2;
const EQUIVOCATOR = 3;

let network: TestNetwork | null = null;
let passed = false;
/** The load runs until stopped; a failed test must not leave it spinning. */
let load: ReturnType<typeof trickle> | null = null;
after(async () => {
  await load?.stop();
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails());
  network?.remove();
});

describe('credit on a running chain: a slow validator and an equivocating one', () => {
  it('suspends the equivocator with its proof, and scores the slow validator below the others', async () => {
    network = new TestNetwork({
      chainId: 'credit-test',
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      cli: sourceCli(),
      credit: { cycleMs: 5000 },
      // Test-only faults (src/node/test-faults.ts), one process each.
      launcher: misbehavingLauncher(SLOW, EQUIVOCATOR),
    });
    // The first process test of a run: its validators compile the sources cold, four at once.
    await network.start(240_000);
    // A steady trickle of transactions, as a running market sends: block time (and so the cycle
    // clock) moves with the time markers validators put in front of what they propose.
    load = trickle(network.clients, 'credit-test', 'credit load');
    const client = network.clients[0]!;
    const committee = committeeOf(network.genesis);
    let roles: RolesAnswer | null = null;
    const deadline = Date.now() + 60_000;
    for (;;) {
      roles = await client.roles().catch(() => null);
      const done =
        roles !== null &&
        roles.nodes[EQUIVOCATOR]!.suspended &&
        roles.nodes[EQUIVOCATOR]!.credit === 0 &&
        roles.auditedCycles >= 4 &&
        roles.lastCycle?.scored === true;
      if (done) break;
      assert.ok(Date.now() < deadline, `not there yet: ${JSON.stringify(roles)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    // The suspension rests on a proof anyone can check with the genesis keys alone.
    const suspension = roles!.nodes[EQUIVOCATOR]!.suspension;
    assert.ok(suspension !== null);
    const proof = decodeEquivocationProof(fromHex(suspension.proof));
    assert.equal(proof.author, EQUIVOCATOR);
    assert.ok(verifyEquivocationProof(committee, proof), 'two headers, both signed by the equivocator');
    for (const i of [0, 1, SLOW]) assert.equal(roles!.nodes[i]!.suspended, false);
    // The slow validator's votes reach the others after the quorum formed: it misses votes, and
    // scores below both punctual validators.
    const [a, b, slow] = [0, 1, SLOW].map((i) => roles!.nodes[i]!);
    assert.ok(slow!.evidence!.missedVotes > Math.max(a!.evidence!.missedVotes, b!.evidence!.missedVotes));
    assert.ok(slow!.cycleScore! < Math.min(a!.cycleScore!, b!.cycleScore!), JSON.stringify(roles!.nodes));
    // Every validator audits its own chain to the same answer.
    const other = await network.clients[1]!.roles();
    if (other.lastCycle?.cycle === roles!.lastCycle?.cycle)
      assert.deepEqual(
        other.nodes.map((n) => n.cycleScore),
        roles!.nodes.map((n) => n.cycleScore),
      );
    await load.stop();
    // The command line recomputes validator 0's last audited cycle, every certificate checked:
    // through the running node's API, then from its data folder once stopped; and refuses, typed,
    // a cycle not over yet.
    const credit = (cycle: number, source: string[] = ['--data', network!.validatorDir(0)]) =>
      spawnSync(process.execPath, [
        ...sourceCli(),
        'credit',
        ...source,
        '--genesis',
        join(network!.dir, 'genesis.json'),
        '--cycle',
        String(cycle),
        '--json',
      ]);
    const viaApi = credit(roles!.lastCycle!.cycle, ['--api', network.apis[0]!]);
    assert.equal(viaApi.status, 0, viaApi.stderr.toString());
    assert.deepEqual(
      (JSON.parse(viaApi.stdout.toString()) as { scores: number[] }).scores,
      roles!.nodes.map((n) => n.cycleScore),
    );
    await network.stop(5000);
    const audited = credit(roles!.lastCycle!.cycle);
    assert.equal(audited.status, 0, audited.stderr.toString());
    const audit = JSON.parse(audited.stdout.toString()) as { scores: number[]; suspended: number[] };
    assert.deepEqual(
      audit.scores,
      roles!.nodes.map((n) => n.cycleScore),
    );
    const open = credit(1_000_000);
    assert.equal(open.status, 2);
    assert.match(open.stdout.toString(), /CYCLE_NOT_CLOSED/);
    console.log(
      `credit devnet: ${JSON.stringify(roles!.nodes.map((n) => [n.index, n.credit, n.cycleScore, n.evidence]))}`,
    );
    passed = true;
  });
});
