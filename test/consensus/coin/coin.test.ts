import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CoinError,
  coinLeader,
  coinName,
  combineCoinShares,
  createCoinShare,
  dealCoinKeys,
  verifyCoinShare,
} from '../../../src/consensus/coin/index.js';

const seed = new Uint8Array(32).fill(7);

describe('threshold coin', () => {
  const n = 4;
  const deal = dealCoinKeys(n, 2, seed);
  const name = coinName(0, 0, 5);
  const shares = deal.secretShares.map((secret, index) => ({
    index,
    share: createCoinShare(secret, deal.publicKeys, index, name),
  }));

  it('verifies honest shares', () => {
    for (const { index, share } of shares)
      assert.equal(verifyCoinShare(deal.publicKeys, index, name, share), true);
  });

  it('gives the same value from every subset of threshold shares', () => {
    const values = new Set<string>();
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        values.add(
          Buffer.from(combineCoinShares(deal.publicKeys, name, [shares[a]!, shares[b]!])).toString('hex'),
        );
      }
    }
    assert.equal(values.size, 1);
  });

  it('gives different values for different coins', () => {
    const other = coinName(0, 0, 6);
    const otherShares = deal.secretShares.map((secret, index) => ({
      index,
      share: createCoinShare(secret, deal.publicKeys, index, other),
    }));
    const a = combineCoinShares(deal.publicKeys, name, shares.slice(0, 2));
    const b = combineCoinShares(deal.publicKeys, other, otherShares.slice(0, 2));
    assert.notDeepEqual(a, b);
  });

  it('rejects a share of another validator, another coin, or with a broken proof', () => {
    const share0 = shares[0]!.share;
    assert.equal(verifyCoinShare(deal.publicKeys, 1, name, share0), false);
    assert.equal(verifyCoinShare(deal.publicKeys, 0, coinName(0, 0, 9), share0), false);
    const broken = new Uint8Array(share0);
    broken[40] = broken[40]! ^ 1;
    assert.equal(verifyCoinShare(deal.publicKeys, 0, name, broken), false);
    const garbage = new Uint8Array(96).fill(0xff);
    assert.equal(verifyCoinShare(deal.publicKeys, 0, name, garbage), false);
    assert.equal(verifyCoinShare(deal.publicKeys, 0, name, share0.subarray(0, 95)), false);
    assert.equal(verifyCoinShare(deal.publicKeys, 9, name, share0), false);
  });

  it('rejects a share made with a wrong secret even with a valid-looking proof shape', () => {
    const wrong = dealCoinKeys(n, 2, new Uint8Array(32).fill(8));
    const forged = createCoinShare(wrong.secretShares[0]!, wrong.publicKeys, 0, name);
    assert.equal(verifyCoinShare(deal.publicKeys, 0, name, forged), false);
  });

  it('refuses to combine fewer than threshold shares', () => {
    assert.throws(() => combineCoinShares(deal.publicKeys, name, [shares[0]!, shares[0]!]), CoinError);
  });

  it('elects a leader in range, deterministically', () => {
    const value = combineCoinShares(deal.publicKeys, name, shares.slice(1, 3));
    const leader = coinLeader(value, n);
    assert.ok(leader >= 0 && leader < n);
    assert.equal(coinLeader(value, n), leader);
  });

  it('deals reproducibly from the seed and refuses bad parameters', () => {
    assert.deepEqual(dealCoinKeys(n, 2, seed).publicKeys, deal.publicKeys);
    assert.throws(() => dealCoinKeys(4, 5, seed), CoinError);
    assert.throws(() => dealCoinKeys(4, 2, new Uint8Array(3)), CoinError);
  });

  it('works for a 7-validator committee with threshold 3', () => {
    const deal7 = dealCoinKeys(7, 3, seed);
    const s = deal7.secretShares.map((secret, index) => ({
      index,
      share: createCoinShare(secret, deal7.publicKeys, index, name),
    }));
    const a = combineCoinShares(deal7.publicKeys, name, [s[0]!, s[3]!, s[6]!]);
    const b = combineCoinShares(deal7.publicKeys, name, [s[5]!, s[1]!, s[2]!]);
    assert.deepEqual(a, b);
  });
});
