import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fromHex, toHex } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { sourceCli, TestNetwork } from '../../src/devnet/test-network.js';
import { transactionHash } from '../../src/ledger/transaction.js';
import { GridShardClient, type NodeStatus } from '../../src/sdk/client.js';
import { readingSubmitter, settled } from './load.js';
import { freeSubnet, NetnsTopology, netnsUnavailable, runInNamespace } from './netns-helpers.js';

// Names carry the process id so that parallel runs on one machine build separate topologies.
const prefix = `gs${process.pid}`;
const unavailable = netnsUnavailable(prefix);
const _enc = (s: string) => new TextEncoder().encode(s);
const CHAIN = 'netns-test';
const CUT = 3;

let root: string | null = null;
let topology: NetnsTopology | null = null;
let network: TestNetwork | null = null;
let passed = false;

after(async () => {
  // Stopping the validators may fail; the namespaces and links must go regardless.
  const stopped = await network?.stop(5000).then(
    () => null,
    (error: unknown) => error,
  );
  // The validators' logs go with the temporary folder, so a failure shows their last lines first.
  if (!passed && network !== null) console.log(network.logTails());
  const left = topology?.destroy() ?? [];
  if (root !== null) rmSync(root, { recursive: true, force: true });
  if (left.length > 0) throw new Error(`left behind: ${left.join('; ')}`);
  if (stopped !== null && stopped !== undefined) throw stopped;
});

// Interrupted runs skip after(); the links and namespaces live in the kernel and would outlast us.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const node of network?.supervisor.nodes ?? []) node.process?.kill('SIGKILL');
    topology?.destroy();
    if (root !== null) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    process.exit(130);
  });
}

