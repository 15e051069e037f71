import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CodecError, Writer } from '../../src/codec/index.js';
import { Prng } from '../../src/kit/prng.js';
import { keyString } from '../../src/ledger/key-string.js';
import { MemoryState } from '../../src/market/memory-state.js';
import {
  CONTRACT_PARTIES,
  CONTRACT_STATUSES,
  type Contract,
  contractListRecord,
  contractTermsCodec,
  contractTermsListRecord,
} from '../../src/market/records.js';
import { runSimulation } from '../../src/market/simulate.js';
import { MarketStore } from '../../src/market/store.js';

function randomContract(random: Prng, n: number): Contract {
  const key = () => random.bytes(32);
  const grid = key();
  const text = (max: number) =>
    Array.from({ length: random.range(0, max) }, () =>
      // ASCII and not: the view passes text over by its byte length.
      random.float() < 0.9
        ? String.fromCharCode(random.range(32, 126))
        : ['é', '€', '😀'][random.range(0, 2)]!,
    ).join('');
  const roles = CONTRACT_PARTIES.filter(() => random.float() < 0.5);
  return {
    contractId: `c${n}/${random.range(0, 1e6)}`,
    cycleId: text(20),
    deal: random.range(0, 1e6),
    mode: random.pick(['direct', 'entrusted', 'gridPurchase'] as const),
    generator: key(),
    user: random.float() < 0.2 ? grid : key(),
    gridEnterprise: grid,
    interval: random.range(0, 95),
    termStartMs: random.range(0, 2 ** 45),
    termEndMs: random.range(0, 2 ** 45),
    energyWh: random.range(0, 2 ** 40),
    pricePerKwh: random.range(0, 10_000),
    crossingFeePerKwh: random.range(0, 500),
    subsidyPerKwh: random.range(0, 100),
    breachLiabilityBps: random.range(0, 10_000),
    toleranceBps: random.range(0, 10_000),
    penaltyPerKwh: random.range(0, 1_000),
    adjustmentReason: text(60),
    acceptances: roles.map((role) => ({
      role,
      how: random.float() < 0.5 ? ('signed' as const) : ('standingConsent' as const),
      atMs: random.range(0, 2 ** 45),
      height: random.range(0, 2 ** 30),
      txHash: random.float() < 0.5 ? random.bytes(32) : null,
    })),
    status: random.pick(CONTRACT_STATUSES),
    statusReason: text(80),
  };
}

describe('contracts read as settlement terms', () => {
  it('read the same bytes as the whole contract: every field it keeps equal, keys as their names', () => {
    const random = new Prng(41);
    for (let list = 0; list < 200; list++) {
      const contracts = Array.from({ length: random.range(0, 30) }, (_, n) => randomContract(random, n));
      const bytes = contractListRecord.encode(contracts);
      const terms = contractTermsListRecord.decode(bytes)!;
      const whole: Contract[] = contractListRecord.decode(bytes);
      assert.equal(terms.length, whole.length);
      whole.forEach((contract, i) => {
        const t = terms[i]!;
        assert.equal(t.generator, keyString(contract.generator));
        assert.equal(t.user, keyString(contract.user));
        assert.equal(t.acceptances, contract.acceptances.length);
        for (const field of [
          'contractId',
          'deal',
          'mode',
          'interval',
          'termStartMs',
          'termEndMs',
          'energyWh',
          'pricePerKwh',
          'crossingFeePerKwh',
          'subsidyPerKwh',
          'breachLiabilityBps',
          'toleranceBps',
          'penaltyPerKwh',
          'status',
        ] as const) {
          assert.equal(t[field], contract[field], `list ${list}, contract ${i}, ${field}`);
        }
      });
    }
  });

  it('refuse what the whole reader refuses in the fields they pass over, and cannot be written', () => {
    const random = new Prng(42);
    const bytes = contractListRecord.encode([randomContract(random, 0)]);
    // Truncated anywhere, or with a byte too many, both readers refuse the list.
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.throws(() => contractTermsListRecord.decode(bytes.subarray(0, cut)), CodecError);
      assert.throws(() => contractListRecord.decode(bytes.subarray(0, cut)), CodecError);
    }
    const longer = Uint8Array.from([...bytes, 0]);
    assert.throws(() => contractTermsListRecord.decode(longer), CodecError);
    assert.throws(() => contractTermsCodec.write(new Writer(), {} as never), CodecError);
  });

  it('give the store the statuses its contracts show, through a whole simulated cycle', () => {
    const { state } = runSimulation({ participants: 120, intervals: 24, seed: 3 });
    const store = new MarketStore(state);
    let compared = 0;
    for (let interval = 0; interval < 24; interval++) {
      const whole = store.contracts('day-1', interval);
      const terms = store.contractTerms('day-1', interval);
      assert.deepEqual(
        terms.map((t) => [t.deal, t.status]),
        whole.map((c) => [c.deal, c.status]),
      );
      compared += whole.length;
    }
    assert.ok(compared > 1000, `only ${compared} contracts compared`);
    // The cycle lapsed some contracts and bound others by signature after writing.
    const statuses = new Set<string>();
    for (let interval = 0; interval < 24; interval++)
      for (const t of store.contractTerms('day-1', interval)) statuses.add(t.status);
    assert.deepEqual([...statuses].sort(), ['binding', 'lapsed']);
  });

  it('leave a list of an earlier version to the whole reader, and the store reads it whole', () => {
    const contract = { ...randomContract(new Prng(43), 0), acceptances: [], status: 'pending' as const };
    contract.statusReason = '';
    const state = new MemoryState();
    const store = new MarketStore(state);
    store.setContracts('c', 0, [contract]);
    const [[key, bytes]] = [...state.sortedEntries()] as [[Uint8Array, Uint8Array]];
    // Version 1 had no acceptances, status or reason: the last three bytes here (0, 0, 0).
    assert.deepEqual([...bytes.subarray(-3)], [0, 0, 0]);
    const earlier = Uint8Array.from([1, ...bytes.subarray(1, -3)]);
    assert.equal(contractTermsListRecord.decode(earlier), undefined);
    state.set(key, earlier);
    const [terms] = store.contractTerms('c', 0);
    // Contracts written before acceptance existed bound by being written.
    assert.equal(terms?.status, 'binding');
    assert.equal(terms?.acceptances, 0);
    assert.equal(terms?.generator, keyString(contract.generator));
    assert.equal(terms?.energyWh, contract.energyWh);
  });
});
