import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { keyValueApplication } from '../../src/ledger/application.js';
import { LedgerStore } from '../../src/ledger/store.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { readingSubmitter, settled } from './load.js';

// Ports from the process id, so parallel runs on one machine do not collide: below the kernel's
// ephemeral range (32768 up) and apart from the other process tests' ranges (9,000 up).
const p2pBase = 2_000 + (process.pid % 300) * 10;
const apiBase = p2pBase + 3_000;

let network: TestNetwork | null = null;
let passed = false;
after(async () => {
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails(30));
  network?.remove();
});

describe('a validator that restarts behind its peers', () => {
  it('copies their final blocks, checked against genesis, and takes up the order from a checkpoint', async () => {
    // Copying starts at any gap (the default), so a short outage goes the same way as a long one.
    network = new TestNetwork({
      chainId: 'catch-up-test',
      cli: sourceCli(),
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      logLevel: 'info',
    });
    const { supervisor, clients } = network;
    await network.start(120_000);
    const submit = readingSubmitter(clients, 'catch-up-test', 'sender');
    await submit(0, 200, [0, 1, 2, 3]);
    await settled(clients, 120_000);

    supervisor.kill(3, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const missed = await submit(200, 400, [0, 1, 2]);
    const peers = await settled(clients, 120_000, [0, 1, 2]);
    supervisor.start(3);
    const all = await settled(clients, 120_000);
    assert.equal(new Set(all.map((s) => s.headHash)).size, 1, 'one chain, block for block');
    assert.ok(all[3]!.height >= peers[0]!.height);
    assert.equal((await clients[3]!.transaction(missed.at(-1)!))?.ok, true);
    // It went through the copy, not through consensus replay.
    const log = readFileSync(join(network.validatorDir(3), 'node.log'), 'utf8');
    assert.match(log, /copied final blocks from a peer/);
    // And it keeps ordering with the others afterwards.
    const after = await submit(600, 100, [3]);
    await settled(clients, 120_000);
    assert.equal((await clients[0]!.transaction(after.at(-1)!))?.ok, true);

    await network.stop(10_000);
    const reports = await Promise.all(
      [0, 1, 2, 3].map((i) => verifyLedger(join(network!.validatorDir(i), 'ledger'), keyValueApplication)),
    );
    for (const [i, report] of reports.entries())
      assert.equal(report.ok, true, `validator ${i}: ${JSON.stringify(report.problems)}`);
    assert.equal(new Set(reports.map((r) => r.stateRoot)).size, 1);
    // The copied blocks came with their batch proofs, kept as the validator's own are.
    const store = await LedgerStore.open(join(network.validatorDir(3), 'ledger'), keyValueApplication);
    try {
      for (let height = 1; height <= store.head.height; height++)
        assert.ok((await store.readBatchProofs(height)) !== undefined, `block ${height} has its proofs`);
    } finally {
      await store.close();
    }
    passed = true;
  });
});
