import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type Element,
  GROUP_ORDER,
  type GroupOps,
  group,
  NOBLE_GROUP,
  SODIUM_GROUP,
} from '../../../src/consensus/coin/group.js';
import {
  coinName,
  combineCoinShares,
  createCoinShare,
  dealCoinKeys,
  verifyCoinShare,
} from '../../../src/consensus/coin/index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Deterministic pseudo-random bytes: SHA-256 of a label and a counter. */
function bytesOf(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i * 32 < length; i++) {
    out.set(
      createHash('sha256')
        .update(`${label}/${i}`)
        .digest()
        .subarray(0, Math.min(32, length - i * 32)),
      i * 32,
    );
  }
  return out;
}

function scalarOf(label: string): bigint {
  return BigInt(`0x${hex(bytesOf(label, 32))}`) % GROUP_ORDER;
}

describe('coin group backends', () => {
  it(`pins the coin's bytes: keys, shares and value never change (backend ${group.name})`, () => {
    const deal = dealCoinKeys(4, 2, new Uint8Array(32).fill(7));
    const name = coinName(1, 2, 3);
    const shares = deal.secretShares.map((secret, index) => ({
      index,
      share: createCoinShare(secret, deal.publicKeys, index, name),
    }));
    assert.equal(
      hex(deal.publicKeys.verificationKeys[0]!),
      '6470b1dc38fd9bba056c60e8131bc29040613e6823eacf3dd4a5312ebb06fe7a',
    );
    assert.equal(
      hex(shares[0]!.share),
      '8839cc534a7e9e89ea1a03bfb2e751a2034a3a658b1262ba1f38c29881a53473' +
        '0605025f3096e30fba981e67cd5d4292a749fa801fafcc82b4279f6a7382443a' +
        '02c74e9cd6c734323faf9f185b3befc175f8633e34bd69512b50dec4cfd07983',
    );
    assert.equal(
      hex(shares[3]!.share),
      '60fd6084b8623c1b220bbf1d7c73f894106f82dacd6e887f90e388e6f9e8c525' +
        '06a37ba488f78568d667fc78d0009cf3dcaa7e02a34c3c51fac4c6b62ddfc824' +
        '09975bbf05e91f744b0f7d855dce3f060251ea1c36f0fb13e5d6f6be509a5cd8',
    );
    for (const { index, share } of shares)
      assert.equal(verifyCoinShare(deal.publicKeys, index, name, share), true);
    assert.equal(
      hex(combineCoinShares(deal.publicKeys, name, [shares[3]!, shares[1]!])),
      'a6bea1ac261651c7085fa7d745581aaa9cc01764bbb02dcb286dd7e4100a4546',
    );
  });

  it('treats the identity alike in the active backend: zero scalars and cancelling sums', () => {
    const identity = '00'.repeat(32);
    const p = group.hashToGroup(new TextEncoder().encode('p'));
    assert.equal(hex(group.mulBase(0n).bytes), identity);
    assert.equal(hex(group.mul(p, 0n).bytes), identity);
    assert.equal(hex(group.linear([p, p], [1n, GROUP_ORDER - 1n]).bytes), identity);
    assert.equal(hex(group.linear([p], [5n], 0n).bytes), hex(group.mul(p, 5n).bytes));
    assert.notEqual(group.decode(new Uint8Array(32)), null, 'the identity has an encoding');
    assert.equal(group.decode(new Uint8Array(32).fill(0xff)), null);
  });

  const sodium = SODIUM_GROUP;
  it('gives the same bytes on libsodium as on the bigint arithmetic', {
    skip: sodium === null ? 'libsodium-wrappers-sumo is not installed' : false,
  }, () => {
    const backends: [GroupOps, GroupOps] = [NOBLE_GROUP, sodium!];
    const both = (run: (g: GroupOps) => Element | null) =>
      backends.map((g) => {
        const e = run(g);
        return e === null ? null : hex(e.bytes);
      });
    for (let i = 0; i < 24; i++) {
      const k = scalarOf(`k ${i}`);
      const j = scalarOf(`j ${i}`);
      const message = bytesOf(`m ${i}`, i);
      const [a, b] = both((g) => g.hashToGroup(message));
      assert.equal(a, b, 'hash to group');
      const [c, d] = both((g) => g.mulBase(k));
      assert.equal(c, d, 'base multiplication');
      const [e, f] = both((g) => g.mul(g.hashToGroup(message), k));
      assert.equal(e, f, 'multiplication');
      const [x, y] = both((g) => g.linear([g.hashToGroup(message), g.mulBase(j)], [k, j], j));
      assert.equal(x, y, 'linear combination');
      // Random bytes (mostly no encoding), valid encodings, and each with its sign bit flipped.
      const valid = group.mulBase(k).bytes;
      const flipped = valid.slice();
      flipped[31] = flipped[31]! ^ 0x80;
      const negative = valid.slice();
      negative[0] = negative[0]! ^ 1;
      for (const candidate of [bytesOf(`r ${i}`, 32), valid, flipped, negative]) {
        const [u, v] = both((g) => g.decode(candidate));
        assert.equal(u, v, `decode ${hex(candidate)}`);
      }
    }
    // The field prime p = 2^255 - 19 itself, encoded: not canonical, refused by both.
    const p = new Uint8Array(32).fill(0xff);
    p[0] = 0xed;
    p[31] = 0x7f;
    assert.deepEqual(
      both((g) => g.decode(p)),
      [null, null],
    );
  });
});
