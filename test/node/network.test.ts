import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { keyValueApplication } from '../../src/ledger/application.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { readingSubmitter, settled } from './load.js';

// Ports from the process id, so parallel runs on one machine do not collide.
const p2pBase = 21_000 + (process.pid % 400) * 10;
const apiBase = p2pBase + 5_000;

let network: TestNetwork | null = null;
let passed = false;
after(async () => {
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails());
  network?.remove();
});

describe('four validator processes', () => {
  it('commit API-submitted transactions identically, and a validator killed with -9 catches up', async () => {
    network = new TestNetwork({
      chainId: 'net-test',
      cli: sourceCli(),
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
    });
    const { supervisor, clients } = network;
    await network.start(120_000);

    const submitBatch = readingSubmitter(clients, 'net-test', 'sender');

    const first = await submitBatch(0, 1000, [0, 1, 2, 3]);
    const statuses = await settled(clients, 120_000);
    assert.equal(new Set(statuses.map((s) => s.stateRoot)).size, 1, 'identical state roots');
    for (const hash of first.filter((_, i) => i % 97 === 0)) {
      const found = await clients[1]!.transaction(hash);
      assert.equal(found?.ok, true, `transaction ${hash} committed and executed`);
    }

    supervisor.kill(3, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const second = await submitBatch(1000, 300, [0, 1, 2]);
    await settled(clients, 120_000, [0, 1, 2]);
    supervisor.start(3);
    const final = await settled(clients, 120_000);
    assert.equal(new Set(final.map((s) => s.stateRoot)).size, 1);
    const caughtUp = await clients[3]!.transaction(second.at(-1)!);
    assert.equal(caughtUp?.ok, true, 'the restarted validator holds what was committed while it was down');

    await network.stop(10_000);
    for (let i = 0; i < 4; i++) {
      const report = await verifyLedger(join(network.validatorDir(i), 'ledger'), keyValueApplication);
      assert.equal(report.ok, true, `validator ${i}: ${JSON.stringify(report.problems)}`);
      assert.equal(report.stateRoot, final[0]!.stateRoot);
      assert.ok(report.transactions >= 1300);
    }
    passed = true;
  });
});
