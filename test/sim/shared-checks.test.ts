import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coinName,
  combineCoinShares,
  createCoinShare,
  dealCoinKeys,
  verifyCoinShare,
} from '../../src/consensus/coin/index.js';
import { type DagValidatorInit, dagGenesis } from '../../src/consensus/dag/index.js';
import { Signatures } from '../../src/consensus/dag/signing.js';
import type { ConsensusCore, ConsensusEffect, ValidatorInit } from '../../src/consensus/interface.js';
import { ed25519KeyPairFromSeed, ed25519Sign } from '../../src/crypto/index.js';
import { adapterFor } from '../../src/sim/adapters/index.js';
import type { ProtocolAdapter } from '../../src/sim/adapters/types.js';
import type { AdversaryName } from '../../src/sim/adversary.js';
import { protocolConfigFor } from '../../src/sim/adversary-setup.js';
import { runSimulation } from '../../src/sim/index.js';
import { CheckMemo } from '../../src/sim/shared-checks.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * The protocol's adapter, recording every batch each core commits. `ownCoinKeys` hands every
 * validator its own copy of the coin keys, so not even the coin's memo is shared between them.
 */
function recording(protocol: string, adversary: AdversaryName | undefined, ownCoinKeys: boolean) {
  const config = adversary === undefined ? undefined : protocolConfigFor(adversary, protocol);
  const base = adapterFor(protocol, config);
  const commits: string[] = [];
  const adapter: ProtocolAdapter<unknown> = {
    ...base,
    genesis(n, seed) {
      const inits = base.genesis(n, seed);
      if (!ownCoinKeys || protocol !== 'dag') return inits;
      return inits.map((init) => {
        const { threshold, verificationKeys } = (init as DagValidatorInit).coinPublicKeys;
        const copy = { threshold, verificationKeys: verificationKeys.map((k) => new Uint8Array(k)) };
        return { ...init, coinPublicKeys: copy } as ValidatorInit;
      });
    },
    create(init) {
      const core = base.create(init);
      const record = (effects: ConsensusEffect<unknown>[]) => {
        for (const effect of effects) {
          if (effect.kind !== 'commit') continue;
          const b = effect.batch;
          commits.push(
            `${init.index}:${b.sequence}:${b.round}:${b.proposer}:${hex(b.randomness)}:${b.transactions.map(hex).join(',')}`,
          );
        }
        return effects;
      };
      const handle: ConsensusCore<unknown>['handle'] = (input, nowMs) => record(core.handle(input, nowMs));
      // Adapters read protocol state off the core (progress, the leader relied on): all else passes.
      return new Proxy(core, {
        get(target, property) {
          if (property === 'handle') return handle;
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
  };
  return { adapter, commits };
}

function bothWays(options: Parameters<typeof runSimulation>[0]) {
  const shared = recording(options.protocol, options.adversary, false);
  const separate = recording(options.protocol, options.adversary, true);
  const a = runSimulation({ ...options, adapter: shared.adapter });
  const b = runSimulation({ ...options, adapter: separate.adapter, shareChecks: false });
  return { a, b, sharedCommits: shared.commits, separateCommits: separate.commits };
}

describe('checks shared by the validators of one simulated run', () => {
  const cases = [
    { protocol: 'dag', byzantine: 'bad-coin', seed: 3 },
    { protocol: 'dag', byzantine: 'invalid-signature', seed: 4 },
    { protocol: 'dag', byzantine: 'silent', seed: 1, adversary: 'colluding' },
    { protocol: 'pbft', byzantine: 'invalid-signature', seed: 2 },
  ] as const;
  for (const c of cases) {
    it(`commit the same sequences as unshared checks: ${c.protocol}, ${c.byzantine}, seed ${c.seed}`, () => {
      const { a, b, sharedCommits, separateCommits } = bothWays({
        nodes: 4,
        faulty: 1,
        transactions: 12,
        txWindowMs: 300,
        ...c,
      });
      assert.ok(sharedCommits.length > 0);
      assert.deepEqual(sharedCommits, separateCommits);
      assert.deepEqual(a, b);
      assert.equal(a.agreementOk && a.validityOk && a.livenessOk, true, a.problems.join('; '));
    });
  }

  it('still refuses a flipped signature, and a real one presented under another key', () => {
    const [first, second] = dagGenesis(4, new Uint8Array(32).fill(9));
    const memo = new CheckMemo();
    const alice = Signatures.fromSeed(first!.committee, first!.signingSeed, memo);
    const bob = Signatures.fromSeed(second!.committee, second!.signingSeed, memo);
    const bytes = new Uint8Array(32).fill(1);
    const signature = ed25519Sign(first!.signingSeed, bytes);
    const flipped = new Uint8Array(signature);
    flipped[5] = flipped[5]! ^ 0x10;

    assert.equal(alice.verify(0, bytes, signature), true);
    assert.equal(bob.verify(0, bytes, signature), true);
    assert.equal(memo.computed, 1);
    assert.equal(memo.reused, 1);
    assert.equal(bob.verify(0, bytes, flipped), false);
    assert.equal(bob.verify(1, bytes, signature), false);
    assert.equal(alice.verify(0, new Uint8Array(32).fill(2), signature), false);
    assert.equal(memo.computed, 4);
    assert.equal(alice.verify(0, bytes, flipped), false);
    assert.equal(alice.verify(0, bytes, signature), true);
  });

  it('gives the same answers after forgetting (a memo far too small for the run)', () => {
    const memo = new CheckMemo(64);
    const seed = new Uint8Array(32).fill(3);
    const { publicKey } = ed25519KeyPairFromSeed(seed);
    const committee = { shardId: 0, epoch: 0, members: [{ index: 0, publicKey }] };
    const signatures = Signatures.fromSeed(committee, seed, memo);
    const messages = Array.from({ length: 6 }, (_, i) => new Uint8Array(32).fill(i));
    const signed = messages.map((m) => ed25519Sign(seed, m));
    for (let round = 0; round < 2; round++) {
      messages.forEach((m, i) => {
        assert.equal(signatures.verify(0, m, signed[i]!), true);
        assert.equal(signatures.verify(0, m, signed[(i + 1) % messages.length]!), false);
      });
    }
    assert.ok(memo.computed > 12, 'the small memo forgot and checked again');
  });

  it('refuses a bad coin share of a validator whose good share is remembered', () => {
    const deal = dealCoinKeys(4, 2, new Uint8Array(32).fill(5));
    const wrong = dealCoinKeys(4, 2, new Uint8Array(32).fill(6));
    const name = coinName(0, 0, 1);
    const good = createCoinShare(deal.secretShares[2]!, deal.publicKeys, 2, name);
    const bad = createCoinShare(wrong.secretShares[2]!, deal.publicKeys, 2, name);
    assert.equal(verifyCoinShare(deal.publicKeys, 2, name, good), true);
    assert.equal(verifyCoinShare(deal.publicKeys, 2, name, bad), false);
    assert.equal(verifyCoinShare(deal.publicKeys, 3, name, good), false);
    assert.equal(verifyCoinShare(deal.publicKeys, 2, name, good), true);

    // The value is the set's, whatever order the shares arrived in, and any threshold set agrees.
    const shares = [0, 1, 3].map((index) => ({
      index,
      share: createCoinShare(deal.secretShares[index]!, deal.publicKeys, index, name),
    }));
    const own = { threshold: 2, verificationKeys: [...deal.publicKeys.verificationKeys] };
    const forward = combineCoinShares(deal.publicKeys, name, [shares[0]!, shares[1]!]);
    const backward = combineCoinShares(deal.publicKeys, name, [shares[1]!, shares[0]!]);
    assert.deepEqual(backward, forward);
    assert.deepEqual(combineCoinShares(own, name, [shares[1]!, shares[0]!]), forward);
    assert.deepEqual(combineCoinShares(own, name, [shares[2]!, shares[0]!]), forward);
  });
});
