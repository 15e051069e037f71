import { sha256 } from '../../src/crypto/hash.js';
import { ed25519Scheme } from '../../src/crypto/scheme.js';
import { gridToJson, ieee33Feeder, ratedFeeder } from '../../src/grid/index.js';
import { gridGenesisEntry } from '../../src/market/grid-plugins.js';
import type { Deal, Member, Role } from '../../src/market/records.js';
import { enc, type TestNode } from './harness.js';

/**
 * A checked cycle on the IEEE 33-bus feeder with every line rated (`ratedFeeder`: 1200 kVA on
 * the laterals and the far main feeder), written as the market writes it: two sellers at buses 18
 * and 33, interval 0 adjusted by the check (the bus-18 seller cut from 2000 kW to 1000 kW over
 * the 15-minute interval), interval 1 fallen back to grid purchase.
 */
export const FLOW_GRID = ratedFeeder(ieee33Feeder());
export const FLOW_CYCLE = 'flow-1';
export const INTERVAL_HOURS = 0.25;

export const flowSeed = (name: string) => sha256(enc(`power flow ${name}`));
export const flowKey = (name: string) => ed25519Scheme.publicKeyFromSeed(flowSeed(name));

function member(role: Role, bus: number, projectBus: number | null): Member {
  return {
    role,
    name: role,
    status: 'approved',
    reason: '',
    bus,
    voltageKv: 12,
    maxLoadKw: 500,
    projects:
      projectBus === null
        ? []
        : [
            {
              technology: 'pv',
              capacityKw: 3000,
              ownMaxLoadKw: 0,
              bus: projectBus,
              voltageKv: 12,
              absorbedLocally: false,
            },
          ],
    approvedKw: projectBus === null ? [] : [3000],
    meterKey: null,
    registeredAtHeight: 0,
    standingConsent: null,
  };
}

/** The sellers' project buses differ from their own connection bus: the project's is the one used. */
const MEMBERS: [string, Role, number, number | null][] = [
  ['seller18', 'generator', 2, 18],
  ['seller33', 'generator', 3, 33],
  ['user', 'user', 10, null],
  ['gridEnterprise', 'gridEnterprise', 1, null],
  ['regulator', 'regulator', 1, null],
  ['outsider', 'user', 12, null],
];

export const DEAL_REASON = 'AC security check: branch-thermal:8-9, branch-thermal:17-18';

function deal(seller: string, matchedWh: number, energyWh: number, reason: string): Deal {
  return {
    round: 0,
    interval: 0,
    mode: 'direct',
    seller: flowKey(seller),
    project: 0,
    buyer: flowKey('user'),
    matchedWh,
    energyWh,
    adjustmentReason: reason,
    sellerPricePerKwh: 400,
    buyerPricePerKwh: 430,
    feePerKwh: 20,
  };
}

export const DEALS = [
  deal('seller18', 500_000, 250_000, DEAL_REASON),
  deal('seller33', 100_000, 100_000, ''),
];

/** The injections the check saw, worked out here by hand: kW = Wh / 1000 / hours at the project bus. */
export const AS_MATCHED = [
  { bus: 18, pKw: 2000 },
  { bus: 33, pKw: 400 },
];
export const AFTER_CHECK = [
  { bus: 18, pKw: 1000 },
  { bus: 33, pKw: 400 },
];

export async function plantMembersAndCycle(node: TestNode, cycleId = FLOW_CYCLE): Promise<void> {
  await node.commitMarket((market) => {
    for (const [name, role, bus, projectBus] of MEMBERS) {
      if (market.member(flowKey(name)) === undefined)
        market.setMember(flowKey(name), member(role, bus, projectBus), true);
    }
    market.setCycle({
      cycleId,
      state: 'checked',
      round: 0,
      intervals: 2,
      intervalMs: INTERVAL_HOURS * 3_600_000,
      deliveryStartMs: 1_700_000_900_000,
      gateClosureMs: 1_700_000_600_000,
      gridEnterprise: flowKey('gridEnterprise'),
      openedAtHeight: 0,
      stateSinceMs: 1_700_000_000_000,
      reasonCode: 'CHECKED',
      reason: '0 interval(s) cancelled, 0 re-checked',
    });
    market.setDeals(cycleId, 0, DEALS);
    market.setIntervalOutcomes(cycleId, [
      { interval: 0, outcome: 'adjusted', code: 'ADJUSTED', reason: '' },
      { interval: 1, outcome: 'gridPurchase', code: 'CHECK_MISSED', reason: 'no check before the deadline' },
    ]);
  });
}

export async function plantGridModel(node: TestNode): Promise<void> {
  const entry = gridGenesisEntry(gridToJson(FLOW_GRID));
  await node.commitState((state) => state.set(entry.key, entry.value));
}
