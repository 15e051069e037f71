import type {
  Adjustment,
  CrossingFeeTable,
  GridLocation,
  ScheduleInterval,
  SecurityChecker,
  SecurityCheckResult,
  Violation,
} from './grid-interface.js';

/**
 * Stand-ins for the grid engine with the same contracts: a crossing-fee table by voltage level
 * and a per-bus export limit with pro-rata curtailment. Their parameters live in the market
 * config on chain, so every node computes the same answers.
 */
export class VoltageLevelFeeTable implements CrossingFeeTable {
  /** Levels sorted by voltage; the fee of the first level whose maximum covers the voltage. */
  private readonly levels: { maxVoltageKv: number; feePerKwh: number }[];

  constructor(
    levels: readonly { maxVoltageKv: number; feePerKwh: number }[],
    private readonly sameBusFeePerKwh: number,
  ) {
    this.levels = [...levels].sort((a, b) => a.maxVoltageKv - b.maxVoltageKv);
  }

  /**
   * Energy that stays on one bus pays the same-bus fee; otherwise it pays the fee of the highest
   * voltage level it must pass through, that of the higher of the two connection voltages.
   */
  feePerKwh(seller: GridLocation, buyer: GridLocation): number {
    if (seller.bus === buyer.bus) return this.sameBusFeePerKwh;
    const voltage = Math.max(seller.voltageKv, buyer.voltageKv);
    const level = this.levels.find((entry) => voltage <= entry.maxVoltageKv) ?? this.levels.at(-1);
    return level?.feePerKwh ?? 0;
  }
}

/**
 * Each listed bus may export at most `exportLimitKw`. When an interval's trades from a bus exceed
 * it, every trade from that bus is cut in proportion (rounded down to whole Wh), and the check
 * reports the violation it resolved.
 */
export class BusExportLimitChecker implements SecurityChecker {
  private readonly limits: Map<number, number>;

  constructor(limits: readonly { bus: number; exportLimitKw: number }[]) {
    this.limits = new Map(limits.map((entry) => [entry.bus, entry.exportLimitKw]));
  }

  check(schedule: readonly ScheduleInterval[]): SecurityCheckResult {
    const violations: Violation[] = [];
    const adjustments: Adjustment[] = [];
    for (const interval of schedule) {
      const byBus = new Map<number, { energyWh: number; ids: number[] }>();
      for (const entry of interval.entries) {
        const slot = byBus.get(entry.sellerBus) ?? { energyWh: 0, ids: [] };
        slot.energyWh += entry.energyWh;
        slot.ids.push(entry.id);
        byBus.set(entry.sellerBus, slot);
      }
      const hours = interval.intervalMs / 3_600_000;
      for (const bus of [...byBus.keys()].sort((a, b) => a - b)) {
        const limitKw = this.limits.get(bus);
        const slot = byBus.get(bus)!;
        if (limitKw === undefined) continue;
        const limitWh = Math.floor(limitKw * 1000 * hours);
        if (slot.energyWh <= limitWh) continue;
        const scheduledKw = slot.energyWh / 1000 / hours;
        violations.push({ interval: interval.interval, element: `bus ${bus} export`, limitKw, scheduledKw });
        for (const entry of interval.entries) {
          if (entry.sellerBus !== bus) continue;
          adjustments.push({
            id: entry.id,
            energyWh: Math.floor((entry.energyWh * limitWh) / slot.energyWh),
            reason: `bus ${bus} export limit ${limitKw} kW exceeded (${scheduledKw.toFixed(1)} kW scheduled): pro-rata curtailment`,
          });
        }
      }
    }
    return { violations, adjustments };
  }
}
