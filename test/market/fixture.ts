import { MarketDriver, type Signer, signerFromSeed } from '../../src/market/driver.js';
import { initMarket } from '../../src/market/executor.js';
import type { MarketPlugins } from '../../src/market/handler-context.js';
import { MemoryState } from '../../src/market/memory-state.js';
import { MARKET_PARAMETER_DEFAULTS } from '../../src/market/parameters.js';
import type { MarketConfig, Project, Quotation } from '../../src/market/records.js';
import { MarketStore } from '../../src/market/store.js';

export const HOUR_MS = 3_600_000;
export const START_MS = 1_700_000_000_000;

export function seedSigner(n: number): Signer {
  const seed = new Uint8Array(32);
  seed[0] = n & 0xff;
  seed[1] = (n >> 8) & 0xff;
  seed[31] = 0x5a;
  return signerFromSeed(seed);
}

export function testConfig(operator: Uint8Array, overrides: Partial<MarketConfig> = {}): MarketConfig {
  return {
    ...MARKET_PARAMETER_DEFAULTS,
    marketId: 'test',
    sealedBids: false,
    pricing: 'uniform',
    priceFloorPerKwh: 0,
    priceCapPerKwh: 1000,
    benchmarkPricePerKwh: 400,
    subsidyPerKwh: 30,
    compositePricePerKwh: 450,
    toleranceBps: 500,
    penaltyPerKwh: 100,
    breachLiabilityBps: 1000,
    sameBusFeePerKwh: 0,
    feeLevels: [],
    // Two 10 kV buses meet at 35 kV: fee 60 - 40 = 20; on one bus nothing is crossed: fee 0.
    tariffLevels: [
      { maxVoltageKv: 10, tdPricePerKwh: 60 },
      { maxVoltageKv: 35, tdPricePerKwh: 40 },
      { maxVoltageKv: 110, tdPricePerKwh: 20 },
    ],
    levelsBetweenBuses: 1,
    busLimits: [],
    operators: [operator],
    ...overrides,
  };
}

export const project = (overrides: Partial<Project> = {}): Project => ({
  technology: 'pv',
  capacityKw: 1000,
  ownMaxLoadKw: 0,
  bus: 1,
  voltageKv: 10,
  absorbedLocally: true,
  ...overrides,
});

/** A market with its institutions admitted and one open hourly cycle factory. */
export class TestMarket {
  readonly state = new MemoryState();
  readonly store = new MarketStore(this.state);
  readonly operator = seedSigner(1);
  readonly center = seedSigner(2);
  readonly grid = seedSigner(3);
  readonly regulator = seedSigner(4);
  readonly driver: MarketDriver;
  private next = 100;

  constructor(overrides: Partial<MarketConfig> = {}, plugins?: MarketPlugins) {
    initMarket(this.state, testConfig(this.operator.publicKey, overrides));
    this.driver = new MarketDriver(this.state, 'test-chain', START_MS, 1000, plugins);
    for (const [signer, role] of [
      [this.center, 'tradingCenter'],
      [this.grid, 'gridEnterprise'],
      [this.regulator, 'regulator'],
    ] as const) {
      this.driver.must(signer, {
        type: 'register',
        role,
        name: role,
        bus: 0,
        voltageKv: 10,
        maxLoadKw: 0,
        projects: [],
        meterKey: null,
      });
      this.driver.must(this.operator, { type: 'audit', member: signer.publicKey, approve: true, note: '' });
    }
    if (this.store.config()!.standingConsent)
      this.driver.must(this.grid, { type: 'consent', standing: true });
  }

  /**
   * Registers (and by default admits) a generator with the given projects. Like every party
   * here, it gives standing consent to its contracts unless `consent` is false.
   */
  generator(projects: Project[], admit = true, consent = true): Signer {
    const signer = seedSigner(this.next++);
    this.driver.must(signer, {
      type: 'register',
      role: 'generator',
      name: 'gen',
      bus: projects[0]?.bus ?? 1,
      voltageKv: 10,
      maxLoadKw: 0,
      projects,
      meterKey: null,
    });
    if (consent) this.driver.must(signer, { type: 'consent', standing: true });
    if (admit)
      this.driver.must(this.center, { type: 'audit', member: signer.publicKey, approve: true, note: '' });
    return signer;
  }

  user(bus = 1, maxLoadKw = 1000, meterKey: Uint8Array | null = null, consent = true): Signer {
    const signer = seedSigner(this.next++);
    this.driver.must(signer, {
      type: 'register',
      role: 'user',
      name: 'user',
      bus,
      voltageKv: 10,
      maxLoadKw,
      projects: [],
      meterKey: null,
    });
    if (consent) this.driver.must(signer, { type: 'consent', standing: true });
    this.driver.must(this.center, { type: 'audit', member: signer.publicKey, approve: true, note: '' });
    // A meter is the grid enterprise's to bind, never the member's to choose.
    if (meterKey !== null) {
      this.driver.must(this.grid, { type: 'bindMeter', member: signer.publicKey, meterKey });
    }
    return signer;
  }

  openCycle(cycleId = 'c1', intervals = 2): void {
    this.driver.must(this.center, {
      type: 'openCycle',
      cycleId,
      intervals,
      intervalMs: HOUR_MS,
      deliveryStartMs: this.driver.blockTimeMs + 10 * HOUR_MS,
      gateClosureMs: this.driver.blockTimeMs + HOUR_MS,
      gridEnterprise: this.grid.publicKey,
    });
  }

  closeAndMatch(cycleId = 'c1'): Record<string, unknown> {
    this.driver.advanceTo(this.store.cycle(cycleId)!.gateClosureMs);
    this.driver.must(this.center, { type: 'closeGate', cycleId });
    return this.driver.must(this.center, { type: 'match', cycleId });
  }

  /** check, contract, advance past delivery: ready for meter readings. */
  checkAndContract(cycleId = 'c1'): void {
    this.driver.must(this.center, { type: 'check', cycleId });
    this.driver.must(this.center, { type: 'contract', cycleId });
    const cycle = this.store.cycle(cycleId)!;
    this.driver.advanceTo(cycle.deliveryStartMs + cycle.intervals * cycle.intervalMs);
  }
}

export function offer(interval: number, pricePerKwh: number, energyWh: number, projectIndex = 0): Quotation {
  return {
    side: 'sell',
    mode: 'direct',
    project: projectIndex,
    curves: [{ interval, steps: [{ pricePerKwh, energyWh }] }],
  };
}

export function bid(interval: number, pricePerKwh: number, energyWh: number): Quotation {
  return {
    side: 'buy',
    mode: 'direct',
    project: 0,
    curves: [{ interval, steps: [{ pricePerKwh, energyWh }] }],
  };
}
