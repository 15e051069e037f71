import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createNetworkFiles } from '../../src/devnet/devnet.js';
import { Supervisor } from '../../src/devnet/supervisor.js';
import { keyValueApplication } from '../../src/ledger/application.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { GridShardClient } from '../../src/sdk/client.js';
import { readingSubmitter, settled } from './load.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-network-test-'));
const cli = ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))];
// Ports from the process id, so parallel runs on one machine do not collide.
const p2pBase = 21_000 + (process.pid % 400) * 10;
const apiBase = p2pBase + 5_000;
const _enc = (s: string) => new TextEncoder().encode(s);

let supervisor: Supervisor | null = null;
after(async () => {
  await supervisor?.stopAll(5000);
  rmSync(root, { recursive: true, force: true });
});

describe('four validator processes', () => {
  it('commit API-submitted transactions identically, and a validator killed with -9 catches up', async () => {
    const dir = join(root, 'net');
    const genesis = createNetworkFiles({
      dir,
      chainId: 'net-test',
      validators: 4,
      host: '127.0.0.1',
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      password: 'test-password',
      genesisTimeMs: Date.now(),
      scryptCost: { n: 2 ** 10, r: 8, p: 1 },
      passwordFile: '../password',
    });
    writeFileSync(join(dir, 'password'), 'test-password');
    const apis = genesis.validators.map((v) => v.api);
    supervisor = new Supervisor(dir, apis, cli, { ...process.env, GRIDSHARD_LOG_LEVEL: 'warn' });
    supervisor.startAll();
    await supervisor.waitHealthy(120_000);
    const clients = apis.map((api) => new GridShardClient(api, 10_000));

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

    await supervisor.stopAll();
    supervisor = null;
    for (let i = 0; i < 4; i++) {
      const report = await verifyLedger(join(dir, `validator-${i}`, 'ledger'), keyValueApplication);
      assert.equal(report.ok, true, `validator ${i}: ${JSON.stringify(report.problems)}`);
      assert.equal(report.stateRoot, final[0]!.stateRoot);
      assert.ok(report.transactions >= 1300);
    }
  });
});
