import { GridError } from './errors.js';
import type { Grid } from './model.js';

/**
 * The network crossing fee ("过网费") of a trade over the distribution network: the one rule the
 * market executes on chain and `gridshard grid fee` prints.
 *
 * The trading rules (paper §II.B.a) have the grid enterprise collect a crossing fee by a
 * government-approved standard and have a project trade with the nearest users; the fee is tied to
 * the transmission and distribution (T&D) price of voltage levels (§II.B.b, mode 3). The standard
 * applied here: the fee is the T&D price of the buyer's voltage level minus the T&D price of the
 * highest voltage level the energy crosses between the two connection points. Higher levels carry
 * lower T&D prices, so energy that stays low in the network (the nearest users) pays least.
 *
 * Every price is an integer number of money units per kWh (the market's unit), so the fee is an
 * integer difference and the same on every machine. Voltages are only compared, never computed.
 */
export interface TariffLevel {
  /** Name of the level, e.g. "10 kV". */
  readonly name: string;
  /** Highest nominal voltage the level covers, kV; a connection belongs to the first level that covers it. */
  readonly maxKv: number;
  /** T&D price of the level: integer money units per kWh. */
  readonly tdPricePerKwh: number;
}

export interface CrossingTariff {
  readonly levels: readonly TariffLevel[];
  /**
   * Levels the lower of two connections on different buses climbs to reach the other: 1 means two
   * 10 kV buses meet through the 35 kV level above them. Energy between connections on one bus
   * crosses no level above the higher connection. Default 0 (only the connection levels count).
   */
  readonly levelsBetweenBuses?: number;
}

/** A connection point: its voltage and, when known, its bus (unknown buses count as different). */
export interface ConnectionPoint {
  readonly kv: number;
  readonly bus?: number;
}

export interface CrossingFee {
  /** Integer money units per kWh, never negative. */
  readonly feePerKwh: number;
  readonly sellerLevel: string;
  readonly buyerLevel: string;
  readonly highestLevel: string;
  /** Levels climbed above the seller's own level (0: the energy stays within the seller's level). */
  readonly levelsAboveSeller: number;
}

/** The fee per kWh (money units) for a trade between two connection points. */
export function crossingFeePerKwh(
  tariff: CrossingTariff,
  seller: ConnectionPoint,
  buyer: ConnectionPoint,
): number {
  return crossingFee(tariff, seller, buyer).feePerKwh;
}

export function crossingFee(
  tariff: CrossingTariff,
  seller: ConnectionPoint,
  buyer: ConnectionPoint,
): CrossingFee {
  const levels = checkedLevels(tariff);
  const s = levelIndex(levels, seller.kv, 'seller');
  const b = levelIndex(levels, buyer.kv, 'buyer');
  const steps = tariff.levelsBetweenBuses ?? 0;
  const sameBus = seller.bus !== undefined && seller.bus === buyer.bus;
  const climbed = sameBus ? 0 : Math.min(s, b) + steps;
  const highest = Math.min(Math.max(s, b, climbed), levels.length - 1);
  const fee = levels[b]!.tdPricePerKwh - levels[highest]!.tdPricePerKwh;
  return {
    // The rule never pays the buyer for using the network.
    feePerKwh: Math.max(0, fee),
    sellerLevel: levels[s]!.name,
    buyerLevel: levels[b]!.name,
    highestLevel: levels[highest]!.name,
    levelsAboveSeller: highest - s,
  };
}

/** The fee for a trade between two buses of a grid, at their base voltages. */
export function crossingFeeBetweenBuses(
  tariff: CrossingTariff,
  grid: Grid,
  sellerBus: number,
  buyerBus: number,
): CrossingFee {
  const pointOf = (id: number, who: string): ConnectionPoint => {
    const bus = grid.buses.find((b) => b.id === id);
    if (bus === undefined) fail(`the ${who}'s bus ${id} is not in the grid`);
    return { kv: bus.baseKv, bus: id };
  };
  return crossingFee(tariff, pointOf(sellerBus, 'seller'), pointOf(buyerBus, 'buyer'));
}

/** Reads and checks a tariff document: `{ "levels": [{ name, maxKv, tdPricePerKwh }], "levelsBetweenBuses"? }`. */
export function tariffFromJson(value: unknown): CrossingTariff {
  if (typeof value !== 'object' || value === null) fail('a tariff is an object with a "levels" array');
  const doc = value as Record<string, unknown>;
  if (!Array.isArray(doc.levels)) fail('a tariff is an object with a "levels" array');
  if ('levelsAboveConnection' in doc) fail('"levelsAboveConnection" is now "levelsBetweenBuses"');
  const levels = (doc.levels as unknown[]).map((item, i): TariffLevel => {
    if (typeof item !== 'object' || item === null) fail(`levels[${i}] must be an object`);
    const l = item as Record<string, unknown>;
    if (typeof l.maxKv !== 'number' || typeof l.tdPricePerKwh !== 'number') {
      fail(`levels[${i}] needs numbers maxKv and tdPricePerKwh`);
    }
    return {
      name: typeof l.name === 'string' ? l.name : `${l.maxKv} kV`,
      maxKv: l.maxKv as number,
      tdPricePerKwh: l.tdPricePerKwh as number,
    };
  });
  const steps = doc.levelsBetweenBuses;
  if (steps !== undefined && typeof steps !== 'number') fail('levelsBetweenBuses must be a number');
  const tariff: CrossingTariff =
    steps === undefined ? { levels } : { levels, levelsBetweenBuses: steps as number };
  checkTariff(tariff);
  return tariff;
}

/** Throws `TARIFF_INVALID` naming the first problem of a tariff. */
export function checkTariff(tariff: CrossingTariff): void {
  checkedLevels(tariff);
}

function checkedLevels(tariff: CrossingTariff): TariffLevel[] {
  if (tariff.levels.length === 0) fail('the tariff has no voltage levels');
  const steps = tariff.levelsBetweenBuses ?? 0;
  if (!Number.isSafeInteger(steps) || steps < 0) fail('levelsBetweenBuses must be a non-negative integer');
  const levels = [...tariff.levels].sort((a, b) => a.maxKv - b.maxKv);
  levels.forEach((level, i) => {
    if (!(level.maxKv > 0) || !Number.isFinite(level.maxKv))
      fail(`level ${level.name}: maxKv must be positive`);
    if (!Number.isSafeInteger(level.tdPricePerKwh) || level.tdPricePerKwh < 0) {
      fail(
        `level ${level.name}: tdPricePerKwh must be a non-negative integer (money units per kWh), not ${level.tdPricePerKwh}`,
      );
    }
    if (i > 0 && levels[i - 1]!.maxKv === level.maxKv) fail(`two levels end at ${level.maxKv} kV`);
  });
  return levels;
}

function levelIndex(levels: readonly TariffLevel[], kv: number, who: string): number {
  if (!(kv > 0) || !Number.isFinite(kv)) fail(`the ${who}'s connection voltage must be positive, not ${kv}`);
  const index = levels.findIndex((l) => kv <= l.maxKv);
  if (index < 0) fail(`no tariff level covers the ${who}'s ${kv} kV connection`);
  return index;
}

function fail(message: string): never {
  throw new GridError('TARIFF_INVALID', `tariff: ${message}`);
}
