import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../../src/crypto/index.js';
import { expectError } from '../../src/market/driver.js';
import { bid, offer, project, seedSigner, TestMarket } from './fixture.js';

/** A contracted 100 kWh trade in interval 0 of a two-interval cycle, delivery over. */
function contractedMarket() {
  const market = new TestMarket();
  const gen = market.generator([project({ bus: 1 })]);
  const user = market.user(1);
  market.openCycle('c1', 2);
  market.driver.must(gen, {
    type: 'submitQuote',
    cycleId: 'c1',
    quoteId: 'o',
    quote: offer(0, 300, 100_000),
  });
  market.driver.must(user, { type: 'submitQuote', cycleId: 'c1', quoteId: 'b', quote: bid(0, 400, 100_000) });
  market.closeAndMatch();
  market.checkAndContract();
  return { market, gen, user };
}

describe('meters', () => {
  it('a member cannot name its own meter key at registration', () => {
    const market = new TestMarket();
    const mallory = seedSigner(700);
    const result = market.driver.submit(mallory, {
      type: 'register',
      role: 'generator',
      name: 'gen',
      bus: 1,
      voltageKv: 10,
      maxLoadKw: 0,
      projects: [project()],
      meterKey: mallory.publicKey,
    });
    assert.equal(expectError(result).code, 'BAD_ACTION');
    assert.equal(market.store.member(mallory.publicKey), undefined);
  });

  it('the attack: an early self-signed reading no longer sinks the grid enterprise batch', () => {
    const { market, gen, user } = contractedMarket();
    // The generator signs a reading for itself, with its own key: not a meter, refused outright.
    const selfReading = market.driver.submit(gen, {
      type: 'meterReadings',
      cycleId: 'c1',
      meters: [{ participant: gen.publicKey, readings: [{ interval: 0, energyWh: 100_000 }] }],
    });
    assert.equal(expectError(selfReading).code, 'NOT_AUTHORISED');
    assert.deepEqual(market.store.meterWh('c1', gen.publicKey), []);

    // A meter the grid enterprise bound to the user sends an early reading for interval 0 ...
    const meter = seedSigner(701);
    market.driver.must(market.grid, { type: 'bindMeter', member: user.publicKey, meterKey: meter.publicKey });
    market.driver.must(meter, {
      type: 'meterReadings',
      cycleId: 'c1',
      meters: [{ participant: user.publicKey, readings: [{ interval: 0, energyWh: 99_000 }] }],
    });
    // ... and the bound meter cannot read another participant.
    const crossRead = market.driver.must(meter, {
      type: 'meterReadings',
      cycleId: 'c1',
      meters: [{ participant: gen.publicKey, readings: [{ interval: 0, energyWh: 1 }] }],
    });
    assert.equal(crossRead.readings, 0);

    // The grid enterprise's batch repeats the user's interval 0 and carries junk: the rest is stored.
    const stranger = seedSigner(702);
    const batch = market.driver.must(market.grid, {
      type: 'meterReadings',
      cycleId: 'c1',
      meters: [
        { participant: user.publicKey, readings: [{ interval: 0, energyWh: 101_000 }] },
        {
          participant: gen.publicKey,
          readings: [
            { interval: 0, energyWh: 95_000 },
            { interval: 5, energyWh: 1 },
          ],
        },
        { participant: stranger.publicKey, readings: [{ interval: 0, energyWh: 7 }] },
        { participant: gen.publicKey, readings: [{ interval: 0, energyWh: 1 }] },
      ],
    });
    assert.equal(batch.readings, 1);
    assert.deepEqual(
      (batch.refusals as { participant: string; interval: number; code: string }[]).map(
        (r) =>
          `${r.participant === toHex(user.publicKey) ? 'user' : r.participant === toHex(gen.publicKey) ? 'gen' : 'stranger'}/${r.interval}/${r.code}`,
      ),
      ['user/0/DUPLICATE', 'gen/5/BAD_ACTION', 'stranger/0/UNKNOWN_MEMBER', 'gen/0/DUPLICATE'],
    );
    assert.deepEqual(market.store.meterWh('c1', gen.publicKey), [95_000, null]);
    assert.deepEqual(market.store.meterWh('c1', user.publicKey), [99_000, null]);
    const kept = market.store.meterRejections('c1');
    assert.equal(kept.length, 5);
    assert.equal(toHex(kept[0]!.signer), toHex(meter.publicKey));
    assert.equal(kept[0]!.code, 'NOT_AUTHORISED');
    market.driver.must(market.center, { type: 'settle', cycleId: 'c1' });
    assert.equal(market.store.statement('c1', gen.publicKey)!.meteredWh, 95_000);
  });

  it("only a grid enterprise binds meters; a meter is one member's and never a member key", () => {
    const market = new TestMarket();
    const a = market.user(1);
    const b = market.user(1);
    const meter = seedSigner(710);
    const byMember = market.driver.submit(a, {
      type: 'bindMeter',
      member: a.publicKey,
      meterKey: meter.publicKey,
    });
    assert.equal(expectError(byMember).code, 'NOT_AUTHORISED');
    const memberKey = market.driver.submit(market.grid, {
      type: 'bindMeter',
      member: a.publicKey,
      meterKey: b.publicKey,
    });
    assert.equal(expectError(memberKey).code, 'BAD_ACTION');
    market.driver.must(market.grid, { type: 'bindMeter', member: a.publicKey, meterKey: meter.publicKey });
    const twice = market.driver.submit(market.grid, {
      type: 'bindMeter',
      member: b.publicKey,
      meterKey: meter.publicKey,
    });
    assert.equal(expectError(twice).code, 'DUPLICATE');
    assert.equal(toHex(market.store.member(a.publicKey)!.meterKey!), toHex(meter.publicKey));
    assert.equal(toHex(market.store.meterBinding(meter.publicKey)!.member), toHex(a.publicKey));
    // A bound meter cannot register as a member; a replacement frees the old meter.
    const asMember = market.driver.submit(meter, {
      type: 'register',
      role: 'user',
      name: 'meter',
      bus: 1,
      voltageKv: 10,
      maxLoadKw: 10,
      projects: [],
      meterKey: null,
    });
    assert.equal(expectError(asMember).code, 'BAD_ACTION');
    const replacement = seedSigner(711);
    market.driver.must(market.grid, {
      type: 'bindMeter',
      member: a.publicKey,
      meterKey: replacement.publicKey,
    });
    assert.equal(market.store.meterBinding(meter.publicKey), undefined);
    market.driver.must(market.grid, { type: 'bindMeter', member: b.publicKey, meterKey: meter.publicKey });
    market.driver.must(market.grid, { type: 'bindMeter', member: b.publicKey, meterKey: null });
    assert.equal(market.store.meterBinding(meter.publicKey), undefined);
    assert.equal(market.store.member(b.publicKey)!.meterKey, null);
  });
});
