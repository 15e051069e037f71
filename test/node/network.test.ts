import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { encodeKvPut, KV_PUT, keyValueApplication } from '../../src/ledger/application.js';
import { signTransaction } from '../../src/ledger/transaction.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { createNetworkFiles } from '../../src/node/devnet.js';
import { Supervisor } from '../../src/node/supervisor.js';
import { GridShardClient, type NodeStatus } from '../../src/sdk/client.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-network-test-'));
const cli = ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))];
// Ports from the process id, so parallel runs on one machine do not collide.
const p2pBase = 21_000 + (process.pid % 400) * 10;
const apiBase = p2pBase + 5_000;
const enc = (s: string) => new TextEncoder().encode(s);

let supervisor: Supervisor | null = null;
after(async () => {
  await supervisor?.stopAll(5000);
  rmSync(root, { recursive: true, force: true });
});

async function settled(
  clients: GridShardClient[],
  timeoutMs: number,
  members = clients,
): Promise<NodeStatus[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(members.map((c) => c.status().catch(() => null)));
    const ok = statuses.every(
      (s) => s !== null && s.mempoolSize === 0 && s.headHash === statuses[0]?.headHash,
    );
    if (ok) return statuses as NodeStatus[];
    if (Date.now() > deadline) {
      throw new Error(
        `nodes did not converge: ${JSON.stringify(statuses.map((s) => s && [s.height, s.mempoolSize]))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

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

    const senders = Array.from({ length: 10 }, (_, i) => ed25519Scheme.signer(sha256(enc(`sender ${i}`))));
    const submitBatch = async (from: number, count: number, targets: number[]) => {
      const hashes: string[] = [];
      for (let start = 0; start < count; start += 50) {
        const chunk = Array.from({ length: Math.min(50, count - start) }, (_, j) => {
          const k = from + start + j;
          const sender = senders[k % senders.length]!;
          const tx = signTransaction(sender, {
            chainId: 'net-test',
            shardId: 0,
            type: KV_PUT,
            payload: encodeKvPut(enc(`reading ${k}`), enc(`${k * 7} Wh`)),
            nonce: BigInt(Math.floor(k / senders.length)),
          });
          // A sender's transactions go to different validators: the nonce window keeps them valid.
          return clients[targets[k % targets.length]!]!.submit(tx);
        });
        hashes.push(...(await Promise.all(chunk)));
      }
      return hashes;
    };

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
    await settled(clients, 120_000, clients.slice(0, 3));
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
