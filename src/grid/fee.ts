import { GridError } from './errors.js';
import type { Grid } from './model.js';

/**
 * Network crossing fee ("过网费") for a trade over the distribution network. The distributed
 * generation trading rules set it, until a regulator publishes its own, as the transmission and
 * distribution (T&D) price of the buyer's voltage level minus the T&D price of the highest
 * voltage level the trade involves. Higher levels carry lower T&D prices, so a trade that stays
 * low in the network pays less than a trade that climbs to the substation.
 */
export interface TariffLevel {
  /** Name of the level, e.g. "10 kV". */
  readonly name: string;
  /** Highest nominal voltage the level covers, kV; a connection belongs to the first level that covers it. */
  readonly maxKv: number;
  /** Public-network T&D price of the level, per kWh, in the tariff's currency unit. */
  readonly tdPricePerKwh: number;
}

export interface CrossingTariff {
  readonly levels: readonly TariffLevel[];
  /**
   * Levels to climb above the higher of the two connection levels to reach the highest level the
   * trade involves: 0 when a trade between two 10 kV connections stays at 10 kV, 1 when it is
   * taken to pass through the upstream substation. Default 0.
   */
  readonly levelsAboveConnection?: number;
}

export interface CrossingFee {
  readonly feePerKwh: number;
  readonly sellerLevel: string;
  readonly buyerLevel: string;
  readonly highestLevel: string;
}

/** The fee per kWh for a trade between connection points at `sellerKv` and `buyerKv`. */
export function crossingFeePerKwh(tariff: CrossingTariff, sellerKv: number, buyerKv: number): number {
  return crossingFee(tariff, sellerKv, buyerKv).feePerKwh;
}

export function crossingFee(tariff: CrossingTariff, sellerKv: number, buyerKv: number): CrossingFee {
  const levels = checkedLevels(tariff);
  const seller = levelIndex(levels, sellerKv, 'seller');
  const buyer = levelIndex(levels, buyerKv, 'buyer');
  const steps = tariff.levelsAboveConnection ?? 0;
  if (!Number.isSafeInteger(steps) || steps < 0) fail('levelsAboveConnection must be a non-negative integer');
  const highest = Math.min(Math.max(seller, buyer) + steps, levels.length - 1);
  const fee = levels[buyer]!.tdPricePerKwh - levels[highest]!.tdPricePerKwh;
  return {
    // The rule never pays the buyer for using the network.
    feePerKwh: Math.max(0, fee),
    sellerLevel: levels[seller]!.name,
    buyerLevel: levels[buyer]!.name,
    highestLevel: levels[highest]!.name,
  };
}

/** The fee for a trade between two buses of a grid, at their base voltages. */
export function crossingFeeBetweenBuses(
  tariff: CrossingTariff,
  grid: Grid,
  sellerBus: number,
  buyerBus: number,
): CrossingFee {
  const kvOf = (id: number, who: string) => {
    const bus = grid.buses.find((b) => b.id === id);
    if (bus === undefined) fail(`the ${who}'s bus ${id} is not in the grid`);
    return bus.baseKv;
  };
  return crossingFee(tariff, kvOf(sellerBus, 'seller'), kvOf(buyerBus, 'buyer'));
}

/** Reads and checks a tariff document: `{ "levels": [{ name, maxKv, tdPricePerKwh }], ... }`. */
export function tariffFromJson(value: unknown): CrossingTariff {
  if (typeof value !== 'object' || value === null) fail('a tariff is an object with a "levels" array');
  const doc = value as Record<string, unknown>;
  if (!Array.isArray(doc.levels)) fail('a tariff is an object with a "levels" array');
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
  const steps = doc.levelsAboveConnection;
  if (steps !== undefined && typeof steps !== 'number') fail('levelsAboveConnection must be a number');
  const tariff: CrossingTariff =
    steps === undefined ? { levels } : { levels, levelsAboveConnection: steps as number };
  checkedLevels(tariff);
  return tariff;
}

function checkedLevels(tariff: CrossingTariff): TariffLevel[] {
  if (tariff.levels.length === 0) fail('the tariff has no voltage levels');
  const levels = [...tariff.levels].sort((a, b) => a.maxKv - b.maxKv);
  levels.forEach((level, i) => {
    if (!(level.maxKv > 0) || !Number.isFinite(level.maxKv))
      fail(`level ${level.name}: maxKv must be positive`);
    if (!Number.isFinite(level.tdPricePerKwh) || level.tdPricePerKwh < 0) {
      fail(`level ${level.name}: tdPricePerKwh must be a finite non-negative number`);
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