describe('four validator processes, each in its own network namespace', () => {
  // Skipped here rather than on the suite, so the summary counts it and prints why.
  it('commit identically, keep committing with one cut off, and the reconnected one catches up', {
    skip: unavailable ?? false,
    timeout: 170_000,
  }, async () => {
    const started = Date.now();
    // Progress lines, so a slow or failed run shows where the time went.
    const note = (message: string) =>
      console.log(`# ${((Date.now() - started) / 1000).toFixed(1)} s: ${message}`);
    root = mkdtempSync(join(tmpdir(), 'gridshard-netns-test-'));
    // Start from a subnet derived from the pid, skipping any the machine already routes.
    topology = new NetnsTopology(prefix, freeSubnet(process.pid % 254), 4);
    topology.create();
    const net = topology;

    // Each validator owns its address, so the devnet's ports can be reused without colliding.
    network = new TestNetwork({
      dir: join(root, 'net'),
      chainId: CHAIN,
      cli: sourceCli(),
      hosts: net.hosts,
      launcher: (i) => net.launcher(i),
      p2pBasePort: 7100,
      apiBasePort: 8080,
    });
    const { apis, clients } = network;
    assert.deepEqual(
      apis,
      net.hosts.map((h, i) => `http://${h}:${8080 + i}`),
    );
    await network.start(60_000);
    note(`validators answering on ${net.hosts.join(', ')}`);

    const submitted: string[] = [];
    const submitReadings = readingSubmitter(clients, CHAIN, 'netns sender');
    const submitBatch = async (from: number, count: number, targets: readonly number[]) => {
      const hashes = await submitReadings(from, count, targets);
      submitted.push(...hashes);
      return hashes;
    };

    // 1. All four commit the same chain.
    await submitBatch(0, 300, [0, 1, 2, 3]);
    const initial = await settled(clients, 60_000, [0, 1, 2, 3]);
    assert.equal(new Set(initial.map((s) => s.stateRoot)).size, 1, 'identical state roots');
    assert.ok(initial[0]!.height > 0);
    note(`all four at height ${initial[0]!.height}`);

    // 2. Validator 3 loses its link; the other three are a quorum (n = 4, f = 1) and go on.
    net.cut(CUT);
    const unreachable = new GridShardClient(apis[CUT]!, 1500);
    await assert.rejects(unreachable.status(), 'the cut validator is unreachable from outside');
    note(`validator ${CUT} cut off`);
    // Spread over several seconds, so the load on the three is continuous rather than one burst
    // and the cut outlasts the transport's first reconnection attempts.
    for (let wave = 0; wave < 5; wave++) {
      await submitBatch(300 + wave * 40, 40, [0, 1, 2]);
      await new Promise((r) => setTimeout(r, 2000));
    }
    const three = await settled(clients, 60_000, [0, 1, 2]);
    assert.ok(three[0]!.height > initial[0]!.height, 'the three kept committing');
    // From inside its namespace the cut validator still answers, and shows it fell behind.
    const isolated = JSON.parse(
      runInNamespace(
        net.namespaces[CUT]!,
        `fetch(${JSON.stringify(`${apis[CUT]}/api/v1/status`)}).then((r) => r.text()).then((t) => process.stdout.write(t))`,
      ),
    ) as NodeStatus;
    assert.ok(
      isolated.height < three[0]!.height,
      `cut validator at ${isolated.height}, the others at ${three[0]!.height}`,
    );

    // 3. Reconnected, it catches up while more load arrives through all four.
    note(
      `the three at height ${three[0]!.height}; validator ${CUT}, seen from its namespace, at ${isolated.height}`,
    );
    net.reconnect(CUT);
    await submitBatch(500, 100, [0, 1, 2, 3]);
    const final = await settled(clients, 60_000, [0, 1, 2, 3]);
    assert.equal(new Set(final.map((s) => s.stateRoot)).size, 1, 'identical state roots');
    assert.ok(final[0]!.height > three[0]!.height);
    note(`reconnected; all four at height ${final[0]!.height}`);

    // Nothing lost, nothing twice: walk the whole chain at the reconnected validator and at one
    // that was never cut, block by block, and count every transaction.
    const height = final[0]!.height;
    const seen = new Map<string, number>();
    for (let h = 1; h <= height; h += 20) {
      const heights = Array.from({ length: Math.min(20, height - h + 1) }, (_, j) => h + j);
      const pairs = await Promise.all(
        heights.map((x) =>
          Promise.all([clients[0]!.blockTransactions(x), clients[CUT]!.blockTransactions(x)]),
        ),
      );
      pairs.forEach(([ours, theirs], j) => {
        assert.ok(ours !== null && theirs !== null, `block ${heights[j]} present at both`);
        assert.equal(theirs.hash, ours.hash, `block ${heights[j]}`);
        assert.deepEqual(theirs.transactions, ours.transactions);
        for (const bytes of theirs.transactions) {
          const hash = toHex(transactionHash(ed25519Scheme, fromHex(bytes)));
          seen.set(hash, (seen.get(hash) ?? 0) + 1);
        }
      });
    }
    assert.equal(submitted.length, 600);
    assert.equal(new Set(submitted).size, 600);
    const missing = submitted.filter((hash) => !seen.has(hash));
    const twice = [...seen].filter(([, count]) => count > 1);
    assert.deepEqual(missing, [], 'every submitted transaction is in the chain');
    assert.deepEqual(twice, [], 'no transaction committed twice');
    assert.equal(seen.size, submitted.length, 'nothing in the chain that was not submitted');

    note(`${submitted.length} transactions, each committed once, in ${height} blocks`);

    // The reconnected validator's own index answers for every transaction, including those
    // committed while it was cut off.
    // In groups, well below the connections the validators accept from one client address.
    for (let start = 0; start < submitted.length; start += 16) {
      const found = await Promise.all(
        submitted.slice(start, start + 16).map((h) => clients[CUT]!.transaction(h)),
      );
      found.forEach((tx, j) => {
        assert.equal(tx?.ok, true, `transaction ${submitted[start + j]} executed`);
      });
    }
    passed = true;
  });
});
