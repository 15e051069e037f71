import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCryptoBenchmark } from '../../src/bench/crypto.js';
import { group, SODIUM_GROUP } from '../../src/consensus/coin/group.js';

describe('bench crypto', () => {
  it('reports every figure for both committees, both schemes and each available group backend', () => {
    const report = runCryptoBenchmark({ repeats: 1, batch: 2 });
    assert.equal(report.coinGroup, group.name);
    assert.deepEqual(
      Object.keys(report.ristretto255).sort(),
      SODIUM_GROUP === null ? ['noble'] : ['libsodium', 'noble'],
    );
    for (const figures of Object.values(report.ristretto255))
      for (const value of Object.values(figures)) assert.ok(value > 0);
    assert.deepEqual(
      report.coin.map((c) => [c.size, c.threshold]),
      [
        [4, 2],
        [7, 3],
      ],
    );
    for (const c of report.coin)
      for (const value of [c.createShareUs, c.verifyShareUs, c.verifyShareTabledUs, c.combineUs])
        assert.ok(value > 0);
    assert.deepEqual(
      report.dkgOnChain.map((d) => [d.size, d.transactions]),
      [
        [4, 5],
        [16, 17],
      ],
    );
    for (const d of report.dkgOnChain) assert.ok(d.dealPayloadBytes > 0 && d.secretShareMs > 0);
    for (const scheme of [report.sm2, report.ed25519])
      for (const value of Object.values(scheme)) assert.ok(Number.isFinite(value) && value > 0);
  });
});
