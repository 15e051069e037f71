import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CoinPublicKeys,
  coinName,
  combineCoinShares,
  createCoinShare,
  type Dealing,
  deal,
  dkgPublicKeys,
  dkgSecretShare,
  type PrivateShare,
  qualifiedDealers,
  shareMatches,
  verificationKeyOfShare,
  verifyCoinShare,
} from '../../../src/consensus/coin/index.js';
import { sha256 } from '../../../src/crypto/hash.js';

const enc = (s: string) => new TextEncoder().encode(s);
const entropy = (dealer: number, run = 'a') => sha256(enc(`dkg test ${run} dealer ${dealer}`));

/** Every member deals; returns the public dealings and each member's received shares. */
function dealAll(size: number, threshold: number, run = 'a') {
  const params = { size, threshold };
  const dealings: Dealing[] = [];
  const inbox: PrivateShare[][] = Array.from({ length: size }, () => []);
  for (let dealer = 0; dealer < size; dealer++) {
    const { dealing, shares } = deal(params, dealer, entropy(dealer, run));
    dealings.push(dealing);
    for (const share of shares) inbox[share.recipient]!.push(share);
  }
  return { params, dealings, inbox };
}

/** Opens coin `name` from the shares of `members` with the DKG's keys. */
function openCoin(
  keys: CoinPublicKeys,
  secrets: readonly Uint8Array[],
  members: readonly number[],
  name: Uint8Array,
) {
  const shares = members.map((index) => {
    const share = createCoinShare(secrets[index]!, keys, index, name);
    assert.ok(verifyCoinShare(keys, index, name, share), `share of ${index} verifies`);
    return { index, share };
  });
  return Buffer.from(combineCoinShares(keys, name, shares)).toString('hex');
}

describe('distributed key generation of the coin (no dealer)', () => {
  it('gives every member a share that matches its verification key, and any t shares open the same coin', () => {
    const { params, dealings, inbox } = dealAll(4, 2);
    const qualified = qualifiedDealers(params, dealings, [], []);
    assert.deepEqual(qualified, [0, 1, 2, 3]);
    const keys = dkgPublicKeys(params, dealings);
    const secrets = inbox.map((received, i) => dkgSecretShare(params, i, dealings, received));
    secrets.forEach((secret, i) => {
      assert.deepEqual(verificationKeyOfShare(secret), keys.verificationKeys[i], `member ${i}'s key`);
    });
    const name = coinName(0, 1, 7);
    const value = openCoin(keys, secrets, [0, 1], name);
    for (const pair of [
      [0, 2],
      [1, 3],
      [2, 3],
      [3, 0],
    ])
      assert.equal(openCoin(keys, secrets, pair, name), value);
    assert.notEqual(openCoin(keys, secrets, [1, 2], coinName(0, 1, 8)), value, 'another wave, another coin');
  });

  it('is deterministic in what the channel delivered, whatever order it lists the dealings in', () => {
    const { params, dealings } = dealAll(7, 3);
    const reversed = [...dealings].reverse();
    assert.deepEqual(dkgPublicKeys(params, dealings), dkgPublicKeys(params, reversed));
    assert.deepEqual(qualifiedDealers(params, reversed, [], []), [0, 1, 2, 3, 4, 5, 6]);
  });

  it('disqualifies a dealer that gave a bad share and could not justify it, and keeps one whose share was right', () => {
    const { params, dealings, inbox } = dealAll(4, 2, 'b');
    // Dealer 1 sends member 2 a wrong share; member 2 complains.
    const bad = inbox[2]!.find((s) => s.dealer === 1)!;
    const wrong = { ...bad, share: inbox[3]!.find((s) => s.dealer === 1)!.share };
    assert.equal(shareMatches(params, dealings[1]!, 2, wrong.share), false);
    // Member 0 complains against dealer 3 although its share was right (a lying complainer).
    const complaints = [
      { complainer: 2, dealer: 1 },
      { complainer: 0, dealer: 3 },
    ];
    const honestAnswer = { dealer: 3, recipient: 0, share: inbox[0]!.find((s) => s.dealer === 3)!.share };
    // Dealer 1 "justifies" with the same wrong share: anyone can see it does not match.
    const qualified = qualifiedDealers(params, dealings, complaints, [
      { dealer: 1, recipient: 2, share: wrong.share },
      honestAnswer,
    ]);
    assert.deepEqual(qualified, [0, 2, 3]);
    const kept = dealings.filter((d) => qualified.includes(d.dealer));
    const keys = dkgPublicKeys(params, kept);
    const received = inbox.map((shares, i) =>
      i === 2 ? shares.map((s) => (s.dealer === 1 ? wrong : s)) : shares,
    );
    const secrets = received.map((shares, i) => dkgSecretShare(params, i, kept, shares));
    const name = coinName(0, 2, 1);
    assert.equal(openCoin(keys, secrets, [0, 2], name), openCoin(keys, secrets, [1, 3], name));
    // A member cannot build its key from a share that does not match: it must complain instead.
    assert.throws(() => dkgSecretShare(params, 2, dealings, received[2]!), { code: 'BAD_KEY' });
  });

  it('drops a malformed dealing, a dealer that dealt twice keeps its first, and too few dealers are refused', () => {
    const { params, dealings } = dealAll(4, 2, 'c');
    const short: Dealing = { dealer: 0, commitments: dealings[0]!.commitments.slice(0, 1) };
    const junk: Dealing = {
      dealer: 1,
      commitments: [new Uint8Array(32).fill(0xff), dealings[1]!.commitments[1]!],
    };
    const second = deal(params, 2, entropy(9, 'c')).dealing;
    assert.deepEqual(
      qualifiedDealers(params, [short, junk, dealings[2]!, second, dealings[3]!], [], []),
      [2, 3],
    );
    assert.throws(() => qualifiedDealers(params, [dealings[3]!], [], []), { code: 'BAD_PARAMETERS' });
    assert.throws(() => qualifiedDealers({ size: 4, threshold: 5 }, dealings, [], []), {
      code: 'BAD_PARAMETERS',
    });
    assert.equal(shareMatches(params, dealings[0]!, 9, new Uint8Array(32)), false, 'no such member');
    assert.equal(shareMatches(params, dealings[0]!, 0, new Uint8Array(31)), false, 'not a scalar');
  });

  it('depends on every qualified dealer: one dealer drawing afresh, the rest alike, gives another coin', () => {
    // The f others cannot fix the coin while one honest dealer's secret is fresh.
    const params = { size: 4, threshold: 2 };
    const run = (fresh: string) => {
      const dealt = [0, 1, 2, 3].map((d) => deal(params, d, entropy(d, d === 3 ? fresh : 'same')));
      const dealings = dealt.map((x) => x.dealing);
      const keys = dkgPublicKeys(params, dealings);
      const secrets = [0, 1, 2, 3].map((i) =>
        dkgSecretShare(
          params,
          i,
          dealings,
          dealt.flatMap((x) => x.shares),
        ),
      );
      return openCoin(keys, secrets, [1, 2], coinName(0, 1, 1));
    };
    assert.equal(run('x'), run('x'));
    assert.notEqual(run('x'), run('y'));
  });
});
