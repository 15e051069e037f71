import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createNetworkFiles } from '../../src/devnet/devnet.js';
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
});
