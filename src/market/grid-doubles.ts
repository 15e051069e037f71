import type {
  Adjustment,
  ScheduleInterval,
  SecurityChecker,
  SecurityCheckResult,
  Violation,
} from './grid-interface.js';

/**
 * A stand-in for the grid engine's security check with the same contract; its limits live in the
 * market config on chain, so every node computes the same answers. (The crossing fee has no
 * stand-in: the market applies the grid engine's rule itself, see `crossing-tariff.ts`.)
 *
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
