import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { keyValueApplication } from '../../src/ledger/application.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { NodeError } from '../../src/node/errors.js';
import { followChain } from '../../src/node/follower.js';
import type { NodeStatus } from '../../src/sdk/answers.js';
import type { GridShardClient } from '../../src/sdk/client.js';
import { readingSubmitter } from './load.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-pbft-network-test-'));
// Ports from the process id, so parallel runs do not collide: network.test.ts takes the first four
// of each ten, this test the next four, all below the ephemeral range (32768 on).
const p2pBase = 21_005 + (process.pid % 400) * 10;
const apiBase = p2pBase + 5_000;

let network: TestNetwork | null = null;
let passed = false;
after(async () => {
  await network?.stop(5000);
  if (!passed && network !== null) console.log(network.logTails());
  rmSync(root, { recursive: true, force: true });
});

/**
 * Waits until every validator holds the same head (hash, and so height and state root), with an
 * empty mempool. The commits each validator collected are proofs beside its blocks, outside their
 * hashes, so the chains are the same block for block.
 */
async function agreed(clients: readonly GridShardClient[], timeoutMs: number): Promise<NodeStatus[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await Promise.all(clients.map((c) => c.status().catch(() => null)));
    const first = statuses[0];
    const ok =
      first !== null &&
      first !== undefined &&
      statuses.every(
        (s) =>
          s !== null &&
          s.mempoolSize === 0 &&
          s.height === first.height &&
          s.stateRoot === first.stateRoot &&
          s.headHash === first.headHash,
      );
    if (ok) return statuses as NodeStatus[];
    if (Date.now() > deadline) {
      throw new Error(
        `validators did not agree: ${JSON.stringify(statuses.map((s) => s && [s.height, s.mempoolSize, s.headHash.slice(0, 12)]))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('four PBFT validator processes', () => {
  it('commit API-submitted transactions identically, a follower copies and verifies the chain, and one down for 300 batches catches up from the ledgers', async () => {
    network = new TestNetwork({
      dir: join(root, 'net'),
      chainId: 'pbft-net-test',
      cli: sourceCli(),
      p2pBasePort: p2pBase,
      apiBasePort: apiBase,
      consensus: 'pbft',
    });
    const { genesis, clients } = network;
    await network.start(120_000);

    const submitted = await readingSubmitter(clients, 'pbft-net-test', 'pbft sender')(0, 400, [0, 1, 2, 3]);
    const statuses = await agreed(clients, 120_000);
    for (const hash of submitted.filter((_, i) => i % 37 === 0)) {
      for (const client of [clients[0]!, clients[3]!]) {
        assert.equal(
          (await client.transaction(hash))?.ok,
          true,
          `transaction ${hash} committed and executed`,
        );
      }
    }
    // Every validator holds the same blocks' transactions in the same order.
    for (const height of [1, Math.ceil(statuses[0]!.height / 2), statuses[0]!.height]) {
      const lists = await Promise.all(clients.map((c) => c.blockTransactions(height)));
      for (const list of lists)
        assert.deepEqual(list?.transactions, lists[0]?.transactions, `block ${height}`);
    }

    // A common node copies validator 2's chain, checking every batch's commit certificate.
    const followed = await followChain({
      genesis,
      dataDir: join(root, 'follower'),
      source: clients[2]!,
      application: keyValueApplication,
      until: statuses[0]!.height,
    });
    assert.equal(followed.height, statuses[0]!.height);
    assert.equal(followed.uncertifiedBlocks, 0);
    assert.ok(followed.certifiedBatches >= followed.height);
    const report = await verifyLedger(join(root, 'follower'), keyValueApplication);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    assert.equal(report.stateRoot, statuses[0]!.stateRoot);
    assert.equal(report.transactions, 400);

    // A source that swaps one transaction of a certified batch is refused before anything is written.
    const withTransactions = await findBlockWithTransactions(clients[1]!, statuses[0]!.height);
    const tampered = {
      block: (height: number) => clients[1]!.block(height),
      blockTransactions: async (height: number) => {
        const answer = await clients[1]!.blockTransactions(height);
        if (answer === null || height !== withTransactions) return answer;
        const [first, ...rest] = answer.transactions;
        // The signature's last byte changed: the batch digest the commits signed no longer matches.
        const changed = `${first!.slice(0, -2)}${first!.endsWith('00') ? '01' : '00'}`;
        return { ...answer, transactions: [changed, ...rest] };
      },
    };
    await assert.rejects(
      followChain({
        genesis,
        dataDir: join(root, 'tampered'),
        source: tampered,
        application: keyValueApplication,
      }),
      (e: unknown) => e instanceof NodeError && e.code === 'BAD_CERTIFICATE',
    );
    assert.ok(followed.finalHeight !== null && followed.finalHeight > 0, 'a commit proof checked');

    // A validator down while its peers decide more batches than their cores keep (128) comes back
    // and is answered from their ledgers: each batch with the commits that decided it.
    const victim = 3;
    const down = (await clients[victim]!.status()).consensusSequence;
    network.supervisor.kill(victim, 'SIGKILL');
    while (network.supervisor.nodes[victim]!.process !== null) await new Promise((r) => setTimeout(r, 20));
    const submitOne = readingSubmitter(clients, 'pbft-net-test', 'pbft sender');
    let next = 400;
    let last = '';
    const deadline = Date.now() + 120_000;
    // One at a time, so each becomes a batch of its own or nearly.
    while ((await clients[0]!.status()).consensusSequence < down + 300) {
      assert.ok(Date.now() < deadline, 'the others did not decide 300 batches in time');
      [last] = await submitOne(next++, 1, [0, 1, 2]);
    }
    network.supervisor.start(victim);
    await network.supervisor.waitHealthy(60_000);
    const after = await agreed(clients, 120_000);
    assert.equal((await clients[victim]!.transaction(last))?.ok, true, 'the restarted validator holds them');
    // And it decides with the others again.
    const [latest] = await submitOne(next++, 1, [victim]);
    await agreed(clients, 60_000);
    assert.equal((await clients[0]!.transaction(latest!))?.ok, true);

    await network.stop(10_000);
    for (let i = 0; i < 4; i++) {
      const ledger = await verifyLedger(join(network.validatorDir(i), 'ledger'), keyValueApplication);
      assert.equal(ledger.ok, true, `validator ${i}: ${JSON.stringify(ledger.problems)}`);
    }
    assert.ok(after[0]!.consensusSequence >= down + 300);
    passed = true;
  });
});

async function findBlockWithTransactions(client: GridShardClient, head: number): Promise<number> {
  for (let height = 1; height <= head; height++) {
    if (((await client.blockTransactions(height))?.transactions.length ?? 0) > 0) return height;
  }
  throw new Error('no block holds a transaction');
}
