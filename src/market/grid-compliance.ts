import type { ScheduleInterval, SecurityChecker, SecurityCheckResult } from './grid-interface.js';

/**
 * What every SecurityChecker must satisfy for the market to accept its answer, as a reusable
 * check: the grid engine's tests can run it on their own schedules. Returns the broken rules
 * (empty when the answer is acceptable).
 */
export function securityCheckProblems(
  checker: SecurityChecker,
  schedule: readonly ScheduleInterval[],
): string[] {
  const problems: string[] = [];
  const first = checker.check(schedule);
  const second = checker.check(schedule);
  if (JSON.stringify(first) !== JSON.stringify(second)) problems.push('two checks of one schedule differ');
  const energy = new Map<number, number>();
  for (const interval of schedule) for (const entry of interval.entries) energy.set(entry.id, entry.energyWh);
  const seen = new Set<number>();
  for (const adjustment of first.adjustments) {
    const before = energy.get(adjustment.id);
    if (before === undefined) problems.push(`adjustment names unknown trade ${adjustment.id}`);
    else if (
      !Number.isSafeInteger(adjustment.energyWh) ||
      adjustment.energyWh < 0 ||
      adjustment.energyWh > before
    ) {
      problems.push(`adjustment of trade ${adjustment.id} does not reduce it to a whole Wh`);
    }
    if (seen.has(adjustment.id)) problems.push(`trade ${adjustment.id} adjusted twice`);
    seen.add(adjustment.id);
    if (adjustment.reason.length === 0) problems.push(`adjustment of trade ${adjustment.id} has no reason`);
  }
  return problems;
}

/** The schedule after applying a check's adjustments, for checking that violations are resolved. */
export function applyAdjustments(
  schedule: readonly ScheduleInterval[],
  result: SecurityCheckResult,
): ScheduleInterval[] {
  const adjusted = new Map(result.adjustments.map((a) => [a.id, a.energyWh]));
  return schedule.map((interval) => ({
    ...interval,
    entries: interval.entries.map((entry) => {
      const energyWh = adjusted.get(entry.id) ?? entry.energyWh;
      return { ...entry, energyWh, powerKw: energyWh / 1000 / (interval.intervalMs / 3_600_000) };
    }),
  }));
}
