import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createNetworkFiles } from '../../src/devnet/devnet.js';
import { createShardedNetworkFiles } from '../../src/devnet/sharded-network.js';
import { NodeError } from '../../src/node/errors.js';
import { chainParametersOf, type GenesisFile, parseGenesis } from '../../src/node/genesis-file.js';
import { chainNodesOf } from '../../src/node/genesis-handover.js';
import { readHandoverCycle } from '../../src/roles/handover.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-genesis-handover-'));
after(() => rmSync(root, { recursive: true, force: true }));

function network(name: string): GenesisFile {
  return createNetworkFiles({
    dir: join(root, name),
    chainId: name,
    validators: 4,
    host: '127.0.0.1',
    p2pBasePort: 7100,
    apiBasePort: 8080,
    password: 'test-password',
    genesisTimeMs: 1_700_000_000_000,
    scryptCost: { n: 2 ** 10, r: 8, p: 1 },
    handover: { cycleMs: 10_000, keyPhaseMs: 1_000, standby: 2 },
  });
}

const refused = (json: unknown, reason: RegExp) =>
  assert.throws(
    () => parseGenesis(json),
    (e: unknown) => e instanceof NodeError && e.code === 'BAD_GENESIS' && reason.test(e.message),
  );

describe('the handover section of genesis', () => {
  const genesis = network('handover');

  it('lists standby nodes after the validators, with folders but no coin share', () => {
    assert.equal(genesis.validators.length, 4);
    assert.deepEqual(
      genesis.handover?.standby.map((s) => s.index),
      [4, 5],
    );
    assert.deepEqual(
      chainNodesOf(genesis).map((node) => node.index),
      [0, 1, 2, 3, 4, 5],
    );
    assert.ok(existsSync(join(root, 'handover', 'validator-3', 'coin-share.json')));
    assert.ok(existsSync(join(root, 'handover', 'validator-4', 'keystore.json')));
    assert.ok(!existsSync(join(root, 'handover', 'validator-4', 'coin-share.json')));
  });

  it('records the cycle from genesis time in block 0', () => {
    const entries = chainParametersOf(genesis).initialState ?? [];
    const state = {
      get: (key: Uint8Array) => entries.find((e) => Buffer.compare(e.key, key) === 0)?.value,
    };
    assert.deepEqual(readHandoverCycle(state), {
      startMs: 1_700_000_000_000,
      cycleMs: 10_000,
      keyPhaseMs: 1_000,
    });
  });

  it('refuses a section that does not fit the chain', () => {
    const withHandover = (handover: unknown, extra: object = {}) => ({ ...genesis, ...extra, handover });
    const section = genesis.handover!;
    refused(withHandover({ ...section, cycleMs: 100 }), /cycleMs must be an integer/);
    refused(withHandover({ ...section, keyPhaseMs: 0 }), /keyPhaseMs must be an integer/);
    refused(withHandover({ ...section, extra: 1 }), /unknown field extra/);
    refused(withHandover(section, { consensus: 'pbft' }), /only under the DAG/);
    refused(
      withHandover({ ...section, standby: [{ ...section.standby[0]!, index: 7 }] }),
      /standby\[0\]\.index must be 4/,
    );
    refused(
      withHandover({
        ...section,
        standby: [{ ...section.standby[0]!, publicKey: genesis.validators[1]!.publicKey }],
      }),
      /repeats a validator's or a standby node's key/,
    );
    refused(withHandover({ ...section, standby: 'none' }), /standby must be a list/);
  });

  it('lets a zone shard of a sharded system hand over, with its standby nodes listed for every chain, and never the root', () => {
    const files = createShardedNetworkFiles({
      dir: join(root, 'sharded'),
      chainId: 'sharded-handover',
      shards: 2,
      nodesPerShard: 4,
      rootNodes: 4,
      host: '127.0.0.1',
      p2pBasePort: 7100,
      apiBasePort: 8080,
      password: 'test-password',
      genesisTimeMs: 1_700_000_000_000,
      cycleMs: 10_000,
      scryptCost: { n: 2 ** 10, r: 8, p: 1 },
      accounts: () => [],
      zoneHandover: { cycleMs: 10_000, keyPhaseMs: 1_000, standby: 1 },
    });
    const zone = files[1]!.genesis;
    const rootGenesis = files.at(-1)!.genesis;
    assert.equal(rootGenesis.handover, undefined, 'the root committee is fixed');
    assert.deepEqual(
      zone.sharding!.shards[1]!.standby!.map((m) => m.publicKey),
      zone.handover!.standby.map((n) => n.publicKey),
    );
    // Ports: the root first, then each zone shard's validators and its standby node.
    assert.deepEqual(
      chainNodesOf(zone).map((n) => n.api),
      [9, 10, 11, 12, 13].map((i) => `http://127.0.0.1:${8080 + i}`),
    );
    parseGenesis(zone);
    refused({ ...rootGenesis, handover: zone.handover }, /root committee does not hand over/);
    const otherStandby = {
      ...zone.handover!,
      standby: [
        { ...zone.handover!.standby[0]!, publicKey: files[0]!.genesis.handover!.standby[0]!.publicKey },
      ],
    };
    refused({ ...zone, handover: otherStandby }, /standby must be the nodes sharding lists/);
    const repeats = {
      ...zone.sharding!,
      shards: zone.sharding!.shards.map((s, i) =>
        i === 1 ? { ...s, standby: [{ ...s.standby![0]!, publicKey: s.validators[0]!.publicKey }] } : s,
      ),
    };
    refused({ ...zone, sharding: repeats }, /repeats a key|standby must be/);
  });
});
