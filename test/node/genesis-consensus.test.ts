import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { demoGrid } from '../../src/devnet/demo-market.js';
import { createNetworkFiles } from '../../src/devnet/devnet.js';
import { gridToJson } from '../../src/grid/json.js';
import { NodeError } from '../../src/node/errors.js';
import { consensusOf, parseGenesis, readGenesisFile, zoneMapOf } from '../../src/node/genesis-file.js';
import { nodeProtocolOf } from '../../src/node/node-protocol.js';
import { CASE33_DEMO_ZONES } from '../../src/sharding/index.js';

const root = mkdtempSync(join(tmpdir(), 'gridshard-genesis-consensus-'));
after(() => rmSync(root, { recursive: true, force: true }));

function network(name: string, consensus?: 'dag' | 'pbft') {
  const dir = join(root, name);
  const genesis = createNetworkFiles({
    dir,
    chainId: name,
    validators: 4,
    host: '127.0.0.1',
    p2pBasePort: 7100,
    apiBasePort: 8080,
    password: 'test-password',
    genesisTimeMs: 1_700_000_000_000,
    scryptCost: { n: 2 ** 10, r: 8, p: 1 },
    ...(consensus === undefined ? {} : { consensus }),
  });
  return { dir, genesis };
}

const refused = (json: unknown, reason: RegExp) =>
  assert.throws(
    () => parseGenesis(json),
    (e: unknown) => e instanceof NodeError && e.code === 'BAD_GENESIS' && reason.test(e.message),
  );

describe('the consensus protocol in genesis', () => {
  it('a PBFT network has no coin: no coin section, no coin-share files, no coinShare in configs', () => {
    const { dir } = network('pbft-net', 'pbft');
    const genesis = readGenesisFile(join(dir, 'genesis.json'));
    assert.equal(consensusOf(genesis), 'pbft');
    assert.equal(genesis.coin, undefined);
    assert.equal(existsSync(join(dir, 'validator-0', 'coin-share.json')), false);
    const config = JSON.parse(readFileSync(join(dir, 'validator-0', 'config.json'), 'utf8'));
    assert.equal(config.coinShare, undefined);
    assert.equal(nodeProtocolOf(genesis, { minRoundIntervalMs: 10 }).name, 'pbft');
  });

  it('defaults to the DAG when absent, which still needs its coin and the coin share', () => {
    const { dir, genesis } = network('dag-net');
    assert.equal(genesis.consensus, 'dag');
    assert.ok(existsSync(join(dir, 'validator-0', 'coin-share.json')));
    const { consensus: _, ...old } = genesis;
    const parsed = parseGenesis(JSON.parse(JSON.stringify(old)));
    assert.equal(consensusOf(parsed), 'dag');
    assert.throws(
      () => nodeProtocolOf(parsed, { minRoundIntervalMs: 10 }),
      (e: unknown) => e instanceof NodeError && e.code === 'BAD_CONFIG',
    );
    assert.equal(
      nodeProtocolOf(parsed, { minRoundIntervalMs: 10, coinSecretShare: new Uint8Array(32) }).name,
      'dag',
    );
    const { coin: __, ...noCoin } = old;
    refused(noCoin, /coin/);
  });

  it('refuses an unknown protocol and a malformed coin section under PBFT', () => {
    const { genesis } = network('checks', 'pbft');
    refused({ ...genesis, consensus: 'raft' }, /consensus must be one of dag, pbft/);
    refused({ ...genesis, consensus: 3 }, /consensus/);
    refused({ ...genesis, coin: { threshold: 2, verificationKeys: ['zz'] } }, /coin/);
  });
});

describe('grid zones in genesis', () => {
  it('declares the zones a chain is sharded by, checked against its grid', () => {
    const { genesis } = network('zones');
    const grid = gridToJson(demoGrid());
    const zoned = { ...genesis, grid, zones: CASE33_DEMO_ZONES };
    const map = zoneMapOf(parseGenesis(JSON.parse(JSON.stringify(zoned))));
    assert.equal(map?.shardCount, 4);
    assert.equal(map?.homeShard(33), 3);
    assert.equal(zoneMapOf(genesis), null, 'no zones: one zone, the whole feeder');
    refused({ ...genesis, zones: CASE33_DEMO_ZONES }, /zones need the grid/);
    refused({ ...zoned, zones: 'four' }, /zones must be a list/);
    refused({ ...zoned, zones: [{ shardId: 0, name: 'x', buses: ['1'] }] }, /integer buses/);
    refused({ ...zoned, zones: CASE33_DEMO_ZONES.slice(0, 3) }, /zones: buses 26, 27, .* are in no zone/);
    refused({ ...zoned, shardId: 4 }, /shardId 4 names no zone/);
  });
});
