import { type CrossingTariff, checkTariff, crossingFee } from '../grid/fee.js';
import { MarketError } from './errors.js';
import type { Crossing, CrossingFeeTable, GridLocation } from './grid-interface.js';
import type { MarketConfig } from './records.js';

/**
 * The crossing fee on chain: the grid engine's rule (`src/grid/fee.ts`, the one rule the command
 * line prints too) applied to the tariff in the market configuration. Market voltages are whole
 * kV; a connection above the table's top level is priced at the top level and one at 0 kV at the
 * lowest, so a registered member can always be priced. Everything is integer: prices are money
 * units per kWh, and a voltage is only compared.
 */
export class TariffFeeTable implements CrossingFeeTable {
  private readonly tariff: CrossingTariff | null;
  private readonly lowestKv: number;
  private readonly highestKv: number;

  constructor(config: Pick<MarketConfig, 'tariffLevels' | 'levelsBetweenBuses'>) {
    const levels = config.tariffLevels ?? [];
    this.tariff =
      levels.length === 0
        ? null
        : {
            levels: levels.map((l) => ({
              name: `${l.maxVoltageKv} kV`,
              maxKv: l.maxVoltageKv,
              tdPricePerKwh: l.tdPricePerKwh,
            })),
            levelsBetweenBuses: config.levelsBetweenBuses ?? 0,
          };
    const tops = levels.map((l) => l.maxVoltageKv);
    this.lowestKv = Math.min(...tops);
    this.highestKv = Math.max(...tops);
  }

  private point(p: GridLocation): { kv: number; bus: number } {
    return { kv: p.voltageKv === 0 ? this.lowestKv : Math.min(p.voltageKv, this.highestKv), bus: p.bus };
  }

  crossing(seller: GridLocation, buyer: GridLocation): Crossing {
    if (this.tariff === null) return { feePerKwh: 0, levelsAboveSeller: 0 };
    const fee = crossingFee(this.tariff, this.point(seller), this.point(buyer));
    return { feePerKwh: fee.feePerKwh, levelsAboveSeller: fee.levelsAboveSeller };
  }
}

/**
 * Genesis check of the crossing configuration: the tariff must be one the rule accepts, and the
 * retired flat table must be empty so no configuration means something other than it says.
 */
export function checkCrossingConfig(config: MarketConfig): void {
  if (config.feeLevels.length > 0 || config.sameBusFeePerKwh !== 0) {
    throw new MarketError(
      'BAD_CONFIG',
      'feeLevels and sameBusFeePerKwh are retired: give the T&D price per voltage level in tariffLevels',
      {},
    );
  }
  const levels = config.tariffLevels ?? [];
  if (levels.length === 0) return;
  if (levels.some((l) => l.maxVoltageKv === 0)) {
    throw new MarketError('BAD_CONFIG', 'tariffLevels: maxVoltageKv must be positive', {});
  }
  try {
    checkTariff({
      levels: levels.map((l) => ({
        name: `${l.maxVoltageKv} kV`,
        maxKv: l.maxVoltageKv,
        tdPricePerKwh: l.tdPricePerKwh,
      })),
      levelsBetweenBuses: config.levelsBetweenBuses ?? 0,
    });
  } catch (error) {
    throw new MarketError('BAD_CONFIG', (error as Error).message, {});
  }
}
