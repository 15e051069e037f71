import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { readingSubmitter, settled } from '../node/load.js';
import { trickle } from './misbehaving.js';

// Ports from the process id, below the ephemeral range and apart from the other process tests'.
const p2pBase = 25_000 + (process.pid % 50) * 10;
const apiBase = p2pBase + 500;
const CHAIN = 'handover-catch-up-test';
const DOWN = 3;
/** The smallest window a validator may keep, so a frozen one falls out of it in seconds. */
const RETAINED = 512;

let network: TestNetwork | null = null;
let passed = false;
let load: ReturnType<typeof trickle> | null = null;
after(async () => {
  await load?.stop();
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails(30));
  network?.remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a member behind its peers on a chain that hands over', () => {
  it('copies the final blocks of its epoch at a restart and while running, checked against that epoch’s committee, and orders again', async () => {
    // A cycle long enough that both outages fall inside the first elected committee's epoch.
    network = new TestNetwork({
      chainId: CHAIN,
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      cli: sourceCli(),
      logLevel: 'info',
      handover: { cycleMs: 120_000, keyPhaseMs: 1_000, standby: 0 },
      env: { GRIDSHARD_RETAINED_BATCHES: String(RETAINED) },
    });
    const { clients, supervisor } = network;
    await network.start(240_000);
    // Block time moves with what is proposed: a trickle carries the chain to its first handover.
    load = trickle(clients, CHAIN, 'handover catch-up load');
    const deadline = Date.now() + 240_000;
    for (;;) {
      const statuses = await Promise.all(clients.map((c) => c.status().catch(() => null)));
      if (statuses.every((s) => s !== null && s.epoch === 1)) break;
      assert.ok(Date.now() < deadline, `no handover yet: ${JSON.stringify(statuses.map((s) => s?.epoch))}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await load.stop();
    load = null;
    await settled(clients, 60_000);

    supervisor.kill(DOWN, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const submit = readingSubmitter(clients, CHAIN, 'handover catch-up sender');
    const missed = await submit(0, 300, [0, 1, 2]);
    const peers = await settled(clients, 60_000, [0, 1, 2]);
    assert.equal(peers[0]!.epoch, 1, 'the outage stayed inside epoch 1');
    supervisor.start(DOWN);
    const all = await settled(clients, 60_000);
    assert.equal(new Set(all.map((s) => s.headHash)).size, 1, 'one chain, block for block');
    assert.ok(all[DOWN]!.height >= peers[0]!.height);
    assert.equal((await clients[DOWN]!.transaction(missed.at(-1)!))?.ok, true);

    // It went through the copy, proven by epoch 1's committee, not through its peers' retained batches.
    const log = readFileSync(join(network.validatorDir(DOWN), 'node.log'), 'utf8');
    const copied = log
      .split('\n')
      .filter((line) => line.includes('copied final blocks from a peer'))
      .map((line) => JSON.parse(line) as { copied: number; epoch: number; sequence: number });
    assert.equal(copied.length, 1, log.slice(-3000));
    assert.ok(copied[0]!.copied > 0 && copied[0]!.epoch === 1, JSON.stringify(copied[0]));

    // And it orders in epoch 1 again: its own validator executes the blocks that follow.
    const before = (await clients[DOWN]!.status()).consensusSequence;
    assert.ok(
      before >= copied[0]!.sequence,
      `sequence ${before} after copying through ${copied[0]!.sequence}`,
    );
    const later = await submit(300, 100, [DOWN]);
    const end = await settled(clients, 60_000);
    assert.equal(end[DOWN]!.epoch, 1);
    assert.ok(end[DOWN]!.consensusSequence > before, 'its core orders the new batches');
    assert.equal((await clients[0]!.transaction(later.at(-1)!))?.ok, true);

    // Frozen while running, as by a long pause of its machine, until its peers have ordered well
    // past the batches they keep: its core finds nobody can serve them, and it copies instead.
    const frozen = supervisor.nodes[DOWN]!.process!;
    const frozenAt = end[DOWN]!.consensusSequence;
    frozen.kill('SIGSTOP');
    let next = 400;
    let gone: string[] = [];
    const past = Date.now() + 120_000;
    while ((await clients[0]!.status()).consensusSequence < frozenAt + 2 * RETAINED) {
      assert.ok(Date.now() < past, 'the others did not order past the window in time');
      gone = await submit(next, 200, [0, 1, 2]);
      next += 200;
      await sleep(200);
    }
    await settled(clients, 60_000, [0, 1, 2]);
    frozen.kill('SIGCONT');
    const resumed = await settled(clients, 120_000);
    assert.equal(new Set(resumed.map((s) => s.headHash)).size, 1, 'one chain, block for block');
    assert.ok(
      resumed.every((s) => s.epoch === 1),
      'the freeze stayed inside epoch 1',
    );
    assert.equal((await clients[DOWN]!.transaction(gone.at(-1)!))?.ok, true);
    const running = readFileSync(join(network.validatorDir(DOWN), 'node.log'), 'utf8');
    assert.match(running, /peers no longer retain the batches this validator needs/);
    assert.match(running, /consensus restarted after the copied blocks/);
    assert.equal(supervisor.nodes[DOWN]!.process, frozen, 'the same process, never restarted');
    const last = await submit(next, 50, [DOWN]);
    const done = await settled(clients, 60_000);
    assert.ok(done[DOWN]!.consensusSequence > resumed[DOWN]!.consensusSequence, 'it orders again');
    assert.equal((await clients[0]!.transaction(last.at(-1)!))?.ok, true);
    passed = true;
  });
});
