import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { readingSubmitter, settled } from './load.js';

// Ports from the process id, clear of the other process tests' ranges (below the kernel's
// ephemeral range, 32768 up).
const p2pBase = 15_000 + (process.pid % 100) * 10;
const apiBase = p2pBase + 5_000;
/** The smallest window a validator may keep, so the frozen one falls out of it in seconds. */
const RETAINED = 512;

let network: TestNetwork | null = null;
let passed = false;
after(async () => {
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails(40));
  network?.remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a running validator that falls out of its peers’ retained window', () => {
  it('copies their final blocks without a restart and goes on ordering with them', async () => {
    network = new TestNetwork({
      chainId: 'resync-test',
      cli: sourceCli(),
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      logLevel: 'info',
      env: { GRIDSHARD_RETAINED_BATCHES: String(RETAINED) },
    });
    const { supervisor, clients } = network;
    await network.start(120_000);
    const submit = readingSubmitter(clients, 'resync-test', 'sender');
    await submit(0, 100, [0, 1, 2, 3]);
    await settled(clients, 120_000);

    // Frozen, as by a long pause of its machine: its peers go on, ordering well past the window.
    const frozen = supervisor.nodes[3]!.process!;
    const frozenAt = (await clients[3]!.status()).consensusSequence;
    frozen.kill('SIGSTOP');
    let next = 100;
    let missed: string[] = [];
    const deadline = Date.now() + 180_000;
    while ((await clients[0]!.status()).consensusSequence < frozenAt + 2 * RETAINED) {
      assert.ok(Date.now() < deadline, 'the others did not order past the window in time');
      missed = await submit(next, 200, [0, 1, 2]);
      next += 200;
      await sleep(200);
    }
    await settled(clients, 120_000, [0, 1, 2]);
    frozen.kill('SIGCONT');

    // It finds its peers cannot serve what it needs, copies their blocks, and catches up.
    const all = await settled(clients, 180_000);
    assert.equal(new Set(all.map((s) => s.headHash)).size, 1, 'one chain, block for block');
    assert.equal((await clients[3]!.transaction(missed.at(-1)!))?.ok, true);
    const log = readFileSync(join(network.validatorDir(3), 'node.log'), 'utf8');
    assert.match(log, /peers no longer retain the batches this validator needs/);
    assert.match(log, /copying final blocks from a peer/);
    assert.match(log, /consensus restarted after the copied blocks/);
    assert.equal(supervisor.nodes[3]!.process, frozen, 'the same process, never restarted');
    const metrics = await (await fetch(`${network.apis[3]}/metrics`)).text();
    const copied = /gridshard_copied_blocks_total\{[^}]*when="running"[^}]*\} (\d+)/.exec(metrics);
    assert.ok(copied !== null && Number(copied[1]) > 0, 'the copy is counted');

    // It orders with the others afterwards: a transaction handed to it alone commits everywhere.
    const later = await submit(next, 50, [3]);
    await settled(clients, 120_000);
    assert.equal((await clients[0]!.transaction(later.at(-1)!))?.ok, true);
    passed = true;
  });
});
